/**
 * `npm run example:broken [-- FAULT...]`: the main job against the example with a broken hop. Runs
 * `tracecheck run -- node examples/three-services/drive-checkout.ts` once per fault (`drop-context`, `slow`,
 * `error`; all three by default) with `EXAMPLE_FAULT` set, printing each pretty report. Every variant must fail
 * its specs (tracecheck exits 1): so this exits 1 when each did, and 3 when a variant passed, which would mean
 * the specs no longer catch that broken hop. Any other code of tracecheck's is passed on.
 *
 * @example
 * ```sh
 * npm run example:broken              # all three faults
 * npm run example:broken -- slow      # just the slow inventory
 * ```
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { exampleFaultFrom, type ExampleFault } from './faults.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const requested = process.argv.slice(2);
const faults: ExampleFault[] = (requested.length === 0 ? ['drop-context', 'slow', 'error'] : requested).map((name) =>
  exampleFaultFrom({ EXAMPLE_FAULT: name }),
);

let exitCode = 1;
for (const fault of faults) {
  process.stdout.write(`\n━━ EXAMPLE_FAULT=${fault}: this run must fail ━━\n`);
  const child = spawn(
    process.execPath,
    // drive-checkout has stopped its services (flushing them) before tracecheck judges, so what is missing then
    // stays missing: a short deadline for positive expectations only shortens the wait for the verdict.
    ['--env-file=examples/three-services/example.env', 'bin/tracecheck.js', 'run', '--timeout', '3s', '--', process.execPath, 'examples/three-services/drive-checkout.ts'],
    { cwd: root, stdio: 'inherit', env: { ...process.env, EXAMPLE_FAULT: fault } },
  );
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code === 0) {
    process.stderr.write(`example:broken: EXAMPLE_FAULT=${fault} passed every spec; the specs no longer catch this broken hop\n`);
    exitCode = 3;
  } else if (code !== 1 && exitCode === 1) {
    exitCode = code ?? 1;
  }
}
process.exitCode = exitCode;

/**
 * Writes the html report of the three-service example as a person gets it: `npm run example -- --reporter html
 * --out FILE` (examples/three-services/main-job.ts, which runs `tracecheck run ... -- node drive-checkout.ts` as a
 * real child process), with the fault in the environment. Shared by the browser test and scripts/report-screenshot.ts.
 */
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExampleFault } from '../../examples/three-services/faults.ts';
import { runProgram, type ChildOutcome } from './child-process.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** How long one run of the example may take on a busy 2-core machine (three SDK-instrumented services start). */
const EXAMPLE_MILLIS = 110_000;

/**
 * Runs `npm run example -- OPTIONS` as npm would (examples/three-services/main-job.ts, in the repository, this Node
 * first on PATH, no OTEL_* of the developer's shell), with the fault (`none`: healthy) in the environment.
 */
export function runExample(options: readonly string[], fault: ExampleFault): Promise<ChildOutcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, NO_COLOR: '1' };
  for (const key of Object.keys(env)) if (key.startsWith('OTEL_')) delete env[key];
  delete env['EXAMPLE_CUSTOMER'];
  if (fault !== 'none') env['EXAMPLE_FAULT'] = fault;
  else delete env['EXAMPLE_FAULT'];
  return runProgram(process.execPath, ['--env-file=examples/three-services/example.env', 'examples/three-services/main-job.ts', ...options], env, EXAMPLE_MILLIS, repoRoot);
}

/** Runs the example (healthy with `none`) and writes its html report to `outFile`: `npm run example -- --reporter html --out FILE`. */
export function writeExampleReport(fault: ExampleFault, outFile: string): Promise<ChildOutcome> {
  // As run-broken.ts: the services have flushed before judging, so a short deadline only shortens a failing wait.
  const timeout = fault === 'none' ? [] : ['--timeout', '3s'];
  return runExample([...timeout, '--reporter', 'html', '--out', outFile], fault);
}

/**
 * Issue 16's acceptance, in full: records the healthy example as a snapshot (`tracecheck snapshot`), then runs
 * the example against it many times in a row (`tracecheck run --specs SNAPSHOT`); every run must pass. Stops at
 * the first failure and prints that run's report. Not part of `npm test` (which repeats it 3 times, in
 * test/examples/snapshot.test.ts): 20 runs take about three minutes.
 *
 * Usage: `npm run example:snapshot-repeat` or `node bench/stability/snapshot-repeat.ts [--runs N]` (default 20).
 * Exit code 0 when every run passed, 1 otherwise.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { judgeExampleSnapshot, recordExampleSnapshot } from '../../examples/three-services/snapshot-example.ts';

const { values } = parseArgs({ args: process.argv.slice(2), options: { runs: { type: 'string', default: '20' } }, strict: true });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`snapshot-repeat: --runs must be a positive whole number, got ${JSON.stringify(values.runs)}`);
  process.exit(2);
}

const dir = await mkdtemp(join(tmpdir(), 'tracecheck-snapshot-repeat-'));
const specFile = join(dir, 'example-shape.yaml');
let exitCode = 0;
try {
  const recorded = await recordExampleSnapshot(specFile);
  if (recorded.code !== 0) throw new Error(`recording failed (exit ${recorded.code}):\n${recorded.stderr}`);
  console.log(recorded.stderr.trim());
  for (let i = 1; i <= runs; i++) {
    const started = performance.now();
    const judged = await judgeExampleSnapshot(specFile, 'none');
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (judged.code !== 0) {
      console.log(`\n----- run ${i} -----\n${judged.stdout}\n${judged.stderr}\n----- end of run ${i} -----`);
      console.log(`run ${i} of ${runs} failed (exit ${judged.code}) after ${i - 1} passed`);
      exitCode = 1;
      break;
    }
    console.log(`run ${i} of ${runs} passed the snapshot (${seconds} s)`);
  }
  if (exitCode === 0) console.log(`${runs} of ${runs} runs passed the snapshot`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.exitCode = exitCode;

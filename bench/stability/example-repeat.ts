/**
 * Runs the healthy example (`npm run example`) many times in a row, to show its verdict is not flaky: each run
 * must exit 0, and its report must carry no clock-skew note (every service runs on this machine, on one clock).
 * Stops at the first failure and prints that run's whole output. Not part of `npm test` or `npm run bench`: 30
 * runs take a few minutes.
 *
 * Usage: `npm run example:repeat` or `node bench/stability/example-repeat.ts [--runs N]` (default 30). Exit code 0
 * when every run passed, 1 otherwise. It lives in a folder of its own so that `bench/run.ts`, which runs every
 * module of bench/, does not pick it up.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const DEFAULT_RUNS = 30;
/** A run of the example takes about 3 s; one that takes this long is stuck, and counts as a failure. */
const RUN_TIMEOUT_MILLIS = 120_000;
/** What a clock-skew note starts with in the pretty report (src/engine/clock-skew.ts, `skewNotes`). */
const SKEW_NOTE = 'clock skew:';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `npm run example`, with this process's node: the same command package.json's `example` script runs. */
const exampleCommand: readonly string[] = [
  '--env-file=examples/three-services/example.env',
  'bin/tracecheck.js',
  'run',
  '--',
  process.execPath,
  'examples/three-services/drive-checkout.ts',
];

interface RunOutcome {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly output: string;
  readonly millis: number;
  readonly timedOut: boolean;
}

/** Runs the example once, collecting stdout and stderr together in the order they arrive. */
function runExample(): Promise<RunOutcome> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, exampleCommand, { cwd: root, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    let timedOut = false;
    const watchdog = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
    }, RUN_TIMEOUT_MILLIS);
    child.once('error', (error) => {
      clearTimeout(watchdog);
      reject(error);
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(watchdog);
      resolve({ exitCode, signal, output: Buffer.concat(chunks).toString('utf8'), millis: performance.now() - started, timedOut });
    });
  });
}

/** Why a run failed, or undefined when it passed. */
function failureOf(outcome: RunOutcome): string | undefined {
  if (outcome.timedOut) return `did not finish within ${RUN_TIMEOUT_MILLIS / 1000} s`;
  if (outcome.exitCode !== 0) return outcome.signal === null ? `exited with code ${outcome.exitCode}` : `was killed by ${outcome.signal}`;
  const notes = outcome.output.split('\n').filter((line) => line.includes(SKEW_NOTE));
  if (notes.length > 0) return `passed, but its report has ${notes.length} clock-skew note${notes.length === 1 ? '' : 's'} on a one-host run:\n${notes.join('\n')}`;
  return undefined;
}

/** Runs the example `runs` times, stopping at the first failure; true when all passed. */
export async function repeatExample(runs: number): Promise<boolean> {
  const millis: number[] = [];
  for (let i = 1; i <= runs; i++) {
    const outcome = await runExample();
    const failure = failureOf(outcome);
    if (failure !== undefined) {
      process.stdout.write(`\n----- output of run ${i} -----\n${outcome.output}\n----- end of run ${i} -----\n`);
      console.log(`run ${i} of ${runs} ${failure}`);
      console.log(`${i - 1} of ${runs} passed before run ${i} failed`);
      return false;
    }
    millis.push(outcome.millis);
    console.log(`run ${i} of ${runs} passed (${(outcome.millis / 1000).toFixed(1)} s)`);
  }
  const total = millis.reduce((a, b) => a + b, 0);
  console.log(`${runs} of ${runs} passed, none with a clock-skew note (${(total / 1000).toFixed(0)} s in all)`);
  return true;
}

function parseRuns(argv: readonly string[]): number {
  const { values } = parseArgs({ args: [...argv], options: { runs: { type: 'string' } }, strict: true });
  if (values.runs === undefined) return DEFAULT_RUNS;
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive whole number, got ${JSON.stringify(values.runs)}`);
  return runs;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let runs: number;
  try {
    runs = parseRuns(process.argv.slice(2));
  } catch (error) {
    console.error(`example-repeat: ${(error as Error).message}\nusage: node bench/stability/example-repeat.ts [--runs N]`);
    process.exit(2);
  }
  process.exitCode = (await repeatExample(runs)) ? 0 : 1;
}

/**
 * The example under snapshots (docs/snapshots.md): record the healthy example's traces as a spec with
 * `tracecheck snapshot`, then judge runs of it, healthy or with a fault, against that spec with `tracecheck run`.
 * Used by test/examples/snapshot.test.ts and by `npm run example:snapshot-repeat` (20 runs in a row).
 *
 * @example
 * ```ts
 * await recordExampleSnapshot('/tmp/example-shape.yaml');
 * const broken = await judgeExampleSnapshot('/tmp/example-shape.yaml', 'rename-span'); // broken.code === 1
 * ```
 */
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExampleFault } from './faults.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const driveCheckout = ['node', 'examples/three-services/drive-checkout.ts'];

/** How a tracecheck process ended, and what it wrote. */
export interface TracecheckOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Records the healthy example (three checkouts) into `specFile`, one shape per distinct trace shape. */
export function recordExampleSnapshot(specFile: string): Promise<TracecheckOutcome> {
  return tracecheck(['snapshot', '--specs-out', specFile, '--', ...driveCheckout], 'none');
}

/**
 * Runs the example with `fault` under `tracecheck run --specs specFile`. Missing spans stay missing once
 * drive-checkout has stopped its services (which flushes them), so a short deadline only shortens a failure.
 */
export function judgeExampleSnapshot(specFile: string, fault: ExampleFault): Promise<TracecheckOutcome> {
  return tracecheck(['run', '--specs', specFile, '--timeout', '3s', '--', ...driveCheckout], fault);
}

/** bin/tracecheck.js with this process's node first on PATH (as npm arranges), no OTEL_* of ours, no colour. */
function tracecheck(args: readonly string[], fault: ExampleFault): Promise<TracecheckOutcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, NO_COLOR: '1', FORCE_COLOR: '0' };
  for (const key of Object.keys(env)) if (key.startsWith('OTEL_')) delete env[key];
  if (fault === 'none') delete env['EXAMPLE_FAULT'];
  else env['EXAMPLE_FAULT'] = fault;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--env-file=examples/three-services/example.env', 'bin/tracecheck.js', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Writes the html report of the three-service example as a person gets it: `npm run example -- --reporter html
 * --out FILE` (examples/three-services/main-job.ts, which runs `tracecheck run ... -- node drive-checkout.ts` as a
 * real child process), with the fault in the environment. Shared by the browser test and scripts/report-screenshot.ts.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExampleFault } from '../../examples/three-services/faults.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** How `tracecheck run` ended, with what it printed. */
export interface ExampleReportOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the example (healthy with `none`) and writes its html report to `outFile`. */
export async function writeExampleReport(fault: ExampleFault, outFile: string): Promise<ExampleReportOutcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, NO_COLOR: '1' };
  for (const key of Object.keys(env)) if (key.startsWith('OTEL_')) delete env[key];
  delete env['EXAMPLE_CUSTOMER'];
  if (fault !== 'none') env['EXAMPLE_FAULT'] = fault;
  else delete env['EXAMPLE_FAULT'];
  // As run-broken.ts: the services have flushed before judging, so a short deadline only shortens a failing wait.
  const timeout = fault === 'none' ? [] : ['--timeout', '3s'];
  const child = spawn(
    process.execPath,
    // `npm run example -- [--timeout 3s] --reporter html --out FILE`, as the issue and the README write it.
    ['--env-file=examples/three-services/example.env', 'examples/three-services/main-job.ts', ...timeout, '--reporter', 'html', '--out', outFile],
    { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

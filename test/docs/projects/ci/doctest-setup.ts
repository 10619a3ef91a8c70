/**
 * The saved OTLP a README line judges offline (`tracecheck check --traces saved.jsonl`): the installed
 * `tracecheck serve --save` receives the three-service example's checkouts, as a staging sidecar would.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';

const serve = spawn('node_modules/.bin/tracecheck', ['serve', '--http-port', '0', '--grpc-port', '0', '--save', 'saved.jsonl'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const urls: Record<string, string> = {};
for await (const line of createInterface({ input: serve.stdout })) {
  const listening = /listening on (\S+) \(OTLP\/(HTTP|gRPC)/u.exec(line);
  if (listening !== null) urls[listening[2] as string] = listening[1] as string;
  if (urls['HTTP'] !== undefined && urls['gRPC'] !== undefined) break;
}
if (urls['HTTP'] === undefined || urls['gRPC'] === undefined) throw new Error('tracecheck serve never said where it listens');
const drive = spawn('node', [`${process.env['DOCS_EXAMPLES_DIR']}/three-services/drive-checkout.ts`], {
  stdio: 'inherit',
  env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: urls['HTTP'], TRACECHECK_OTLP_GRPC_ENDPOINT: urls['gRPC'], OTEL_BSP_SCHEDULE_DELAY: '50' },
});
const [driveCode] = (await once(drive, 'exit')) as [number | null];
serve.kill('SIGTERM');
const [serveCode] = (await once(serve, 'exit')) as [number | null];
if (driveCode !== 0 || serveCode !== 0) throw new Error(`drive-checkout exited ${driveCode}, serve ${serveCode}`);

/**
 * Runs a service with docs/diagnostics.md's tracing.ts and checks that its server span records the request
 * headers the propagation diagnosis reads, as the doc promises.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { startCollector } from 'tracecheck';

const collector = await startCollector();
const run = collector.run();
const service = spawn('node', ['--import', './tracing.ts', 'server.cjs'], { env: { ...process.env, ...run.env }, stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = (await once(createInterface({ input: service.stdout }), 'line')) as [string];
const { port } = JSON.parse(line) as { port: number };
const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
await fetch(`http://127.0.0.1:${port}/work`, { headers: { traceparent } });
service.kill('SIGTERM');
await once(service, 'exit');
await run.settled({ quietMillis: 200, timeoutMillis: 10_000 });
const server = run.spans().find((span) => span.kind === 2);
if (server === undefined) throw new Error(`no server span arrived (${run.spans().length} spans)`);
const recorded = ['traceparent', 'host'].filter((name) => server.attributes[`http.request.header.${name}`] !== undefined);
console.log(`recorded: ${recorded.join(', ')}`);
if (server.traceId !== '0af7651916cd43dd8448eb211c80319c') throw new Error(`the service did not continue the caller's trace: ${server.traceId}`);
await collector.close();

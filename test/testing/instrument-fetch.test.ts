// instrumentTestProcess() traces the test's own fetch calls: a client span in the run for each request, its
// context sent along so a service continues the trace, and errors marked. Real collector, real sdk-node, a real
// HTTP server that records the traceparent it receives.
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { once } from 'node:events';
import { trace } from '@opentelemetry/api';
import { afterEach, expect, test } from 'vitest';
import { startCollector } from '../../src/testing/index.ts';
import type { Collector } from '../../src/testing/index.ts';
import { describeFailure, instrumentTestProcess } from '../../src/testing/index.ts';
import type { TestProcessTelemetry } from '../../src/testing/index.ts';
import { SpanKind, StatusCode } from '../../src/model/index.ts';

let collector: Collector | undefined;
let server: Server | undefined;
let telemetry: TestProcessTelemetry | undefined;
afterEach(async () => {
  await telemetry?.shutdown();
  server?.close();
  await collector?.close();
  telemetry = undefined;
  server = undefined;
  collector = undefined;
});

/** A server on port 0 that answers `status` and keeps the headers of each request. */
async function startServer(status: number): Promise<{ url: string; received: IncomingHttpHeaders[] }> {
  const received: IncomingHttpHeaders[] = [];
  server = createServer((request, response) => {
    received.push(request.headers);
    response.writeHead(status).end('done');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, received };
}

test('a fetch in the test process is a client span of the run, and the server gets its traceparent', async () => {
  collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null, log: () => {} });
  const run = collector.run();
  const target = await startServer(200);
  telemetry = await instrumentTestProcess({ collectorUrl: collector.httpUrl, runId: run.id, serviceName: 'checkout-test' });
  await trace.getTracer('test').startActiveSpan('place order', async (parent) => {
    const response = await fetch(`${target.url}/checkout?item=mug`, { method: 'POST', body: '{}' });
    await response.text();
    parent.end();
  });
  await telemetry.shutdown();
  telemetry = undefined;

  const result = await run.expect(
    {
      name: 'fetch traced',
      expect: [{ spans: 'service = "checkout-test" && name = "place order" > service = "checkout-test" && kind = client && name = "POST"', attributes: { 'http.response.status_code': 200 } }],
    },
    { timeout: '5s' },
  );
  expect(result.passed, describeFailure(result)).toBe(true);
  const client = run.spans().find((s) => s.kind === SpanKind.CLIENT);
  expect(client?.attributes['url.full']).toBe(`${target.url}/checkout?item=mug`);
  expect(client?.attributes['http.request.method']).toBe('POST');
  // The service side continues the trace: the request carried the client span's context.
  expect(target.received[0]?.['traceparent']).toBe(`00-${client?.traceId}-${client?.spanId}-01`);
  // The SDK's own exports to the collector are not traced.
  expect(run.spans().filter((s) => s.kind === SpanKind.CLIENT)).toHaveLength(1);
});

test('a fetch that already carries run.headers() keeps its traceparent and gets no second one', async () => {
  collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null, log: () => {} });
  const run = collector.run();
  const target = await startServer(200);
  telemetry = await instrumentTestProcess({ collectorUrl: collector.httpUrl, runId: run.id });
  const headers = run.headers();
  await (await fetch(target.url, { headers })).text();
  expect(target.received[0]?.['traceparent']).toBe(headers.traceparent);
});

test('a failing fetch and an error response are client spans with status error', async () => {
  collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null, log: () => {} });
  const run = collector.run();
  const failing = await startServer(503);
  const closed = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null, log: () => {} });
  const closedUrl = closed.httpUrl;
  await closed.close();
  telemetry = await instrumentTestProcess({ collectorUrl: collector.httpUrl, runId: run.id });
  await (await fetch(`${failing.url}/stock`)).text();
  await expect(fetch(`${closedUrl}/nothing-here`)).rejects.toThrow();
  await telemetry.shutdown();
  telemetry = undefined;

  const result = await run.expect({ name: 'errors', expect: [{ spans: 'kind = client && status = error', count: 2 }] }, { timeout: '5s' });
  expect(result.passed, describeFailure(result)).toBe(true);
  const statuses = run.spans().map((s) => [s.attributes['http.response.status_code'] ?? s.attributes['error.type'], s.status.code]);
  expect(statuses).toContainEqual([503n, StatusCode.ERROR]);
  expect(statuses).toContainEqual(['ECONNREFUSED', StatusCode.ERROR]);
});

test('every one of 200 spans ended at once reaches the run (more than the exporter allows in flight)', async () => {
  collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null, log: () => {} });
  const run = collector.run();
  telemetry = await instrumentTestProcess({ collectorUrl: collector.httpUrl, runId: run.id });
  const count = 200;
  const tracer = trace.getTracer('test');
  for (let i = 0; i < count; i++) tracer.startSpan(`step ${i}`).end();
  await telemetry.shutdown();
  telemetry = undefined;
  expect(new Set(run.spans().map((s) => s.name)).size).toBe(count);
});

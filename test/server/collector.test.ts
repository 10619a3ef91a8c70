import { ExportResultCode } from '@opentelemetry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { startCollector } from '../../src/server/index.ts';
import type { Collector } from '../../src/server/index.ts';
import type { RunEviction } from '../../src/store/index.ts';
import { makeSdkSpans } from '../support/sdk-traces.ts';
import { exportVia } from './exporters.ts';
import type { Transport } from './exporters.ts';

const checkout = [
  { ref: 'gw', name: 'POST /checkout', kind: 'server', service: 'gateway' },
  { ref: 'call', parent: 'gw', name: 'POST /orders', kind: 'client', service: 'gateway' },
  { ref: 'orders', parent: 'call', name: 'POST /orders', kind: 'server', service: 'orders', attributes: { 'order.items': 3 } },
  { parent: 'orders', name: 'INSERT orders', kind: 'client', service: 'orders', status: { code: 'error', message: 'deadlock' } },
] as const;

describe('startCollector', () => {
  let collector: Collector | undefined;
  afterEach(async () => {
    await collector?.close();
    collector = undefined;
  });

  it.each<[Transport, boolean]>([
    ['http/protobuf', false],
    ['http/json', true],
    ['grpc', false],
    ['grpc', true],
  ])('takes a real %s export (gzip %s) tagged by header into the run', async (transport, gzip) => {
    collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
    const run = collector.run('run-42');
    const spans = await makeSdkSpans([...checkout]);
    const url = transport === 'grpc' ? collector.grpcUrl : collector.httpUrl;
    const result = await exportVia(transport, url, spans, { headers: { 'x-test-run-id': 'run-42' }, gzip });
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    const outcome = await run.settled({ quietMillis: 20, timeoutMillis: 5_000 });
    expect(outcome).toMatchObject({ settled: true, reason: 'quiet', spanCount: 4, traceCount: 1, orphanCount: 0 });
    const [trace] = run.traces();
    expect(trace?.traceId).toBe(spans[0]?.spanContext().traceId);
    const root = trace?.roots[0];
    expect(root?.span.name).toBe('POST /checkout');
    expect(root?.children[0]?.children[0]?.span.resource.attributes['service.name']).toBe('orders');
    expect(root?.children[0]?.children[0]?.children[0]?.span.status).toEqual({ code: 2, message: 'deadlock' });
    expect(run.spans().map((s) => s.spanId).sort()).toEqual(spans.map((s) => s.spanContext().spanId).sort());
  });

  it('assembles one trace from services exporting over different transports, tagged only at the root', async () => {
    collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
    const run = collector.run();
    expect(run.id).toMatch(/^[0-9a-f]{16}$/);
    const spans = await makeSdkSpans([...checkout]);
    const gateway = spans.filter((s) => s.resource.attributes['service.name'] === 'gateway');
    const orders = spans.filter((s) => s.resource.attributes['service.name'] === 'orders');
    // orders is a long-lived service with untagged settings and exports first, over gRPC.
    expect((await exportVia('grpc', collector.grpcUrl, orders)).code).toBe(ExportResultCode.SUCCESS);
    expect(run.spans()).toHaveLength(0);
    expect(collector.store.unclaimedTraces()).toHaveLength(1);
    expect((await exportVia('http/json', collector.httpUrl, gateway, { headers: { 'x-test-run-id': run.id } })).code).toBe(ExportResultCode.SUCCESS);
    await run.settled({ quietMillis: 20, timeoutMillis: 5_000 });
    const [trace] = run.traces();
    expect(trace?.spans).toHaveLength(4);
    expect(trace?.orphans).toEqual([]);
    expect(collector.store.unclaimedTraces()).toHaveLength(0);
  });

  it('keeps two concurrent runs apart', async () => {
    collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
    const a = collector.run('a');
    const b = collector.run('b');
    const [spansA, spansB] = await Promise.all([
      makeSdkSpans([...checkout], { resourceAttributes: { 'test.run.id': 'a' } }),
      makeSdkSpans([...checkout], { resourceAttributes: { 'test.run.id': 'b' } }),
    ]);
    const c = collector;
    await Promise.all([exportVia('http/protobuf', c.httpUrl, spansA), exportVia('grpc', c.grpcUrl, spansB)]);
    await Promise.all([a.settled({ quietMillis: 20 }), b.settled({ quietMillis: 20 })]);
    expect(a.traces().map((t) => t.traceId)).toEqual([spansA[0]?.spanContext().traceId]);
    expect(b.traces().map((t) => t.traceId)).toEqual([spansB[0]?.spanContext().traceId]);
  });

  it('requires the bearer token on both transports when one is set', async () => {
    collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0, authToken: 's3cret' });
    const run = collector.run('guarded');
    const spans = await makeSdkSpans([...checkout], { resourceAttributes: { 'test.run.id': 'guarded' } });
    expect((await exportVia('http/protobuf', collector.httpUrl, spans)).code).toBe(ExportResultCode.FAILED);
    expect((await exportVia('grpc', collector.grpcUrl, spans)).code).toBe(ExportResultCode.FAILED);
    expect((await fetch(`${collector.httpUrl}/api/runs`)).status).toBe(401);
    expect(run.spans()).toHaveLength(0);
    const headers = { authorization: 'Bearer s3cret' };
    expect((await exportVia('grpc', collector.grpcUrl, spans, { headers })).code).toBe(ExportResultCode.SUCCESS);
    expect(run.spans()).toHaveLength(4);
    const listed = await fetch(`${collector.httpUrl}/api/runs`, { headers });
    expect(listed.status).toBe(200);
    expect(run.env['OTEL_EXPORTER_OTLP_HEADERS']).toBe('x-test-run-id=guarded,authorization=Bearer%20s3cret');
  });

  it('evicts the oldest run over maxSpans, tells onEvict and logs it', async () => {
    const evictions: RunEviction[] = [];
    const logged: string[] = [];
    collector = await startCollector({ httpPort: 0, grpcPort: null, maxSpans: 6, onEvict: (e) => evictions.push(e), log: (l) => logged.push(l) });
    const first = collector.run('first');
    const waiting = first.settled({ quietMillis: 60_000, timeoutMillis: 120_000 });
    const headers = (id: string) => ({ 'x-test-run-id': id });
    await exportVia('http/protobuf', collector.httpUrl, await makeSdkSpans([...checkout]), { headers: headers('first') });
    await exportVia('http/protobuf', collector.httpUrl, await makeSdkSpans([...checkout]), { headers: headers('second') });
    expect(evictions).toEqual([{ runId: 'first', spanCount: 4, traceCount: 1, retainedBytes: expect.any(Number), reason: 'max-spans' }]);
    expect(logged.join('\n')).toMatch(/evicted run "first" \(4 spans, 1 traces, about \d+ bytes\).*the span cap \(maxSpans/);
    expect(await waiting).toMatchObject({ settled: false, reason: 'evicted' });
    expect(first.state).toBe('evicted');
    expect(collector.run('second').spans()).toHaveLength(4);
  });

  it('hands out env for each protocol and untagged env for shared services', async () => {
    collector = await startCollector({ httpPort: 0, grpcPort: 0 });
    const run = collector.run('run-env');
    expect(run.env).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-test-run-id=run-env',
      OTEL_RESOURCE_ATTRIBUTES: 'test.run.id=run-env',
      OTEL_TRACES_EXPORTER: 'otlp',
    });
    expect(Number(run.env['OTEL_BSP_SCHEDULE_DELAY'])).toBeLessThanOrEqual(100);
    expect(run.envFor({ protocol: 'grpc', compression: 'gzip' })).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.grpcUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
    });
    expect(collector.env['OTEL_EXPORTER_OTLP_HEADERS']).toBeUndefined();
    expect(collector.env['OTEL_RESOURCE_ATTRIBUTES']).toBeUndefined();
    expect(() => collector?.run('has space')).toThrow(/TC_RUN_ID_INVALID/);
  });

  it('frees its ports on close and ends pending settle waits', async () => {
    collector = await startCollector({ httpPort: 0, grpcPort: 0 });
    const { httpUrl } = collector;
    const pending = collector.run('r').settled({ quietMillis: 60_000, timeoutMillis: 120_000 });
    await collector.close();
    expect(await pending).toMatchObject({ settled: false, reason: 'closed' });
    await expect(fetch(`${httpUrl}/healthz`)).rejects.toThrow();
    const again = await startCollector({ httpPort: Number(new URL(httpUrl).port), grpcPort: null });
    await again.close();
  });
});

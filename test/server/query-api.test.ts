import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '../../src/server/index.ts';
import type { Collector, RunSummaryJson, TraceJson } from '../../src/server/index.ts';
import { decodeExportRequestJson } from '../../src/otlp/index.ts';
import { makeSdkSpans } from '../support/sdk-traces.ts';
import { status as grpcStatus } from '@grpc/grpc-js';
import { rawGrpcExport } from '../receiver/raw-grpc-client.ts';
import { exportVia } from './exporters.ts';

describe('query API over a real socket', () => {
  let collector: Collector;
  let traceId: string;
  let spanIds: Record<string, string>;

  beforeAll(async () => {
    collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null });
    const spans = await makeSdkSpans([
      { ref: 'root', name: 'GET /cart', kind: 'server', service: 'web', attributes: { 'http.response.status_code': 200 } },
      { ref: 'db', parent: 'root', name: 'SELECT cart', kind: 'client', service: 'web', events: [{ name: 'retry', attributes: { attempt: 2 } }] },
    ]);
    traceId = spans[0]?.spanContext().traceId as string;
    spanIds = { root: spans[0]?.spanContext().spanId as string, db: spans[1]?.spanContext().spanId as string };
    await exportVia('http/json', collector.httpUrl, spans, { headers: { 'x-test-run-id': 'q/1' } });
    // An untagged trace whose parent lives elsewhere: unclaimed, and an orphan.
    const lone = await makeSdkSpans([{ ref: 'r', name: 'upstream', service: 'edge' }, { parent: 'r', name: 'downstream', service: 'edge' }]);
    await exportVia('http/protobuf', collector.httpUrl, lone.slice(1));
  });
  afterAll(async () => {
    await collector.close();
  });

  const get = async (path: string) => {
    const response = await fetch(`${collector.httpUrl}${path}`);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('answers /healthz', async () => {
    expect(await get('/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('lists runs with counts, and the unclaimed pool', async () => {
    const { status, body } = await get('/api/runs');
    expect(status).toBe(200);
    expect(body['runs']).toEqual([{ id: 'q/1', state: 'live', spanCount: 2, traceCount: 1, orphanCount: 0, evictedSpanCount: 0 } satisfies RunSummaryJson]);
    expect(body['unclaimed']).toEqual({ spanCount: 1, traceCount: 1 });
  });

  it('serves a run summary and its traces as JSON with hex ids, decimal-string times and the tree', async () => {
    expect((await get('/api/runs/q%2F1')).body).toMatchObject({ id: 'q/1', spanCount: 2 });
    const { status, body } = await get('/api/runs/q%2F1/traces');
    expect(status).toBe(200);
    expect(body['runId']).toBe('q/1');
    const [trace] = body['traces'] as TraceJson[];
    expect(trace?.traceId).toBe(traceId);
    expect(trace?.roots).toEqual([spanIds['root']]);
    expect(trace?.orphans).toEqual([]);
    const root = trace?.spans.find((s) => s.spanId === spanIds['root']);
    const db = trace?.spans.find((s) => s.spanId === spanIds['db']);
    expect(root).toMatchObject({ name: 'GET /cart', kind: 'server', service: 'web', parentSpanId: null, depth: 0, children: [spanIds['db']] });
    expect(root?.startTimeUnixNano).toBe('1700000000000000000');
    expect(root?.attributes).toMatchObject({ 'http.response.status_code': 200 });
    expect(db).toMatchObject({ parentSpanId: spanIds['root'], depth: 1, kind: 'client', events: [{ name: 'retry', attributes: { attempt: 2 } }] });
  });

  it('waits on /settled and reports the outcome', async () => {
    const { status, body } = await get('/api/runs/q%2F1/settled?quietMillis=10&timeoutMillis=5000');
    expect(status).toBe(200);
    expect(body).toMatchObject({ runId: 'q/1', settled: true, reason: 'quiet', spanCount: 2 });
  });

  it('lists unclaimed traces with their orphans', async () => {
    const { body } = await get('/api/unclaimed');
    const [trace] = body['traces'] as TraceJson[];
    expect(trace?.spans.map((s) => s.name)).toEqual(['downstream']);
    expect(trace?.orphans).toHaveLength(1);
  });

  it('hands the unclaimed spans out as one OTLP/JSON export on ?format=otlp, values and ids intact', async () => {
    const { status, body } = await get('/api/unclaimed?format=otlp');
    expect(status).toBe(200);
    const decoded = decodeExportRequestJson(JSON.stringify(body));
    expect(decoded.ok).toBe(true);
    const spans = decoded.ok ? decoded.value.spans : [];
    expect(spans.map((span) => [span.name, span.resource.attributes['service.name']])).toEqual([['downstream', 'edge']]);
    expect(spans[0]?.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
    const bad = await get('/api/unclaimed?format=xml');
    expect(bad.status).toBe(400);
    expect(bad.body['error']).toMatch(/format must be json \(the default\) or otlp/);
  });

  it('answers clear errors: unknown run 404, bad parameter 400, unknown route 404, POST 405', async () => {
    const unknown = await get('/api/runs/nope/traces');
    expect(unknown.status).toBe(404);
    expect(unknown.body['error']).toMatch(/unknown run "nope"/);
    const bad = await get('/api/runs/q%2F1/settled?quietMillis=soon');
    expect(bad.status).toBe(400);
    expect(bad.body['error']).toMatch(/quietMillis must be a non-negative integer/);
    expect((await get('/api/nothing')).status).toBe(404);
    const post = await fetch(`${collector.httpUrl}/api/runs`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('query API answers that once misled (issue 12)', () => {
  let collector: Collector;
  beforeAll(async () => {
    collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null });
  });
  afterAll(async () => {
    await collector.close();
  });

  it('answers settled: false, reason "no-spans" for a run that went quiet without a span, not settled: true', async () => {
    const response = await fetch(`${collector.httpUrl}/api/runs/never-sent/settled?quietMillis=20&timeoutMillis=5000`);
    expect(await response.json()).toMatchObject({ runId: 'never-sent', settled: false, reason: 'no-spans', spanCount: 0 });
  });

  it('refuses over real sockets a JSON time beyond uint64 and a protobuf length prefix of 2^32 + n, storing nothing', async () => {
    const span = (start: string) =>
      `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60d","spanId":"eee19b7ec3c1b175","name":"x","startTimeUnixNano":${start},"endTimeUnixNano":"1"}]}]}]}`;
    for (const start of ['"18446744073709551616"', '18446744073709551616', '"99999999999999999999999"']) {
      const answer = await fetch(`${collector.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-run-id': 'wide-1' }, body: span(start) });
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { message: string }).message).toMatch(/out of range for a fixed64/);
    }
    // Field 1 (resource_spans), LEN, length 2^32 + 1, then one byte: read as 1 it would be an empty ResourceSpans.
    const wide = new Uint8Array([0x0a, 0x81, 0x80, 0x80, 0x80, 0x10, 0x00]);
    const answer = await fetch(`${collector.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'x-test-run-id': 'wide-1' }, body: wide });
    expect(answer.status).toBe(400);
    const grpcCollector = await startCollector({ host: '127.0.0.1', httpPort: null, grpcPort: 0 });
    try {
      const call = await rawGrpcExport(grpcCollector.grpcUrl, wide, { metadata: { 'x-test-run-id': 'wide-1' } });
      expect(call.error?.code).toBe(grpcStatus.INVALID_ARGUMENT);
      expect(call.error?.details).toMatch(/4294967297 bytes/);
    } finally {
      await grpcCollector.close();
    }
    expect((await fetch(`${collector.httpUrl}/api/runs/wide-1`)).status).toBe(404);
  });

  it('keeps an attribute named __proto__ (span and nested kvlist) in /traces', async () => {
    const kv = (key: string, value: unknown) => ({ key, value });
    const body = {
      resourceSpans: [
        {
          resource: { attributes: [kv('service.name', { stringValue: 'web' })] },
          scopeSpans: [
            {
              scope: { name: 's' },
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  name: 'GET /',
                  kind: 2,
                  startTimeUnixNano: '1700000000000000000',
                  endTimeUnixNano: '1700000000001000000',
                  attributes: [
                    kv('__proto__', { stringValue: 'polluted?' }),
                    kv('nested', { kvlistValue: { values: [kv('__proto__', { intValue: '7' })] } }),
                  ],
                },
              ],
            },
          ],
        },
      ],
    };
    const sent = await fetch(`${collector.httpUrl}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-test-run-id': 'proto-1' },
      body: JSON.stringify(body),
    });
    expect(sent.status).toBe(200);
    const traces = (await (await fetch(`${collector.httpUrl}/api/runs/proto-1/traces`)).json()) as { traces: TraceJson[] };
    const attributes = traces.traces[0]?.spans[0]?.attributes as Record<string, unknown>;
    expect(Object.keys(attributes)).toEqual(['__proto__', 'nested']);
    expect(Object.getOwnPropertyDescriptor(attributes, '__proto__')?.value).toBe('polluted?');
    expect(Object.getOwnPropertyDescriptor(attributes['nested'] as object, '__proto__')?.value).toBe(7);
  });
});

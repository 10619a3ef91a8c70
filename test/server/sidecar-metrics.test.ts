// /metrics and continuous verification, end to end: a real `tracecheck serve` process, real OTLP exporters over all
// three transports, and the scrape parsed by a real Prometheus text-format parser.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExportResultCode } from '@opentelemetry/core';
import { afterAll, describe, expect, it } from 'vitest';
import { makeSdkSpans, sdkExportRequestBytes } from '../support/sdk-traces.ts';
import { spawnNode } from './child-processes.ts';
import type { Child } from './child-processes.ts';
import { exportVia } from './exporters.ts';
import { scrape, valueOf } from './sidecar-support.ts';

const bin = fileURLToPath(new URL('../../bin/tracecheck.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tracecheck-metrics-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Resolves once stderr matches `pattern` `times` times; the serve process logs each failed live trace there. */
function waitForStderr(child: Child, pattern: RegExp, times: number, timeoutMillis = 20_000): Promise<void> {
  const count = (): number => child.stderr.match(new RegExp(pattern.source, 'g'))?.length ?? 0;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (count() < times) return;
      clearTimeout(deadline);
      child.process.stderr.off('data', check);
      resolve();
    };
    const deadline = setTimeout(() => {
      child.process.stderr.off('data', check);
      reject(new Error(`saw ${count()} of ${times} ${pattern} within ${timeoutMillis}ms; stderr: ${child.stderr}`));
    }, timeoutMillis);
    child.process.stderr.on('data', check);
    check();
  });
}

const SPECS = `specs:
  - name: checkout answers
    traces: { root: '{ name = "GET /checkout" }' }
    expect:
      - name: a server span answers
        spans: '{ kind = server }'
  - name: checkout charges the card
    traces: { root: '{ name = "GET /checkout" }' }
    expect:
      - name: the card is charged
        spans: '{ name = "charge card" }'
  - name: every run has a trace
    expect:
      - spans: '{ kind = server }'
`;

describe('serve /metrics and --specs', () => {
  it('counts what real exporters sent, what was refused, and each live trace judged, per spec and expectation', async () => {
    const specsDir = join(scratch, 'specs');
    rmSync(specsDir, { recursive: true, force: true });
    writeFileSync(join(scratch, 'specs.yaml'), SPECS);
    const token = 'scrape-me';
    const serve = spawnNode([
      bin, 'serve', '--http-port', '0', '--grpc-port', '0', '--auth-token', token,
      '--specs', join(scratch, 'specs.yaml'), '--trace-quiet', '50ms',
    ]);
    try {
      const [, httpUrl = ''] = await serve.waitFor(/listening on (http:\/\/\S+) \(OTLP\/HTTP/);
      const [, grpcUrl = ''] = await serve.waitFor(/listening on (http:\/\/\S+) \(OTLP\/gRPC/);
      await serve.waitFor(/judging live traces against 2 trace-scoped specs \(1 without a "traces:" selection skipped/);
      // The token guards /metrics as it guards the query API.
      expect((await fetch(`${httpUrl}/metrics`)).status).toBe(401);

      const headers = { authorization: `Bearer ${token}`, 'x-test-run-id': 'metrics-1' };
      // Trace 1 (HTTP/protobuf, 3 spans) charges the card; trace 2 (gRPC, 2 spans) does not; trace 3 (HTTP/JSON,
      // 1 span) is not a checkout, so no spec with a traces selection picks it.
      const paid = await makeSdkSpans([
        { ref: 'root', name: 'GET /checkout', kind: 'server', service: 'shop' },
        { ref: 'pay', parent: 'root', name: 'charge card', kind: 'client', service: 'shop' },
        { parent: 'pay', name: 'POST /charge', kind: 'server', service: 'payments' },
      ]);
      const unpaid = await makeSdkSpans([
        { ref: 'root', name: 'GET /checkout', kind: 'server', service: 'shop' },
        { parent: 'root', name: 'render', service: 'shop' },
      ]);
      const other = await makeSdkSpans([{ name: 'GET /health', kind: 'server', service: 'shop' }]);
      expect((await exportVia('http/protobuf', httpUrl, paid, { headers })).code).toBe(ExportResultCode.SUCCESS);
      expect((await exportVia('grpc', grpcUrl, unpaid, { headers })).code).toBe(ExportResultCode.SUCCESS);
      expect((await exportVia('http/json', httpUrl, other, { headers })).code).toBe(ExportResultCode.SUCCESS);

      // Refused requests: one undecodable body, one without the token; one export with a span whose trace id is
      // 15 bytes (partial success: one span rejected, one accepted).
      const bad = await fetch(`${httpUrl}/v1/traces`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-protobuf' }, body: new Uint8Array([0xff, 0xff]) });
      expect(bad.status).toBe(400);
      const anonymous = await fetch(`${httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(anonymous.status).toBe(401);
      const mixed = JSON.parse(new TextDecoder().decode(sdkExportRequestBytes(other, 'json'))) as {
        resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[];
      };
      const scopeSpans = mixed.resourceSpans[0]?.scopeSpans[0];
      const good = scopeSpans?.spans[0] ?? {};
      scopeSpans?.spans.push({ ...good, spanId: 'aaaaaaaaaaaaaaaa', traceId: 'abcd'.repeat(7) + 'abcdef' });
      Object.assign(good, { spanId: 'bbbbbbbbbbbbbbbb', traceId: 'b'.repeat(32) });
      const partial = await fetch(`${httpUrl}/v1/traces`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(mixed) });
      expect(await partial.json()).toMatchObject({ partialSuccess: { rejectedSpans: '1' } });

      // Each checkout trace fails "checkout charges the card" or passes; the unpaid one is logged, one line.
      await waitForStderr(serve, /failed spec "checkout charges the card"/, 1);
      expect(serve.stderr).toMatch(new RegExp(`trace ${unpaid[0]?.spanContext().traceId} failed spec "checkout charges the card": "the card is charged": .+`));
      const settled = await fetch(`${httpUrl}/api/runs/metrics-1/settled?quietMillis=50&timeoutMillis=5000`, { headers });
      expect(await settled.json()).toMatchObject({ settled: true, spanCount: 7 });
      // Pending traces are judged in order of their last span's arrival, and every span of the paid trace arrived
      // before the unpaid one's: its verdicts are counted by the time the unpaid failure is logged.
      const samples = await scrape(httpUrl, token);

      expect(valueOf(samples, 'tracecheck_spans_received_total', { transport: 'http' })).toBe(3 + 1 + 1);
      expect(valueOf(samples, 'tracecheck_spans_received_total', { transport: 'grpc' })).toBe(2);
      expect(valueOf(samples, 'tracecheck_spans_rejected_total', { transport: 'http', reason: 'invalid-span' })).toBe(1);
      expect(valueOf(samples, 'tracecheck_export_requests_total', { transport: 'http', outcome: 'ok' })).toBe(2);
      expect(valueOf(samples, 'tracecheck_export_requests_total', { transport: 'http', outcome: 'partial' })).toBe(1);
      expect(valueOf(samples, 'tracecheck_export_requests_total', { transport: 'http', outcome: 'invalid' })).toBe(1);
      expect(valueOf(samples, 'tracecheck_export_requests_total', { transport: 'http', outcome: 'unauthenticated' })).toBe(1);
      expect(valueOf(samples, 'tracecheck_export_requests_total', { transport: 'grpc', outcome: 'ok' })).toBe(1);
      // Latency: one observation per answered request.
      expect(valueOf(samples, 'tracecheck_export_duration_seconds_count')).toBe(5 + 1);
      expect(valueOf(samples, 'tracecheck_export_duration_seconds_sum')).toBeGreaterThan(0);
      expect(valueOf(samples, 'tracecheck_retained_spans')).toBe(7);
      expect(valueOf(samples, 'tracecheck_active_runs')).toBe(1);
      expect(valueOf(samples, 'tracecheck_spans_dropped_total')).toBe(0);

      // The SLI: two checkout traces judged; "checkout answers" passed both, "checkout charges the card" one of two.
      expect(valueOf(samples, 'tracecheck_traces_judged_total', { spec: 'checkout answers', result: 'pass' })).toBe(2);
      expect(valueOf(samples, 'tracecheck_traces_judged_total', { spec: 'checkout charges the card', result: 'pass' })).toBe(1);
      expect(valueOf(samples, 'tracecheck_traces_judged_total', { spec: 'checkout charges the card', result: 'fail' })).toBe(1);
      expect(valueOf(samples, 'tracecheck_expectations_total', { spec: 'checkout charges the card', expectation: 'the card is charged', result: 'fail' })).toBe(1);
      expect(valueOf(samples, 'tracecheck_expectations_total', { spec: 'checkout answers', expectation: 'a server span answers', result: 'pass' })).toBe(2);
      // The run-scoped spec is not judged live, and the health-check trace is picked by no spec.
      expect(valueOf(samples, 'tracecheck_traces_judged_total', { spec: 'every run has a trace' })).toBe(0);
    } finally {
      serve.process.kill('SIGTERM');
    }
    expect(await serve.exited).toBe(0);
  });

  it('gives each collector in a process its own registry', async () => {
    const { startCollector } = await import('../../src/server/index.ts');
    const [a, b] = await Promise.all([startCollector({ grpcPort: null }), startCollector({ grpcPort: null })]);
    try {
      const spans = await makeSdkSpans([{ name: 'GET /', kind: 'server' }]);
      expect((await exportVia('http/protobuf', a.httpUrl, spans)).code).toBe(ExportResultCode.SUCCESS);
      expect(valueOf(await scrape(a.httpUrl), 'tracecheck_spans_received_total')).toBe(1);
      expect(valueOf(await scrape(b.httpUrl), 'tracecheck_spans_received_total')).toBe(0);
      expect(a.metrics.registry).not.toBe(b.metrics.registry);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

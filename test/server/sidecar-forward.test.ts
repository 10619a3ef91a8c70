// `--forward`: every accepted span re-exported to a second real tracecheck collector as upstream, over OTLP/HTTP
// protobuf and OTLP/gRPC; an upstream that refuses then recovers; a queue that overflows and counts its drops.
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExportResultCode } from '@opentelemetry/core';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { startCollector } from '../../src/server/index.ts';
import type { Collector } from '../../src/server/index.ts';
import { makeSdkSpans } from '../support/sdk-traces.ts';
import { BIN } from '../cli/tracecheck-process.ts';
import { spawnNode } from './child-processes.ts';
import { exportVia } from './exporters.ts';
import { scrape, untilSpanCount, valueOf } from './sidecar-support.ts';

/** Span ids of everything the upstream holds, in runs or unclaimed. */
function upstreamSpanIds(upstream: Collector, runIds: readonly string[]): string[] {
  const inRuns = runIds.flatMap((id) => upstream.run(id).spans());
  const unclaimed = upstream.store.unclaimedTraces().flatMap((t) => t.spans);
  return [...inRuns, ...unclaimed].map((s) => s.spanId).sort();
}

/** An HTTP server in front of `target` whose `answer` decides, per request, to refuse or pass it on. */
async function startGate(
  target: string,
  answer: (n: number, req: IncomingMessage, res: ServerResponse) => boolean,
): Promise<{ url: string; seen: () => number; close: () => Promise<void> }> {
  let n = 0;
  const to = new URL(target);
  const server = createServer((req, res) => {
    n++;
    if (answer(n, req, res)) return;
    const forward = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen: () => n,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Closes the sidecar before its upstream, so its last forward attempts find the upstream still there. */
async function closeInOrder(...servers: { close(): Promise<void> }[]): Promise<void> {
  for (const server of servers) await server.close();
}

describe('serve --forward', () => {
  it.each(['http', 'grpc'] as const)('delivers every span of every transport and run to a second collector over %s', async (protocol) => {
    let onUpstreamExport: () => void = () => {};
    const upstream = await startCollector({
      httpPort: protocol === 'http' ? 0 : null,
      grpcPort: protocol === 'grpc' ? 0 : null,
      onExport: () => onUpstreamExport(),
    });
    const forwardUrl = protocol === 'http' ? upstream.httpUrl : upstream.grpcUrl.replace(/^http:/, 'grpc:');
    const serve = spawnNode([BIN, 'serve', '--http-port', '0', '--grpc-port', '0', '--forward', forwardUrl]);
    try {
      const [, httpUrl = ''] = await serve.waitFor(/listening on (http:\/\/\S+) \(OTLP\/HTTP/);
      const [, grpcUrl = ''] = await serve.waitFor(/listening on (http:\/\/\S+) \(OTLP\/gRPC/);
      const sent: string[] = [];
      const sends: Promise<unknown>[] = [];
      for (const [i, transport] of (['http/protobuf', 'http/json', 'grpc'] as const).entries()) {
        const spans = await makeSdkSpans([
          { ref: 'root', name: `GET /${i}`, kind: 'server', service: `svc-${i}` },
          { parent: 'root', name: 'query', kind: 'client', service: `svc-${i}` },
          { parent: 'root', name: 'render', service: `svc-${i}` },
        ]);
        sent.push(...spans.map((s) => s.spanContext().spanId));
        const headers: Record<string, string> = i === 2 ? {} : { 'x-test-run-id': `fwd-${i}` };
        sends.push(exportVia(transport, transport === 'grpc' ? grpcUrl : httpUrl, spans, { headers }).then((r) => expect(r.code).toBe(ExportResultCode.SUCCESS)));
      }
      await Promise.all(sends);
      // The run id travels upstream with each export: the upstream sorts the spans into the same runs.
      await untilSpanCount(upstream.run('fwd-0'), 3);
      await untilSpanCount(upstream.run('fwd-1'), 3);
      const expectedIds = [...sent].sort();
      // Untagged spans join no run upstream either; each export the upstream accepts is the event to look again.
      await new Promise<void>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error('the untagged trace never reached the upstream')), 15_000);
        onUpstreamExport = () => {
          if (upstream.store.stats().unclaimedSpanCount < 3) return;
          clearTimeout(deadline);
          resolve();
        };
        onUpstreamExport();
      });
      expect(upstreamSpanIds(upstream, ['fwd-0', 'fwd-1'])).toEqual(expectedIds);
      // The upstream may hold the last batch before its answer reaches the sidecar: each span is forwarded or
      // still in the queue (in flight), none dropped.
      const samples = await scrape(httpUrl);
      expect(valueOf(samples, 'tracecheck_spans_forwarded_total') + valueOf(samples, 'tracecheck_forward_queue_spans')).toBe(9);
      expect(valueOf(samples, 'tracecheck_spans_dropped_total')).toBe(0);
    } finally {
      serve.process.kill('SIGTERM');
      await upstream.close();
    }
    expect(await serve.exited).toBe(0);
  });

  it('retries an upstream that refuses (503 with Retry-After, 429, a broken connection), then delivers everything', async () => {
    const upstream = await startCollector({ grpcPort: null });
    const gate = await startGate(upstream.httpUrl, (n, _req, res) => {
      if (n === 1) res.writeHead(503, { 'retry-after': '0' }).end();
      else if (n === 2) res.writeHead(429).end();
      else if (n === 3) res.socket?.destroy();
      else return false;
      return true;
    });
    const sidecar = await startCollector({ grpcPort: null, forward: { url: gate.url, initialBackoffMillis: 5 } });
    try {
      const spans = await makeSdkSpans([{ ref: 'r', name: 'GET /', kind: 'server' }, { parent: 'r', name: 'child' }]);
      expect((await exportVia('http/protobuf', sidecar.httpUrl, spans, { headers: { 'x-test-run-id': 'flaky' } })).code).toBe(ExportResultCode.SUCCESS);
      await untilSpanCount(upstream.run('flaky'), 2);
      expect(gate.seen()).toBe(4);
      const samples = await scrape(sidecar.httpUrl);
      expect(valueOf(samples, 'tracecheck_spans_forwarded_total') + valueOf(samples, 'tracecheck_forward_queue_spans')).toBe(2);
      expect(valueOf(samples, 'tracecheck_spans_dropped_total')).toBe(0);
    } finally {
      await closeInOrder(sidecar, gate, upstream);
    }
  });

  it('drops an export the upstream refuses for good (400), counted, and goes on with the next', async () => {
    const upstream = await startCollector({ grpcPort: null });
    const gate = await startGate(upstream.httpUrl, (n, _req, res) => {
      if (n !== 1) return false;
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"code":3,"message":"no"}');
      return true;
    });
    const sidecar = await startCollector({ grpcPort: null, forward: { url: gate.url, initialBackoffMillis: 5 } });
    try {
      const first = await makeSdkSpans([{ name: 'refused' }]);
      const second = await makeSdkSpans([{ name: 'delivered' }]);
      expect((await exportVia('http/protobuf', sidecar.httpUrl, first, { headers: { 'x-test-run-id': 'r' } })).code).toBe(ExportResultCode.SUCCESS);
      expect((await exportVia('http/protobuf', sidecar.httpUrl, second, { headers: { 'x-test-run-id': 'r' } })).code).toBe(ExportResultCode.SUCCESS);
      await untilSpanCount(upstream.run('r'), 1);
      expect(upstream.run('r').spans().map((s) => s.name)).toEqual(['delivered']);
      const samples = await scrape(sidecar.httpUrl);
      expect(valueOf(samples, 'tracecheck_spans_dropped_total', { reason: 'forward-rejected' })).toBe(1);
      expect(valueOf(samples, 'tracecheck_spans_forwarded_total') + valueOf(samples, 'tracecheck_forward_queue_spans')).toBe(1);
    } finally {
      await closeInOrder(sidecar, gate, upstream);
    }
  });

  it("counts the spans an upstream's partial success rejects as dropped, and does not resend them", async () => {
    const upstream = await startCollector({ grpcPort: null });
    const gate = await startGate(upstream.httpUrl, (_n, _req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"partialSuccess":{"rejectedSpans":"2","errorMessage":"spans too old"}}');
      return true;
    });
    const lines: string[] = [];
    let logged: () => void = () => {};
    const loggedOnce = new Promise<void>((resolve) => (logged = resolve));
    const sidecar = await startCollector({
      grpcPort: null,
      forward: { url: gate.url },
      log: (line) => {
        lines.push(line);
        logged();
      },
    });
    try {
      const spans = await makeSdkSpans([{ ref: 'r', name: 'a' }, { parent: 'r', name: 'b' }, { parent: 'r', name: 'c' }]);
      expect((await exportVia('http/protobuf', sidecar.httpUrl, spans)).code).toBe(ExportResultCode.SUCCESS);
      await loggedOnce;
      expect(lines).toEqual(['tracecheck: forwarding: the upstream rejected 2 of 3 spans: "spans too old"']);
      const samples = await scrape(sidecar.httpUrl);
      expect(valueOf(samples, 'tracecheck_spans_dropped_total', { reason: 'forward-rejected' })).toBe(2);
      expect(valueOf(samples, 'tracecheck_spans_forwarded_total') + valueOf(samples, 'tracecheck_forward_queue_spans')).toBe(1);
      expect(gate.seen()).toBe(1);
    } finally {
      await closeInOrder(sidecar, gate, upstream);
    }
  });

  it('bounds its queue: exports past it are dropped and counted, and what is left at close is counted too', async () => {
    const upstream = await startCollector({ grpcPort: null });
    let reached: () => void = () => {};
    const firstRequest = new Promise<void>((resolve) => (reached = resolve));
    // An upstream that takes the first request and never answers.
    const gate = await startGate(upstream.httpUrl, () => {
      reached();
      return true;
    });
    const sidecar = await startCollector({ grpcPort: null, forward: { url: gate.url, maxQueueSpans: 5 }, forwardDrainMillis: 50 });
    const three = async (): Promise<void> => {
      const spans = await makeSdkSpans([{ ref: 'r', name: 'a' }, { parent: 'r', name: 'b' }, { parent: 'r', name: 'c' }]);
      expect((await exportVia('http/protobuf', sidecar.httpUrl, spans)).code).toBe(ExportResultCode.SUCCESS);
    };
    try {
      await three();
      await firstRequest;
      await three();
      await three();
      const samples = await scrape(sidecar.httpUrl);
      // The exporters' requests were all accepted: the sidecar keeps its own copy; only the upstream copy is lost.
      expect(valueOf(samples, 'tracecheck_spans_received_total')).toBe(9);
      expect(valueOf(samples, 'tracecheck_spans_dropped_total', { reason: 'forward-queue-full' })).toBe(6);
      expect(valueOf(samples, 'tracecheck_forward_queue_spans')).toBe(3);
    } finally {
      await closeInOrder(sidecar, gate, upstream);
    }
    const families = parsePrometheusTextFormat(await sidecar.metrics.registry.metrics());
    const dropped = families.find((f) => f.name === 'tracecheck_spans_dropped_total');
    const closedDrops = dropped?.metrics.find((m) => m.labels?.['reason'] === 'forward-closed');
    expect(closedDrops !== undefined && 'value' in closedDrops ? Number(closedDrops.value) : 0).toBe(3);
  });
});

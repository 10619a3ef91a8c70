// The run stream's wire format read by the SSE parser, chunked anywhere; the stream ending when the collector
// closes; and the test-process SDK helper exporting into a run through the real sdk-node.
import { request } from 'node:http';
import { once } from 'node:events';
import { trace } from '@opentelemetry/api';
import { afterEach, describe, expect, test } from 'vitest';
import { startCollector } from '../../src/testing/index.ts';
import type { Collector } from '../../src/testing/index.ts';
import { decodeExportRequestJson } from '../../src/otlp/index.ts';
import { connectCollector, instrumentTestProcess, SseReader } from '../../src/testing/index.ts';
import type { ServerSentEvent } from '../../src/testing/index.ts';

let collector: Collector | undefined;
afterEach(async () => {
  await collector?.close();
  collector = undefined;
});

describe('SseReader', () => {
  const text = 'event: spans\ndata: {"a":1}\n\n: a comment\r\nevent: end\r\ndata: one\r\ndata: two\r\n\r\ndata: plain\r\rid: 7\n\n';

  test('reads events, comments, multi-line data and every line ending, however the text is split', () => {
    const expected: ServerSentEvent[] = [
      { event: 'spans', data: '{"a":1}' },
      { event: 'end', data: 'one\ntwo' },
      { event: 'message', data: 'plain' },
    ];
    for (let size = 1; size <= text.length; size++) {
      const events: ServerSentEvent[] = [];
      const reader = new SseReader((e) => events.push(e));
      for (let i = 0; i < text.length; i += size) reader.push(text.slice(i, i + size));
      expect(events, `chunks of ${size}`).toEqual(expected);
    }
  });
});

describe('GET /api/runs/{id}/stream', () => {
  test('sends everything so far first (OTLP/JSON that decodes), then new spans, then end when the collector closes', async () => {
    collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null, log: () => {} });
    const run = collector.run('stream-1');
    const first = run.headers();
    const events: ServerSentEvent[] = [];
    const reader = new SseReader((e) => events.push(e));
    const req = request(`${collector.httpUrl}/api/runs/stream-1/stream`);
    req.end();
    const [response] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
    response.setEncoding('utf8');
    const ended = new Promise<void>((resolve) => response.on('end', resolve));
    const nextEvent = (count: number): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (events.length >= count) resolve();
          else response.once('data', check);
        };
        check();
      });
    response.on('data', (chunk: string) => reader.push(chunk));
    await nextEvent(1);
    const decodedFirst = decodeExportRequestJson(events[0]?.data ?? '');
    expect(decodedFirst.ok && decodedFirst.value.spans.map((s) => s.traceId)).toEqual([first.traceparent.slice(3, 35)]);
    const second = run.headers();
    await nextEvent(2);
    const decodedSecond = decodeExportRequestJson(events[1]?.data ?? '');
    expect(decodedSecond.ok && decodedSecond.value.spans.map((s) => s.traceId)).toEqual([second.traceparent.slice(3, 35)]);
    await collector.close();
    await ended;
    expect(events.at(-1)).toEqual({ event: 'end', data: '{"state":"closed"}' });
  });

  test('a remote run ends its waits with reason closed when the collector closes', async () => {
    collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null, log: () => {} });
    const remote = connectCollector(collector.httpUrl).run();
    await remote.ready;
    const waiting = remote.settled({ quietMillis: 60_000, timeoutMillis: 60_000 });
    await collector.close();
    expect((await waiting).reason).toBe('closed');
    expect(remote.failure).toMatch(/ended|closed/);
  });
});

describe('instrumentTestProcess', () => {
  test('spans the test process makes with sdk-node land in the run', async () => {
    collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null, log: () => {} });
    const run = collector.run();
    const telemetry = await instrumentTestProcess({ collectorUrl: collector.httpUrl, runId: run.id, serviceName: 'checkout-test' });
    try {
      trace.getTracer('test').startActiveSpan('place order from the test', (span) => span.end());
    } finally {
      await telemetry.shutdown();
    }
    const result = await run.expect({ name: 'test span', expect: [{ spans: 'service = "checkout-test" && name = "place order from the test"' }] });
    expect(result.passed).toBe(true);
    expect(run.spans()[0]?.resource.attributes['test.run.id']).toBe(run.id);
  });
});

// The OTLP/HTTP receiver over a real socket (node:http), fed by the real OpenTelemetry JS exporters.
import http from 'node:http';
import net from 'node:net';
import { ExportResultCode } from '@opentelemetry/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HttpListener } from '../../src/receiver/index.ts';
import { createOtlpHttpHandler, listenHttp } from '../../src/receiver/index.ts';
import { CollectingSink, exportOnce, protobufRequestBytes, readRpcStatus, recordRealSpans } from './fixtures.ts';
import type { ExporterKind } from './fixtures.ts';


const maxBodyBytes = 16 * 1024;

describe('listenHttp + createOtlpHttpHandler over a socket', () => {
  let sink: CollectingSink;
  let server: HttpListener;

  beforeEach(async () => {
    sink = new CollectingSink();
    server = await listenHttp({ host: '127.0.0.1', port: 0, handler: createOtlpHttpHandler({ sink, maxBodyBytes }) });
  });
  afterEach(async () => {
    await server.close();
  });

  it('reports a usable base URL', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  describe.each<[ExporterKind, boolean]>([
    ['http/protobuf', false],
    ['http/protobuf', true],
    ['http/json', false],
    ['http/json', true],
  ])('the real %s exporter (gzip: %s)', (kind, gzip) => {
    it('exports successfully and every span arrives tagged with the run id', async () => {
      const spans = recordRealSpans(`${kind}-${gzip}`, 3);
      const result = await exportOnce(kind, server.url, spans, { runId: 'run-a', gzip });
      expect(result.error).toBeUndefined();
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(sink.batches.every((batch) => batch.context.runId === 'run-a' && batch.context.transport === 'http')).toBe(true);
      const received = new Map(sink.spans().map((span) => [span.spanId, span]));
      for (const sdkSpan of spans) {
        const span = received.get(sdkSpan.spanContext().spanId);
        expect(span?.name).toBe(sdkSpan.name);
        expect(span?.traceId).toBe(sdkSpan.spanContext().traceId);
        expect(span?.parentSpanId ?? '').toBe(sdkSpan.parentSpanContext?.spanId ?? '');
      }
      expect(received.size).toBe(spans.length);
    });
  });

  // Each bad input's answer, and that the spans stored before survive it, is proven end to end against the real
  // collector in collector-bad-input.test.ts; these are the cases only a raw socket can produce.
  const PROTOBUF = { 'content-type': 'application/x-protobuf' };

  it('refuses a chunked upload (no Content-Length) with 413 once it passes the limit', async () => {
    const response = await new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const request = http.request(`${server.url}/v1/traces`, { method: 'POST', headers: PROTOBUF }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      });
      // The server may close the connection while this side still writes; only a missing answer is a failure.
      request.on('error', reject);
      for (let i = 0; i < 8; i++) request.write(new Uint8Array(4096));
      request.end();
    });
    expect(response.status).toBe(413);
    expect(readRpcStatus('protobuf', response.body).code).toBe(8);
    expect((await exportOnce('http/protobuf', server.url, recordRealSpans('ok', 0))).code).toBe(ExportResultCode.SUCCESS);
  });

  it('answers a malformed HTTP request with 400 and keeps serving', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400/);
    expect((await exportOnce('http/protobuf', server.url, recordRealSpans('ok', 0))).code).toBe(ExportResultCode.SUCCESS);
  });
});

describe('listenHttp composition and shutdown', () => {
  it('routes non-OTLP paths to a node:http fallback on the same port', async () => {
    const sink = new CollectingSink();
    const server = await listenHttp({
      host: '127.0.0.1',
      port: 0,
      handler: createOtlpHttpHandler({ sink }),
      fallback: (req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ path: req.url }));
      },
    });
    try {
      const api = await fetch(`${server.url}/api/runs`);
      expect(await api.json()).toEqual({ path: '/api/runs' });
      expect((await exportOnce('http/protobuf', server.url, recordRealSpans('f', 1))).code).toBe(ExportResultCode.SUCCESS);
      expect(sink.spans()).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('close() lets an in-flight request finish, then resolves', async () => {
    const sink = new CollectingSink();
    const otlp = createOtlpHttpHandler({ sink });
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const server = await listenHttp({
      host: '127.0.0.1',
      port: 0,
      handler: (request) => {
        arrived();
        return otlp(request);
      },
    });
    const bytes = protobufRequestBytes(recordRealSpans('inflight', 2));
    const upload = http.request(`${server.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' } });
    const answered = new Promise<number>((resolve, reject) => {
      upload.on('response', (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      upload.on('error', reject);
    });
    upload.write(bytes.subarray(0, 10));
    await requestArrived;

    // close() is called while the body is still arriving; the request must complete, not be cut.
    const closing = server.close();
    upload.end(bytes.subarray(10));
    expect(await answered).toBe(200);
    await closing;
    expect(sink.spans()).toHaveLength(3);
    // No longer accepting connections.
    await expect(fetch(`${server.url}/v1/traces`, { method: 'POST' })).rejects.toThrow();
  });

  it('close() resolves although a keep-alive client still holds an idle connection', async () => {
    const server = await listenHttp({ host: '127.0.0.1', port: 0, handler: createOtlpHttpHandler({ sink: new CollectingSink() }) });
    const agent = new http.Agent({ keepAlive: true });
    try {
      // The agent emits 'free' when the socket goes back to its pool: from then on it is an idle keep-alive connection.
      const pooled = new Promise<void>((resolve) => agent.once('free', () => resolve()));
      const status = await new Promise<number>((resolve, reject) => {
        const request = http.request(`${server.url}/v1/traces`, { method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf' } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        request.on('error', reject);
        request.end(protobufRequestBytes(recordRealSpans('ka', 0)));
      });
      expect(status).toBe(200);
      await pooled;
      expect(Object.values(agent.freeSockets).flat()).toHaveLength(1);
      await server.close();
    } finally {
      agent.destroy();
    }
  });

  it('fails with TC_LISTEN_FAILED when the port is taken', async () => {
    const first = await listenHttp({ host: '127.0.0.1', port: 0, handler: createOtlpHttpHandler({ sink: new CollectingSink() }) });
    try {
      await expect(listenHttp({ host: '127.0.0.1', port: first.port, handler: createOtlpHttpHandler({ sink: new CollectingSink() }) })).rejects.toThrow(/TC_LISTEN_FAILED/);
    } finally {
      await first.close();
    }
  });
});

describe('listenHttp streamed answers', () => {
  it('cuts a stream whose reader stopped reading once streamStallMillis pass, and tells the stream to stop', async () => {
    const chunk = new Uint8Array(64 * 1024).fill(0x61);
    let chunksProduced = 0;
    let markStopped!: () => void;
    const streamStopped = new Promise<void>((resolve) => (markStopped = resolve));
    // An endless stream, as a live run stream is while spans keep arriving: only the stall deadline ends it.
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) {
          chunksProduced++;
          yield chunk;
        }
      } finally {
        markStopped();
      }
    }
    const server = await listenHttp({
      host: '127.0.0.1',
      port: 0,
      streamStallMillis: 200,
      handler: () => Promise.resolve({ status: 200, headers: { 'content-type': 'text/event-stream' }, body: new Uint8Array(0), stream: endless() }),
    });
    const socket = net.connect(server.port, '127.0.0.1');
    try {
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      // The reader asks, then reads nothing: the kernel's buffers fill and the server's writes stop draining.
      socket.pause();
      socket.write('GET /v1/traces HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
      await streamStopped;
      // Backpressure held while it waited: what was produced is about what the socket buffers hold, not more.
      expect(chunksProduced * chunk.byteLength).toBeLessThan(64 * 1024 * 1024);

      // The connection was cut: reading what was buffered reaches its end, which an endless stream never has.
      let bytesRead = 0;
      const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('data', (data: Buffer) => (bytesRead += data.byteLength));
      socket.on('error', () => undefined);
      socket.resume();
      await ended;
      expect(bytesRead).toBeGreaterThan(0);
      expect(bytesRead).toBeLessThanOrEqual(chunksProduced * chunk.byteLength + 1024);
    } finally {
      socket.destroy();
      await server.close();
    }
  });
});

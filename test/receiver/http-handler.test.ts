// The OTLP/HTTP handler called in-process, without a socket: every answer of docs/receiver.md, with payloads
// made by the real OpenTelemetry JS serializers.
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { beforeEach, describe, expect, it } from 'vitest';

import type { OtlpHttpHandler, OtlpHttpRequest, OtlpHttpResponse } from '../../src/receiver/index.ts';
import { createOtlpHttpHandler } from '../../src/receiver/index.ts';
import {
  CollectingSink,
  jsonRequestBytes,
  protobufRequestBytes,
  readExportResponse,
  readRpcStatus,
  recordRealSpans,
} from './fixtures.ts';

const gzip = promisify(zlib.gzip);
const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

function post(body: OtlpHttpRequest['body'], headers: Record<string, string>, path = '/v1/traces'): OtlpHttpRequest {
  return { method: 'POST', path, headers, body };
}

async function* chunksOf(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) yield bytes.subarray(offset, offset + size);
}

describe('createOtlpHttpHandler', () => {
  let sink: CollectingSink;
  let handler: OtlpHttpHandler;
  const maxBodyBytes = 64 * 1024;

  beforeEach(() => {
    sink = new CollectingSink();
    handler = createOtlpHttpHandler({ sink, maxBodyBytes });
  });

  /** Sends one good export and checks it arrived, so "keeps serving after bad input" is proven, not assumed. */
  async function expectStillServing(previousSpanCount: number): Promise<void> {
    const spans = recordRealSpans('after', 1);
    const response = await handler(post(protobufRequestBytes(spans), { 'content-type': PROTOBUF }));
    expect(response.status).toBe(200);
    expect(sink.spans()).toHaveLength(previousSpanCount + spans.length);
  }

  async function seed(): Promise<number> {
    const spans = recordRealSpans('before', 2);
    const response = await handler(post(protobufRequestBytes(spans), { 'content-type': PROTOBUF, 'x-test-run-id': 'seed' }));
    expect(response.status).toBe(200);
    return spans.length;
  }

  it('accepts a real protobuf export, answers a protobuf ExportTraceServiceResponse and tags spans with the run id', async () => {
    const spans = recordRealSpans('proto', 2);
    const response = await handler(
      post(protobufRequestBytes(spans), { 'content-type': PROTOBUF, 'x-test-run-id': ' run-7 ' }),
    );
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(PROTOBUF);
    expect(readExportResponse('protobuf', response.body).partialSuccess).toBeUndefined();
    expect(sink.batches).toHaveLength(1);
    expect(sink.batches[0]?.context).toEqual({ runId: 'run-7', transport: 'http' });
    expect(sink.spans().map((s) => s.name).sort()).toEqual(spans.map((s) => s.name).sort());
    expect(sink.spans().map((s) => s.spanId).sort()).toEqual(spans.map((s) => s.spanContext().spanId).sort());
  });

  it('accepts JSON with media-type parameters and answers in JSON', async () => {
    const spans = recordRealSpans('json', 1);
    const response = await handler(post(jsonRequestBytes(spans), { 'content-type': 'Application/JSON; charset=utf-8' }));
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe(JSON_TYPE);
    expect(JSON.parse(new TextDecoder().decode(response.body))).toEqual({});
    expect(sink.spans()).toHaveLength(spans.length);
    expect(sink.batches[0]?.context.runId).toBeUndefined();
  });

  it('accepts POST / (a signal-specific endpoint used as-is) and ignores a query string', async () => {
    const spans = recordRealSpans('root-path', 0);
    expect((await handler(post(protobufRequestBytes(spans), { 'content-type': PROTOBUF }, '/'))).status).toBe(200);
    expect((await handler(post(protobufRequestBytes(spans), { 'content-type': PROTOBUF }, '/v1/traces?x=1'))).status).toBe(200);
    expect(sink.spans()).toHaveLength(2);
  });

  it('reads a streamed (chunked) body with no Content-Length', async () => {
    const spans = recordRealSpans('chunked', 3);
    const response = await handler(post(chunksOf(protobufRequestBytes(spans), 7), { 'content-type': PROTOBUF }));
    expect(response.status).toBe(200);
    expect(sink.spans()).toHaveLength(spans.length);
  });

  it.each([
    ['gzip', (b: Uint8Array) => zlib.gzipSync(b)],
    ['x-gzip', (b: Uint8Array) => zlib.gzipSync(b)],
    ['deflate', (b: Uint8Array) => zlib.deflateSync(b)],
    ['deflate', (b: Uint8Array) => zlib.deflateRawSync(b)],
    ['zstd', (b: Uint8Array) => zlib.zstdCompressSync(b)],
    ['identity', (b: Uint8Array) => b],
    ['gzip, deflate', (b: Uint8Array) => zlib.deflateSync(zlib.gzipSync(b))],
  ])('undoes Content-Encoding %s', async (coding, compress) => {
    const spans = recordRealSpans(coding, 2);
    const response = await handler(
      post(compress(protobufRequestBytes(spans)), { 'content-type': PROTOBUF, 'content-encoding': coding }),
    );
    expect(response.status).toBe(200);
    expect(sink.spans()).toHaveLength(spans.length);
  });

  it('answers 200 to an empty request in both encodings and stores nothing', async () => {
    for (const contentType of [PROTOBUF, JSON_TYPE]) {
      const response = await handler(post(new Uint8Array(0), { 'content-type': contentType }));
      expect(response.status).toBe(200);
    }
    const emptyJson = await handler(post(new TextEncoder().encode('{"resourceSpans":[]}'), { 'content-type': JSON_TYPE }));
    expect(emptyJson.status).toBe(200);
    expect(sink.batches).toHaveLength(0);
  });

  describe('bad input gets its documented answer, loses nothing and the handler keeps serving', () => {
    it('garbage protobuf → 400 with a protobuf google.rpc.Status', async () => {
      const kept = await seed();
      const response = await handler(post(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]), { 'content-type': PROTOBUF }));
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toBe(PROTOBUF);
      const status = readRpcStatus('protobuf', response.body);
      expect(status.code).toBe(3);
      expect(status.message).toMatch(/undecodable OTLP protobuf/);
      await expectStillServing(kept);
    });

    it('malformed JSON → 400 with a JSON google.rpc.Status', async () => {
      const kept = await seed();
      const response = await handler(post(new TextEncoder().encode('{"resourceSpans": ['), { 'content-type': JSON_TYPE }));
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toBe(JSON_TYPE);
      const status = readRpcStatus('json', response.body);
      expect(status.code).toBe(3);
      expect(status.message).toMatch(/undecodable OTLP JSON/);
      const wrongShape = await handler(post(new TextEncoder().encode('{"resourceSpans": 5}'), { 'content-type': JSON_TYPE }));
      expect(wrongShape.status).toBe(400);
      expect(readRpcStatus('json', wrongShape.body).message).toMatch(/resourceSpans/);
      await expectStillServing(kept);
    });

    it('base64 ids in JSON → 200 with partial_success counting the rejected spans, the rest stored', async () => {
      const kept = await seed();
      const spans = recordRealSpans('b64', 2);
      const request = JSON.parse(new TextDecoder().decode(jsonRequestBytes(spans))) as {
        resourceSpans: { scopeSpans: { spans: { traceId: string; spanId: string }[] }[] }[];
      };
      const wireSpans = request.resourceSpans[0]?.scopeSpans[0]?.spans ?? [];
      const bad = wireSpans[0];
      if (bad === undefined) throw new Error('the SDK serializer wrote no spans');
      bad.traceId = Buffer.from(bad.traceId, 'hex').toString('base64');
      const response = await handler(post(new TextEncoder().encode(JSON.stringify(request)), { 'content-type': JSON_TYPE }));
      expect(response.status).toBe(200);
      const answer = readExportResponse('json', response.body);
      expect(Number(answer.partialSuccess?.rejectedSpans)).toBe(1);
      expect(answer.partialSuccess?.errorMessage).not.toBe('');
      expect(sink.spans()).toHaveLength(kept + spans.length - 1);
      await expectStillServing(kept + spans.length - 1);
    });

    it.each([
      ['missing', undefined],
      ['text/plain', 'text/plain'],
      ['application/protobuf', 'application/protobuf'],
    ])('Content-Type %s → 415', async (_label, contentType) => {
      const kept = await seed();
      const headers: Record<string, string> = contentType === undefined ? {} : { 'content-type': contentType };
      const response = await handler(post(protobufRequestBytes(recordRealSpans('x', 0)), headers));
      expect(response.status).toBe(415);
      expect(readRpcStatus('json', response.body).message).toMatch(/application\/x-protobuf or application\/json/);
      await expectStillServing(kept);
    });

    it('unknown Content-Encoding → 415 naming the supported ones', async () => {
      const kept = await seed();
      const response = await handler(post(new Uint8Array([1, 2, 3]), { 'content-type': PROTOBUF, 'content-encoding': 'br' }));
      expect(response.status).toBe(415);
      expect(response.headers['accept-encoding']).toContain('gzip');
      expect(readRpcStatus('protobuf', response.body).message).toMatch(/unsupported Content-Encoding "br"/);
      await expectStillServing(kept);
    });

    it('GET → 405 with Allow: POST', async () => {
      const kept = await seed();
      const response = await handler({ method: 'GET', path: '/v1/traces', headers: {}, body: new Uint8Array(0) });
      expect(response.status).toBe(405);
      expect(response.headers['allow']).toBe('POST');
      await expectStillServing(kept);
    });

    it('unknown path → 404', async () => {
      const kept = await seed();
      const response = await handler(post(protobufRequestBytes(recordRealSpans('x', 0)), { 'content-type': PROTOBUF }, '/v1/metrics'));
      expect(response.status).toBe(404);
      expect(readRpcStatus('json', response.body).code).toBe(5);
      await expectStillServing(kept);
    });

    it('a body over maxBodyBytes → 413, whole, streamed, or declared by Content-Length', async () => {
      const kept = await seed();
      const big = new Uint8Array(maxBodyBytes + 1);
      let pulled = 0;
      async function* counted(): AsyncIterable<Uint8Array> {
        for await (const chunk of chunksOf(new Uint8Array(maxBodyBytes * 4), 1024)) {
          pulled += chunk.byteLength;
          yield chunk;
        }
      }
      expect((await handler(post(big, { 'content-type': PROTOBUF }))).status).toBe(413);
      const streamed = await handler(post(counted(), { 'content-type': PROTOBUF }));
      expect(streamed.status).toBe(413);
      expect(readRpcStatus('protobuf', streamed.body).code).toBe(8);
      // Reading stopped at the limit instead of buffering the whole upload.
      expect(pulled).toBeLessThanOrEqual(maxBodyBytes + 1024);
      const declared = await handler(post(chunksOf(big, 1024), { 'content-type': PROTOBUF, 'content-length': String(big.byteLength) }));
      expect(declared.status).toBe(413);
      await expectStillServing(kept);
    });

    it('a small gzip body that inflates past maxBodyBytes → 413', async () => {
      const kept = await seed();
      const bomb = await gzip(new Uint8Array(maxBodyBytes * 16));
      expect(bomb.byteLength).toBeLessThan(maxBodyBytes);
      const response = await handler(post(bomb, { 'content-type': PROTOBUF, 'content-encoding': 'gzip' }));
      expect(response.status).toBe(413);
      expect(readRpcStatus('protobuf', response.body).message).toMatch(/inflates past the limit/);
      await expectStillServing(kept);
    });

    it('truncated or corrupt gzip → 400 with a Status in the request encoding', async () => {
      const kept = await seed();
      const whole = await gzip(jsonRequestBytes(recordRealSpans('trunc', 2)));
      const truncated = await handler(post(whole.subarray(0, whole.byteLength - 10), { 'content-type': JSON_TYPE, 'content-encoding': 'gzip' }));
      expect(truncated.status).toBe(400);
      expect(readRpcStatus('json', truncated.body).message).toMatch(/not valid gzip/);
      const corrupt = await handler(post(new TextEncoder().encode('not gzip at all'), { 'content-type': PROTOBUF, 'content-encoding': 'gzip' }));
      expect(corrupt.status).toBe(400);
      expect(readRpcStatus('protobuf', corrupt.body).code).toBe(3);
      await expectStillServing(kept);
    });

    it('a sink that throws → 500 with a Status body, and the next request is served', async () => {
      let fail = true;
      const flaky = new CollectingSink();
      const guarded = createOtlpHttpHandler({
        sink: {
          ingest(spans, context) {
            if (fail) throw new Error('sink exploded');
            flaky.ingest(spans, context);
          },
        },
      });
      const bytes = protobufRequestBytes(recordRealSpans('flaky', 1));
      const failed = await guarded(post(bytes, { 'content-type': PROTOBUF }));
      expect(failed.status).toBe(500);
      expect(readRpcStatus('json', failed.body)).toEqual({ code: 13, message: 'internal error in the receiver: sink exploded' });
      fail = false;
      expect((await guarded(post(bytes, { 'content-type': PROTOBUF }))).status).toBe(200);
      expect(flaky.spans()).toHaveLength(2);
    });
  });

  describe('CORS', () => {
    const preflight = (origin: string | undefined): OtlpHttpRequest => ({
      method: 'OPTIONS',
      path: '/v1/traces',
      headers: {
        ...(origin === undefined ? {} : { origin }),
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-test-run-id',
      },
      body: new Uint8Array(0),
    });

    it('is off by default: OPTIONS → 405, and the POST answer has no CORS headers', async () => {
      const response = await handler(preflight('https://app.example'));
      expect(response.status).toBe(405);
      expect(response.headers['allow']).toBe('POST');
      const posted = await handler(post(protobufRequestBytes(recordRealSpans('c', 0)), { 'content-type': PROTOBUF, origin: 'https://app.example' }));
      expect(posted.status).toBe(200);
      expect(posted.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('answers a preflight from an allowed origin with 204 and puts CORS headers on the POST answer', async () => {
      const cors = createOtlpHttpHandler({ sink, cors: { allowedOrigins: ['https://app.example', 'http://localhost:*'] } });
      const ok: OtlpHttpResponse = await cors(preflight('http://localhost:5173'));
      expect(ok.status).toBe(204);
      expect(ok.headers).toMatchObject({
        'access-control-allow-origin': 'http://localhost:5173',
        'access-control-allow-methods': 'POST, OPTIONS',
        'access-control-allow-headers': 'content-type, x-test-run-id',
        'access-control-max-age': '7200',
        vary: 'Origin',
      });
      const denied = await cors(preflight('https://evil.example'));
      expect(denied.status).toBe(403);
      expect(denied.headers['access-control-allow-origin']).toBeUndefined();

      const posted = await cors(post(jsonRequestBytes(recordRealSpans('c', 0)), { 'content-type': JSON_TYPE, origin: 'https://app.example' }));
      expect(posted.status).toBe(200);
      expect(posted.headers['access-control-allow-origin']).toBe('https://app.example');
      const rejected = await cors(post(new Uint8Array([0xff]), { 'content-type': PROTOBUF, origin: 'https://app.example' }));
      expect(rejected.status).toBe(400);
      expect(rejected.headers['access-control-allow-origin']).toBe('https://app.example');
      const other = await cors(post(jsonRequestBytes(recordRealSpans('c', 0)), { 'content-type': JSON_TYPE, origin: 'https://evil.example' }));
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      const get = await cors({ method: 'GET', path: '/v1/traces', headers: {}, body: new Uint8Array(0) });
      expect(get.headers['allow']).toBe('POST, OPTIONS');
    });

    it('with "*" allows any origin with a literal *', async () => {
      const cors = createOtlpHttpHandler({ sink, cors: { allowedOrigins: ['*'] } });
      const response = await cors(preflight('https://anything.example'));
      expect(response.status).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe('*');
    });
  });

  // Which tokens pass is the export core's, in the shared suite (export-transports.test.ts); the HTTP adapter's own
  // part is asking before it reads the body.
  it('answers a missing bearer token with 401 before reading a byte of the body', async () => {
    const guarded = createOtlpHttpHandler({ sink, authToken: 's3cret' });
    let read = false;
    const body: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]() {
        read = true;
        throw new Error('the body was read');
      },
    };
    const denied = await guarded({ method: 'POST', path: '/v1/traces', headers: { 'content-type': PROTOBUF }, body });
    expect(denied.status).toBe(401);
    expect(denied.headers['www-authenticate']).toBe('Bearer');
    expect(readRpcStatus('protobuf', denied.body).code).toBe(16);
    expect(read).toBe(false);
    expect(sink.batches).toEqual([]);
  });

  it('hands other paths to the fallback, untouched', async () => {
    const composed = createOtlpHttpHandler({
      sink,
      fallback: async (request) => ({
        status: 200,
        headers: { 'content-type': 'text/plain' },
        body: new TextEncoder().encode(`${request.method} ${request.path}`),
      }),
    });
    const response = await composed({ method: 'GET', path: '/api/runs', headers: {}, body: new Uint8Array(0) });
    expect(new TextDecoder().decode(response.body)).toBe('GET /api/runs');
    expect((await composed({ method: 'GET', path: '/v1/traces', headers: {}, body: new Uint8Array(0) })).status).toBe(405);
  });
});

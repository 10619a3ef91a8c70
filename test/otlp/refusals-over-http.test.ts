// The decoders' new refusals take the usual decode-error path out of the receiver: 400 with a google.rpc.Status
// INVALID_ARGUMENT naming the problem, and nothing ingested.
import { describe, expect, it } from 'vitest';
import { createOtlpHttpHandler } from '../../src/receiver/index.ts';
import { CollectingSink, readRpcStatus } from '../receiver/fixtures.ts';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

describe('refused payloads answer 400 / INVALID_ARGUMENT', () => {
  it.each<[string, 'protobuf' | 'json', Uint8Array, RegExp]>([
    ['a protobuf tag beyond 32 bits', 'protobuf', new Uint8Array([0x8a, 0x80, 0x80, 0x80, 0x10, 0x00]), /does not fit 32 bits/],
    ['a protobuf length prefix of 2^32', 'protobuf', new Uint8Array([0x0a, 0x80, 0x80, 0x80, 0x80, 0x10]), /4294967296 bytes/],
    [
      'an OTLP/JSON kind beyond int32',
      'json',
      new TextEncoder().encode(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"${SPAN}","kind":4294967298}]}]}]}`),
      /spans\[0\]\.kind: 4294967298 is out of range/,
    ],
  ])('%s', async (_name, encoding, body, message) => {
    const sink = new CollectingSink();
    const handler = createOtlpHttpHandler({ sink });
    const contentType = encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json';
    const response = await handler({ method: 'POST', path: '/v1/traces', headers: { 'content-type': contentType }, body });
    expect(response.status).toBe(400);
    const status = readRpcStatus(encoding, response.body);
    expect(status.code).toBe(3);
    expect(status.message).toMatch(message);
    expect(sink.batches).toHaveLength(0);
  });
});

// Bad input against the REAL collector (store + both receivers): each gets its documented answer, the server keeps
// serving, and the run still holds every span it had before, end to end.
import zlib from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { ExportResultCode } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Collector } from '../../src/server/index.ts';
import { startCollector } from '../../src/server/index.ts';
import { rawGrpcExport } from './raw-grpc-client.ts';
import { exportOnce, protobufRequestBytes, readRpcStatus, recordRealSpans } from './fixtures.ts';
import type { ExporterKind } from './fixtures.ts';

const maxBodyBytes = 16 * 1024;
const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };
const garbageProtobuf = new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]);

describe('the collector keeps every span it already had after bad input', () => {
  let collector: Collector;
  let round = 0;

  beforeAll(async () => {
    collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0, maxBodyBytes });
  });
  afterAll(async () => {
    await collector.close();
  });

  /** Runs `bad` between two good exports of a fresh run and checks the run holds both exports' spans. */
  async function around(bad: () => Promise<void>, goodKind: ExporterKind): Promise<void> {
    const runId = `bad-input-${++round}`;
    const run = collector.run(runId);
    const before = recordRealSpans('before', 2);
    const url = goodKind === 'grpc' ? collector.grpcUrl : collector.httpUrl;
    expect((await exportOnce(goodKind, url, before, { runId })).code).toBe(ExportResultCode.SUCCESS);
    await bad();
    const after = recordRealSpans('after', 1);
    expect((await exportOnce(goodKind, url, after, { runId, gzip: true })).code).toBe(ExportResultCode.SUCCESS);
    const stored = new Set(run.spans().map((span) => span.spanId));
    expect([...stored].sort()).toEqual([...before, ...after].map((span) => span.spanContext().spanId).sort());
  }

  async function send(init: { method?: string; path?: string; headers?: Record<string, string>; body?: Uint8Array }) {
    const response = await fetch(`${collector.httpUrl}${init.path ?? '/v1/traces'}`, {
      method: init.method ?? 'POST',
      headers: { 'x-test-run-id': 'bad', ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    return { status: response.status, headers: response.headers, body: new Uint8Array(await response.arrayBuffer()) };
  }

  it.each<[string, number, 'protobuf' | 'json', () => Parameters<typeof send>[0]]>([
    ['garbage protobuf', 400, 'protobuf', () => ({ headers: PROTOBUF, body: garbageProtobuf })],
    ['malformed JSON', 400, 'json', () => ({ headers: JSON_TYPE, body: new TextEncoder().encode('{"resourceSpans":[{') })],
    ['a wrong content type', 415, 'json', () => ({ headers: { 'content-type': 'text/plain' }, body: new Uint8Array([1]) })],
    ['a missing content type', 415, 'json', () => ({ body: protobufRequestBytes(recordRealSpans('x', 0)) })],
    ['an unknown content encoding', 415, 'protobuf', () => ({ headers: { ...PROTOBUF, 'content-encoding': 'br' }, body: new Uint8Array([1]) })],
    ['GET', 405, 'json', () => ({ method: 'GET' })],
    ['an unknown path', 404, 'json', () => ({ path: '/v1/logs', headers: PROTOBUF, body: new Uint8Array(0) })],
    ['an oversized body', 413, 'protobuf', () => ({ headers: PROTOBUF, body: new Uint8Array(maxBodyBytes + 1) })],
    ['a small gzip that inflates past the limit', 413, 'protobuf', () => ({ headers: { ...PROTOBUF, 'content-encoding': 'gzip' }, body: zlib.gzipSync(new Uint8Array(maxBodyBytes * 64)) })],
    ['a truncated gzip body', 400, 'protobuf', () => {
      const whole = zlib.gzipSync(protobufRequestBytes(recordRealSpans('t', 2)));
      return { headers: { ...PROTOBUF, 'content-encoding': 'gzip' }, body: whole.subarray(0, whole.byteLength - 8) };
    }],
  ])('OTLP/HTTP: %s → %i', async (_label, status, encoding, make) => {
    await around(async () => {
      const response = await send(make());
      expect(response.status).toBe(status);
      if (status === 404) {
        // Other paths belong to the collector's query API (the handler's fallback), which answers in its own JSON.
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        return;
      }
      expect(response.headers.get('content-type')).toBe(encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json');
      expect(readRpcStatus(encoding, response.body).message).not.toBe('');
      if (status === 405) expect(response.headers.get('allow')).toBe('POST');
    }, 'http/protobuf');
  });

  it('OTLP/HTTP: base64 ids in JSON → 200 partial success; the good spans of that request are stored too', async () => {
    const runId = 'partial-json';
    const run = collector.run(runId);
    const spans = recordRealSpans('b64', 2);
    const exported = await exportOnce('http/json', collector.httpUrl, spans, { runId });
    expect(exported.code).toBe(ExportResultCode.SUCCESS);
    const body = new TextEncoder().encode(
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  { traceId: 'AAECAwQFBgcICQoLDA0ODw==', spanId: 'AAECAwQFBgc=', name: 'b64', startTimeUnixNano: '1', endTimeUnixNano: '2' },
                  { traceId: '000102030405060708090A0B0C0D0E0F', spanId: '0001020304050607', name: 'hex', startTimeUnixNano: '1', endTimeUnixNano: '2' },
                ],
              },
            ],
          },
        ],
      }),
    );
    const response = await send({ headers: { ...JSON_TYPE, 'x-test-run-id': runId }, body });
    expect(response.status).toBe(200);
    const answer = JSON.parse(new TextDecoder().decode(response.body)) as { partialSuccess?: { rejectedSpans?: string; errorMessage?: string } };
    expect(answer.partialSuccess?.rejectedSpans).toBe('1');
    expect(answer.partialSuccess?.errorMessage).toMatch(/base64/);
    expect(run.spans().map((span) => span.name).sort()).toEqual([...spans.map((span) => span.name), 'hex'].sort());
  });

  it('OTLP/gRPC: garbage bytes → INVALID_ARGUMENT', async () => {
    await around(async () => {
      const { error } = await rawGrpcExport(collector.grpcUrl, garbageProtobuf, { metadata: { 'x-test-run-id': 'bad' } });
      expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error?.details).toMatch(/undecodable/);
    }, 'grpc');
  });

  it('OTLP/gRPC: an oversized message → RESOURCE_EXHAUSTED', async () => {
    await around(async () => {
      const { error } = await rawGrpcExport(collector.grpcUrl, new Uint8Array(maxBodyBytes + 1));
      expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    }, 'grpc');
  });
});

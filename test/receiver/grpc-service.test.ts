// OTLP/gRPC over a real socket: the real OpenTelemetry JS gRPC exporter, and a raw grpc-js client for inputs no
// exporter would send.
import zlib from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { ExportResultCode } from '@opentelemetry/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GrpcListener } from '../../src/receiver/index.ts';
import { listenGrpc } from '../../src/receiver/index.ts';
import { rawGrpcExport } from './raw-grpc-client.ts';
import { CollectingSink, exportOnce, protobufRequestBytes, readExportResponse, recordRealSpans } from './fixtures.ts';


const maxReceiveMessageBytes = 32 * 1024;

describe('listenGrpc', () => {
  let sink: CollectingSink;
  let server: GrpcListener;

  beforeEach(async () => {
    sink = new CollectingSink();
    server = await listenGrpc({ host: '127.0.0.1', port: 0, sink, maxReceiveMessageBytes });
  });
  afterEach(async () => {
    await server.close();
  });

  it('reports the base URL the gRPC exporter wants', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
  });

  it.each([false, true])('takes a real gRPC exporter export (gzip: %s) with the run id from metadata', async (gzip) => {
    const spans = recordRealSpans(`grpc-${gzip}`, 3);
    const result = await exportOnce('grpc', server.url, spans, { runId: 'run-g', gzip });
    expect(result.error).toBeUndefined();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(sink.batches.map((batch) => batch.context)).toEqual([{ runId: 'run-g', transport: 'grpc' }]);
    expect(sink.spans().map((span) => span.spanId).sort()).toEqual(spans.map((span) => span.spanContext().spanId).sort());
  });

  it.each<[string, grpc.compressionAlgorithms]>([
    ['deflate', grpc.compressionAlgorithms.deflate],
    ['gzip', grpc.compressionAlgorithms.gzip],
  ])('accepts %s-compressed messages (grpc-js inflates them)', async (_name, compression) => {
    const spans = recordRealSpans('raw', 1);
    const { error, response } = await rawGrpcExport(server.url, protobufRequestBytes(spans), { compression });
    expect(error).toBeNull();
    expect(response).toBeDefined();
    expect(readExportResponse('protobuf', response ?? new Uint8Array(0)).partialSuccess).toBeUndefined();
    expect(sink.spans()).toHaveLength(spans.length);
    expect(sink.batches[0]?.context.runId).toBeUndefined();
  });

  async function expectKeepsServing(kept: number): Promise<void> {
    const after = recordRealSpans('after', 1);
    expect((await exportOnce('grpc', server.url, after)).code).toBe(ExportResultCode.SUCCESS);
    expect(sink.spans()).toHaveLength(kept + after.length);
  }

  it('answers garbage bytes with INVALID_ARGUMENT and a message, then keeps serving with every span it had', async () => {
    const before = recordRealSpans('before', 2);
    expect((await exportOnce('grpc', server.url, before)).code).toBe(ExportResultCode.SUCCESS);
    const { error } = await rawGrpcExport(server.url, new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]));
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/undecodable OTLP protobuf/);
    await expectKeepsServing(before.length);
  });

  it('answers an oversized message with RESOURCE_EXHAUSTED, also when it only inflates past the limit', async () => {
    const before = recordRealSpans('before', 2);
    expect((await exportOnce('grpc', server.url, before)).code).toBe(ExportResultCode.SUCCESS);
    const oversized = await rawGrpcExport(server.url, new Uint8Array(maxReceiveMessageBytes + 1));
    expect(oversized.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    // 1 MiB of zeros gzips to about 1 KiB: small on the wire, far past the limit once inflated.
    expect(zlib.gzipSync(new Uint8Array(1024 * 1024)).byteLength).toBeLessThan(maxReceiveMessageBytes);
    const bomb = await rawGrpcExport(server.url, new Uint8Array(1024 * 1024), { compression: grpc.compressionAlgorithms.gzip });
    expect(bomb.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    await expectKeepsServing(before.length);
  });

  it('answers partial success when spans are rejected', async () => {
    // A span whose span id is all zero is invalid (OTLP: ids must be non-zero); the SDK never makes one, so patch
    // the serialized bytes of a real export: field 2 (span_id, 8 bytes) of the one span.
    const spans = recordRealSpans('partial', 0);
    const bytes = protobufRequestBytes(spans);
    const id = Buffer.from(spans[0]?.spanContext().spanId ?? '', 'hex');
    const at = Buffer.from(bytes).indexOf(Buffer.concat([Buffer.from([0x12, 0x08]), id]));
    expect(at).toBeGreaterThan(-1);
    const patched = Buffer.from(bytes);
    patched.fill(0, at + 2, at + 10);
    const { error, response } = await rawGrpcExport(server.url, patched);
    expect(error).toBeNull();
    const answer = readExportResponse('protobuf', response ?? new Uint8Array(0));
    expect(Number(answer.partialSuccess?.rejectedSpans)).toBe(1);
    expect(sink.spans()).toHaveLength(0);
  });
});

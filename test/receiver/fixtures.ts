// Real spans and real exporters for the receiver tests: spans are recorded by the OpenTelemetry JS SDK and sent
// by the OpenTelemetry JS OTLP exporters, never hand-built, so the receiver is tested against what it will meet.
import { fileURLToPath } from 'node:url';
import { Metadata } from '@grpc/grpc-js';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { IExportTraceServiceResponse } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import protobuf from 'protobufjs';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Span } from '../../src/model/span.ts';
import type { IngestContext, SpanSink } from '../../src/store/span-sink.ts';

/** One `ingest` call seen by {@link CollectingSink}. */
export interface IngestedBatch {
  readonly spans: readonly Span[];
  readonly context: IngestContext;
}

/**
 * A SpanSink that keeps what it is given. The receivers ingest before they answer, so a test that awaited the
 * export's answer can read the batches at once.
 */
export class CollectingSink implements SpanSink {
  readonly batches: IngestedBatch[] = [];

  ingest(spans: readonly Span[], context: IngestContext): void {
    this.batches.push({ spans, context });
  }

  /** Every span ingested so far, in arrival order. */
  spans(): Span[] {
    return this.batches.flatMap((batch) => batch.spans);
  }
}

/**
 * Records a small real trace with the SDK: a SERVER root with `childCount` CLIENT children, attributes of every
 * SDK attribute type, an event, an error status. Span names are prefixed so tests can tell exports apart.
 */
export function recordRealSpans(prefix: string, childCount = 2): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': `${prefix}-service` }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  const tracer = provider.getTracer('receiver-tests', '1.0.0');
  const root = tracer.startSpan(`${prefix} root`, {
    kind: SpanKind.SERVER,
    attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, ratio: 0.5, ok: true, tags: ['a', 'b'] },
  });
  const parentContext = trace.setSpan(context.active(), root);
  for (let i = 0; i < childCount; i++) {
    const child = tracer.startSpan(`${prefix} child ${i}`, { kind: SpanKind.CLIENT, attributes: { index: i } }, parentContext);
    child.addEvent('sent', { bytes: 10 * i });
    if (i === 0) child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    child.end();
  }
  root.end();
  return memory.getFinishedSpans();
}

/** The OTLP exporters under test: protocol name → a factory bound to a receiver base URL. */
export type ExporterKind = 'http/json' | 'http/protobuf' | 'grpc';

interface SpanExporterLike {
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

/** Builds a real exporter of `kind` aimed at `baseUrl`, tagging with `runId` when given. */
export function realExporter(kind: ExporterKind, baseUrl: string, options: { runId?: string; gzip?: boolean } = {}): SpanExporterLike {
  const compression = options.gzip === true ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE;
  const headers: Record<string, string> = options.runId === undefined ? {} : { 'x-test-run-id': options.runId };
  if (kind === 'grpc') {
    const metadata = new Metadata();
    if (options.runId !== undefined) metadata.set('x-test-run-id', options.runId);
    return new GrpcExporter({ url: baseUrl, metadata, compression }) as unknown as SpanExporterLike;
  }
  const Exporter = kind === 'http/json' ? JsonExporter : ProtoExporter;
  return new Exporter({ url: `${baseUrl}/v1/traces`, headers, compression }) as unknown as SpanExporterLike;
}

/** Exports `spans` once with a real exporter and resolves with its result (the exporter is shut down after). */
export async function exportOnce(
  kind: ExporterKind,
  baseUrl: string,
  spans: ReadableSpan[],
  options: { runId?: string; gzip?: boolean } = {},
): Promise<ExportResult> {
  const exporter = realExporter(kind, baseUrl, options);
  try {
    return await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
  } finally {
    await exporter.shutdown();
  }
}

/** The request bytes the real OTLP/HTTP-protobuf exporter would send for `spans`. */
export function protobufRequestBytes(spans: ReadableSpan[]): Uint8Array {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans as never);
  if (bytes === undefined) throw new Error('the SDK protobuf serializer produced nothing');
  return bytes;
}

/** The request bytes the real OTLP/HTTP-JSON exporter would send for `spans`. */
export function jsonRequestBytes(spans: ReadableSpan[]): Uint8Array {
  const bytes = JsonTraceSerializer.serializeRequest(spans as never);
  if (bytes === undefined) throw new Error('the SDK JSON serializer produced nothing');
  return bytes;
}

/** Reads an ExportTraceServiceResponse the way the real exporters do (the SDK's own deserializers). */
export function readExportResponse(encoding: 'protobuf' | 'json', body: Uint8Array): IExportTraceServiceResponse {
  const serializer = encoding === 'protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer;
  return serializer.deserializeResponse(body);
}

const statusType = protobuf
  .loadSync(fileURLToPath(new URL('../../proto/google/rpc/status.proto', import.meta.url)))
  .lookupType('google.rpc.Status');

/** Decodes a `google.rpc.Status` body in either encoding into `{ code, message }`. */
export function readRpcStatus(encoding: 'protobuf' | 'json', body: Uint8Array): { code: number; message: string } {
  if (encoding === 'json') {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as { code?: number; message?: string };
    return { code: parsed.code ?? 0, message: parsed.message ?? '' };
  }
  const decoded = statusType.toObject(statusType.decode(body), { defaults: true }) as { code: number; message: string };
  return { code: decoded.code, message: decoded.message };
}

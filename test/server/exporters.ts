// Real OTLP exporters for the collector tests: spans leave through the OpenTelemetry JS exporters, exactly as a
// service's SDK would send them.
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { Metadata } from '@grpc/grpc-js';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

/** Which real exporter sends. */
export type Transport = 'http/protobuf' | 'http/json' | 'grpc';

/** Exports `spans` once through a fresh real exporter and shuts it down; resolves with the export result. */
export async function exportVia(
  transport: Transport,
  baseUrl: string,
  spans: readonly ReadableSpan[],
  options: { headers?: Record<string, string>; gzip?: boolean } = {},
): Promise<ExportResult> {
  const headers = options.headers ?? {};
  const compression = options.gzip === true ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE;
  let exporter: JsonExporter | ProtoExporter | GrpcExporter;
  if (transport === 'grpc') {
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
    exporter = new GrpcExporter({ url: baseUrl, metadata, compression });
  } else {
    const Exporter = transport === 'http/json' ? JsonExporter : ProtoExporter;
    exporter = new Exporter({ url: `${baseUrl}/v1/traces`, headers, compression });
  }
  try {
    return await new Promise<ExportResult>((resolve) => exporter.export([...spans], resolve));
  } finally {
    await exporter.shutdown();
  }
}

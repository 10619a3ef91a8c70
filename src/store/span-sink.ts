import type { Span } from '../model/index.ts';

/** Where a span came from, as far as run correlation cares. */
export interface IngestContext {
  /** The run id carried by the request itself (`x-test-run-id` header or gRPC metadata), if any. */
  readonly runId?: string;
  readonly transport: 'http' | 'grpc' | 'file' | 'memory';
}

/**
 * Spans a sink refused (their run was evicted, or they carry an unusable run id), for the export's OTLP
 * `partial_success`: the exporter must not retry them, and its logs say why.
 */
export interface IngestRejections {
  readonly rejectedSpans: number;
  /** One line saying which spans were refused and why. */
  readonly errorMessage: string;
}

/** Anything that accepts decoded spans: the store, in production; receivers only know this. */
export interface SpanSink {
  /** Takes spans; returns what it refused, if anything (a sink that refuses nothing may return nothing). */
  ingest(spans: readonly Span[], context: IngestContext): IngestRejections | void;
}

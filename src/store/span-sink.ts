import type { Span } from '../model/index.ts';

/** Where a span came from, as far as run correlation cares. */
export interface IngestContext {
  /** The run id carried by the request itself (`x-test-run-id` header or gRPC metadata), if any. */
  readonly runId?: string;
  readonly transport: 'http' | 'grpc' | 'file' | 'memory';
}

/** Anything that accepts decoded spans: the store, in production; receivers only know this. */
export interface SpanSink {
  ingest(spans: readonly Span[], context: IngestContext): void;
}

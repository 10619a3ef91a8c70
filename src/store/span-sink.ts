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

/**
 * A sink that could not keep an export (its save file failed, or too much is waiting to be written): none of the
 * spans was kept, and the client should send them again after `retryAfterSeconds` (OTLP: 503 / UNAVAILABLE).
 */
export interface IngestUnavailable {
  readonly kind: 'unavailable';
  readonly message: string;
  readonly retryAfterSeconds: number;
}

/** What a sink answers: nothing when it kept every span, the spans it refused, or that it could keep none now. */
export type IngestAnswer = IngestUnavailable | IngestRejections | undefined;

/**
 * Anything that accepts decoded spans: the store, in production; receivers only know this. A sink may answer
 * later (a promise): the receiver acknowledges the export only once it has, so a sink that saves before it keeps
 * makes every acknowledged span a saved one.
 */
export interface SpanSink {
  ingest(spans: readonly Span[], context: IngestContext): void | IngestAnswer | Promise<IngestAnswer>;
}

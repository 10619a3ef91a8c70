// The transport-neutral core of both receivers, in the manner of opentelemetry-js's
// otlp-exporter-base/src/export-response.ts: one function takes an export request's bytes and answers with an
// outcome union; OTLP/HTTP and OTLP/gRPC only read their transport and map each outcome to their status codes.
import type { DecodeResult, OtlpEncoding } from '../otlp/index.ts';
import { decodeExportRequestJson, decodeExportRequestProtobuf } from '../otlp/index.ts';
import { isUsableRunId, runIdOfRequestValue } from '../protocol/index.ts';
import type { IngestContext, IngestUnavailable, SpanSink } from '../store/index.ts';
import { bearerMatches } from './bearer-token.ts';

/** One export request as the transports hand it over: already read and decompressed. */
export interface ExportRequest {
  /** The `ExportTraceServiceRequest` message; zero bytes is an empty request in either encoding. */
  readonly bytes: Uint8Array;
  readonly encoding: OtlpEncoding;
  /** The raw run id header (or gRPC metadata) value, if the request had one; blanks are trimmed here. */
  readonly runId: string | undefined;
  /** The raw `Authorization` header (or metadata) value, if any. */
  readonly authorization: string | undefined;
  /** Which transport received it, for the sink's {@link IngestContext}. */
  readonly transport: IngestContext['transport'];
}

/** What the core enforces beyond decoding. */
export interface ExportPolicy {
  /** When set, requests need `Authorization: Bearer <authToken>`. */
  readonly authToken?: string;
  /** Largest accepted request, after decompression. Default: no limit here (the transports enforce theirs). */
  readonly maxBodyBytes?: number;
  /**
   * Whether the sink takes exports now. When it answers false (the collector is closing), requests are answered
   * `unavailable`, which OTLP clients retry, instead of being dropped. Default: always.
   */
  readonly acceptingExports?: () => boolean;
}

/** Every span was accepted (zero for an empty request). */
export interface ExportOk {
  readonly kind: 'ok';
  readonly acceptedSpans: number;
}

/** Some spans were accepted and some rejected: still a success for OTLP, which the client must not retry. */
export interface ExportPartial {
  readonly kind: 'partial';
  readonly acceptedSpans: number;
  readonly rejectedSpans: number;
  /** For `partial_success.error_message`. */
  readonly errorMessage: string;
}

/** The bearer token is missing or wrong. */
export interface ExportUnauthenticated {
  readonly kind: 'unauthenticated';
  readonly message: string;
}

/** The request does not decode as an `ExportTraceServiceRequest`; resending it cannot help. */
export interface ExportInvalid {
  readonly kind: 'invalid';
  readonly message: string;
}

/** The request is larger than the limit. */
export interface ExportTooLarge {
  readonly kind: 'tooLarge';
  readonly message: string;
}

/**
 * The sink takes no exports now (shutting down, or its save file failed or is full) and kept none of the spans;
 * the client may retry after `retryAfterSeconds`.
 */
export type ExportUnavailable = IngestUnavailable;

/** The answer to one export request, independent of its transport. */
export type ExportOutcome = ExportOk | ExportPartial | ExportUnauthenticated | ExportInvalid | ExportTooLarge | ExportUnavailable;

/**
 * What an OTLP request came to, once answered: for the sidecar's metrics (requests by outcome, spans accepted and
 * rejected, handling latency). `outcome` is the export core's outcome kind, or what the transport refused before
 * the core saw the request: `unsupported` (unknown media type or content coding), `internal` (a bug answered 500 /
 * INTERNAL).
 */
export interface ExportHandled {
  readonly transport: 'http' | 'grpc';
  readonly outcome: ExportOutcome['kind'] | 'unsupported' | 'internal';
  readonly acceptedSpans: number;
  /** Spans refused inside an accepted request (partial success); 0 when the whole request was refused. */
  readonly rejectedSpans: number;
  /** From the request's arrival to its answer: reading, decompressing, decoding and ingesting. */
  readonly durationSeconds: number;
}

/** Told of every OTLP request a receiver answered (see {@link ExportHandled}); what it throws is ignored. */
export type ExportObserver = (handled: ExportHandled) => void;

/** The {@link ExportHandled} of one outcome of the export core, or of a refusal before it. */
export function handledOf(
  transport: ExportHandled['transport'],
  outcome: ExportOutcome | 'unsupported' | 'internal',
  startedAtMillis: number,
): ExportHandled {
  const durationSeconds = (performance.now() - startedAtMillis) / 1000;
  if (typeof outcome === 'string') return { transport, outcome, acceptedSpans: 0, rejectedSpans: 0, durationSeconds };
  return {
    transport,
    outcome: outcome.kind,
    acceptedSpans: outcome.kind === 'ok' || outcome.kind === 'partial' ? outcome.acceptedSpans : 0,
    rejectedSpans: outcome.kind === 'partial' ? outcome.rejectedSpans : 0,
    durationSeconds,
  };
}

/** Calls an observer, if any, keeping what it throws away from the request it observes. */
export function notifyObserver(observer: ExportObserver | undefined, handled: ExportHandled): void {
  if (observer === undefined) return;
  try {
    observer(handled);
  } catch {
    // An observer is bookkeeping (metrics); its failure must not turn an answered export into an error.
  }
}

/** How long a client should wait before retrying an `unavailable` answer. */
export const RETRY_AFTER_SECONDS = 1;

const emptyExport: DecodeResult = { ok: true, value: { spans: [], rejectedSpans: 0, rejectionMessage: '' } };

/** A run id for a message: its length and a quoted, escaped start (it may be long or hold control characters). */
function describeRunId(runId: string): string {
  const head = JSON.stringify(runId.length > 40 ? `${runId.slice(0, 40)}…` : runId);
  return `${runId.length} characters, ${head}`;
}

/**
 * The bearer check alone, for transports that can answer it before reading a body (OTLP/HTTP does, so an
 * unauthenticated client cannot make it buffer up to the body limit). {@link exportTraces} makes it too.
 */
export function checkAuthorization(authorization: string | undefined, policy: ExportPolicy): ExportUnauthenticated | undefined {
  if (policy.authToken === undefined || bearerMatches(authorization, policy.authToken)) return undefined;
  return { kind: 'unauthenticated', message: 'missing or wrong bearer token' };
}

/**
 * Handles one OTLP trace export: checks the bearer token, the size and the sink's availability, decodes the
 * request, hands the accepted spans to `sink` with the request's run id, and says how it went once the sink has
 * answered (a sink that saves before it keeps answers after the write: nothing is acknowledged before that).
 * Never rejects for bad input; what a sink throws propagates (the transports answer it as an internal error).
 *
 * @example
 * ```ts
 * const outcome = await exportTraces({ bytes, encoding: 'protobuf', runId: 'run-1', authorization: undefined, transport: 'http' }, store);
 * if (outcome.kind === 'invalid') console.warn(outcome.message);
 * ```
 */
export async function exportTraces(request: ExportRequest, sink: SpanSink, policy: ExportPolicy = {}): Promise<ExportOutcome> {
  const unauthenticated = checkAuthorization(request.authorization, policy);
  if (unauthenticated !== undefined) return unauthenticated;
  const { bytes, encoding } = request;
  if (policy.maxBodyBytes !== undefined && bytes.byteLength > policy.maxBodyBytes) {
    return { kind: 'tooLarge', message: `request of ${bytes.byteLength} bytes is larger than the limit of ${policy.maxBodyBytes} bytes` };
  }
  if (policy.acceptingExports !== undefined && !policy.acceptingExports()) {
    return { kind: 'unavailable', message: 'the collector is shutting down and takes no more exports', retryAfterSeconds: RETRY_AFTER_SECONDS };
  }
  // OTLP: an empty request is answered with success. A zero-length body is one in both encodings (although an
  // empty string is not valid JSON): exporters flushing nothing should not see errors.
  const decoded =
    bytes.byteLength === 0 ? emptyExport : encoding === 'protobuf' ? decodeExportRequestProtobuf(bytes) : decodeExportRequestJson(bytes);
  if (!decoded.ok) {
    return { kind: 'invalid', message: `undecodable OTLP ${encoding === 'protobuf' ? 'protobuf' : 'JSON'} export request: ${decoded.error.message}` };
  }
  const runId = runIdOfRequestValue(request.runId);
  // Checked before anything is stored: the whole request claims this run, so none of it can be placed.
  if (runId !== undefined && !isUsableRunId(runId)) {
    return { kind: 'invalid', message: `TC_RUN_ID_INVALID: the request's run id (${describeRunId(runId)}) is not usable: use 1-256 printable ASCII characters without spaces` };
  }
  const { spans, rejectedSpans, rejectionMessage } = decoded.value;
  const answer = spans.length > 0 ? await sink.ingest(spans, { runId, transport: request.transport }) : undefined;
  // Nothing kept (the save file is behind or failed): the client sends it all again later.
  if (answer !== undefined && 'kind' in answer) return answer;
  const refusedSpans = answer?.rejectedSpans ?? 0;
  if (rejectedSpans + refusedSpans > 0) {
    const errorMessage = [rejectedSpans > 0 ? rejectionMessage : '', refusedSpans > 0 ? (answer?.errorMessage ?? '') : ''].filter((m) => m !== '').join('; ');
    return { kind: 'partial', acceptedSpans: spans.length - refusedSpans, rejectedSpans: rejectedSpans + refusedSpans, errorMessage };
  }
  return { kind: 'ok', acceptedSpans: spans.length };
}

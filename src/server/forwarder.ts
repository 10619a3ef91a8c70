// `serve --forward URL`: re-exports every accepted span (after redaction) to the real backend, so the sidecar can sit
// in the real pipeline. One bounded queue, one request in flight, retry with exponential backoff per the OTLP
// exporter rules (otlp-facts.md): HTTP 429/502/503/504 and gRPC UNAVAILABLE, RESOURCE_EXHAUSTED, ABORTED,
// DEADLINE_EXCEEDED, CANCELLED, OUT_OF_RANGE, DATA_LOSS are retried, honouring Retry-After; anything else is a
// permanent refusal and the batch is dropped. Every span dropped is counted by reason.
import * as grpc from '@grpc/grpc-js';
import type { Span } from '../model/index.ts';
import { decodeExportResponse, encodeSpansAsOtlpProtobuf } from '../otlp/index.ts';
import { runIdHeaderName } from '../protocol/index.ts';
import { traceServiceDefinition } from '../receiver/index.ts';
import { err, ok, type Result } from '../result.ts';
import type { SpanDropReason } from './metrics.ts';

/** Options of {@link createForwarder}. */
export interface ForwardOptions {
  /**
   * The upstream: `http://host:port` or `https://…` (OTLP/HTTP protobuf, `/v1/traces` appended unless the URL has
   * a path), or `grpc://host:port` (OTLP/gRPC, plaintext).
   */
  readonly url: string;
  /** Headers (gRPC metadata) sent with every upstream export, e.g. the backend's API key. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Header carrying each export's run id upstream, when it had one. Default `x-test-run-id`. */
  readonly runIdHeader?: string;
  /** Spans held while the upstream is slow or down; past it new exports are dropped (counted). Default 100,000. */
  readonly maxQueueSpans?: number;
  /** Largest upstream export, in spans; consecutive exports of one run are merged up to it. Default 2,048. */
  readonly maxBatchSpans?: number;
  /** First retry delay; doubled each retry (with jitter) up to {@link maxBackoffMillis}. Default 1,000. */
  readonly initialBackoffMillis?: number;
  /** Longest retry delay, and longest Retry-After honoured. Default 30,000. */
  readonly maxBackoffMillis?: number;
  /** Deadline of one upstream request. Default 10,000. */
  readonly requestTimeoutMillis?: number;
  /** Told of spans delivered, and of spans dropped with the reason. */
  readonly onSent?: (spanCount: number) => void;
  readonly onDropped?: (reason: SpanDropReason, spanCount: number) => void;
  /** Where the forwarder logs refusals and retries (one line each, rate-limited to state changes). */
  readonly log?: (line: string) => void;
}

/** The forwarding queue of a collector. */
export interface Forwarder {
  /** Queues one accepted export for the upstream; drops it (counted) when the queue is full. Never blocks. */
  enqueue(spans: readonly Span[], runId: string | undefined): void;
  /** Spans waiting (including the batch in flight). */
  readonly queuedSpans: number;
  /** Sends what is queued until `drainMillis` passes, then drops the rest (reason `forward-closed`). */
  close(drainMillis?: number): Promise<void>;
}

interface Batch {
  readonly runId: string | undefined;
  spans: Span[];
}

/** One upstream attempt's verdict; `rejectedSpans` is the upstream's partial success (spans it dropped). */
type Attempt =
  | { readonly kind: 'sent'; readonly rejectedSpans: number; readonly why: string }
  | { readonly kind: 'retry'; readonly afterMillis: number | undefined; readonly why: string } | { readonly kind: 'refused'; readonly why: string };

type Send = (body: Uint8Array, runId: string | undefined, signal: AbortSignal) => Promise<Attempt>;

const RETRYABLE_HTTP = new Set([429, 502, 503, 504]);
const RETRYABLE_GRPC = new Set([
  grpc.status.CANCELLED,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.ABORTED,
  grpc.status.OUT_OF_RANGE,
  grpc.status.UNAVAILABLE,
  grpc.status.DATA_LOSS,
]);

/** Retry-After: delay-seconds or an HTTP-date (RFC 9110 §10.2.3); `undefined` when absent or unreadable. */
export function retryAfterMillis(value: string | null | undefined, nowMillis = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMillis);
}

/** Checks a `--forward` URL: `http(s)://` or `grpc://`, with a host. */
export function checkForwardUrl(text: string): Result<URL, string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return err(`--forward ${JSON.stringify(text)} is not a URL; write http://collector:4318 (OTLP/HTTP) or grpc://collector:4317 (OTLP/gRPC)`);
  }
  if (!['http:', 'https:', 'grpc:'].includes(url.protocol) || url.hostname === '') {
    return err(`--forward ${JSON.stringify(text)}: use http://, https:// (OTLP/HTTP protobuf) or grpc:// (OTLP/gRPC) with a host`);
  }
  return ok(url);
}

function httpSender(url: URL, headers: Readonly<Record<string, string>>, runIdHeader: string, timeoutMillis: number): Send {
  const target = url.pathname === '/' || url.pathname === '' ? new URL('/v1/traces', url) : url;
  return async (body, runId, signal) => {
    let response: Response;
    let answer: Uint8Array;
    try {
      response = await fetch(target, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-protobuf', ...(runId === undefined ? {} : { [runIdHeader]: runId }) },
        body,
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMillis)]),
      });
      answer = new Uint8Array(await response.arrayBuffer());
    } catch (cause) {
      return { kind: 'retry', afterMillis: undefined, why: `cannot reach ${target.origin}: ${cause instanceof Error ? cause.message : String(cause)}` };
    }
    if (response.ok) {
      const partial = decodeExportResponse(answer, /json/i.test(response.headers.get('content-type') ?? '') ? 'json' : 'protobuf');
      return { kind: 'sent', rejectedSpans: partial?.rejectedSpans ?? 0, why: partial?.errorMessage ?? '' };
    }
    const why = `${target.href} answered ${response.status}`;
    if (RETRYABLE_HTTP.has(response.status)) return { kind: 'retry', afterMillis: retryAfterMillis(response.headers.get('retry-after')), why };
    return { kind: 'refused', why };
  };
}

function grpcSender(url: URL, headers: Readonly<Record<string, string>>, runIdHeader: string, timeoutMillis: number): { send: Send; close: () => void } {
  const Client = grpc.makeGenericClientConstructor(traceServiceDefinition, 'TraceService');
  const client = new Client(url.host, grpc.credentials.createInsecure());
  const send: Send = (body, runId, signal) =>
    new Promise((resolve) => {
      const metadata = new grpc.Metadata();
      for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
      if (runId !== undefined) metadata.set(runIdHeader, runId);
      const call = client.makeUnaryRequest(
        traceServiceDefinition['Export']?.path ?? '',
        (value: Uint8Array) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
        (bytes: Buffer) => bytes,
        body,
        metadata,
        { deadline: Date.now() + timeoutMillis },
        (error: grpc.ServiceError | null, response?: Uint8Array) => {
          signal.removeEventListener('abort', cancel);
          if (error === null) {
            const partial = response === undefined ? undefined : decodeExportResponse(response, 'protobuf');
            resolve({ kind: 'sent', rejectedSpans: partial?.rejectedSpans ?? 0, why: partial?.errorMessage ?? '' });
          }
          else if (RETRYABLE_GRPC.has(error.code)) resolve({ kind: 'retry', afterMillis: undefined, why: `${url.host} answered ${grpc.status[error.code]}: ${error.details}` });
          else resolve({ kind: 'refused', why: `${url.host} answered ${grpc.status[error.code]}: ${error.details}` });
        },
      );
      const cancel = (): void => call.cancel();
      signal.addEventListener('abort', cancel, { once: true });
    });
  return { send, close: () => client.close() };
}

/**
 * Starts the forwarding queue for `options.url`.
 *
 * @example
 * ```ts
 * const forwarder = createForwarder({ url: 'grpc://otel-collector:4317', onDropped: (reason, n) => console.warn(reason, n) });
 * forwarder.enqueue(spans, 'run-42');
 * await forwarder.close(5000);
 * ```
 */
export function createForwarder(options: ForwardOptions): Result<Forwarder, string> {
  const checked = checkForwardUrl(options.url);
  if (!checked.ok) return checked;
  const url = checked.value;
  const maxQueueSpans = options.maxQueueSpans ?? 100_000;
  const maxBatchSpans = options.maxBatchSpans ?? 2_048;
  const initialBackoffMillis = options.initialBackoffMillis ?? 1_000;
  const maxBackoffMillis = options.maxBackoffMillis ?? 30_000;
  const timeoutMillis = options.requestTimeoutMillis ?? 10_000;
  const headers = options.headers ?? {};
  const runIdHeader = runIdHeaderName(options.runIdHeader);
  const log = options.log ?? (() => {});
  const grpcClient = url.protocol === 'grpc:' ? grpcSender(url, headers, runIdHeader, timeoutMillis) : undefined;
  const send = grpcClient?.send ?? httpSender(url, headers, runIdHeader, timeoutMillis);

  const queue: Batch[] = [];
  let queued = 0;
  let pumping = false;
  let closed = false;
  let failing = false;
  const abort = new AbortController();
  let wakeBackoff: (() => void) | undefined;
  let drained: (() => void) | undefined;

  const drop = (reason: SpanDropReason, count: number): void => {
    if (count > 0) options.onDropped?.(reason, count);
  };

  /** Waits a backoff delay, or less when closing cuts it short. */
  const backoff = (millis: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        wakeBackoff = undefined;
        resolve();
      }, millis);
      wakeBackoff = () => {
        clearTimeout(timer);
        wakeBackoff = undefined;
        resolve();
      };
    });

  const pump = async (): Promise<void> => {
    if (pumping) return;
    pumping = true;
    try {
      let retries = 0;
      while (queue.length > 0 && !abort.signal.aborted) {
        const batch = queue[0] as Batch;
        const attempt = await send(encodeSpansAsOtlpProtobuf(batch.spans), batch.runId, abort.signal);
        if (attempt.kind === 'retry' && !abort.signal.aborted) {
          if (!failing) log(`tracecheck: forwarding is retrying: ${attempt.why}`);
          failing = true;
          const exponential = Math.min(maxBackoffMillis, initialBackoffMillis * 2 ** retries);
          // Full jitter on the upper half, so many sidecars do not retry in step.
          const delay = attempt.afterMillis === undefined ? exponential * (0.5 + Math.random() / 2) : Math.min(attempt.afterMillis, maxBackoffMillis);
          retries++;
          await backoff(delay);
          continue;
        }
        queue.shift();
        queued -= batch.spans.length;
        retries = 0;
        if (attempt.kind === 'sent') {
          if (failing) log('tracecheck: forwarding recovered');
          failing = false;
          // OTLP partial success: the upstream accepted the request but dropped some spans, which must not be resent.
          const rejected = Math.min(attempt.rejectedSpans, batch.spans.length);
          if (rejected > 0) {
            log(`tracecheck: forwarding: the upstream rejected ${rejected} of ${batch.spans.length} spans: ${JSON.stringify(attempt.why)}`);
            drop('forward-rejected', rejected);
          }
          options.onSent?.(batch.spans.length - rejected);
        } else if (attempt.kind === 'refused') {
          log(`tracecheck: forwarding dropped ${batch.spans.length} spans: ${attempt.why}`);
          drop('forward-rejected', batch.spans.length);
        } else {
          drop('forward-closed', batch.spans.length);
        }
      }
    } finally {
      pumping = false;
      if (queue.length === 0) drained?.();
    }
  };

  return ok({
    enqueue(spans, runId) {
      if (spans.length === 0) return;
      if (closed || queued + spans.length > maxQueueSpans) {
        drop(closed ? 'forward-closed' : 'forward-queue-full', spans.length);
        return;
      }
      queued += spans.length;
      // Merge into the last waiting batch of the same run (never the one in flight, queue[0] while pumping).
      const last = queue.at(-1);
      if (last !== undefined && (queue.length > 1 || !pumping) && last.runId === runId && last.spans.length + spans.length <= maxBatchSpans) {
        last.spans.push(...spans);
      } else {
        queue.push({ runId, spans: [...spans] });
      }
      void pump();
    },
    get queuedSpans() {
      return queued;
    },
    async close(drainMillis = 5_000) {
      closed = true;
      if (queue.length > 0) {
        // A pending backoff would outlast the drain; try now instead.
        wakeBackoff?.();
        await new Promise<void>((resolve) => {
          const deadline = setTimeout(() => {
            abort.abort();
            wakeBackoff?.();
          }, drainMillis);
          drained = () => {
            clearTimeout(deadline);
            resolve();
          };
          if (!pumping) void pump();
        });
      }
      for (const batch of queue.splice(0)) drop('forward-closed', batch.spans.length);
      queued = 0;
      grpcClient?.close();
    },
  });
}

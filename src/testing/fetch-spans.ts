import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type * as OtelApi from '@opentelemetry/api';

/**
 * The fields of an undici request that Node's `fetch` publishes on its diagnostics channels (undici
 * `docs/api/DiagnosticsChannel.md`: `undici:request:create`, `:headers`, `:trailers`, `:error`).
 */
interface UndiciRequest {
  readonly origin: string | URL;
  readonly method: string;
  readonly path: string;
  /** undici 6 and 7: `[name, value, name, value, ...]`; older: `name: value\r\n` lines. */
  readonly headers?: readonly unknown[] | string;
  addHeader(name: string, value: string): unknown;
}

/** True when the request already carries a trace context, e.g. from `run.headers()`: it is not traced again. */
function hasTraceparent(request: UndiciRequest): boolean {
  const { headers } = request;
  if (typeof headers === 'string') return /^traceparent:/imu.test(headers);
  if (headers === undefined) return false;
  for (let i = 0; i < headers.length; i += 2) if (String(headers[i]).toLowerCase() === 'traceparent') return true;
  return false;
}

interface RequestMessage {
  readonly request: UndiciRequest;
  readonly response?: { readonly statusCode: number };
  readonly error?: unknown;
}

/** Options of {@link traceFetch}. */
export interface TraceFetchOptions {
  /** Origins (`http://127.0.0.1:4318`) whose requests are not traced: the collector's own. */
  readonly ignoreOrigins: readonly string[];
}

/**
 * Makes a client span for each request of Node's global `fetch` (undici) in this process, with the OpenTelemetry
 * API of the test process's SDK, and injects its context (`traceparent`, and baggage) into the request, so the
 * services continue the trace. The span is a child of the caller's active span, is named by the method (HTTP
 * semantic conventions: `http.request.method`, `url.full`, `server.address`, `server.port`,
 * `http.response.status_code`, `error.type`), and ends when the response body has been read, or on an error.
 * A request that already has a `traceparent` (from `run.headers()`) keeps it and is not traced. Returns a
 * function that stops tracing.
 *
 * Node's `fetch` publishes these channels itself, so no patching and no dependency is needed; the
 * `@opentelemetry/instrumentation-undici` package does the same more completely, and replaces this when passed
 * as an instrumentation with `fetch: false`.
 */
export function traceFetch(api: typeof OtelApi, options: TraceFetchOptions): () => void {
  const tracer = api.trace.getTracer('tracecheck-fetch');
  const spans = new WeakMap<UndiciRequest, OtelApi.Span>();
  const ignored = new Set(options.ignoreOrigins);

  const onCreate = (message: unknown): void => {
    const { request } = message as RequestMessage;
    const origin = String(request.origin).replace(/\/+$/, '');
    if (ignored.has(origin) || hasTraceparent(request)) return;
    const url = new URL(request.path, origin);
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    const span = tracer.startSpan(
      request.method,
      {
        kind: api.SpanKind.CLIENT,
        attributes: { 'http.request.method': request.method, 'url.full': url.href, 'server.address': url.hostname, 'server.port': port },
      },
      api.context.active(),
    );
    const carrier: Record<string, string> = {};
    api.propagation.inject(api.trace.setSpan(api.context.active(), span), carrier);
    for (const [name, value] of Object.entries(carrier)) request.addHeader(name, value);
    spans.set(request, span);
  };
  const onHeaders = (message: unknown): void => {
    const { request, response } = message as RequestMessage;
    const span = spans.get(request);
    if (span === undefined || response === undefined) return;
    span.setAttribute('http.response.status_code', response.statusCode);
    // HTTP semantic conventions: a client span is an error for 4xx and 5xx responses.
    if (response.statusCode >= 400) {
      span.setAttribute('error.type', String(response.statusCode));
      span.setStatus({ code: api.SpanStatusCode.ERROR });
    }
  };
  const onTrailers = (message: unknown): void => {
    const { request } = message as RequestMessage;
    spans.get(request)?.end();
    spans.delete(request);
  };
  const onError = (message: unknown): void => {
    const { request, error } = message as RequestMessage;
    const span = spans.get(request);
    if (span === undefined) return;
    const failure = error instanceof Error ? error : new Error(String(error));
    span.recordException(failure);
    const code = (failure as { readonly code?: unknown }).code;
    span.setAttribute('error.type', typeof code === 'string' ? code : failure.name);
    span.setStatus({ code: api.SpanStatusCode.ERROR, message: failure.message });
    span.end();
    spans.delete(request);
  };

  const channels = [
    ['undici:request:create', onCreate],
    ['undici:request:headers', onHeaders],
    ['undici:request:trailers', onTrailers],
    ['undici:request:error', onError],
  ] as const;
  for (const [name, listener] of channels) subscribe(name, listener);
  return () => {
    for (const [name, listener] of channels) unsubscribe(name, listener);
  };
}

import { bearerMatches } from '../receiver/index.ts';
import { renderHtmlPage } from '../report/index.ts';
import type { OtlpHttpHandler, OtlpHttpRequest, OtlpHttpResponse } from '../receiver/index.ts';
import { encodeSpansAsOtlpJson } from '../otlp/index.ts';
import { isUsableRunId } from '../protocol/index.ts';
import type { LiveRun, SpanStore } from '../store/index.ts';
import { createRunStream } from './run-stream.ts';
import { traceToJson } from './trace-json.ts';

/** Longest `timeoutMillis` a settle query may ask for: node:http ends requests after 300 s by default. */
export const MAX_SETTLE_QUERY_MILLIS = 290_000;

/** Options of {@link createQueryApi}. */
export interface QueryApiOptions {
  readonly store: SpanStore;
  /** When set, every route but `/healthz` needs `authorization: Bearer <authToken>`; 401 otherwise. */
  readonly authToken?: string;
  /** How far a `/stream` reader may fall behind before it is closed (see `createRunStream`). Default 4 MiB. */
  readonly maxStreamBufferBytes?: number;
  /** Answers `GET /metrics` (Prometheus text format; the token is required like any route but `/healthz`). */
  readonly metrics?: () => Promise<{ readonly contentType: string; readonly text: string }>;
}

/** A run as `GET /api/runs` lists it. */
export interface RunSummaryJson {
  readonly id: string;
  /** `live`, `evicted` (dropped by the span cap) or `closed`. */
  readonly state: string;
  readonly spanCount: number;
  readonly traceCount: number;
  readonly orphanCount: number;
  /** Spans the run held when evicted (0 unless evicted). */
  readonly evictedSpanCount: number;
}

const utf8 = new TextEncoder();

function json(status: number, value: unknown, headers: Record<string, string> = {}): OtlpHttpResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: utf8.encode(JSON.stringify(value)),
  };
}

function problem(status: number, message: string, headers: Record<string, string> = {}): OtlpHttpResponse {
  return json(status, { error: message }, headers);
}

function summarise(run: LiveRun): RunSummaryJson {
  return {
    id: run.id,
    state: run.state,
    spanCount: run.spanCount,
    traceCount: run.traceCount,
    orphanCount: run.orphanCount,
    evictedSpanCount: run.evictedSpanCount,
  };
}

/** Reads a non-negative integer query parameter; `undefined` when absent, an error text when malformed. */
function millisParam(params: URLSearchParams, name: string): number | undefined | string {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) return `${name} must be a non-negative integer of milliseconds, got "${raw}"`;
  if (value > MAX_SETTLE_QUERY_MILLIS) return `${name} must be at most ${MAX_SETTLE_QUERY_MILLIS}, got ${raw}`;
  return value;
}

/**
 * The sidecar's query API, as a transport-independent handler (mount it as the OTLP handler's `fallback`, so it
 * shares the OTLP/HTTP port). JSON only.
 *
 * | route | answer |
 * |---|---|
 * | `GET /healthz` | `{ "status": "ok" }` (no token needed: for liveness probes) |
 * | `GET /ui`, `GET /ui?run={id}` | the live view (html): the runs list, or one run's waterfalls updating as its spans arrive over `/stream`. The page holds no data and needs no token; everything it shows comes from the routes below, with the token (given as `/ui#token=…`, or typed into the page when asked). |
 * | `GET /metrics` | Prometheus text format (when the collector gives `metrics`; see docs/collector.md) |
 * | `GET /api/runs` | `{ runs: RunSummaryJson[], unclaimed: { spanCount, traceCount } }` |
 * | `GET /api/runs/{id}` | `RunSummaryJson`; 404 for a run never seen |
 * | `GET /api/runs/{id}/traces` | `{ runId, state, traces: TraceJson[] }`; 404 for a run never seen |
 * | `GET /api/runs/{id}/settled?quietMillis=&timeoutMillis=` | waits, then `{ runId, ...SettleOutcome }`. A run not seen yet is waited for (its spans may still be in flight), so this never 404s; one that stays quiet without any span answers `settled: false, reason: "no-spans"`. |
 * | `GET /api/runs/{id}/stream` | server-sent events: `spans` events, each an OTLP/JSON export of the run's new spans (the first: all so far), then `end` (see `createRunStream`). A run not seen yet is streamed from its first span. |
 * | `GET /api/unclaimed` | `{ traces: TraceJson[] }`: untagged traces no run claimed |
 * | `GET /api/unclaimed?format=otlp` | the same spans as one OTLP/JSON export request (`{ resourceSpans }`), so values keep their types: what the scatter-gather of `run`/`check --collector URL1,URL2` reads to join traces that link to a run held by another replica |
 *
 * Errors are `{ "error": "..." }` with 400 (bad parameter), 401 (token), 404 (unknown route or run), 405 (not GET).
 *
 * @example
 * ```ts
 * const store = new SpanStore();
 * const handler = createOtlpHttpHandler({ sink: store, fallback: createQueryApi({ store }) });
 * const server = await listenHttp({ host: '127.0.0.1', port: 0, handler });
 * // curl $URL/api/runs/run-42/settled?quietMillis=200 && curl $URL/api/runs/run-42/traces
 * ```
 */
export function createQueryApi(options: QueryApiOptions): OtlpHttpHandler {
  const { store } = options;
  const { authToken } = options;

  // The live view's page: the html report's script in live mode, with no data of its own (it asks this API, with
  // the token, for everything it shows).
  let uiPage: Uint8Array | undefined;

  const route = async (request: OtlpHttpRequest): Promise<OtlpHttpResponse> => {
    const url = new URL(request.path, 'http://query.invalid');
    const path = url.pathname.endsWith('/') && url.pathname.length > 1 ? url.pathname.slice(0, -1) : url.pathname;
    const known = path === '/healthz' || path === '/ui' || (path === '/metrics' && options.metrics !== undefined) || path === '/api/runs' || path === '/api/unclaimed' || path.startsWith('/api/runs/');
    if (!known) return problem(404, `no route ${path}; the query API serves /healthz, /ui, /api/runs, /api/runs/{id}, /api/runs/{id}/traces, /api/runs/{id}/settled, /api/unclaimed`);
    if (request.method !== 'GET' && request.method !== 'HEAD') return problem(405, `method ${request.method} is not allowed on ${path}; use GET`, { allow: 'GET, HEAD' });
    if (path === '/healthz') return json(200, { status: 'ok' });
    if (path === '/ui') {
      uiPage ??= utf8.encode(renderHtmlPage({ title: 'tracecheck live', mode: 'live' }));
      return {
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff' },
        body: uiPage,
      };
    }
    if (authToken !== undefined && !bearerMatches(request.headers['authorization'], authToken)) {
      return problem(401, 'missing or wrong bearer token: send "authorization: Bearer <token>"', { 'www-authenticate': 'Bearer' });
    }
    if (path === '/metrics' && options.metrics !== undefined) {
      const { contentType, text } = await options.metrics();
      return { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body: utf8.encode(text) };
    }
    if (path === '/api/runs') {
      const stats = store.stats();
      return json(200, {
        runs: store.runs().map(summarise),
        unclaimed: { spanCount: stats.unclaimedSpanCount, traceCount: stats.unclaimedTraceCount },
      });
    }
    if (path === '/api/unclaimed') {
      const format = url.searchParams.get('format');
      if (format === 'otlp') return json(200, encodeSpansAsOtlpJson(store.unclaimedTraces().flatMap((trace) => trace.spans)));
      if (format !== null && format !== 'json') return problem(400, `format must be json (the default) or otlp, got ${JSON.stringify(format)}`);
      return json(200, { traces: store.unclaimedTraces().map(traceToJson) });
    }

    const segments = path.slice('/api/runs/'.length).split('/');
    let runId: string;
    try {
      runId = decodeURIComponent(segments[0] ?? '');
    } catch {
      return problem(400, `run id in ${path} is not valid percent-encoding`);
    }
    if (!isUsableRunId(runId)) {
      return problem(400, `TC_RUN_ID_INVALID: run id in the path (${runId.length} characters) is not usable: use 1-256 printable ASCII characters without spaces`);
    }
    const action = segments.slice(1).join('/');
    if (action === 'settled') {
      const quietMillis = millisParam(url.searchParams, 'quietMillis');
      const timeoutMillis = millisParam(url.searchParams, 'timeoutMillis');
      if (typeof quietMillis === 'string') return problem(400, quietMillis);
      if (typeof timeoutMillis === 'string') return problem(400, timeoutMillis);
      // Watched, not created: a run that never receives a span (a typo) is forgotten when the wait ends.
      const watch = store.watchRun(runId);
      try {
        const outcome = await watch.run.settled({ quietMillis, timeoutMillis });
        // A run that went quiet without ever receiving a span has not settled into anything: `settled: true` would
        // read as success to a CI job that checks only that.
        if (outcome.reason === 'quiet' && outcome.spanCount === 0) return json(200, { runId, ...outcome, settled: false, reason: 'no-spans' });
        return json(200, { runId, ...outcome });
      } finally {
        watch.release();
      }
    }
    if (action === 'stream') {
      const watch = store.watchRun(runId);
      return {
        status: 200,
        headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store' },
        body: new Uint8Array(0),
        stream: createRunStream(watch.run, { maxBufferedBytes: options.maxStreamBufferBytes, onClose: watch.release }),
      };
    }
    const run = store.findRun(runId);
    if (action !== '' && action !== 'traces') return problem(404, `no route ${path}; runs have /traces, /settled and /stream`);
    if (run === undefined) {
      const known = store.runs().slice(0, 20).map((r) => JSON.stringify(r.id));
      return problem(404, `unknown run ${JSON.stringify(runId)}: no span tagged with it has arrived (runs: ${known.length === 0 ? 'none' : known.join(', ')})`);
    }
    if (action === '') return json(200, summarise(run));
    return json(200, { runId: run.id, state: run.state, traces: run.traces().map(traceToJson) });
  };

  return async (request) => {
    try {
      return await route(request);
    } catch (cause) {
      return problem(500, `internal error in the query API: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
  };
}

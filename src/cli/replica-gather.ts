import type { Span, Trace } from '../model/index.ts';
import { decodeExportRequestJson } from '../otlp/index.ts';
import { err, ok, type Result } from '../result.ts';
import { SpanStore } from '../store/index.ts';

/** Longest single settle query the sidecar takes (its `MAX_SETTLE_QUERY_MILLIS`); longer waits ask again. */
const MAX_SETTLE_QUERY_MILLIS = 290_000;

/** A sidecar's answer to `GET /api/runs/{id}/settled`. */
interface SettledAnswer {
  readonly settled: boolean;
  readonly reason: string;
  readonly spanCount: number;
  readonly orphanCount: number;
}

/** How {@link gatherRun} waits and asks. */
export interface GatherOptions {
  readonly timeoutMillis: number;
  readonly quietMillis: number | undefined;
  readonly authToken: string | undefined;
  /**
   * Whether untagged traces held by any replica that link to a trace of the run (a messaging consumer's new trace,
   * routed by its own trace id to another replica) join the run, as one sidecar holding every span would join
   * them. Needs each replica's unclaimed pool (`GET /api/unclaimed?format=otlp`); pointless with one replica,
   * which has joined them already.
   */
  readonly joinLinkedTraces: boolean;
}

/** What the replicas held of a run, put together. */
export interface GatheredRun {
  /** The run's traces across the replicas. */
  readonly traces: readonly Trace[];
  /** Spans of the run the replicas reported when they settled, together. */
  readonly spanCount: number;
  readonly orphanCount: number;
  /** Every replica that answered said the run settled there (or that it holds nothing of it). */
  readonly settled: boolean;
  /** A replica that evicted the run (so part of it is gone). */
  readonly evictedBy: string | undefined;
  /** The first replica (in the given order) that did not answer, and why. */
  readonly failure: { readonly replica: string; readonly message: string } | undefined;
}

/** The bearer header for a sidecar with a token. */
export function authHeaders(authToken: string | undefined): Record<string, string> {
  return authToken === undefined ? {} : { authorization: `Bearer ${authToken}` };
}

/** A fetch failure's text, with its cause (fetch says "fetch failed" and keeps ECONNREFUSED etc. in `cause`). */
export function messageOf(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  const inner = cause instanceof Error && cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return text + inner;
}

/**
 * Scatter-gather of one run over the `tracecheck serve` replicas that hold it between them (behind an
 * OpenTelemetry Collector's load-balancing exporter, `routing_key: traceID`, so each trace lives on one replica):
 *
 * 1. asks every replica at once whether the run settled (each answer waits server-side; a replica still waiting at
 *    `timeoutMillis` is asked again until then): the run is settled only when every replica says so, a replica
 *    that holds none of it saying `no-spans`;
 * 2. streams the run's spans from every replica that holds some into one local store, tagged with the run;
 * 3. with `joinLinkedTraces`, adds every replica's unclaimed (untagged) spans, so a trace on one replica that links
 *    to the run's trace on another joins the run exactly as it would in a single sidecar's store.
 *
 * A replica that does not answer (refused, a non-200 answer, closed while asked) is reported in `failure` with its
 * URL; what the others held is still gathered, for the report.
 *
 * @example
 * ```ts
 * const run = await gatherRun(['http://10.0.0.5:4318', 'http://10.0.0.6:4318'], 'ci-42', {
 *   timeoutMillis: 10_000, quietMillis: 200, authToken: undefined, joinLinkedTraces: true,
 * });
 * if (run.failure !== undefined) console.error(`replica ${run.failure.replica}: ${run.failure.message}`);
 * ```
 */
export async function gatherRun(urls: readonly string[], runId: string, options: GatherOptions): Promise<GatheredRun> {
  const deadline = performance.now() + options.timeoutMillis;
  const answers = await Promise.all(urls.map((url) => settleAt(url, runId, deadline, options)));
  let failure: GatheredRun['failure'];
  let evictedBy: string | undefined;
  let spanCount = 0;
  let orphanCount = 0;
  let settled = true;
  const holders: string[] = [];
  answers.forEach((answer, i) => {
    const url = urls[i] as string;
    if (!answer.ok) {
      failure ??= { replica: url, message: answer.error };
      return;
    }
    const { reason } = answer.value;
    if (reason === 'closed') failure ??= { replica: url, message: `it closed (shut down) while run "${runId}" was being gathered` };
    if (reason === 'evicted') evictedBy ??= url;
    if (!answer.value.settled && reason !== 'no-spans') settled = false;
    spanCount += answer.value.spanCount;
    orphanCount += answer.value.orphanCount;
    if (answer.value.spanCount > 0) holders.push(url);
  });
  if (spanCount === 0 || evictedBy !== undefined) return { traces: [], spanCount, orphanCount, settled, evictedBy, failure };

  const store = new SpanStore({ maxSpans: Number.MAX_SAFE_INTEGER, maxUnclaimedSpans: Number.MAX_SAFE_INTEGER, maxMemoryBytes: Number.MAX_SAFE_INTEGER });
  const streamed = await Promise.all(holders.map((url) => streamRun(url, runId, options.authToken)));
  streamed.forEach((spans, i) => {
    if (spans.ok) store.ingest(spans.value, { transport: 'memory', runId });
    else failure ??= { replica: holders[i] as string, message: spans.error };
  });
  if (options.joinLinkedTraces) {
    const answering = urls.filter((_, i) => answers[i]?.ok === true);
    const unclaimed = await Promise.all(answering.map((url) => unclaimedAt(url, options.authToken)));
    unclaimed.forEach((spans, i) => {
      if (spans.ok) store.ingest(spans.value, { transport: 'memory' });
      else failure ??= { replica: answering[i] as string, message: spans.error };
    });
  }
  return { traces: store.run(runId).traces(), spanCount, orphanCount, settled, evictedBy, failure };
}

/** One replica's settle answer, asked again while it says `timeout` and the deadline has not passed. */
async function settleAt(url: string, runId: string, deadline: number, options: GatherOptions): Promise<Result<SettledAnswer, string>> {
  for (;;) {
    const waitMillis = Math.max(0, Math.min(MAX_SETTLE_QUERY_MILLIS, Math.ceil(deadline - performance.now())));
    const quiet = options.quietMillis === undefined ? '' : `&quietMillis=${Math.round(options.quietMillis)}`;
    const settled = await getJson(url, `/api/runs/${encodeURIComponent(runId)}/settled?timeoutMillis=${waitMillis}${quiet}`, options.authToken);
    if (!settled.ok) return settled;
    const answer = settled.value as SettledAnswer;
    if (answer.reason !== 'timeout' || performance.now() >= deadline) return ok(answer);
  }
}

/** The run's spans a replica holds, through its run stream (its first event holds every span it had). */
async function streamRun(url: string, runId: string, authToken: string | undefined): Promise<Result<readonly Span[], string>> {
  const { connectCollector } = await import('../testing/index.ts');
  const remote = connectCollector(url, { authToken });
  const mirror = remote.run(runId);
  try {
    await mirror.ready;
    if (mirror.failure !== undefined) return err(mirror.failure);
    return ok(mirror.spans());
  } finally {
    await remote.close();
  }
}

/** A replica's unclaimed spans (untagged traces no run of its own claimed), decoded from OTLP/JSON. */
async function unclaimedAt(url: string, authToken: string | undefined): Promise<Result<readonly Span[], string>> {
  const answer = await getText(url, '/api/unclaimed?format=otlp', authToken);
  if (!answer.ok) return answer;
  const decoded = decodeExportRequestJson(answer.value);
  if (!decoded.ok) return err(`its unclaimed spans (GET /api/unclaimed?format=otlp) do not decode: ${decoded.error.message}`);
  return ok(decoded.value.spans);
}

/** GET a JSON answer from a sidecar. */
async function getJson(url: string, path: string, authToken: string | undefined): Promise<Result<unknown, string>> {
  const text = await getText(url, path, authToken);
  if (!text.ok) return text;
  try {
    return ok(JSON.parse(text.value));
  } catch (cause) {
    return err(`the sidecar at ${url} answered GET ${path} with JSON that does not parse: ${messageOf(cause)}`);
  }
}

async function getText(url: string, path: string, authToken: string | undefined): Promise<Result<string, string>> {
  try {
    const response = await fetch(`${url}${path}`, { headers: { accept: 'application/json', ...authHeaders(authToken) } });
    const text = await response.text();
    if (response.status !== 200) return err(`the sidecar at ${url} answered ${response.status} to GET ${path}: ${text.slice(0, 300)}`);
    return ok(text);
  } catch (cause) {
    return err(`cannot ask the sidecar at ${url} (GET ${path}): ${messageOf(cause)}`);
  }
}

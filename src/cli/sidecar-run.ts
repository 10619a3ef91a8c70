import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Trace } from '../model/index.ts';
import { encodeSpansAsOtlpJson } from '../otlp/index.ts';
import { buildExportEnv, buildRequestEnv, createRootSpan, newRunId, RUN_ID_HEADER } from '../protocol/index.ts';
import type { ExportProtocol } from '../protocol/index.ts';
import { err, ok, type Result } from '../result.ts';
import type { LoadedSpec } from '../language/index.ts';
import type { CliIo } from './cli-io.ts';
import { ExitCode } from './exit-codes.ts';
import type { OptionSpec, ParsedArgs } from './option-table.ts';
import { valueOf } from './option-table.ts';
import { writeReport } from './report-output.ts';
import { settledRunOf } from './saved-traces.ts';

/** The variable a sidecar's bearer token is read from, as `tracecheck serve` and the test integrations read it. */
export const AUTH_TOKEN_ENV = 'TRACECHECK_AUTH_TOKEN';

/** Longest single settle query the sidecar takes (its `MAX_SETTLE_QUERY_MILLIS`); longer waits ask again. */
const MAX_SETTLE_QUERY_MILLIS = 290_000;

/** The options `run` and `check` take to judge a run held by a sidecar. */
export const sidecarOptions: readonly OptionSpec[] = [
  { name: 'collector', type: 'value', valueName: 'URL', description: "a running sidecar's HTTP URL (tracecheck serve): judge the run it holds" },
  { name: 'auth-token-file', type: 'value', valueName: 'FILE', description: `the sidecar's bearer token, read from FILE (else $${AUTH_TOKEN_ENV})` },
];

/** Where the sidecar is and how to authenticate to it. */
export interface SidecarConnection {
  /** Its OTLP/HTTP and query API base URL, without a trailing slash. */
  readonly url: string;
  readonly authToken: string | undefined;
}

/** `--collector URL` with its token, `undefined` without `--collector`, or a usage error. */
export function sidecarConnection(args: ParsedArgs, io: CliIo): Result<SidecarConnection | undefined, string> {
  const text = valueOf(args, 'collector');
  const tokenFile = valueOf(args, 'auth-token-file');
  if (text === undefined) return tokenFile === undefined ? ok(undefined) : err('--auth-token-file needs --collector URL');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return err(`--collector ${JSON.stringify(text)} is not a URL; give the sidecar's HTTP URL, e.g. http://127.0.0.1:4318`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return err(`--collector ${text} must be an http: or https: URL`);
  let authToken = io.env[AUTH_TOKEN_ENV]?.trim() || undefined;
  if (tokenFile !== undefined) {
    try {
      authToken = readFileSync(resolve(io.cwd, tokenFile), 'utf8').trim();
    } catch (cause) {
      return err(`--auth-token-file ${JSON.stringify(tokenFile)}: cannot read: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
    if (authToken === '') return err(`--auth-token-file ${JSON.stringify(tokenFile)} is empty`);
  }
  return ok({ url: url.href.replace(/\/+$/, ''), authToken });
}

function authHeaders(sidecar: SidecarConnection): Record<string, string> {
  return sidecar.authToken === undefined ? {} : { authorization: `Bearer ${sidecar.authToken}` };
}

function messageOf(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  // fetch says "fetch failed" and keeps the reason (ECONNREFUSED, ...) in its cause.
  const inner = cause instanceof Error && cause.cause instanceof Error ? `: ${cause.cause.message}` : '';
  return text + inner;
}

/** A run begun at a sidecar: its id, its root span's trace, and the environment CMD is handed. */
export interface SidecarRun {
  readonly runId: string;
  /** The trace of the root span sent to the sidecar; a trace holding that span alone was not used by CMD. */
  readonly rootTraceId: string;
  /** `OTEL_*` variables exporting to the sidecar tagged with the run, and the run's request variables. */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Makes a run id, sends the run's root span to the sidecar (so the services' spans of requests that continue its
 * `traceparent` join the run, whoever exports them), and builds CMD's environment: the `OTEL_*` variables of
 * {@link buildExportEnv} aimed at the sidecar, and those of {@link buildRequestEnv}.
 */
export async function beginSidecarRun(sidecar: SidecarConnection, protocol: ExportProtocol = 'http/protobuf'): Promise<Result<SidecarRun, string>> {
  const runId = newRunId();
  const root = createRootSpan(runId);
  try {
    const response = await fetch(`${sidecar.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [RUN_ID_HEADER]: runId, ...authHeaders(sidecar) },
      body: JSON.stringify(encodeSpansAsOtlpJson([root.span])),
    });
    const body = await response.text();
    if (response.status !== 200) return err(`the sidecar at ${sidecar.url} refused the run's root span (${response.status}): ${body.slice(0, 300)}`);
  } catch (cause) {
    return err(`cannot reach the sidecar at ${sidecar.url}: ${messageOf(cause)}`);
  }
  const exportEnv = buildExportEnv({ httpUrl: sidecar.url, grpcUrl: undefined, runId, authToken: sidecar.authToken }, { protocol });
  return ok({ runId, rootTraceId: root.span.traceId, env: { ...exportEnv, ...buildRequestEnv(runId, root.headers) } });
}

/** The sidecar's answer to `GET /api/runs/{id}/settled`. */
interface SettledAnswer {
  readonly settled: boolean;
  readonly reason: string;
  readonly spanCount: number;
  readonly orphanCount: number;
}

/** What the sidecar holds of a run, ready to judge, or why there is nothing to judge. */
export type SidecarRunTraces =
  | { readonly kind: 'traces'; readonly traces: readonly Trace[]; readonly warning: string | undefined }
  | { readonly kind: 'empty'; readonly reason: string };

/**
 * Waits for the run to settle at the sidecar (its settle query, which waits server-side, asked again until
 * `timeoutMillis` has passed), then fetches its spans through the run stream (OTLP/JSON, so values keep their
 * types) into a local store. A run with no span is `empty`, with the reason to report. `rootTraceId` names a root
 * span of {@link beginSidecarRun}: its trace is left out when it holds that span alone (CMD did not use it).
 */
export async function fetchSidecarRun(
  sidecar: SidecarConnection,
  runId: string,
  options: { readonly timeoutMillis: number; readonly quietMillis: number | undefined; readonly rootTraceId?: string },
): Promise<Result<SidecarRunTraces, string>> {
  const deadline = performance.now() + options.timeoutMillis;
  let answer: SettledAnswer;
  do {
    const waitMillis = Math.max(0, Math.min(MAX_SETTLE_QUERY_MILLIS, Math.ceil(deadline - performance.now())));
    const quiet = options.quietMillis === undefined ? '' : `&quietMillis=${Math.round(options.quietMillis)}`;
    const settled = await getJson(sidecar, `/api/runs/${encodeURIComponent(runId)}/settled?timeoutMillis=${waitMillis}${quiet}`);
    if (!settled.ok) return settled;
    answer = settled.value as SettledAnswer;
  } while (answer.reason === 'timeout' && performance.now() < deadline);

  const ownSpans = answer.spanCount - (options.rootTraceId === undefined ? 0 : 1);
  if (answer.reason === 'evicted') return ok({ kind: 'empty', reason: `the sidecar evicted run "${runId}" to stay under its memory bound before it was judged` });
  if (answer.reason === 'no-spans' || answer.spanCount === 0) {
    return ok({ kind: 'empty', reason: `run "${runId}" received no spans at ${sidecar.url}` });
  }

  // The stream's first event holds every span the sidecar had when it opened.
  const { connectCollector } = await import('../testing/index.ts');
  const remote = connectCollector(sidecar.url, { authToken: sidecar.authToken });
  const mirror = remote.run(runId);
  try {
    await mirror.ready;
    if (mirror.failure !== undefined) return err(mirror.failure);
    const traces = mirror.traces().filter((t) => !(t.traceId === options.rootTraceId && t.spans.length === 1));
    if (traces.length === 0 || ownSpans === 0) {
      return ok({ kind: 'empty', reason: `run "${runId}" received no spans at ${sidecar.url} besides its root span (no request carried its traceparent)` });
    }
    const warning = answer.settled
      ? undefined
      : `run "${runId}" did not settle within ${options.timeoutMillis} ms (${answer.orphanCount} spans wait for their parent): judged on what had arrived`;
    return ok({ kind: 'traces', traces, warning });
  } finally {
    await remote.close();
  }
}

async function getJson(sidecar: SidecarConnection, path: string): Promise<Result<unknown, string>> {
  try {
    const response = await fetch(`${sidecar.url}${path}`, { headers: { accept: 'application/json', ...authHeaders(sidecar) } });
    const text = await response.text();
    if (response.status !== 200) return err(`the sidecar at ${sidecar.url} answered ${response.status} to GET ${path}: ${text.slice(0, 300)}`);
    return ok(JSON.parse(text));
  } catch (cause) {
    return err(`cannot ask the sidecar at ${sidecar.url} (GET ${path}): ${messageOf(cause)}`);
  }
}

/** How {@link judgeSidecarRun} reports and how long it waits. */
export interface JudgeSidecarRunOptions {
  readonly timeoutMillis: number;
  readonly quietMillis: number | undefined;
  readonly rootTraceId?: string;
  /** `tracecheck run` or `tracecheck check`, for messages. */
  readonly commandName: string;
  /** Where the lines beside the report go: stderr when a machine-readable report owns stdout. */
  readonly notes: CliIo['stdout'];
}

/**
 * Judges `specs` against the run the sidecar holds, writes the report, and answers the exit code: 0 every spec
 * passed, 1 a spec failed or the run received no spans (the reason is printed, and the report judges the empty
 * run), 2 when the sidecar could not be asked (nothing was judged).
 */
export async function judgeSidecarRun(
  specs: readonly LoadedSpec[],
  sidecar: SidecarConnection,
  runId: string,
  options: JudgeSidecarRunOptions,
  args: ParsedArgs,
  io: CliIo,
): Promise<number> {
  const fetched = await fetchSidecarRun(sidecar, runId, options);
  if (!fetched.ok) {
    io.stderr.write(`${options.commandName}: ${fetched.error}; nothing was judged\n`);
    return ExitCode.USAGE;
  }
  const traces = fetched.value.kind === 'traces' ? fetched.value.traces : [];
  const reason = fetched.value.kind === 'empty' ? fetched.value.reason : undefined;
  if (fetched.value.kind === 'traces' && fetched.value.warning !== undefined) io.stderr.write(`${options.commandName}: warning: ${fetched.value.warning}\n`);
  if (reason !== undefined) options.notes.write(`${options.commandName}: FAILED: ${reason}\n`);
  const { evaluateSpecs } = await import('../engine/index.ts');
  const result = await evaluateSpecs(specs, settledRunOf(runId, () => traces), { env: io.env, finalOnceSettled: true });
  const failure = await writeReport(result, args, io, () => traces);
  if (failure !== undefined) {
    io.stderr.write(`${options.commandName}: ${failure}\n`);
    return ExitCode.USAGE;
  }
  return result.passed && reason === undefined ? ExitCode.OK : ExitCode.SPEC_FAILED;
}

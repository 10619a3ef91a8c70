import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Trace } from '../model/index.ts';
import { encodeSpansAsOtlpJson } from '../otlp/index.ts';
import { buildExportEnv, buildRequestEnv, createRootSpan, GRPC_ENDPOINT_ENV, newRunId, RUN_ID_HEADER } from '../protocol/index.ts';
import type { ExportProtocol } from '../protocol/index.ts';
import { err, ok, type Result } from '../result.ts';
import type { LoadedSpec } from '../language/index.ts';
import type { CliIo } from './cli-io.ts';
import { ExitCode } from './exit-codes.ts';
import type { OptionSpec, ParsedArgs } from './option-table.ts';
import { valueOf } from './option-table.ts';
import { writeReport } from './report-output.ts';
import { authHeaders, gatherRun, messageOf } from './replica-gather.ts';
import { describeReplicaSet, isSingleReplica, parseReplicaSet, resolveReplicaSet } from './replica-set.ts';
import type { ReplicaSet } from './replica-set.ts';
import { settledRunOf } from './saved-traces.ts';

/** The variable a sidecar's bearer token is read from, as `tracecheck serve` and the test integrations read it. */
export const AUTH_TOKEN_ENV = 'TRACECHECK_AUTH_TOKEN';

/** The options `run` and `check` take to judge a run held by a sidecar, or by replicas behind a collector. */
export const sidecarOptions: readonly OptionSpec[] = [
  {
    name: 'collector',
    type: 'value',
    valueName: 'URL',
    description: "a running sidecar's HTTP URL (tracecheck serve): judge the run it holds; URL1,URL2,... or dns:HOST:PORT for replicas (docs/scale-out.md)",
  },
  { name: 'auth-token-file', type: 'value', valueName: 'FILE', description: `the sidecar's bearer token, read from FILE (else $${AUTH_TOKEN_ENV})` },
];

/** What `run` adds: where CMD exports when the run is held by replicas behind an OpenTelemetry Collector. */
export const otlpEndpointOption: OptionSpec = {
  name: 'otlp-endpoint',
  type: 'value',
  valueName: 'URL',
  description: 'with --collector: the OTLP/HTTP URL CMD exports to (the OpenTelemetry Collector in front of the replicas), default the --collector URL',
};

/** What `run` adds for `--protocol grpc` with a sidecar: where its OTLP/gRPC receiver is, which its HTTP URL does not say. */
export const otlpGrpcEndpointOption: OptionSpec = {
  name: 'otlp-grpc-endpoint',
  type: 'value',
  valueName: 'URL',
  description: "with --collector: the OTLP/gRPC URL CMD exports to with --protocol grpc (the sidecar's gRPC port, or the collector in front of the replicas), e.g. http://sidecar:4317",
};

/** Where the sidecar (or its replicas) is and how to authenticate to it. */
export interface SidecarConnection {
  /** Where CMD exports and the run's root span goes (OTLP/HTTP base URL, no trailing slash): the sidecar, or the collector in front of the replicas. */
  readonly url: string;
  /** Where CMD exports over OTLP/gRPC (`--otlp-grpc-endpoint`), when known: the sidecar's HTTP URL does not say. */
  readonly grpcUrl: string | undefined;
  /** Who holds the run's spans, and answers the query API. */
  readonly replicas: ReplicaSet;
  readonly authToken: string | undefined;
}

/** `--collector URL` with its token, `undefined` without `--collector`, or a usage error. */
export function sidecarConnection(args: ParsedArgs, io: CliIo): Result<SidecarConnection | undefined, string> {
  const text = valueOf(args, 'collector');
  const tokenFile = valueOf(args, 'auth-token-file');
  const endpointText = valueOf(args, 'otlp-endpoint');
  const grpcEndpointText = valueOf(args, 'otlp-grpc-endpoint');
  if (text === undefined) {
    if (endpointText !== undefined) return err('--otlp-endpoint needs --collector: the replicas that hold the run');
    if (grpcEndpointText !== undefined) return err("--otlp-grpc-endpoint needs --collector: run's own collector hands CMD its gRPC endpoint itself");
    return tokenFile === undefined ? ok(undefined) : err('--auth-token-file needs --collector URL');
  }
  const replicas = parseReplicaSet(text);
  if (!replicas.ok) return replicas;
  let url: string;
  if (endpointText !== undefined) {
    const endpoint = parseReplicaSet(endpointText);
    if (!endpoint.ok || endpoint.value.kind !== 'urls' || endpoint.value.urls.length !== 1) {
      return err(`--otlp-endpoint ${JSON.stringify(endpointText)} must be one http: or https: URL: the OpenTelemetry Collector's OTLP/HTTP receiver, e.g. http://otel-collector:4318`);
    }
    url = endpoint.value.urls[0] as string;
  } else if (replicas.value.kind === 'urls' && replicas.value.urls.length === 1) {
    url = replicas.value.urls[0] as string;
  } else {
    url = '';
  }
  let grpcUrl: string | undefined;
  if (grpcEndpointText !== undefined) {
    // OTLP/gRPC endpoints are written as URLs too (OTEL_EXPORTER_OTLP_ENDPOINT=http://host:4317): http: for
    // plaintext, https: for TLS.
    const grpcEndpoint = parseReplicaSet(grpcEndpointText);
    if (!grpcEndpoint.ok || grpcEndpoint.value.kind !== 'urls' || grpcEndpoint.value.urls.length !== 1 || new URL(grpcEndpoint.value.urls[0] as string).pathname !== '/') {
      return err(`--otlp-grpc-endpoint ${JSON.stringify(grpcEndpointText)} must be one http: or https: URL with no path: the sidecar's (or the collector's) OTLP/gRPC receiver, e.g. http://127.0.0.1:4317`);
    }
    grpcUrl = grpcEndpoint.value.urls[0] as string;
  }
  let authToken = io.env[AUTH_TOKEN_ENV]?.trim() || undefined;
  if (tokenFile !== undefined) {
    try {
      authToken = readFileSync(resolve(io.cwd, tokenFile), 'utf8').trim();
    } catch (cause) {
      return err(`--auth-token-file ${JSON.stringify(tokenFile)}: cannot read: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
    if (authToken === '') return err(`--auth-token-file ${JSON.stringify(tokenFile)} is empty`);
  }
  return ok({ url, grpcUrl, replicas: replicas.value, authToken });
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
      headers: { 'content-type': 'application/json', [RUN_ID_HEADER]: runId, ...authHeaders(sidecar.authToken) },
      body: JSON.stringify(encodeSpansAsOtlpJson([root.span])),
    });
    const body = await response.text();
    if (response.status !== 200) return err(`the sidecar at ${sidecar.url} refused the run's root span (${response.status}): ${body.slice(0, 300)}`);
  } catch (cause) {
    return err(`cannot reach the sidecar at ${sidecar.url}: ${messageOf(cause)}`);
  }
  const exportEnv = buildExportEnv({ httpUrl: sidecar.url, grpcUrl: sidecar.grpcUrl, runId, authToken: sidecar.authToken }, { protocol });
  const grpcEnv: Record<string, string> = sidecar.grpcUrl === undefined ? {} : { [GRPC_ENDPOINT_ENV]: sidecar.grpcUrl };
  return ok({ runId, rootTraceId: root.span.traceId, env: { ...exportEnv, ...grpcEnv, ...buildRequestEnv(runId, root.headers) } });
}

/** What the sidecar holds of a run, ready to judge, or why there is nothing to judge. */
export type SidecarRunTraces =
  | { readonly kind: 'traces'; readonly traces: readonly Trace[]; readonly warning: string | undefined }
  | { readonly kind: 'empty'; readonly reason: string }
  /** A replica did not answer: the run cannot pass, whatever the others hold (`traces` is what they held). */
  | { readonly kind: 'replica-failed'; readonly reason: string; readonly traces: readonly Trace[] };

/**
 * Waits for the run to settle at the sidecar (its settle query, which waits server-side, asked again until
 * `timeoutMillis` has passed), then fetches its spans through the run stream (OTLP/JSON, so values keep their
 * types) into a local store. A run with no span is `empty`, with the reason to report. `rootTraceId` names a root
 * span of {@link beginSidecarRun}: its trace is left out when it holds that span alone (CMD did not use it).
 *
 * With several replicas (`--collector URL1,URL2,...` or `dns:HOST:PORT`) every replica is asked (see
 * {@link gatherRun}): the run is settled when every replica says so, and a replica that does not answer makes the
 * outcome `replica-failed`, naming it. A single sidecar that cannot be asked is an error (nothing to judge).
 */
export async function fetchSidecarRun(
  sidecar: SidecarConnection,
  runId: string,
  options: { readonly timeoutMillis: number; readonly quietMillis: number | undefined; readonly rootTraceId?: string },
): Promise<Result<SidecarRunTraces, string>> {
  const single = isSingleReplica(sidecar.replicas);
  const urls = await resolveReplicaSet(sidecar.replicas);
  if (!urls.ok) return single ? urls : ok({ kind: 'replica-failed', reason: urls.error, traces: [] });
  const gathered = await gatherRun(urls.value, runId, { ...options, authToken: sidecar.authToken, joinLinkedTraces: !single });
  const where = describeReplicaSet(sidecar.replicas);
  if (gathered.failure !== undefined) {
    if (single) return err(gathered.failure.message);
    const traces = withoutBareRoot(gathered.traces, options.rootTraceId);
    return ok({ kind: 'replica-failed', reason: `replica ${gathered.failure.replica} did not answer (${gathered.failure.message}): its share of run "${runId}" is missing, so the run cannot pass`, traces });
  }
  if (gathered.evictedBy !== undefined) {
    const at = single ? '' : ` (replica ${gathered.evictedBy})`;
    return ok({ kind: 'empty', reason: `the sidecar${at} evicted run "${runId}" to stay under its memory bound before it was judged` });
  }
  if (gathered.spanCount === 0) return ok({ kind: 'empty', reason: `run "${runId}" received no spans at ${where}` });
  const ownSpans = gathered.spanCount - (options.rootTraceId === undefined ? 0 : 1);
  const traces = withoutBareRoot(gathered.traces, options.rootTraceId);
  if (traces.length === 0 || ownSpans === 0) {
    return ok({ kind: 'empty', reason: `run "${runId}" received no spans at ${where} besides its root span (no request carried its traceparent)` });
  }
  const warning = gathered.settled
    ? undefined
    : `run "${runId}" did not settle within ${options.timeoutMillis} ms (${gathered.orphanCount} spans wait for their parent): judged on what had arrived`;
  return ok({ kind: 'traces', traces, warning });
}

/** The run's traces without the trace of the root span when it holds that span alone (CMD did not use it). */
function withoutBareRoot(traces: readonly Trace[], rootTraceId: string | undefined): readonly Trace[] {
  return traces.filter((t) => !(t.traceId === rootTraceId && t.spans.length === 1));
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
 * Judges `specs` against the run the sidecar (or its replicas) holds, writes the report, and answers the exit code:
 * 0 every spec passed, 1 a spec failed, the run received no spans, or a replica did not answer (the reason is
 * printed, and the report judges what arrived, failed), 2 when a single sidecar could not be asked (nothing was
 * judged).
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
  const fetchedRun = fetched.value;
  const traces = fetchedRun.kind === 'empty' ? [] : fetchedRun.traces;
  const reason = fetchedRun.kind === 'traces' ? undefined : fetchedRun.reason;
  if (fetchedRun.kind === 'traces' && fetchedRun.warning !== undefined) io.stderr.write(`${options.commandName}: warning: ${fetchedRun.warning}\n`);
  if (reason !== undefined) options.notes.write(`${options.commandName}: FAILED: ${reason}\n`);
  const { evaluateSpecs } = await import('../engine/index.ts');
  const judged = await evaluateSpecs(specs, settledRunOf(runId, () => traces), { env: io.env, finalOnceSettled: true });
  // A replica that did not answer fails the verdict in the report too: never a pass judged on missing spans.
  const result = fetchedRun.kind === 'replica-failed' ? { ...judged, passed: false, notes: [{ code: 'replica-unreachable' as const, message: fetchedRun.reason }, ...judged.notes] } : judged;
  const failure = await writeReport(result, args, io, () => traces);
  if (failure !== undefined) {
    io.stderr.write(`${options.commandName}: ${failure}\n`);
    return ExitCode.USAGE;
  }
  return result.passed && reason === undefined ? ExitCode.OK : ExitCode.SPEC_FAILED;
}

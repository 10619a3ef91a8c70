// Over 400 lines: startCollector is where the collector's parts meet (store, both receivers, the query API, the
// live verifier, the save file, the forwarder, metrics and the loopback guard), with the options and read-only
// run views they share. Each part lives in a file of its own; what stays here is their wiring and the order in
// which they start and close, which reads best in one place.
import { diagnoseRun } from '../engine/index.ts';
import type { PropagationDiagnostic } from '../engine/index.ts';
import { TracecheckError } from '../errors.ts';
import type { Span, Trace } from '../model/index.ts';
import { createCorsPolicy, createOtlpHttpHandler, listenGrpc, listenHttp } from '../receiver/index.ts';
import type { CorsOptions, GrpcListener, HttpListener } from '../receiver/index.ts';
import { buildExportEnv, checkRunId, DEFAULT_RUN_ID_ATTRIBUTE, newRunId, runIdHeaderName } from '../protocol/index.ts';
import type { ExportEnvOptions } from '../protocol/index.ts';
import { SpanStore } from '../store/index.ts';
import type {
  IngestAnswer,
  IngestContext,
  IngestRejections,
  SpanStoreView,
  LiveRun,
  RunEviction,
  RunSource,
  RunState,
  SettleOptions,
  SettleOutcome,
  SpanCorrelator,
  SpanSink,
} from '../store/index.ts';
import { createLoopbackGuard, isLoopbackHost } from './host-guard.ts';
import { formatLogLine, quoteForLog } from './log-line.ts';
import type { LogEvent, LogFormat } from './log-line.ts';
import { saveLineOf } from './save-file.ts';
import type { SaveFile, SaveRefusal } from './save-file.ts';
import { createForwarder } from './forwarder.ts';
import type { Forwarder, ForwardOptions } from './forwarder.ts';
import { createLiveVerifier } from './live-verification.ts';
import type { LiveVerifier, LiveVerifierOptions } from './live-verification.ts';
import { createCollectorMetrics } from './metrics.ts';
import type { CollectorMetrics } from './metrics.ts';
import { createQueryApi } from './query-api.ts';
import { compileRedaction } from './redaction.ts';
import type { RedactionRules } from './redaction.ts';

export type { ExportEnvOptions } from '../protocol/index.ts';

/** Options of {@link startCollector}. */
export interface CollectorOptions {
  /** Interface to bind. Default `127.0.0.1` (loopback: a test collector should not be reachable from outside). */
  readonly host?: string;
  /** OTLP/HTTP (and query API) port; `0` picks a free one; `null` or `false` disables it. Default 0. */
  readonly httpPort?: number | null | false;
  /** OTLP/gRPC port; `0` picks a free one; `null` or `false` disables it. Default 0. */
  readonly grpcPort?: number | null | false;
  /** Largest export accepted, after decompression, on both transports. Default 64 MiB. */
  readonly maxBodyBytes?: number;
  /** Cap on spans held by all runs; over it the oldest run is evicted whole. Default 1,000,000. */
  readonly maxSpans?: number;
  /**
   * Cap on the estimated bytes held by all runs and the unclaimed pool (see docs/collector.md, "Memory bound");
   * over it the oldest run is evicted whole. Default 512 MiB.
   */
  readonly maxMemoryBytes?: number;
  /** How many evicted runs are remembered, so their late spans are refused with a reason. Default 1,000. */
  readonly maxEvictedRuns?: number;
  /** How far a query API `/stream` reader may fall behind before it is closed. Default 4 MiB. */
  readonly maxStreamBufferBytes?: number;
  /** Cap on untagged spans waiting for a run to claim their trace. Default 100,000. */
  readonly maxUnclaimedSpans?: number;
  /** Resource/span attribute carrying the run id. Default `test.run.id`. */
  readonly runIdAttribute?: string;
  /** HTTP header and gRPC metadata key carrying the run id. Default `x-test-run-id`. */
  readonly runIdHeader?: string;
  /** CORS for browser exporters; off when absent. */
  readonly cors?: CorsOptions;
  /** When set, OTLP and query API requests need `authorization: Bearer <authToken>` (401 / UNAUTHENTICATED). */
  readonly authToken?: string;
  /** Further correlation rules (see `SpanCorrelator`). */
  readonly correlators?: readonly SpanCorrelator[];
  /** Told when a run is evicted by the span cap (the collector also logs it). */
  readonly onEvict?: (eviction: RunEviction) => void;
  /** Sees every accepted export after the store took it. What it throws is logged, not raised. */
  readonly onExport?: (spans: readonly Span[], context: IngestContext) => void;
  /**
   * A save file ({@link openSaveFile}): every export is appended to it as one line BEFORE the store takes it, and
   * acknowledged only once written. An export whose line cannot be written (a write error, or too much waiting to
   * be written) is not kept in memory either, and is answered 503 / UNAVAILABLE with a retry hint, so the exporter
   * sends it again: whatever the collector acknowledged and holds is in the file. The caller closes it after
   * `close()`.
   */
  readonly save?: SaveFile;
  /** Where the collector writes log lines (evictions, listener errors), one event a line. Default: standard error. */
  readonly log?: (line: string) => void;
  /** `text` (default): `tracecheck: ...` prose lines; `json`: one JSON object a line. Quoted values are escaped in both. */
  readonly logFormat?: LogFormat;
  /**
   * Redaction applied to every accepted export before anything else sees it (store, `onExport`, forwarding,
   * verification). Bad rules throw `TC_OPTION_INVALID`.
   */
  readonly redaction?: RedactionRules;
  /** Re-export every accepted span (after redaction) to an upstream collector; see docs/collector.md. */
  readonly forward?: Omit<ForwardOptions, 'onSent' | 'onDropped' | 'log' | 'runIdHeader'>;
  /** How long `close()` lets the forward queue drain before dropping the rest. Default 5,000. */
  readonly forwardDrainMillis?: number;
  /**
   * Continuous verification: judge each live trace against these trace-scoped specs once it settles. Verdicts
   * feed `/metrics`; failures are logged one line each, and `onVerdict` (if given) hears every verdict.
   */
  readonly verify?: Omit<LiveVerifierOptions, 'onVerdict' | 'onError'> & { readonly onVerdict?: LiveVerifierOptions['onVerdict'] };
}

/**
 * One test run, seen through the collector: a read-only view of the store's run (its traces as they arrive), and
 * the environment that makes a child process export into it. Test conveniences (`expect()`, `headers()`) are
 * added by `testing/`, which wraps this view.
 */
export interface CollectorRun extends RunSource {
  readonly id: string;
  /** `live`, `evicted` (dropped by the span cap) or `closed`. */
  readonly state: RunState;
  /**
   * `OTEL_*` variables that make an OpenTelemetry SDK export here, tagged with this run: OTLP/HTTP protobuf to
   * the HTTP port (general and traces-specific variables), `x-test-run-id` header, `test.run.id` resource
   * attribute, a short batch delay, and metrics and logs exporters off (the collector takes traces only). Spread
   * it into a child's env.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Like {@link env}, for another protocol or compression. */
  envFor(options: ExportEnvOptions): Readonly<Record<string, string>>;
  /** Every span of the run, trace by trace. */
  spans(): readonly Span[];
  traces(): readonly Trace[];
  settled(options?: SettleOptions): Promise<SettleOutcome>;
  /** Whether the run is settled now, by the definition {@link settled} waits for (see `RunSource.quietNow`). */
  quietNow?(quietMillis?: number): boolean;
  onChange(listener: () => void): () => void;
  /** The store's traces no run claimed, where a broken hop's callee may have started its new trace. */
  unclaimedTraces(): readonly Trace[];
  /** Propagation diagnostics of the run at this moment, by the engine's `diagnoseRun` (see docs/diagnostics.md). */
  diagnostics(): readonly PropagationDiagnostic[];
  /** The store's live view behind this run, for advanced use: its reading side only. */
  readonly live: LiveRunView;
}

/** The reading side of the store's run: counts, traces and waits; never add, adopt, evict or close. */
export type LiveRunView = Pick<
  LiveRun,
  | 'id'
  | 'state'
  | 'createdAtMillis'
  | 'spanCount'
  | 'traceCount'
  | 'orphanCount'
  | 'evictedSpanCount'
  | 'retainedBytes'
  | 'traces'
  | 'trace'
  | 'spans'
  | 'onChange'
  | 'onEnd'
  | 'settled'
  | 'quietNow'
  | 'unclaimedTraces'
  | 'window'
>;

/** The run's reading side as an object of its own, so the run's mutators cannot be reached from a view. */
function liveRunView(live: LiveRun): LiveRunView {
  return Object.freeze({
    id: live.id,
    createdAtMillis: live.createdAtMillis,
    get state() {
      return live.state;
    },
    get spanCount() {
      return live.spanCount;
    },
    get traceCount() {
      return live.traceCount;
    },
    get orphanCount() {
      return live.orphanCount;
    },
    get evictedSpanCount() {
      return live.evictedSpanCount;
    },
    get retainedBytes() {
      return live.retainedBytes;
    },
    traces: () => live.traces(),
    trace: (traceId: string) => live.trace(traceId),
    spans: () => live.spans(),
    onChange: (listener: () => void) => live.onChange(listener),
    onEnd: (listener: Parameters<LiveRun['onEnd']>[0]) => live.onEnd(listener),
    settled: (options?: Parameters<LiveRun['settled']>[0]) => live.settled(options),
    quietNow: (quietMillis?: number) => live.quietNow(quietMillis),
    unclaimedTraces: () => live.unclaimedTraces(),
    window: () => live.window(),
  });
}

/** A running in-process OTLP collector. */
export interface Collector {
  /** OTLP/HTTP base URL, e.g. `http://127.0.0.1:40123` (for `OTEL_EXPORTER_OTLP_ENDPOINT`). Throws when disabled. */
  readonly httpUrl: string;
  /** OTLP/gRPC URL, e.g. `http://127.0.0.1:40124`. Throws when disabled. */
  readonly grpcUrl: string;
  /** Bound ports; `undefined` for a disabled transport. */
  readonly httpPort: number | undefined;
  readonly grpcPort: number | undefined;
  /** Untagged OTLP settings for long-lived services shared by many runs (they are tagged per request or per trace). */
  readonly env: Readonly<Record<string, string>>;
  /** The reading side of the span store behind the collector: stats, unclaimed traces, diagnostics. */
  readonly store: SpanStoreView;
  /**
   * Takes spans as an export would (the sink both transports feed; `onExport` sees them too), e.g. the root span
   * a test creates for `run.headers()`.
   */
  ingest(spans: readonly Span[], context: IngestContext): void;
  /** A view of one test run; without an id, a fresh random one. Views of one id share their state. */
  run(id?: string): CollectorRun;
  /** The collector's Prometheus metrics (also served at `GET /metrics` on the HTTP port). */
  readonly metrics: Pick<CollectorMetrics, 'registry' | 'render'>;
  /**
   * Stops accepting, lets in-flight exports land, judges traces still waiting to settle, drains the forward queue
   * (up to `forwardDrainMillis`), ends pending settle waits (reason `closed`), frees the ports.
   */
  close(): Promise<void>;
}

/**
 * Logs save problems without a line per export: the first refusal of each kind of trouble, and the recovery once
 * lines are written again (with how many exports were refused meanwhile).
 */
function saveProblemLog(log: (event: LogEvent) => void): (refusal: SaveRefusal | undefined) => void {
  let trouble: string | undefined;
  let refused = 0;
  return (refusal) => {
    if (refusal === undefined) {
      if (trouble !== undefined) log({ level: 'info', event: 'save-recovered', message: `saving works again; ${refused} exports were refused meanwhile (answered 503, to be retried)`, fields: { refusedExports: refused } });
      trouble = undefined;
      refused = 0;
      return;
    }
    refused++;
    if (trouble !== refusal.kind) log({ level: 'error', event: 'save-failed', message: `${refusal.message}; exports are answered 503 / UNAVAILABLE until it is saved`, fields: { reason: refusal.kind } });
    trouble = refusal.kind;
  };
}

/** What the loopback guard asks of the CORS configuration: whether an origin may call from another site. */
function corsAllowsOf(cors: CorsOptions | undefined): ((origin: string) => boolean) | undefined {
  return cors === undefined ? undefined : createCorsPolicy(cors).allows;
}

function portOption(value: number | null | false | undefined, name: string): number | undefined {
  if (value === null || value === false) return undefined;
  const port = value ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TracecheckError('TC_OPTION_INVALID', `${name} must be a port number 0-65535 (0 picks a free one), or null to disable; got ${String(value)}`);
  }
  return port;
}

/**
 * Starts an in-process OTLP collector: OTLP/HTTP (protobuf and JSON) with the query API on one port, OTLP/gRPC on
 * another, feeding a {@link SpanStore} that sorts spans into test runs.
 *
 * @example
 * ```ts
 * const collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
 * const run = collector.run('run-42');
 * spawnSync('node', ['service.js'], { env: { ...process.env, ...run.env } });
 * const outcome = await run.settled({ quietMillis: 200, timeoutMillis: 5000 });
 * console.log(outcome.settled, run.traces().length);
 * await collector.close();
 * ```
 */
export async function startCollector(options: CollectorOptions = {}): Promise<Collector> {
  const host = options.host ?? '127.0.0.1';
  const httpPort = portOption(options.httpPort, 'httpPort');
  const grpcPort = portOption(options.grpcPort, 'grpcPort');
  const runIdHeader = runIdHeaderName(options.runIdHeader);
  const runIdAttribute = options.runIdAttribute ?? DEFAULT_RUN_ID_ATTRIBUTE;
  const writeLine = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const logFormat = options.logFormat ?? 'text';
  const log = (event: LogEvent): void => writeLine(formatLogLine(logFormat, event));

  // eslint-disable-next-line prefer-const -- assigned once the store it reads exists
  let metrics: CollectorMetrics;
  const store = new SpanStore({
    maxSpans: options.maxSpans,
    maxUnclaimedSpans: options.maxUnclaimedSpans,
    maxMemoryBytes: options.maxMemoryBytes,
    maxEvictedRuns: options.maxEvictedRuns,
    runIdAttribute,
    correlators: options.correlators,
    onListenerError: (error) => log({ level: 'error', event: 'listener-threw', message: `a run listener threw: ${quoteForLog(errorText(error))}`, fields: { error: errorText(error) } }),
    onEvict: (eviction) => {
      const cap = eviction.reason === 'max-spans' ? 'the span cap (maxSpans, --max-spans)' : 'the memory cap (maxMemoryBytes, --max-memory)';
      log({
        level: 'warn',
        event: 'run-evicted',
        message: `evicted run ${quoteForLog(eviction.runId)} (${eviction.spanCount} spans, ${eviction.traceCount} traces, about ${eviction.retainedBytes} bytes) to stay under ${cap}; its results are incomplete`,
        fields: { runId: eviction.runId, spanCount: eviction.spanCount, traceCount: eviction.traceCount, retainedBytes: eviction.retainedBytes, reason: eviction.reason },
      });
      metrics.runEvicted(eviction);
      options.onEvict?.(eviction);
    },
  });
  metrics = createCollectorMetrics(store.view());
  const sink = ingestPipeline(store, options, metrics, log);

  let http: HttpListener | undefined;
  let grpc: GrpcListener | undefined;
  try {
    if (httpPort !== undefined) {
      const otlp = createOtlpHttpHandler({
        sink,
        maxBodyBytes: options.maxBodyBytes,
        runIdHeader,
        cors: options.cors,
        authToken: options.authToken,
        fallback: createQueryApi({ store, authToken: options.authToken, maxStreamBufferBytes: options.maxStreamBufferBytes, metrics: () => metrics.render() }),
        onExportHandled: (handled) => metrics.exportHandled(handled),
      });
      // On loopback, Host and Origin must name this server: a web page cannot reach it through DNS rebinding.
      const guard = isLoopbackHost(host) ? createLoopbackGuard({ port: () => http?.port, corsAllows: corsAllowsOf(options.cors) }) : undefined;
      const handler = guard === undefined ? otlp : (request: Parameters<typeof otlp>[0]) => Promise.resolve(guard(request) ?? otlp(request));
      http = await listenHttp({ host, port: httpPort, handler });
    }
    if (grpcPort !== undefined) {
      grpc = await listenGrpc({
        host,
        port: grpcPort,
        sink,
        runIdMetadataKey: runIdHeader,
        authToken: options.authToken,
        maxReceiveMessageBytes: options.maxBodyBytes,
        onExportHandled: (handled) => metrics.exportHandled(handled),
      });
    }
  } catch (error) {
    await sink.close();
    await http?.close();
    throw error;
  }

  const baseEnv = (exportOptions: ExportEnvOptions, runId?: string): Record<string, string> =>
    buildExportEnv(
      {
        httpUrl: http?.url,
        grpcUrl: grpc?.url,
        runId,
        runIdHeader,
        runIdAttribute,
        authToken: options.authToken,
        missingEndpointHint: (protocol) => `it is disabled (${protocol === 'grpc' ? 'grpcPort' : 'httpPort'}: null)`,
      },
      exportOptions,
    );
  const defaultProtocol: ExportEnvOptions = { protocol: http === undefined && grpc !== undefined ? 'grpc' : 'http/protobuf' };

  const runViews = new Map<string, CollectorRun>();
  let closing: Promise<void> | undefined;

  const viewOf = (live: LiveRun): CollectorRun => {
    let env: Readonly<Record<string, string>> | undefined;
    return {
      id: live.id,
      get state() {
        return live.state;
      },
      get env() {
        env ??= Object.freeze(baseEnv(defaultProtocol, live.id));
        return env;
      },
      envFor: (exportOptions) => Object.freeze(baseEnv(exportOptions, live.id)),
      spans: () => live.spans(),
      traces: () => live.traces(),
      settled: (settleOptions) => live.settled(settleOptions),
      quietNow: (quietMillis) => live.quietNow(quietMillis),
      onChange: (listener) => live.onChange(listener),
      unclaimedTraces: () => live.unclaimedTraces(),
      window: () => live.window(),
      diagnostics: () => diagnoseRun(live),
      live: liveRunView(live),
    };
  };

  return {
    get httpUrl() {
      if (http === undefined) throw new TracecheckError('TC_NO_RECEIVER', 'the OTLP/HTTP receiver is disabled (httpPort: null)');
      return http.url;
    },
    get grpcUrl() {
      if (grpc === undefined) throw new TracecheckError('TC_NO_RECEIVER', 'the OTLP/gRPC receiver is disabled (grpcPort: null)');
      return grpc.url;
    },
    httpPort: http?.port,
    grpcPort: grpc?.port,
    get env() {
      return Object.freeze(baseEnv(defaultProtocol));
    },
    store: store.view(),
    ingest: (spans, context) => sink.ingest(spans, context),
    // The reading side only: the hooks that feed the metrics stay with the collector.
    metrics: Object.freeze({ registry: metrics.registry, render: () => metrics.render() }),
    run(id) {
      const runId = checkRunId(id ?? newRunId());
      let view = runViews.get(runId);
      if (view === undefined) {
        view = viewOf(store.run(runId));
        runViews.set(runId, view);
      }
      return view;
    },
    close() {
      closing ??= (async () => {
        const listeners = Promise.all([http?.close(), grpc?.close()]);
        // Pending settle waits (including settle queries on the HTTP port) end now, so closing never waits on them.
        store.close();
        await listeners;
        // Exports that landed while the listeners drained are judged and forwarded too.
        await sink.close();
      })();
      return closing;
    },
  };
}

/** The sink both transports feed, with what it owns beyond the store: the verifier and the forward queue. */
interface IngestPipeline extends SpanSink {
  close(): Promise<void>;
}

/**
 * Every accepted export goes through here: redaction first, so no redacted value reaches the store, `onExport`
 * (the save file), the forward queue or the verifier; then each of those in turn.
 */
function ingestPipeline(store: SpanStore, options: CollectorOptions, metrics: CollectorMetrics, log: (event: LogEvent) => void): IngestPipeline {
  const redactor = options.redaction === undefined ? undefined : compileRedaction(options.redaction, (rule) => metrics.valuesRedacted(rule, 1));
  if (redactor !== undefined && !redactor.ok) throw new TracecheckError('TC_OPTION_INVALID', redactor.error.join('; '));
  const logLine = (event: string, level: LogEvent['level']) => (line: string): void => log({ level, event, message: line.replace(/^tracecheck: /u, '') });
  let forwarder: Forwarder | undefined;
  if (options.forward !== undefined) {
    const created = createForwarder({
      ...options.forward,
      runIdHeader: runIdHeaderName(options.runIdHeader),
      onSent: (count) => metrics.spansForwarded(count),
      onDropped: (reason, count) => metrics.spansDropped(reason, count),
      log: logLine('forwarding', 'warn'),
    });
    if (!created.ok) throw new TracecheckError('TC_OPTION_INVALID', created.error);
    forwarder = created.value;
    const queue = forwarder;
    metrics.watchForwardQueue(() => queue.queuedSpans);
  }
  const verify = options.verify;
  const verifier: LiveVerifier | undefined =
    verify === undefined
      ? undefined
      : createLiveVerifier({
          ...verify,
          onVerdict: (verdict) => {
            metrics.traceJudged(verdict.spec, verdict.passed);
            for (const expectation of verdict.expectations) metrics.expectationJudged(verdict.spec, expectation.name, expectation.passed);
            const failed = verdict.expectations.find((e) => !e.passed);
            if (failed !== undefined) {
              const reason = failed.message.split('\n')[0] ?? '';
              log({
                level: 'warn',
                event: 'trace-failed',
                message: `trace ${verdict.traceId} failed spec ${quoteForLog(verdict.spec)}: ${quoteForLog(failed.name)}: ${reason}`,
                fields: { traceId: verdict.traceId, spec: verdict.spec, expectation: failed.name, reason },
              });
            }
            verify.onVerdict?.(verdict);
          },
          onError: (error) => log({ level: 'error', event: 'verification-threw', message: `judging a live trace failed: ${quoteForLog(errorText(error))}`, fields: { error: errorText(error) } }),
        });
  const { onExport, save } = options;
  if (save !== undefined) metrics.watchSavePending(() => save.stats().pendingBytes);
  /** The store takes the spans, then the forward queue, the verifier and `onExport` see them. */
  const keep = (spans: readonly Span[], context: IngestContext): IngestRejections | void => {
    const refused = store.ingest(spans, context);
    forwarder?.enqueue(spans, context.runId);
    verifier?.noteSpans(spans);
    if (onExport !== undefined) {
      try {
        onExport(spans, context);
      } catch (error) {
        log({ level: 'error', event: 'on-export-threw', message: `onExport threw: ${quoteForLog(errorText(error))}`, fields: { error: errorText(error) } });
      }
    }
    return refused;
  };
  const saveLog = saveProblemLog(log);
  /** The save file first: an export is kept (and acknowledged) only once its line is written. */
  const saveThenKeep = async (spans: readonly Span[], context: IngestContext, file: SaveFile): Promise<IngestAnswer> => {
    const saved = await file.append(saveLineOf(spans, context));
    saveLog(saved.ok ? undefined : saved.error);
    if (!saved.ok) return { kind: 'unavailable', message: `${saved.error.message}; nothing of this export was kept`, retryAfterSeconds: saved.error.retryAfterSeconds };
    return keep(spans, context) ?? undefined;
  };
  return {
    ingest(received, context) {
      // Redaction first, so no redacted value reaches the save file, the store, the forward queue or the verifier.
      const spans = redactor === undefined ? received : redactor.value.redact(received);
      return save === undefined ? keep(spans, context) : saveThenKeep(spans, context, save);
    },
    async close() {
      verifier?.close();
      await forwarder?.close(options.forwardDrainMillis);
    },
  };
}

/** A thrown value as log text: the stack when there is one. */
function errorText(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

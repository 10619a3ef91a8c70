import { randomBytes } from 'node:crypto';
import { TracecheckError } from '../errors.ts';
import type { Span } from '../model/span.ts';
import type { Trace } from '../model/trace.ts';
import { createOtlpHttpHandler } from '../receiver/http-handler.ts';
import type { CorsOptions } from '../receiver/cors.ts';
import { listenGrpc } from '../receiver/grpc-service.ts';
import type { GrpcListener } from '../receiver/grpc-service.ts';
import { listenHttp } from '../receiver/node-http.ts';
import type { HttpListener } from '../receiver/node-http.ts';
import type { LiveRun, RunState } from '../store/live-run.ts';
import { DEFAULT_RUN_ID_ATTRIBUTE } from '../store/run-correlation.ts';
import type { SpanCorrelator } from '../store/run-correlation.ts';
import type { RunSource, SettleOptions, SettleOutcome } from '../store/run-source.ts';
import type { IngestContext, SpanSink } from '../store/span-sink.ts';
import { SpanStore } from '../store/span-store.ts';
import type { RunEviction } from '../store/span-store.ts';
import { expectSpecs } from '../testing/expect-specs.ts';
import { createRootSpan } from '../testing/root-span.ts';
import type { TestRun } from '../testing/test-run.ts';
import { createQueryApi } from './query-api.ts';

/** Default run id header (and gRPC metadata key). */
export const DEFAULT_RUN_ID_HEADER = 'x-test-run-id';
/** `OTEL_BSP_SCHEDULE_DELAY` in the env the collector hands out: short, so spans arrive while the test waits. */
export const EXPORT_DELAY_MILLIS = 50;

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
  /** Sees every accepted export after the store took it (e.g. to save it). What it throws is logged, not raised. */
  readonly onExport?: (spans: readonly Span[], context: IngestContext) => void;
  /** Where the collector writes log lines (evictions, listener errors). Default: standard error. */
  readonly log?: (line: string) => void;
}

/** Options of {@link CollectorRun.envFor}. */
export interface ExportEnvOptions {
  /** `OTEL_EXPORTER_OTLP_PROTOCOL`. Default `http/protobuf`. `grpc` points the endpoint at the gRPC port. */
  readonly protocol?: 'http/protobuf' | 'http/json' | 'grpc';
  /** `OTEL_EXPORTER_OTLP_COMPRESSION`; unset unless given. */
  readonly compression?: 'gzip' | 'none';
}

/**
 * One test run, seen through the collector: its traces as they arrive, and the environment that makes a child
 * process export into it.
 */
export interface CollectorRun extends RunSource, TestRun {
  readonly id: string;
  /** `live`, `evicted` (dropped by the span cap) or `closed`. */
  readonly state: RunState;
  /**
   * `OTEL_*` variables that make an OpenTelemetry SDK export here, tagged with this run: OTLP/HTTP protobuf to
   * the HTTP port, `x-test-run-id` header, `test.run.id` resource attribute, a short batch delay, and metrics and
   * logs exporters off (the collector takes traces only). Spread it into a child's env.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Like {@link env}, for another protocol or compression. */
  envFor(options: ExportEnvOptions): Readonly<Record<string, string>>;
  /** Every span of the run, trace by trace. */
  spans(): readonly Span[];
  traces(): readonly Trace[];
  settled(options?: SettleOptions): Promise<SettleOutcome>;
  onChange(listener: () => void): () => void;
  /** The store's live view behind this run, for advanced use. */
  readonly live: LiveRun;
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
  /** The span store behind the collector. */
  readonly store: SpanStore;
  /** A view of one test run; without an id, a fresh random one. Views of one id share their state. */
  run(id?: string): CollectorRun;
  /** Stops accepting, lets in-flight exports land, ends pending settle waits (reason `closed`), frees the ports. */
  close(): Promise<void>;
}

/** Run ids travel in headers and env lists: printable ASCII without spaces keeps every hop lossless. */
const RUN_ID_PATTERN = /^[\x21-\x7e]{1,256}$/;

function checkRunId(id: string): void {
  if (!RUN_ID_PATTERN.test(id)) {
    throw new TracecheckError('TC_USAGE', `run id ${JSON.stringify(id)} is not usable: use 1-256 printable ASCII characters without spaces (e.g. "run-42")`);
  }
}

function portOption(value: number | null | false | undefined, name: string): number | undefined {
  if (value === null || value === false) return undefined;
  const port = value ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new TracecheckError('TC_USAGE', `${name} must be a port number 0-65535 (0 picks a free one), or null to disable; got ${String(value)}`);
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
  const runIdHeader = (options.runIdHeader ?? DEFAULT_RUN_ID_HEADER).toLowerCase();
  const runIdAttribute = options.runIdAttribute ?? DEFAULT_RUN_ID_ATTRIBUTE;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const maxSpansNote = options.maxSpans === undefined ? 'the default cap' : `maxSpans=${options.maxSpans}`;

  const store = new SpanStore({
    maxSpans: options.maxSpans,
    maxUnclaimedSpans: options.maxUnclaimedSpans,
    runIdAttribute,
    correlators: options.correlators,
    onListenerError: (error) => log(`tracecheck: a run listener threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
    onEvict: (eviction) => {
      log(`tracecheck: evicted run "${eviction.runId}" (${eviction.spanCount} spans, ${eviction.traceCount} traces) to stay under ${maxSpansNote}; its results are incomplete`);
      options.onEvict?.(eviction);
    },
  });
  const { onExport } = options;
  const sink: SpanSink =
    onExport === undefined
      ? store
      : {
          ingest(spans, context) {
            store.ingest(spans, context);
            try {
              onExport(spans, context);
            } catch (error) {
              log(`tracecheck: onExport threw: ${error instanceof Error ? error.message : String(error)}`);
            }
          },
        };

  let http: HttpListener | undefined;
  let grpc: GrpcListener | undefined;
  try {
    if (httpPort !== undefined) {
      const handler = createOtlpHttpHandler({
        sink,
        maxBodyBytes: options.maxBodyBytes,
        runIdHeader,
        cors: options.cors,
        authToken: options.authToken,
        fallback: createQueryApi({ store, authToken: options.authToken }),
      });
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
      });
    }
  } catch (error) {
    await http?.close();
    throw error;
  }

  const authHeader = options.authToken === undefined ? '' : `authorization=${encodeURIComponent(`Bearer ${options.authToken}`)}`;
  const baseEnv = (exportOptions: ExportEnvOptions, runId?: string): Record<string, string> => {
    const protocol = exportOptions.protocol ?? 'http/protobuf';
    const endpoint = protocol === 'grpc' ? grpc?.url : http?.url;
    if (endpoint === undefined) {
      throw new TracecheckError('TC_USAGE', `no ${protocol === 'grpc' ? 'gRPC' : 'HTTP'} receiver to export to: it is disabled (${protocol === 'grpc' ? 'grpcPort' : 'httpPort'}: null)`);
    }
    const headers = [runId === undefined ? '' : `${runIdHeader}=${encodeURIComponent(runId)}`, authHeader].filter((h) => h !== '');
    const env: Record<string, string> = {
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_TRACES_EXPORTER: 'otlp',
      // The collector takes traces only; other signals would be answered 404 and logged as export errors.
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: String(EXPORT_DELAY_MILLIS),
    };
    if (headers.length > 0) env['OTEL_EXPORTER_OTLP_HEADERS'] = headers.join(',');
    // Values in OTEL_RESOURCE_ATTRIBUTES (and the headers list) are percent-decoded by the SDKs.
    if (runId !== undefined) env['OTEL_RESOURCE_ATTRIBUTES'] = `${encodeURIComponent(runIdAttribute)}=${encodeURIComponent(runId)}`;
    if (exportOptions.compression !== undefined) env['OTEL_EXPORTER_OTLP_COMPRESSION'] = exportOptions.compression;
    return env;
  };
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
      onChange: (listener) => live.onChange(listener),
      diagnostics: () => live.diagnostics(),
      live,
      expect(specs, expectOptions) {
        return expectSpecs(this, specs, expectOptions);
      },
      headers() {
        // The root span goes straight into the store, so the trace is connected before any service reports.
        const root = createRootSpan(live.id, runIdAttribute);
        sink.ingest([root.span], { transport: 'memory', runId: live.id });
        return root.headers;
      },
    };
  };

  return {
    get httpUrl() {
      if (http === undefined) throw new TracecheckError('TC_USAGE', 'the OTLP/HTTP receiver is disabled (httpPort: null)');
      return http.url;
    },
    get grpcUrl() {
      if (grpc === undefined) throw new TracecheckError('TC_USAGE', 'the OTLP/gRPC receiver is disabled (grpcPort: null)');
      return grpc.url;
    },
    httpPort: http?.port,
    grpcPort: grpc?.port,
    get env() {
      return Object.freeze(baseEnv(defaultProtocol));
    },
    store,
    run(id) {
      const runId = id ?? randomBytes(8).toString('hex');
      checkRunId(runId);
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
      })();
      return closing;
    },
  };
}

import { TracecheckError } from '../errors.ts';
import { DEFAULT_RUN_ID_ATTRIBUTE, runIdHeaderName } from './run-id.ts';

/** What `OTEL_EXPORTER_OTLP_PROTOCOL` may name: the protocols the collector receives. */
export type ExportProtocol = 'http/protobuf' | 'http/json' | 'grpc';
/** What `OTEL_EXPORTER_OTLP_COMPRESSION` may name (the OpenTelemetry SDK environment specification). */
export type ExportCompression = 'gzip' | 'none';

/** The protocols, in the order `--protocol` lists them. */
export const EXPORT_PROTOCOLS: readonly ExportProtocol[] = ['http/protobuf', 'http/json', 'grpc'];

/** Options of `run.envFor()`: how the child process exports. */
export interface ExportEnvOptions {
  /** `OTEL_EXPORTER_OTLP_PROTOCOL`. Default `http/protobuf`. `grpc` points the endpoint at the gRPC port. */
  readonly protocol?: ExportProtocol;
  /** `OTEL_EXPORTER_OTLP_COMPRESSION`; unset unless given. */
  readonly compression?: ExportCompression;
}

/** `OTEL_BSP_SCHEDULE_DELAY` in the env the collector hands out: short, so spans arrive while the test waits. */
export const EXPORT_DELAY_MILLIS = 50;

/** Where and how a child process exports: a collector's endpoints, the run it is tagged with, the token. */
export interface ExportTarget {
  /** OTLP/HTTP base URL, e.g. `http://127.0.0.1:4318`; `undefined` when the collector has no HTTP receiver. */
  readonly httpUrl: string | undefined;
  /** OTLP/gRPC URL, e.g. `http://127.0.0.1:4317`; `undefined` when there is none (or it is not known). */
  readonly grpcUrl: string | undefined;
  /** The run the spans join; `undefined` for an untagged env (long-lived services shared by runs). */
  readonly runId?: string;
  /** The collector's run id header. Default `x-test-run-id`. */
  readonly runIdHeader?: string;
  /** The collector's run id attribute. Default `test.run.id`. */
  readonly runIdAttribute?: string;
  /** The collector's bearer token, when it has one. */
  readonly authToken?: string;
  /** Why an endpoint is missing, for the error when a protocol needs it (e.g. `grpcPort: null`). */
  readonly missingEndpointHint?: (protocol: ExportProtocol) => string;
}

/**
 * The `OTEL_*` variables that make an OpenTelemetry SDK export traces to `target` (OTLP/HTTP protobuf unless
 * `options.protocol` says otherwise), tagged with its run: the general `OTEL_EXPORTER_OTLP_*` variables and their
 * traces-specific twins (SDKs prefer `OTEL_EXPORTER_OTLP_TRACES_*`, so one inherited from a shell would otherwise
 * win), the run id as request header and resource attribute, a short batch delay, and metrics and logs off.
 *
 * Values in `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_RESOURCE_ATTRIBUTES` are percent-encoded: the SDKs
 * percent-decode them (OpenTelemetry SDK environment specification, W3C Baggage value syntax).
 *
 * @example
 * ```ts
 * buildExportEnv({ httpUrl: 'http://127.0.0.1:4318', grpcUrl: undefined, runId: 'run-42' });
 * // { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces', ... }
 * ```
 */
export function buildExportEnv(target: ExportTarget, options: ExportEnvOptions = {}): Record<string, string> {
  const protocol = options.protocol ?? 'http/protobuf';
  const endpoint = protocol === 'grpc' ? target.grpcUrl : target.httpUrl;
  if (endpoint === undefined) {
    const hint = target.missingEndpointHint?.(protocol) ?? '';
    throw new TracecheckError('TC_NO_RECEIVER', `no ${protocol === 'grpc' ? 'gRPC' : 'HTTP'} receiver to export to${hint === '' ? '' : `: ${hint}`}`);
  }
  const { runId } = target;
  const headers: string[] = [];
  if (runId !== undefined) headers.push(`${runIdHeaderName(target.runIdHeader)}=${encodeURIComponent(runId)}`);
  if (target.authToken !== undefined) headers.push(`authorization=${encodeURIComponent(`Bearer ${target.authToken}`)}`);
  const base = endpoint.replace(/\/+$/, '');
  const env: Record<string, string> = {
    OTEL_EXPORTER_OTLP_ENDPOINT: base,
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    // The signal-specific endpoint is used as-is: OTLP/HTTP needs the full path, gRPC the server address.
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: protocol === 'grpc' ? base : `${base}/v1/traces`,
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol,
    OTEL_TRACES_EXPORTER: 'otlp',
    // The collector takes traces only; other signals would be answered 404 and logged as export errors.
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_BSP_SCHEDULE_DELAY: String(EXPORT_DELAY_MILLIS),
  };
  if (headers.length > 0) {
    env['OTEL_EXPORTER_OTLP_HEADERS'] = headers.join(',');
    env['OTEL_EXPORTER_OTLP_TRACES_HEADERS'] = headers.join(',');
  }
  if (runId !== undefined) {
    env['OTEL_RESOURCE_ATTRIBUTES'] = `${encodeURIComponent(target.runIdAttribute ?? DEFAULT_RUN_ID_ATTRIBUTE)}=${encodeURIComponent(runId)}`;
  }
  if (options.compression !== undefined) env['OTEL_EXPORTER_OTLP_COMPRESSION'] = options.compression;
  return env;
}

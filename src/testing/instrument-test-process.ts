import { TracecheckError } from '../errors.ts';
import { DEFAULT_RUN_ID_ATTRIBUTE, EXPORT_DELAY_MILLIS, RUN_ID_HEADER } from '../protocol/index.ts';
import { traceFetch } from './fetch-spans.ts';
import { SUITE_URL_ENV } from './suite-collector.ts';

/** Options of {@link instrumentTestProcess}. */
export interface InstrumentTestProcessOptions {
  /** The collector's OTLP/HTTP base URL (`collector.httpUrl`). */
  readonly collectorUrl: string;
  /** Every span this process makes is tagged with this run (resource attribute and request header). */
  readonly runId: string;
  readonly authToken?: string;
  /** `service.name` of the test process. Default `tracecheck-test`. */
  readonly serviceName?: string;
  /** OpenTelemetry instrumentations to enable, e.g. `new HttpInstrumentation()` for `node:http` requests. Default none. */
  readonly instrumentations?: readonly unknown[];
  /**
   * A client span for each request of the global `fetch`, its context sent with the request (`traceparent`), so
   * the services' spans join the test's trace. Requests to the collector itself are not traced. Default true;
   * false when an instrumentation passed above already traces fetch (`@opentelemetry/instrumentation-undici`).
   */
  readonly fetch?: boolean;
}

/** A started test-process SDK. */
export interface TestProcessTelemetry {
  /**
   * Stops tracing fetch, flushes every span to the collector, stops the SDK and unregisters it from the
   * OpenTelemetry API, so another run can be instrumented after it.
   */
  shutdown(): Promise<void>;
}

/** The origin of a URL as undici reports a request's (`http://127.0.0.1:4318`), or undefined for none. */
function originOf(url: string | undefined): string | undefined {
  if (url === undefined || url === '') return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/**
 * Starts `@opentelemetry/sdk-node` (an optional peer dependency) in the test process, exporting its spans in
 * batches every 50 ms over OTLP/HTTP to the collector, tagged with one run: spans the test makes, a client span for each
 * `fetch` (see `fetch`), and the requests its instrumentations trace then carry the run id, and W3C
 * propagation takes the trace to the services. `node:http` requests are traced only with an
 * `HttpInstrumentation` in `instrumentations`. One run per process: the tag is a resource attribute. For
 * concurrent tests in one process use `run.headers()` instead.
 *
 * @example
 * ```ts
 * const telemetry = await instrumentTestProcess({ collectorUrl: collector.httpUrl, runId: run.id });
 * await fetch(`${gatewayUrl}/checkout`, { method: 'POST', body }); // a client span; the gateway continues its trace
 * await telemetry.shutdown();
 * ```
 */
export async function instrumentTestProcess(options: InstrumentTestProcessOptions): Promise<TestProcessTelemetry> {
  let sdkNode: typeof import('@opentelemetry/sdk-node');
  try {
    sdkNode = await import('@opentelemetry/sdk-node');
  } catch (cause) {
    throw new TracecheckError('TC_SDK_MISSING', 'instrumentTestProcess needs @opentelemetry/sdk-node: npm install -D @opentelemetry/sdk-node (or use run.headers(), which needs no SDK)', { cause });
  }
  // sdk-node depends on these three (and on @opentelemetry/api, a peer of it); they come with it.
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace');
  const headers: Record<string, string> = { [RUN_ID_HEADER]: options.runId };
  if (options.authToken !== undefined) headers['authorization'] = `Bearer ${options.authToken}`;
  const exporter = new OTLPTraceExporter({ url: `${options.collectorUrl.replace(/\/+$/, '')}/v1/traces`, headers });
  const sdk = new sdkNode.NodeSDK({
    serviceName: options.serviceName ?? 'tracecheck-test',
    resource: resourceFromAttributes({ [DEFAULT_RUN_ID_ATTRIBUTE]: options.runId }),
    // A test waits on its spans: batches go out after EXPORT_DELAY_MILLIS, not the SDK's default 5 s. Not a simple
    // processor: it sends each span in an export of its own, and a test making more than 30 spans at once (the
    // exporter's limit of concurrent exports) would lose the rest ("Concurrent export limit reached").
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: EXPORT_DELAY_MILLIS })],
    instrumentations: [...(options.instrumentations ?? [])] as never,
  });
  sdk.start();
  const api = await import('@opentelemetry/api');
  let stopFetch = (): void => {};
  if (options.fetch !== false) {
    const collectorOrigins = [originOf(options.collectorUrl), originOf(process.env[SUITE_URL_ENV])].filter((o) => o !== undefined);
    stopFetch = traceFetch(api, { ignoreOrigins: collectorOrigins });
  }
  return {
    async shutdown() {
      stopFetch();
      await sdk.shutdown();
      // NodeSDK leaves its (now shut) providers registered, and the API refuses a second registration: release
      // them so a later instrumentTestProcess() in this process records again.
      api.trace.disable();
      api.context.disable();
      api.propagation.disable();
    },
  };
}

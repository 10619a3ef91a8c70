import { TracecheckError } from '../errors.ts';
import { DEFAULT_RUN_ID_ATTRIBUTE } from '../store/run-correlation.ts';

/** Options of {@link instrumentTestProcess}. */
export interface InstrumentTestProcessOptions {
  /** The collector's OTLP/HTTP base URL (`collector.httpUrl`). */
  readonly collectorUrl: string;
  /** Every span this process makes is tagged with this run (resource attribute and request header). */
  readonly runId: string;
  readonly authToken?: string;
  /** `service.name` of the test process. Default `tracecheck-test`. */
  readonly serviceName?: string;
  /** OpenTelemetry instrumentations to enable, e.g. `new HttpInstrumentation()`. Default none. */
  readonly instrumentations?: readonly unknown[];
}

/** A started test-process SDK. */
export interface TestProcessTelemetry {
  /** Flushes every span to the collector and stops the SDK. */
  shutdown(): Promise<void>;
}

/**
 * Starts `@opentelemetry/sdk-node` (an optional peer dependency) in the test process, exporting each span at
 * once over OTLP/HTTP to the collector, tagged with one run: spans the test makes (and requests its
 * instrumentations trace) then carry the run id, and W3C propagation takes the trace to the services.
 * One run per process: the tag is a resource attribute. For concurrent tests in one process use
 * `run.headers()` instead.
 *
 * @example
 * ```ts
 * const telemetry = await instrumentTestProcess({ collectorUrl: collector.httpUrl, runId: run.id });
 * await trace.getTracer('test').startActiveSpan('checkout', async (span) => { await callGateway(); span.end(); });
 * await telemetry.shutdown();
 * ```
 */
export async function instrumentTestProcess(options: InstrumentTestProcessOptions): Promise<TestProcessTelemetry> {
  let sdkNode: typeof import('@opentelemetry/sdk-node');
  try {
    sdkNode = await import('@opentelemetry/sdk-node');
  } catch (cause) {
    throw new TracecheckError('TC_USAGE', 'instrumentTestProcess needs @opentelemetry/sdk-node: npm install -D @opentelemetry/sdk-node (or use run.headers(), which needs no SDK)', { cause });
  }
  // sdk-node depends on these three; they come with it.
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace');
  const headers: Record<string, string> = { 'x-test-run-id': options.runId };
  if (options.authToken !== undefined) headers['authorization'] = `Bearer ${options.authToken}`;
  const exporter = new OTLPTraceExporter({ url: `${options.collectorUrl.replace(/\/+$/, '')}/v1/traces`, headers });
  const sdk = new sdkNode.NodeSDK({
    serviceName: options.serviceName ?? 'tracecheck-test',
    resource: resourceFromAttributes({ [DEFAULT_RUN_ID_ATTRIBUTE]: options.runId }),
    // A test waits on its spans: export each as it ends rather than on a batch timer.
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
    instrumentations: [...(options.instrumentations ?? [])] as never,
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

import { createRequire } from 'node:module';
import type * as NodeHttp from 'node:http';
import { IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';

/** The version every example service reports as `service.version`. */
const EXAMPLE_VERSION = '1.0.0';

/** What a service gets back from {@link startTelemetry}. */
export interface Telemetry {
  readonly sdk: NodeSDK;
  /**
   * `node:http`, loaded after the SDK started so the http instrumentation has patched it.
   * instrumentation-http patches through the CommonJS `require` hook; a static ESM `import` of a builtin is not
   * seen by that hook, so services must make their outgoing calls through this object.
   */
  readonly http: typeof NodeHttp;
}

/** Options of {@link startTelemetry}. */
export interface TelemetryOptions {
  /**
   * Called with each incoming request's SERVER span (instrumentation-http `requestHook`), e.g. to copy a
   * header onto it. Outgoing requests are not passed here.
   */
  readonly onIncomingRequest?: (span: Span, request: IncomingMessage) => void;
}

/**
 * Starts the OpenTelemetry Node SDK for one example service: http instrumentation, W3C trace context and baggage
 * propagation, and the trace exporter chosen by the standard variables (`OTEL_EXPORTER_OTLP_PROTOCOL`,
 * `OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`, `OTEL_BSP_SCHEDULE_DELAY`, ...). Nothing here
 * names a transport: the launcher's environment does.
 *
 * @example
 * const { sdk, http } = startTelemetry('orders');
 * http.createServer(handler).listen(0);
 * process.once('SIGTERM', () => void sdk.shutdown());
 */
export function startTelemetry(serviceName: string, options: TelemetryOptions = {}): Telemetry {
  const onIncomingRequest = options.onIncomingRequest;
  const sdk = new NodeSDK({
    serviceName,
    // The semantic conventions recommend service.version on every resource (tracecheck:semconv/resource).
    // A resource given here replaces the SDK's default one, which carries telemetry.sdk.*: merge into it.
    resource: defaultResource().merge(resourceFromAttributes({ 'service.version': EXAMPLE_VERSION })),
    textMapPropagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
    instrumentations: [
      new HttpInstrumentation({
        // requestHook sees both directions; only incoming requests are IncomingMessage instances.
        requestHook: (span, request) => {
          if (onIncomingRequest !== undefined && request instanceof IncomingMessage) onIncomingRequest(span, request);
        },
      }),
    ],
  });
  sdk.start();
  const http = createRequire(import.meta.url)('node:http') as typeof NodeHttp;
  return { sdk, http };
}

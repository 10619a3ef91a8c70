// A stand-in for a user's service: the OpenTelemetry SDK configured only by the OTEL_* variables it was handed
// (run.env), one server span with a child, exported over OTLP/HTTP before the process exits.
import { SpanKind, trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';

const sdk = new NodeSDK({ serviceName: 'demo' });
sdk.start();
const tracer = trace.getTracer('docs-demo');
tracer.startActiveSpan('GET /work', { kind: SpanKind.SERVER }, (server) => {
  tracer.startActiveSpan('work.step', (step) => {
    step.setAttribute('work.items', 3);
    step.end();
  });
  server.end();
});
await sdk.shutdown();

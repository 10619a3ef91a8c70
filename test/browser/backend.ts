/**
 * The Node backend the browser page calls: a real OpenTelemetry Node SDK with instrumentation-http and W3C
 * propagation, exporting OTLP/HTTP protobuf as `OTEL_*` (the collector's `run.env`) says. It answers CORS for the
 * origins in `ALLOWED_ORIGINS` (comma-separated): a preflight that asks for `traceparent` gets it allowed, so the
 * browser's fetch instrumentation can send the trace context across origins. `POST /api/checkout` answers 200.
 *
 * It prints `{"port":…}` on stdout once listening, and flushes its spans on SIGTERM.
 */
import { exitOnSigterm, readJson, tagRunOfRequest } from '../../examples/propagation/service-parts.ts';

const { createRequire } = await import('node:module');
const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
const { NodeSDK } = await import('@opentelemetry/sdk-node');
const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace');
const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');

const service = 'shop-api';
const allowedOrigins = new Set((process.env['ALLOWED_ORIGINS'] ?? '').split(',').filter((origin) => origin !== ''));
/** What a page may send cross-origin: its JSON body and the W3C trace context. */
const allowedHeaders = 'content-type, traceparent, tracestate';

const sdk = new NodeSDK({
  serviceName: service,
  textMapPropagator: new W3CTraceContextPropagator(),
  // The batch delay the collector's env gives (OTEL_BSP_SCHEDULE_DELAY): this SDK's processor does not read it itself.
  spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter(), scheduledDelayMillis: Number(process.env['OTEL_BSP_SCHEDULE_DELAY'] ?? '5000') })],
  instrumentations: [new HttpInstrumentation({ headersToSpanAttributes: { server: { requestHeaders: ['traceparent', 'origin'] } }, requestHook: tagRunOfRequest })],
});
sdk.start();
// instrumentation-http patches through the CommonJS require hook; a static ESM import would not be patched.
const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');

const server = http.createServer((req, res) => {
  const origin = req.headers.origin;
  const cors: Record<string, string> = origin !== undefined && allowedOrigins.has(origin) ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {};
  const path = new URL(req.url ?? '/', 'http://backend').pathname;
  if (req.method === 'OPTIONS') {
    // The preflight: allowed origins only, and only the headers this service takes.
    res.writeHead(cors['access-control-allow-origin'] === undefined ? 403 : 204, {
      ...cors,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': allowedHeaders,
    });
    res.end();
    return;
  }
  if (req.method === 'POST' && path === '/api/checkout') {
    readJson(req).then(
      (body) => {
        res.writeHead(200, { ...cors, 'content-type': 'application/json' });
        res.end(JSON.stringify({ service, accepted: body }));
      },
      () => {
        res.writeHead(400, cors);
        res.end();
      },
    );
    return;
  }
  res.writeHead(404, cors);
  res.end();
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ service, port })}\n`);
});
exitOnSigterm(service, server, sdk, () => undefined);

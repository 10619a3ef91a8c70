/**
 * The gateway: `POST /checkout` places the order with the orders service (`POST /orders`).
 * It is the only service that knows about test runs: an incoming `x-test-run-id` header is copied onto its
 * SERVER span as `test.run.id`, which tags the whole trace for the collector. Exports over
 * `OTEL_EXPORTER_OTLP_PROTOCOL` (OTLP/HTTP protobuf in the example).
 */
import { callJson, downstreamUrl, serveJson } from './service-runtime.ts';
import { startTelemetry } from './telemetry.ts';

const telemetry = startTelemetry('gateway', {
  onIncomingRequest: (span, request) => {
    const runId = request.headers['x-test-run-id'];
    if (typeof runId === 'string' && runId !== '') span.setAttribute('test.run.id', runId);
  },
});
const ordersUrl = downstreamUrl('ORDERS_URL');

serveJson('gateway', telemetry, async ({ method, path, body }) => {
  if (method !== 'POST' || path !== '/checkout') return { status: 404, body: { error: `no route ${method} ${path}` } };
  const reply = await callJson(telemetry.http, 'POST', `${await ordersUrl}/orders`, body);
  if (reply.status !== 201) return { status: 502, body: { error: 'checkout failed', orders: reply.body } };
  return { status: 200, body: { checkout: 'accepted', order: reply.body } };
});

/**
 * The Node gateway of the polyglot example: `POST /quote` with `{"sku": ...}` asks the Python pricing service
 * (`PRICING_URL`) for the price. Instrumented like the other example services (../three-services/telemetry.ts):
 * the OpenTelemetry Node SDK, its http instrumentation, W3C trace context and baggage.
 */
import { callJson, serveJson } from '../three-services/service-runtime.ts';
import { startTelemetry } from '../three-services/telemetry.ts';

const telemetry = startTelemetry('gateway');
const pricingUrl = process.env['PRICING_URL'];
if (pricingUrl === undefined) throw new Error('PRICING_URL must be set to the pricing service URL');

serveJson('gateway', telemetry, async ({ method, path, body }) => {
  if (method !== 'POST' || path !== '/quote') return { status: 404, body: { error: `no route ${method} ${path}` } };
  const sku = (body as { sku?: unknown } | undefined)?.sku;
  if (typeof sku !== 'string') return { status: 400, body: { error: 'send {"sku": "..."}' } };
  const reply = await callJson(telemetry.http, 'GET', `${pricingUrl}/price?sku=${encodeURIComponent(sku)}`);
  if (reply.status !== 200) return { status: 502, body: { error: 'pricing failed', pricing: reply.body } };
  return { status: 200, body: { quote: reply.body } };
});

/**
 * The orders service: `POST /orders` checks every item with inventory (`GET /inventory/:sku`) inside an
 * INTERNAL `orders.place` span that carries the order's attributes and events. It never sees the test run id:
 * its spans join a run only through the trace they belong to. Exports over `OTEL_EXPORTER_OTLP_PROTOCOL`
 * (OTLP/HTTP JSON in the example).
 */
import { randomUUID } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { exampleFaultFrom } from './faults.ts';
import { callJson, downstreamUrl, serveJson } from './service-runtime.ts';
import { startTelemetry } from './telemetry.ts';

const fault = exampleFaultFrom(process.env);
const telemetry = startTelemetry('orders');
const tracer = trace.getTracer('example.orders', '1.0.0');
const inventoryUrl = downstreamUrl('INVENTORY_URL');

interface OrderItem {
  readonly sku: string;
  readonly quantity: number;
}

function orderItemsOf(body: unknown): OrderItem[] | undefined {
  if (typeof body !== 'object' || body === null || !('items' in body) || !Array.isArray(body.items)) return undefined;
  const items: OrderItem[] = [];
  for (const item of body.items as unknown[]) {
    if (typeof item !== 'object' || item === null) return undefined;
    const { sku, quantity } = item as Record<string, unknown>;
    if (typeof sku !== 'string' || typeof quantity !== 'number') return undefined;
    items.push({ sku, quantity });
  }
  return items;
}

function customerOf(body: unknown): string {
  const customer = typeof body === 'object' && body !== null && 'customer' in body ? body.customer : undefined;
  return typeof customer === 'string' ? customer : 'anonymous';
}

serveJson('orders', telemetry, async ({ method, path, body }) => {
  if (method !== 'POST' || path !== '/orders') return { status: 404, body: { error: `no route ${method} ${path}` } };
  const items = orderItemsOf(body);
  if (items === undefined || items.length === 0) return { status: 400, body: { error: 'expected { items: [{ sku, quantity }] }' } };
  const orderId = `ord-${randomUUID()}`;
  return tracer.startActiveSpan(fault === 'rename-span' ? 'orders.submit' : 'orders.place', { kind: SpanKind.INTERNAL }, async (span) => {
    try {
      span.setAttributes({
        'order.id': orderId,
        'order.item_count': items.length,
        'order.total_quantity': items.reduce((sum, item) => sum + item.quantity, 0),
        'order.customer': customerOf(body),
        // A JSON document as a string attribute: specs can query into it with JSONPath.
        'order.items_json': JSON.stringify({ items }),
      });
      // drop-call places the order unchecked: the inventory calls are missing from the trace.
      for (const item of fault === 'drop-call' ? [] : items) {
        const url = `${await inventoryUrl}/inventory/${encodeURIComponent(item.sku)}`;
        // drop-context simulates a hop that loses the trace (e.g. a proxy stripping traceparent):
        // the call starts from an empty context, so it begins a new trace.
        const reply =
          fault === 'drop-context'
            ? await context.with(ROOT_CONTEXT, () => callJson(telemetry.http, 'GET', url))
            : await callJson(telemetry.http, 'GET', url);
        span.addEvent('inventory.checked', { 'inventory.sku': item.sku, 'http.response.status_code': reply.status });
        if (reply.status !== 200) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: `inventory answered ${reply.status} for ${item.sku}` });
          return { status: 502, body: { error: `inventory answered ${reply.status} for ${item.sku}` } };
        }
      }
      span.addEvent('order.reserved', { 'order.id': orderId });
      // Auditing is asynchronous work, so it gets its own trace (a new root) that links back to the order it
      // records: the OpenTelemetry way to relate spans of different traces ("follows from").
      tracer
        .startSpan(
          'orders.audit',
          {
            kind: SpanKind.INTERNAL,
            root: true,
            attributes: { 'order.id': orderId, 'audit.action': 'order.placed' },
            links: [{ context: span.spanContext(), attributes: { 'link.reason': 'audits' } }],
          },
        )
        .end();
      return { status: 201, body: { orderId, items } };
    } finally {
      span.end();
    }
  });
});

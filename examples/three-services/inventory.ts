/**
 * The inventory service: `GET /inventory/:sku` answers the stock of one item. It records an attribute-rich
 * INTERNAL span per lookup. Exports over whatever `OTEL_EXPORTER_OTLP_PROTOCOL` says (gRPC in the example).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { exampleFaultFrom, slowReplyMillis } from './faults.ts';
import { serveJson } from './service-runtime.ts';
import { startTelemetry } from './telemetry.ts';

const fault = exampleFaultFrom(process.env);
const telemetry = startTelemetry('inventory');
const tracer = trace.getTracer('example.inventory', '1.0.0');

interface StockItem {
  readonly quantity: number;
  readonly unitPrice: number;
  readonly warehouses: string[];
}

const stock: Record<string, StockItem> = {
  'SKU-RED-MUG': { quantity: 42, unitPrice: 12.5, warehouses: ['ams-1', 'fra-2'] },
  'SKU-BLUE-PEN': { quantity: 0, unitPrice: 1.25, warehouses: ['ams-1'] },
  'SKU-TEA-TIN': { quantity: 7, unitPrice: 8.75, warehouses: ['fra-2', 'lis-1'] },
};

serveJson('inventory', telemetry, async ({ method, path }) => {
  const sku = /^\/inventory\/([^/]+)$/.exec(path)?.[1];
  if (method !== 'GET' || sku === undefined) return { status: 404, body: { error: `no route ${method} ${path}` } };
  return tracer.startActiveSpan('inventory.lookup', { kind: SpanKind.INTERNAL }, async (span) => {
    try {
      const item = stock[decodeURIComponent(sku)];
      span.setAttributes({
        'inventory.sku': decodeURIComponent(sku),
        'inventory.found': item !== undefined,
        'inventory.fault': fault,
      });
      // The slow fault is the service's own behaviour: a slow dependency, not a wait in a test.
      if (fault === 'slow') await delay(slowReplyMillis);
      if (fault === 'error') {
        const error = new Error('inventory database unavailable');
        span.recordException(error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
        return { status: 500, body: { error: error.message } };
      }
      if (item === undefined) return { status: 404, body: { error: `unknown sku ${sku}` } };
      span.setAttributes({
        'inventory.quantity': item.quantity,
        'inventory.unit_price': item.unitPrice,
        'inventory.in_stock': item.quantity > 0,
        'inventory.warehouses': item.warehouses,
        'inventory.warehouse_count': item.warehouses.length,
      });
      return { status: 200, body: { sku: decodeURIComponent(sku), ...item } };
    } finally {
      span.end();
    }
  });
});

/**
 * A realistic checkout for engine tests, recorded by the real OpenTelemetry SDK, serialised by the real OTLP
 * serializer, decoded by our decoder and assembled into traces by our store.
 *
 * frontend  POST /checkout (server, 0-600ms)
 *   frontend  POST /orders (client, 10-510ms)
 *     orders  POST /orders (server, 15-495ms)            order.id = "o-17"
 *       orders  GET /inventory/:sku (client, 20-440ms)
 *         inventory  GET /inventory/:sku (server, 25-437ms)  slow: 412ms
 *       orders  reserve stock (internal, 450-480ms)
 *       orders  POST /charge (client, 481-494ms)
 *         payments  charge (server, 482-493ms)           status error, exception event
 *       orders  publish order (producer, 485-486ms)
 * second trace:
 * worker  process order (consumer, 700-720ms) links to "publish order"
 */
import type { Trace } from '../../src/model/trace.ts';
import type { Span } from '../../src/model/span.ts';
import { SpanStore } from '../../src/store/index.ts';
import { BASE_TIME_MILLIS, makeTrace, type SdkSpanSpec } from '../support/sdk-traces.ts';

const at = (offsetMillis: number): number => BASE_TIME_MILLIS + offsetMillis;

/** The checkout as SDK span specs; tests may tweak a copy. */
export function checkoutSpecs(): SdkSpanSpec[] {
  return [
    {
      ref: 'root', name: 'POST /checkout', kind: 'server', service: 'frontend', start: at(0), end: at(600),
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/checkout',
        'http.response.status_code': 200,
        'cart.items': 3,
        'cart.total': 42.5,
        'cart.tags': ['web', 'eu'],
        'order.json': '{"items":[{"sku":"A1","qty":2},{"sku":"B2","qty":1}],"total":42.5}',
        'user.vip': true,
      },
    },
    { ref: 'fe-client', parent: 'root', name: 'POST /orders', kind: 'client', service: 'frontend', start: at(10), end: at(510) },
    {
      ref: 'orders', parent: 'fe-client', name: 'POST /orders', kind: 'server', service: 'orders', start: at(15), end: at(495),
      attributes: { 'order.id': 'o-17', 'http.response.status_code': 201 },
    },
    { ref: 'inv-client', parent: 'orders', name: 'GET /inventory/:sku', kind: 'client', service: 'orders', start: at(20), end: at(440) },
    {
      ref: 'inventory', parent: 'inv-client', name: 'GET /inventory/:sku', kind: 'server', service: 'inventory', start: at(25), end: at(437),
      attributes: { 'inventory.sku': 'A1', 'order.id': 'o-17' },
    },
    { ref: 'reserve', parent: 'orders', name: 'reserve stock', kind: 'internal', service: 'orders', start: at(450), end: at(480) },
    { ref: 'pay-client', parent: 'orders', name: 'POST /charge', kind: 'client', service: 'orders', start: at(481), end: at(494) },
    {
      ref: 'payments', parent: 'pay-client', name: 'charge', kind: 'server', service: 'payments', start: at(482), end: at(493),
      status: { code: 'error', message: 'card declined' },
      events: [{ name: 'exception', attributes: { 'exception.type': 'CardError', 'exception.message': 'declined' }, time: at(490) }],
    },
    { ref: 'publish', parent: 'orders', name: 'publish order', kind: 'producer', service: 'orders', start: at(485), end: at(486) },
    {
      ref: 'consume', name: 'process order', kind: 'consumer', service: 'worker', start: at(700), end: at(720),
      links: [{ to: 'publish', attributes: { 'messaging.operation': 'process' } }],
    },
  ];
}

/** Assembles model spans into the run's traces with the real store. */
export function assemble(spans: readonly Span[], runId = 'engine-test'): readonly Trace[] {
  const store = new SpanStore();
  store.ingest(spans, { runId, transport: 'memory' });
  return store.run(runId).traces();
}

/** The checkout's traces: the checkout trace first, then the worker's. */
export async function checkoutTraces(specs: readonly SdkSpanSpec[] = checkoutSpecs()): Promise<{ traces: readonly Trace[]; checkout: Trace; worker: Trace }> {
  const spans = await makeTrace(specs);
  const traces = assemble(spans);
  const rootTraceId = spans[0]?.traceId;
  const checkout = traces.find((t) => t.traceId === rootTraceId) as Trace;
  const worker = traces.find((t) => t.traceId !== rootTraceId) as Trace;
  return { traces: [checkout, worker], checkout, worker };
}

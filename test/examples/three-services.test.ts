/**
 * The three-service example through the collector: real Node services instrumented with the OpenTelemetry SDK,
 * each exporting over its own OTLP transport, untagged; only the entry request carries the run id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, StatusCode, serviceNameOf, type Span, type Trace } from '../../src/model/index.ts';
import { evaluateSpecsNow } from '../../src/engine/index.ts';
import { startCollector, type Collector } from '../../src/server/index.ts';
import type { RunSource } from '../../src/store/index.ts';
import type { ExampleFault } from '../../examples/three-services/faults.ts';
import { sendCheckout, startServices, type RunningServices } from '../../examples/three-services/start-services.ts';
import { connectedTraceProblems, entryTraceOf } from '../../examples/three-services/trace-tree.ts';
import { waitForTraces } from '../../examples/three-services/wait-for-traces.ts';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.ts';

const settleOptions = { quietMillis: 300, timeoutMillis: 15_000 };
const arrivalMillis = 15_000;
const allServices = ['gateway', 'orders', 'inventory'] as const;

/**
 * Waits until the checkout trace holds `spanCount` spans (settling alone could end before a cold exporter's
 * first export arrives), then until the run is quiet, so the exact counts asserted afterwards would see extras.
 */
async function arrived(run: RunSource, spanCount: number): Promise<void> {
  const complete = await waitForTraces(run, (traces) => (entryTraceOf(traces, 'gateway')?.spans.length ?? 0) >= spanCount, arrivalMillis);
  expect(complete, `a checkout trace with ${spanCount} spans within ${arrivalMillis} ms; got ${run.traces().map((t) => t.spans.length).join(', ')} span(s)`).toBe(true);
  const outcome = await run.settled(settleOptions);
  expect(outcome).toMatchObject({ settled: true, orphanCount: 0 });
}
// Starting three SDK-instrumented processes on a busy 2-core machine can take a while.
const startupMillis = 90_000;

function only<T>(items: readonly T[], what: string): T {
  expect(items, what).toHaveLength(1);
  return items[0]!;
}

/**
 * The trace the checkout entered through the gateway. Any other trace in the run must be linked to it: a run
 * takes in linked work (such as an asynchronous audit step), never unrelated traces.
 */
function checkoutTrace(traces: readonly Trace[]): Trace {
  const trace = entryTraceOf(traces, 'gateway');
  expect(trace, `one trace rooted in the gateway among ${traces.length}`).toBeDefined();
  for (const other of traces) {
    if (other === trace) continue;
    const linked = other.spans.some((span) => span.links.some((link) => link.traceId === trace!.traceId));
    expect(linked, `trace ${other.traceId} (${other.spans.map((span) => span.name).join(', ')}) is in the run but not linked to the checkout`).toBe(true);
  }
  return trace!;
}

function spansOf(trace: Trace, service: string, kind?: number, name?: string): Span[] {
  return trace.spans.filter(
    (span) => serviceNameOf(span) === service && (kind === undefined || span.kind === kind) && (name === undefined || span.name === name),
  );
}

function parentOf(trace: Trace, span: Span): Span | undefined {
  return trace.nodesBySpanId.get(span.spanId)?.parent?.span;
}

async function startExample(collector: Collector, fault: ExampleFault, serviceEndpoints?: { gateway: string; orders: string }): Promise<RunningServices> {
  return startServices({
    env: collector.env,
    endpoints: { http: collector.httpUrl, grpc: collector.grpcUrl },
    ...(serviceEndpoints === undefined ? {} : { serviceEndpoints }),
    fault,
  });
}

describe('three-service example', () => {
  let collector: Collector;
  let gatewayProxy: RecordingProxy;
  let ordersProxy: RecordingProxy;
  let services: RunningServices;

  beforeAll(async () => {
    collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
    // The HTTP exporters of gateway and orders go through proxies that only record the content type each used.
    gatewayProxy = await startRecordingProxy(collector.httpUrl);
    ordersProxy = await startRecordingProxy(collector.httpUrl);
    services = await startExample(collector, 'none', { gateway: gatewayProxy.url, orders: ordersProxy.url });
  }, startupMillis);

  afterAll(async () => {
    await services?.stop();
    await gatewayProxy?.close();
    await ordersProxy?.close();
    await collector?.close();
  });

  it('turns one tagged checkout into one connected trace across all three services', async () => {
    const run = collector.run();
    const reply = await sendCheckout(services.gatewayUrl, { runId: run.id });
    expect(reply.status).toBe(200);
    await arrived(run, 10);

    expect(connectedTraceProblems(run.traces(), allServices)).toEqual([]);
    const trace = checkoutTrace(run.traces());
    expect(trace.spans).toHaveLength(10);
    expect(trace.orphans).toEqual([]);
    expect(new Set(trace.spans.map(serviceNameOf))).toEqual(new Set(['gateway', 'orders', 'inventory']));

    // Only the gateway's SERVER span was tagged; the other nine spans joined the run through their trace.
    const root = only(trace.roots, 'roots').span;
    expect(serviceNameOf(root)).toBe('gateway');
    expect(root.kind).toBe(SpanKind.SERVER);
    expect(root.attributes['test.run.id']).toBe(run.id);
    expect(run.spans().filter((span) => span.attributes['test.run.id'] !== undefined)).toEqual([root]);
    expect(run.spans().filter((span) => span.resource.attributes['test.run.id'] !== undefined)).toEqual([]);
  });

  it('links each hop to the caller: gateway → orders → inventory, twice', async () => {
    const run = collector.run();
    expect((await sendCheckout(services.gatewayUrl, { runId: run.id })).status).toBe(200);
    await arrived(run, 10);
    const trace = checkoutTrace(run.traces());

    const gatewayServer = only(spansOf(trace, 'gateway', SpanKind.SERVER), 'gateway SERVER spans');
    const gatewayClient = only(spansOf(trace, 'gateway', SpanKind.CLIENT), 'gateway CLIENT spans');
    const ordersServer = only(spansOf(trace, 'orders', SpanKind.SERVER), 'orders SERVER spans');
    const place = only(spansOf(trace, 'orders', SpanKind.INTERNAL, 'orders.place'), 'orders.place spans');
    const ordersClients = spansOf(trace, 'orders', SpanKind.CLIENT);
    const inventoryServers = spansOf(trace, 'inventory', SpanKind.SERVER);
    const lookups = spansOf(trace, 'inventory', SpanKind.INTERNAL, 'inventory.lookup');
    expect(ordersClients).toHaveLength(2);
    expect(inventoryServers).toHaveLength(2);
    expect(lookups).toHaveLength(2);

    expect(parentOf(trace, gatewayClient)).toBe(gatewayServer);
    expect(parentOf(trace, ordersServer)).toBe(gatewayClient);
    expect(parentOf(trace, place)).toBe(ordersServer);
    for (const client of ordersClients) expect(parentOf(trace, client)).toBe(place);
    expect(new Set(inventoryServers.map((server) => parentOf(trace, server)))).toEqual(new Set(ordersClients));
    expect(new Set(lookups.map((lookup) => parentOf(trace, lookup)))).toEqual(new Set(inventoryServers));

    // The attributes and events later specs select on.
    expect(place.attributes['order.id']).toMatch(/^ord-/);
    expect(place.attributes['order.item_count']).toBe(2n);
    expect(JSON.parse(String(place.attributes['order.items_json']))).toEqual({
      items: [
        { sku: 'SKU-RED-MUG', quantity: 2 },
        { sku: 'SKU-TEA-TIN', quantity: 1 },
      ],
    });
    expect(place.events.map((event) => event.name)).toEqual(['inventory.checked', 'inventory.checked', 'order.reserved']);
    const mug = lookups.find((lookup) => lookup.attributes['inventory.sku'] === 'SKU-RED-MUG');
    expect(mug?.attributes).toMatchObject({
      'inventory.quantity': 42n,
      'inventory.unit_price': 12.5,
      'inventory.in_stock': true,
      'inventory.warehouses': ['ams-1', 'fra-2'],
    });
  });

  it('received each service over its own transport', async () => {
    const run = collector.run();
    expect((await sendCheckout(services.gatewayUrl, { runId: run.id })).status).toBe(200);
    await arrived(run, 10);
    const trace = checkoutTrace(run.traces());

    expect(services.transports).toEqual({ gateway: 'http/protobuf', orders: 'http/json', inventory: 'grpc' });
    expect(gatewayProxy.requests.length).toBeGreaterThan(0);
    expect(ordersProxy.requests.length).toBeGreaterThan(0);
    for (const request of gatewayProxy.requests) expect(request).toMatchObject({ method: 'POST', path: '/v1/traces', contentType: 'application/x-protobuf', status: 200 });
    for (const request of ordersProxy.requests) expect(request).toMatchObject({ method: 'POST', path: '/v1/traces', contentType: 'application/json', status: 200 });
    // Inventory's only endpoint is the gRPC port, which speaks nothing but HTTP/2 gRPC: its spans prove the transport.
    expect(spansOf(trace, 'inventory')).toHaveLength(4);
  });

  it('keeps concurrent runs apart and leaves untagged requests out of both', async () => {
    const first = collector.run();
    const second = collector.run();
    const replies = await Promise.all([
      sendCheckout(services.gatewayUrl, { runId: first.id }),
      sendCheckout(services.gatewayUrl, { runId: second.id }),
      sendCheckout(services.gatewayUrl),
    ]);
    expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200]);
    await Promise.all([arrived(first, 10), arrived(second, 10)]);
    const firstTrace = checkoutTrace(first.traces());
    const secondTrace = checkoutTrace(second.traces());
    expect(firstTrace.traceId).not.toBe(secondTrace.traceId);
    expect(firstTrace.spans).toHaveLength(10);
    expect(secondTrace.spans).toHaveLength(10);
    expect(firstTrace.roots[0]?.span.attributes['test.run.id']).toBe(first.id);
    expect(secondTrace.roots[0]?.span.attributes['test.run.id']).toBe(second.id);
  });
});

describe('three-service example, broken variants', () => {
  let collector: Collector;

  beforeAll(async () => {
    collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
  });

  afterAll(async () => {
    await collector?.close();
  });

  it(
    'drop-context: inventory starts its own trace, so the run holds gateway and orders only',
    async () => {
      const services = await startExample(collector, 'drop-context');
      try {
        const run = collector.run();
        expect((await sendCheckout(services.gatewayUrl, { runId: run.id })).status).toBe(200);
        // gateway SERVER and CLIENT, orders SERVER and orders.place: all that is left of the trace.
        await arrived(run, 4);
        expect(connectedTraceProblems(run.traces(), allServices)).toEqual(['no spans from inventory']);
        const trace = checkoutTrace(run.traces());
        expect(new Set(trace.spans.map(serviceNameOf))).toEqual(new Set(['gateway', 'orders']));
        expect(spansOf(trace, 'orders', SpanKind.CLIENT)).toEqual([]);
      } finally {
        await services.stop();
      }
    },
    startupMillis,
  );

  it(
    'slow: a checkout over budget names inventory\'s lookup as where the time went, not the gateway span that waited',
    async () => {
      const services = await startExample(collector, 'slow');
      try {
        const run = collector.run();
        expect((await sendCheckout(services.gatewayUrl, { runId: run.id })).status).toBe(200);
        await arrived(run, 10);
        const judged = evaluateSpecsNow([{ name: 'fast checkout', expect: [{ budget: { max: '1s' } }] }], run.traces());
        const budget = judged.specs[0]?.expectations.at(-1);
        expect(budget?.passed).toBe(false);
        expect(budget?.message).toMatch(/ took [0-9.]+s, budget 1s; most of it in inventory: inventory\.lookup \(1\.[0-9]+s of its own\)$/u);
      } finally {
        await services.stop();
      }
    },
    startupMillis,
  );

  it(
    'error: inventory answers 500 with a recorded exception, and the failure shows on every hop',
    async () => {
      const services = await startExample(collector, 'error');
      try {
        const run = collector.run();
        expect((await sendCheckout(services.gatewayUrl, { runId: run.id })).status).toBe(502);
        // The first lookup fails, so orders stops there: 4 gateway/orders spans, 1 orders CLIENT, 2 inventory.
        await arrived(run, 7);
        expect(connectedTraceProblems(run.traces(), allServices)).toEqual([]);
        const trace = checkoutTrace(run.traces());
        const lookup = only(spansOf(trace, 'inventory', SpanKind.INTERNAL, 'inventory.lookup'), 'inventory.lookup spans');
        expect(lookup.status).toEqual({ code: StatusCode.ERROR, message: 'inventory database unavailable' });
        expect(lookup.events.map((event) => event.name)).toEqual(['exception']);
        expect(lookup.events[0]?.attributes['exception.message']).toBe('inventory database unavailable');
        expect(only(spansOf(trace, 'orders', SpanKind.INTERNAL, 'orders.place'), 'orders.place spans').status.code).toBe(StatusCode.ERROR);
        expect(only(spansOf(trace, 'inventory', SpanKind.SERVER), 'inventory SERVER spans').attributes['http.response.status_code']).toBe(500n);
        // The report leads with where the error began, inventory's lookup, not with the gateway span it reached last.
        const judged = evaluateSpecsNow([{ name: 'no errors', expect: [{ noErrors: true }] }], run.traces());
        const message = judged.specs[0]?.expectations.at(-1)?.message ?? '';
        expect(message).toMatch(/ failed: inventory: inventory\.lookup has status error \("inventory database unavailable"\) \(the error began there; it reached /u);
      } finally {
        await services.stop();
      }
    },
    startupMillis,
  );
});

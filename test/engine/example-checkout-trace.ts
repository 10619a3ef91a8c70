/**
 * A two-item checkout of examples/three-services as the OpenTelemetry JS SDK stamps it, for clock-skew and
 * ordering tests: each service is its own process (its own SDK resource with `host.name`/`host.id` and
 * `process.pid`), spans cross processes through remote parent contexts, starts are whole milliseconds (the SDK's
 * `Date.now()`) and ends are start plus a precise duration. The times are those of a real `npm run example` trace
 * whose inventory server span ended 0.59 ms after the orders client span that called it, on one machine:
 *
 * gateway    POST (server, 0 → 91.23ms)
 *   gateway    POST (client, 10 → 86.14ms)
 *     orders     POST (server, 29 → 83.12ms)
 *       orders     orders.place (internal, 34 → 80.03ms)          order.item_count = 2
 *         orders     GET …/inventory/SKU-RED-MUG (client, 37 → 71.82ms)
 *           inventory  GET (server, 57 → 72.41ms)                 ends 0.59ms after its client span
 *             inventory  inventory.lookup (63 → 64.44ms)          inventory.sku = SKU-RED-MUG
 *         orders     GET …/inventory/SKU-TEA-TIN (client, 74 → 78.65ms)
 *           inventory  GET (server, 76 → 77.77ms)
 *             inventory  inventory.lookup (77 → 77.18ms)          inventory.sku = SKU-TEA-TIN
 */
import type { Attributes, HrTime, SpanContext } from '@opentelemetry/api';
import type { Span } from '../../src/model/span.ts';
import type { Trace } from '../../src/model/trace.ts';
import { SpanStore } from '../../src/store/index.ts';
import { BASE_TIME_MILLIS, makeTrace, type SdkSpanSpec } from '../support/sdk-traces.ts';

/** Where a service runs, and how its clock differs from the others'. */
export interface ServiceClock {
  readonly host: string;
  readonly pid: number;
  /** Added to every time the service stamps: a clock this far ahead (negative: behind). */
  readonly offsetMillis?: number;
  /** `ms` (default): whole-millisecond starts, as the JS SDK; `ns`: starts and ends with nanosecond digits. */
  readonly stamps?: 'ms' | 'ns';
}

/** Times in the trace, for a test that moves one span: milliseconds from the trace's start. */
export interface CheckoutTimes {
  /** Start of orders' tea-tin client span (74 in the recorded trace). */
  readonly teaCallStart?: number;
  /** End of inventory's mug lookup (64.444729). */
  readonly mugLookupEnd?: number;
  /** End of inventory's server span for the mug (72.408871). */
  readonly mugServerEnd?: number;
}

const NANOS_PER_MILLI = 1_000_000n;

/** An exact SDK time `millis` after the base time, with `extraNanos` more (the digits a ns clock adds). */
function hrTime(millis: number, extraNanos = 0): HrTime {
  const total = BigInt(BASE_TIME_MILLIS) * NANOS_PER_MILLI + BigInt(Math.round(millis * 1e6)) + BigInt(extraNanos);
  return [Number(total / 1_000_000_000n), Number(total % 1_000_000_000n)];
}

/** Nanoseconds since the epoch of `millis` after the base time, as a span reports it. */
export const atNanos = (millis: number): bigint => BigInt(BASE_TIME_MILLIS) * NANOS_PER_MILLI + BigInt(Math.round(millis * 1e6));

const remote = (span: Span): SpanContext => ({ traceId: span.traceId, spanId: span.spanId, traceFlags: 1, isRemote: true });

interface Stamped {
  readonly ref: string;
  readonly name: string;
  readonly kind: NonNullable<SdkSpanSpec['kind']>;
  readonly parent?: string | SpanContext;
  readonly start: number;
  readonly end: number;
  readonly attributes?: Attributes;
}

/** Records one process's spans with the real SDK, on its own resource and clock. */
async function processSpans(service: string, clock: ServiceClock, spans: readonly Stamped[]): Promise<Map<string, Span>> {
  const offset = clock.offsetMillis ?? 0;
  // A ns clock's digits: different per span, never a round number.
  const digits = (i: number): number => (clock.stamps === 'ns' ? 137 * (i + 1) : 0);
  const resourceAttributes: Attributes = { 'host.name': clock.host, 'host.id': `id-${clock.host}`, 'process.pid': clock.pid };
  const recorded = await makeTrace(
    spans.map((s, i) => ({
      ref: s.ref,
      name: s.name,
      kind: s.kind,
      service,
      ...(s.parent === undefined ? {} : { parent: s.parent }),
      start: hrTime(s.start + offset, digits(i)),
      end: hrTime(s.end + offset, digits(i)),
      ...(s.attributes === undefined ? {} : { attributes: s.attributes }),
    })),
    { resourceAttributes },
  );
  return new Map(spans.map((s, i) => [s.ref, recorded[i] as Span]));
}

/** The checkout's one trace, assembled by the store, with each service on the clock given. */
export async function exampleCheckoutTrace(clocks: { readonly gateway?: ServiceClock; readonly orders?: ServiceClock; readonly inventory?: ServiceClock } = {}, times: CheckoutTimes = {}): Promise<Trace> {
  const gateway = await processSpans('gateway', clocks.gateway ?? { host: 'vm', pid: 101 }, [
    { ref: 'edge', name: 'POST', kind: 'server', start: 0, end: 91.233762, attributes: { 'url.path': '/checkout' } },
    { ref: 'call', parent: 'edge', name: 'POST', kind: 'client', start: 10, end: 86.140181 },
  ]);
  const orders = await processSpans('orders', clocks.orders ?? { host: 'vm', pid: 102 }, [
    { ref: 'server', parent: remote(gateway.get('call') as Span), name: 'POST', kind: 'server', start: 29, end: 83.121998 },
    { ref: 'place', parent: 'server', name: 'orders.place', kind: 'internal', start: 34, end: 80.029164, attributes: { 'order.item_count': 2 } },
    { ref: 'mug', parent: 'place', name: 'GET', kind: 'client', start: 37, end: 71.816571, attributes: { 'url.full': 'http://127.0.0.1:4100/inventory/SKU-RED-MUG' } },
    { ref: 'tea', parent: 'place', name: 'GET', kind: 'client', start: times.teaCallStart ?? 74, end: 78.652624, attributes: { 'url.full': 'http://127.0.0.1:4100/inventory/SKU-TEA-TIN' } },
  ]);
  const inventory = await processSpans('inventory', clocks.inventory ?? { host: 'vm', pid: 103 }, [
    { ref: 'mugServer', parent: remote(orders.get('mug') as Span), name: 'GET', kind: 'server', start: 57, end: times.mugServerEnd ?? 72.408871 },
    { ref: 'mugLookup', parent: 'mugServer', name: 'inventory.lookup', kind: 'internal', start: 63, end: times.mugLookupEnd ?? 64.444729, attributes: { 'inventory.sku': 'SKU-RED-MUG' } },
    { ref: 'teaServer', parent: remote(orders.get('tea') as Span), name: 'GET', kind: 'server', start: 76, end: 77.768496 },
    { ref: 'teaLookup', parent: 'teaServer', name: 'inventory.lookup', kind: 'internal', start: 77, end: 77.177002, attributes: { 'inventory.sku': 'SKU-TEA-TIN' } },
  ]);
  const store = new SpanStore();
  store.ingest([...gateway.values(), ...orders.values(), ...inventory.values()], { transport: 'memory', runId: 'checkout' });
  const [trace] = store.run('checkout').traces();
  if (trace === undefined) throw new Error('example-checkout-trace: no trace assembled');
  return trace;
}

/** The span of `service` named `name` (and, when given, with attribute `key` = `value`). */
export function spanOf(trace: Trace, service: string, name: string, attribute?: readonly [string, string]): Span {
  const span = trace.spans.find(
    (s) => s.resource.attributes['service.name'] === service && s.name === name && (attribute === undefined || s.attributes[attribute[0]] === attribute[1]),
  );
  if (span === undefined) throw new Error(`example-checkout-trace: no ${service} span ${name}`);
  return span;
}

/** specs/checkout-order.yaml's expectation that `npm run example` failed now and then, before skew needed evidence. */
export const mugBeforeTeaTinOrder = {
  name: 'inventory answers for the mug before orders asks about the tea tin',
  order: {
    first: '{ service = "inventory" && name = "inventory.lookup" && span.inventory.sku = "SKU-RED-MUG" }',
    then: '{ service = "orders" && kind = client && span.url.full =~ "/inventory/SKU-TEA-TIN$" }',
    relation: 'ends-before-start' as const,
  },
};

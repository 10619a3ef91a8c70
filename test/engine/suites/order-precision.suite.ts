// Orderings judged to within the precision of the spans' start times: a gap the timestamps cannot resolve is no
// violation, one at or beyond it is.
import type { HrTime } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import type { Trace } from '../../../src/model/index.ts';
import { SpanStore } from '../../../src/store/index.ts';
import { makeTrace, type SdkSpanSpec } from '../../support/sdk-traces.ts';
import { exampleCheckoutTrace, mugBeforeTeaTinOrder, type CheckoutTimes, type ServiceClock } from '../example-checkout-trace.ts';
import type { Implementation } from './implementations.ts';

/** The tests of order-precision, run against one implementation. */
export function runOrderPrecisionSuite(impl: Implementation): void {
  describe(impl.name, () => {
  const mugBeforeTeaTin = {
    name: 'mug before tea tin',
    expect: [
      mugBeforeTeaTinOrder,
    ],
  };

  async function judge(clocks: Parameters<typeof exampleCheckoutTrace>[0], times: CheckoutTimes) {
    const trace = await exampleCheckoutTrace(clocks, times);
    const result = impl.evaluateNow([mugBeforeTeaTin], [trace]);
    // The trace needs no clock-skew correction: what is judged is the spans as stamped.
    expect(result.notes).toEqual([]);
    return result.specs[0]!.expectations.find((e) => e.kind === 'order')!;
  }

  /** The mug's lookup ends at 71.3 ms, 0.3 ms after orders stamped the tea tin call's start (71 ms). */
  const lookupEndsAfterTheNextCallStarted: CheckoutTimes = { teaCallStart: 71, mugLookupEnd: 71.3, mugServerEnd: 71.5 };

  describe('order to within the precision of the timestamps', () => {
    it('passes when the violation is smaller than the 1 ms precision of millisecond starts (the JS SDK)', async () => {
      // Orders stamps the call's start at 71 ms for a call begun up to 1 ms later: 0.3 ms says nothing of the order.
      const order = await judge({}, lookupEndsAfterTheNextCallStarted);
      expect(order.passed).toBe(true);
    });

    it('fails the same 0.3 ms when both clocks stamp nanoseconds', async () => {
      const ns: ServiceClock = { host: 'vm', pid: 0, stamps: 'ns' };
      const order = await judge({ orders: { ...ns, pid: 102 }, inventory: { ...ns, pid: 103 } }, lookupEndsAfterTheNextCallStarted);
      expect(order.passed).toBe(false);
      expect(order.message).toMatch(/^inventory: inventory.lookup ended at .*, 300us after orders: GET started at /);
      expect(order.message).not.toContain('precision');
    });

    it('fails a violation beyond the precision, and says so', async () => {
      const order = await judge({}, { teaCallStart: 71, mugLookupEnd: 72.3, mugServerEnd: 72.5 });
      expect(order.passed).toBe(false);
      expect(order.message).toContain('1.3ms after orders: GET started');
      expect(order.message).toMatch(/, more than the 1ms precision of their start times$/);
    });

    it('judges each pair with its own clocks\' precision: a precise pair fails where a millisecond pair would not', async () => {
      const base = 1_700_000_000;
      const at = (millis: number, nanos = 0): HrTime => [base, Math.round(millis * 1e6) + nanos];
      const specs: SdkSpanSpec[] = [
        { ref: 'root', name: 'root', kind: 'server', service: 'coarse', start: at(0), end: at(100) },
        // Millisecond clock: ends 0.8 ms after "next" starts, within its precision.
        { parent: 'root', name: 'first', service: 'coarse', start: at(10), end: at(50.8) },
        // Nanosecond clock: ends 0.4 ms after "next" starts, beyond its precision.
        { parent: 'root', name: 'first', service: 'fine', start: at(10, 123), end: at(50.4, 123) },
        { parent: 'root', name: 'next', service: 'fine', start: at(50, 7), end: at(60) },
      ];
      const store = new SpanStore();
      store.ingest(await makeTrace(specs), { transport: 'memory', runId: 'r' });
      const trace = store.run('r').traces()[0] as Trace;
      const result = impl.evaluateNow([{ name: 'o', expect: [{ order: { first: 'name = "first"', then: 'name = "next"' } }] }], [trace]);
      const order = result.specs[0]!.expectations.find((e) => e.kind === 'order')!;
      expect(order.passed).toBe(false);
      expect(order.message).toMatch(/^coarse → fine: first ended at \+50\.4ms, 400us after coarse → fine: next started/);
      // Without the precise span, the millisecond one alone is in order.
      const coarseOnly = impl.evaluateNow([{ name: 'o', expect: [{ order: { first: 'name = "first" && service = "coarse"', then: 'name = "next"' } }] }], [trace]);
      expect(coarseOnly.passed).toBe(true);
    });

    it('lets a step start within the precision before the one it follows (starts-before)', async () => {
      const base = 1_700_000_000;
      const at = (millis: number, nanos = 0): HrTime => [base, Math.round(millis * 1e6) + nanos];
      const traceWith = async (nextStartMillis: number): Promise<Trace> => {
        const store = new SpanStore();
        store.ingest(
          await makeTrace([
            { ref: 'root', name: 'root', kind: 'server', service: 'coarse', start: at(0), end: at(100) },
            { parent: 'root', name: 'first', service: 'coarse', start: at(5), end: at(20) },
            { parent: 'root', name: 'next', service: 'fine', start: at(nextStartMillis, 31), end: at(30) },
            { parent: 'root', name: 'later', service: 'fine', start: at(40, 17), end: at(50) },
          ]),
          { transport: 'memory', runId: 'r' },
        );
        return store.run('r').traces()[0] as Trace;
      };
      const spec = { name: 'o', expect: [{ order: { first: 'name = "first"', then: 'name = "next"', relation: 'starts-before' as const } }] };
      // "first" is stamped at 5 ms by a millisecond clock, so it began before 6 ms: "next" at 4.6 ms may well follow it.
      expect(impl.evaluateNow([spec], [await traceWith(4.6)]).passed).toBe(true);
      expect(impl.evaluateNow([spec], [await traceWith(3.9)]).passed).toBe(false);
    });
  });

  });
}

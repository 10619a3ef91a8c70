import { beforeAll, describe, expect, it } from 'vitest';
import type { ExpectationResult, RunResult } from '../../../src/engine/index.ts';
import type { Trace } from '../../../src/model/trace.ts';
import type { Expectation, SpecDefinition } from '../../../src/language/types.ts';
import { checkoutTraces } from '../checkout-trace.ts';
import type { Implementation } from './implementations.ts';

/** The tests of evaluate-spans, run against one implementation. */
export function runSpansSuite(impl: Implementation): void {
  describe(impl.name, () => {
  let traces: readonly Trace[];
  beforeAll(async () => {
    ({ traces } = await checkoutTraces());
  });

  const CHECKOUT = 'name = "POST /checkout" && kind = server';

  /** Judges one expectation over the checkout trace and returns its result. */
  function judge(expectation: Expectation, extra: Partial<SpecDefinition> = {}): ExpectationResult {
    const result = run([expectation], extra);
    const spec = result.specs[0];
    if (spec === undefined) throw new Error('no spec result');
    expect(spec.expectations[0]?.kind).toBe('traces');
    return spec.expectations[spec.expectations.length - 1] as ExpectationResult;
  }

  function run(expectations: Expectation[], extra: Partial<SpecDefinition> = {}): RunResult {
    return impl.evaluateNow([{ name: 'checkout', traces: { root: CHECKOUT }, ...extra, expect: expectations }], traces, { env: { SVC: 'orders' } });
  }

  describe('spans: presence, absence, counts', () => {
    it('passes when a selector finds spans', () => {
      const r = judge({ spans: 'service = "orders" && kind = server' });
      expect(r.passed).toBe(true);
      expect(r.kind).toBe('spans');
      expect(r.actual).toBe('1 span');
    });

    it('fails with near misses and the missed clause when nothing matches', () => {
      const r = judge({ spans: 'service = "orders" && kind = consumer' });
      expect(r.passed).toBe(false);
      expect(r.message).toContain('no span matched service = "orders" && kind = consumer');
      // Near misses travel as data (reporters draw them); the message stays one readable sentence.
      expect(r.message).not.toContain('closest:');
      expect(r.nearMisses?.[0]?.span.service).toBe('orders');
      expect(r.nearMisses?.[0]?.missedClauses).toEqual(['kind = consumer']);
      expect(r.trace?.roots[0]?.span.name).toBe('POST /checkout');
    });

    it('asserts absence with count none, and names the spans found', () => {
      expect(judge({ spans: 'service = "shipping"', count: 'none' }).passed).toBe(true);
      const r = judge({ spans: 'service = "payments"', count: 'none' });
      expect(r.passed).toBe(false);
      expect(r.message).toContain('expected no spans matching service = "payments"');
      expect(r.message).toContain('found 1: orders → payments: charge');
      expect(r.trace !== undefined && JSON.stringify(r.trace).includes('"marked":true')).toBe(true);
    });

    it('checks exact and ranged counts', () => {
      expect(judge({ spans: 'service = "orders"', count: 5 }).passed).toBe(true);
      const r = judge({ spans: 'service = "orders"', count: { max: 2 } });
      expect(r.passed).toBe(false);
      expect(r.message).toContain('expected at most 2 spans');
      expect(r.actual).toBe('5 spans');
    });
  });

  describe('spans: quantifier, duration, status', () => {
    it('all: every matched span must conform, else the first offender is named with expected vs actual', () => {
      expect(judge({ spans: 'kind = server', attributes: { 'resource.service.name': { exists: true } } }).passed).toBe(true);
      const r = judge({ spans: 'kind = server', duration: '600ms' });
      expect(r.passed).toBe(true);
      const f = judge({ spans: 'kind = server && service != "frontend"', duration: '300ms' });
      expect(f.passed).toBe(false);
      expect(f.message).toContain('frontend → orders: POST /orders: took 480ms, expected <= 300ms');
      expect(f.message).toContain('and 1 more span fail');
    });

    it('any: one conforming span is enough, none fails', () => {
      expect(judge({ spans: 'kind = server', quantifier: 'any', duration: { lt: '20ms' } }).passed).toBe(true);
      const r = judge({ spans: 'kind = server', quantifier: 'any', duration: { lt: '5ms' } });
      expect(r.passed).toBe(false);
      expect(r.message).toContain('none of 4 spans matching kind = server has duration < 5ms');
    });

    it('duration lower bounds', () => {
      expect(judge({ spans: 'service = "inventory"', duration: { gte: '400ms' } }).passed).toBe(true);
      const r = judge({ spans: 'service = "payments"', duration: { gt: '1s' } });
      expect(r.message).toContain('took 11ms, expected > 1s');
    });

    it('status and not-status', () => {
      expect(judge({ spans: 'service = "payments"', status: 'error' }).passed).toBe(true);
      const r = judge({ spans: 'service = "payments"', status: { not: 'error' } });
      expect(r.passed).toBe(false);
      expect(r.message).toContain('status is error ("card declined"), expected anything but error');
      const ok = judge({ spans: 'service = "inventory"', status: 'ok' });
      expect(ok.message).toContain('status is unset, expected ok');
    });
  });

  describe('spans: events and links', () => {
    it('requires an event with attributes, and reports a mismatching attribute', () => {
      expect(judge({ spans: 'service = "payments"', events: [{ name: 'exception', attributes: { 'exception.type': 'CardError' } }] }).passed).toBe(true);
      const r = judge({ spans: 'service = "payments"', events: [{ name: 'exception', attributes: { 'exception.type': 'TimeoutError' } }] });
      expect(r.passed).toBe(false);
      expect(r.message).toContain('expected at least 1 "exception" event with exception.type = "TimeoutError", found 0');
      expect(r.message).toContain('attribute exception.type: expected "TimeoutError", got "CardError" (string)');
    });

    it('absent exception events', () => {
      expect(judge({ spans: 'service = "orders"', events: [{ name: 'exception', absent: true }] }).passed).toBe(true);
      const r = judge({ spans: 'service = "payments"', events: [{ name: 'exception', absent: true }] });
      expect(r.passed).toBe(false);
      expect(r.message).toContain('expected no "exception" events, found 1 (CardError: "declined")');
    });

    it('links to a span picked by a selector in another trace of the run', () => {
      const pass = impl.evaluateNow([{ name: 'worker', traces: { root: 'kind = consumer' }, expect: [{ spans: 'kind = consumer', links: [{ to: 'name = "publish order" && kind = producer', attributes: { 'messaging.operation': 'process' } }] }] }], traces);
      expect(pass.passed).toBe(true);
      const fail = impl.evaluateNow([{ name: 'worker', traces: { root: 'kind = consumer' }, expect: [{ spans: 'kind = consumer', links: [{ to: 'name = "charge"' }] }] }], traces);
      const r = fail.specs[0]?.expectations[1];
      expect(r?.passed).toBe(false);
      expect(r?.message).toContain('expected a link to name = "charge"');
      expect(r?.message).toContain('(publish order) is not picked by the selector');
      expect(judge({ spans: 'service = "inventory"', links: [{ to: 'kind = producer' }] }).message).toContain('the span has no links');
    });
  });

  describe('variables and captures', () => {
    it('captures a value in one expectation and uses it in a later selector of the same trace', () => {
      const result = run([
        { spans: 'service = "orders" && kind = server', capture: { orderId: 'order.id', svc: 'service' } },
        { spans: 'service = "inventory" && span.order.id = "${var:orderId}"' },
        { spans: 'service = "${var:svc}" && kind = internal' },
        { spans: 'service = "${env:SVC}" && kind = producer' },
      ]);
      expect(result.specs[0]?.expectations.map((e) => e.passed)).toEqual([true, true, true, true, true]);
    });

    it('spec vars substitute into matcher strings; a captured value that does not match fails', () => {
      expect(judge({ spans: 'service = "inventory"', attributes: { 'inventory.sku': '${var:sku}' } }, { vars: { sku: 'A1' } }).passed).toBe(true);
      const r = run([
        { spans: 'service = "orders" && kind = internal', capture: { n: 'name' } },
        { spans: 'service = "inventory"', attributes: { 'inventory.sku': '${var:n}' } },
      ]).specs[0]?.expectations[2];
      expect(r?.message).toContain('attribute inventory.sku: expected "reserve stock", got "A1" (string)');
    });

    it('an unknown variable fails the expectation with a message naming it', () => {
      const r = judge({ spans: 'span.order.id = "${var:nope}"' });
      expect(r.passed).toBe(false);
      expect(r.message).toContain('unknown variable: nope');
    });
  });

  describe('which traces', () => {
    it('traces.root and traces.where select traces; count is a result of kind traces', () => {
      const byRoot = impl.evaluateNow([{ name: 'r', traces: { root: 'kind = consumer', count: 1 }, expect: [{ spans: 'service = "worker"' }] }], traces);
      expect(byRoot.passed).toBe(true);
      expect(byRoot.specs[0]?.matchedTraceCount).toBe(1);
      const byWhere = impl.evaluateNow([{ name: 'w', traces: { where: 'service = "payments"' }, expect: [{ connected: true }] }], traces);
      expect(byWhere.specs[0]?.matchedTraceCount).toBe(1);
      expect(byWhere.passed).toBe(true);
      const all = impl.evaluateNow([{ name: 'a', traces: { count: { exactly: 1 } }, expect: [{ spans: '{ }' }] }], traces);
      const t = all.specs[0]?.expectations[0];
      expect(t?.kind).toBe('traces');
      expect(t?.passed).toBe(false);
      expect(t?.message).toContain('expected exactly 1 trace matching any trace, found 2');
    });

    it('a root selector matching nothing fails with near misses among roots, and the expectations are not judged', () => {
      const r = impl.evaluateNow([{ name: 'none', traces: { root: 'name = "POST /checkout" && kind = client' }, expect: [{ spans: '{ }' }] }], traces);
      const t = r.specs[0]?.expectations[0];
      expect(t?.passed).toBe(false);
      expect(t?.message).toContain('no trace matched root name = "POST /checkout" && kind = client');
      expect(t?.nearMisses?.[0]?.missedClauses).toEqual(['kind = client']);
      expect(t?.trace?.roots[0]?.marked).toBe(true);
      expect(t?.trace?.roots[0]?.note).toBe('near miss: kind = client');
      expect(r.specs[0]?.expectations[1]?.message).toContain('not judged');
    });

    it('an invalid selector is a failed result with the parser message, never an exception', () => {
      const r = judge({ spans: 'sevice = "orders"' });
      expect(r.passed).toBe(false);
      expect(r.message).toContain('invalid selector');
      expect(r.message).toContain('sevice');
    });
  });

  });
}

import { beforeAll, describe, expect, it } from 'vitest';
import type { ExpectationResult } from '../../../src/engine/index.ts';
import type { Trace } from '../../../src/model/trace.ts';
import { loadSpecText } from '../../../src/language/loader.ts';
import { parseSelector } from '../../../src/language/selector-parser.ts';
import type { SelectorAst } from '../../../src/language/selector-ast.ts';
import type { Expectation } from '../../../src/language/types.ts';
import { assemble, checkoutSpecs, checkoutTraces } from '../checkout-trace.ts';
import { BASE_TIME_MILLIS, makeTrace } from '../../support/sdk-traces.ts';
import type { Implementation } from './implementations.ts';

/** The tests of evaluate-kinds, run against one implementation. */
export function runKindsSuite(impl: Implementation): void {
  describe(impl.name, () => {
  let traces: readonly Trace[];
  beforeAll(async () => {
    ({ traces } = await checkoutTraces());
  });

  function judge(expectation: Expectation, over: readonly Trace[] = traces): ExpectationResult {
    const result = impl.evaluateNow([{ name: 'checkout', traces: { root: 'name = "POST /checkout"' }, expect: [expectation] }], over);
    return result.specs[0]?.expectations[1] as ExpectationResult;
  }

  function parse(source: string): SelectorAst {
    const parsed = parseSelector(source);
    if (!parsed.ok) throw new Error(`${source}: ${parsed.error.message}`);
    return parsed.value;
  }

  function marked(result: ExpectationResult): string[] {
    const out: string[] = [];
    const walk = (nodes: readonly { span: { name: string }; marked: boolean; note?: string; children: readonly unknown[] }[]): void => {
      for (const n of nodes) {
        if (n.marked) out.push(`${n.span.name}${n.note === undefined ? '' : `: ${n.note}`}`);
        walk(n.children as never);
      }
    };
    walk((result.trace?.roots ?? []) as never);
    return out;
  }

  describe('order', () => {
    it('ends-before-start across services', () => {
      expect(judge({ order: { first: 'service = "inventory" && kind = server', then: 'name = "reserve stock"' } }).passed).toBe(true);
    });

    it('fails naming both spans, their times and the gap', () => {
      const r = judge({ order: { first: 'name = "reserve stock"', then: 'service = "inventory" && kind = server' } });
      expect(r.passed).toBe(false);
      expect(r.message).toContain('orders: reserve stock ended at +480ms, 455ms after orders → inventory: GET /inventory/:sku started at +25ms');
      expect(r.spans.map((s) => s.name)).toEqual(['reserve stock', 'GET /inventory/:sku']);
      expect(marked(r)).toHaveLength(2);
    });

    it('starts-before', () => {
      expect(judge({ order: { first: 'name = "POST /charge"', then: 'name = "publish order"', relation: 'starts-before' } }).passed).toBe(true);
      const r = judge({ order: { first: 'name = "publish order"', then: 'name = "POST /charge"', relation: 'starts-before' } });
      expect(r.message).toContain('orders: publish order started at +485ms, 4ms after orders: POST /charge started at +481ms');
      // A tie is no evidence of order (millisecond-stamped processes tie often): the same span on both sides passes.
      expect(judge({ order: { first: 'name = "POST /charge"', then: 'name = "POST /charge"', relation: 'starts-before' } }).passed).toBe(true);
    });

    it('a side that matches nothing fails with near misses', () => {
      const r = judge({ order: { first: 'name = "reserve stock"', then: 'name = "ship"' } });
      expect(r.message).toContain('no span matched name = "ship"');
      expect(r.nearMisses?.length).toBeGreaterThan(0);
    });
  });

  describe('sequence', () => {
    it('N steps in order', () => {
      expect(judge({ sequence: ['service = "inventory" && kind = server', 'name = "reserve stock"', 'name = "POST /charge"'] }).passed).toBe(true);
    });
    it('names the step that broke', () => {
      const r = judge({ sequence: ['service = "inventory" && kind = server', 'name = "POST /charge"', 'name = "reserve stock"'] });
      expect(r.passed).toBe(false);
      expect(r.message).toContain('step 2 → 3: orders: POST /charge ended at +494ms, 44ms after orders: reserve stock started at +450ms');
    });
  });

  describe('budget', () => {
    it('names the span whose own time made the budget fail, not only the outermost span that waited on it', async () => {
      const at = (ms: number) => BASE_TIME_MILLIS + ms;
      const spans = await makeTrace([
        { ref: 'web', name: 'POST /checkout', kind: 'server', service: 'web', start: at(0), end: at(440) },
        { ref: 'cart-call', parent: 'web', name: 'POST /cart', kind: 'client', service: 'web', start: at(5), end: at(435) },
        { ref: 'cart', parent: 'cart-call', name: 'POST /cart', kind: 'server', service: 'cart', start: at(6), end: at(434) },
        { ref: 'pricing-call', parent: 'cart', name: 'GET /price', kind: 'client', service: 'cart', start: at(10), end: at(60) },
        { parent: 'pricing-call', name: 'GET /price', kind: 'server', service: 'pricing', start: at(11), end: at(59) },
        // The tax lookup is where the time goes: 350 ms of its own, no children.
        { ref: 'tax-call', parent: 'cart', name: 'GET /tax', kind: 'client', service: 'cart', start: at(70), end: at(430) },
        { parent: 'tax-call', name: 'GET /tax', kind: 'server', service: 'tax', start: at(75), end: at(425) },
      ]);
      const overTrace = judge({ budget: { max: '300ms' } }, assemble(spans));
      expect(overTrace.passed).toBe(false);
      expect(overTrace.message).toMatch(/; most of it in cart → tax: GET \/tax \(350ms of its own\)$/u);
      expect(marked(overTrace)).toContain('GET /tax: 350ms of its own: where the time went');
      const overSpan = judge({ budget: { spans: 'name = "POST /checkout"', max: '300ms' } }, assemble(spans));
      expect(overSpan.message).toMatch(/^web: POST \/checkout took 440ms, budget 300ms; most of it in cart → tax: GET \/tax \(350ms of its own\)$/u);
      // A span slow on its own says so.
      const own = judge({ budget: { spans: 'service = "tax"', max: '300ms' } }, assemble(spans));
      expect(own.message).toMatch(/took 350ms, budget 300ms; most of it its own time \(350ms\)$/u);
    });

    it('per span max, naming the hop and the budget', () => {
      expect(judge({ budget: { spans: 'service = "inventory"', max: '500ms' } }).passed).toBe(true);
      const r = judge({ budget: { spans: 'service = "inventory" || service = "payments"', max: '300ms' } });
      expect(r.passed).toBe(false);
      expect(r.message).toContain('orders → inventory: GET /inventory/:sku took 412ms, budget 300ms');
      expect(marked(r)).toContain('GET /inventory/:sku: took 412ms, budget 300ms');
    });

    it('percentiles over all matched spans, with the slowest spans', () => {
      // Durations of the 9 checkout spans: 1 11 13 30 412 420 480 500 600 (ms); nearest-rank p50 is the 5th.
      expect(judge({ budget: { over: 'spans', p50: '412ms' } }).passed).toBe(true);
      expect(judge({ budget: { over: 'spans', p50: '411ms' } }).passed).toBe(false);
      // p95 of 9 is the 9th (ceil(8.55)): the slowest.
      expect(judge({ budget: { over: 'spans', p95: '600ms', max: '600ms' } }).passed).toBe(true);
      expect(judge({ budget: { over: 'spans', p95: '599ms' } }).passed).toBe(false);
      const r = judge({ budget: { over: 'spans', p50: '20ms', p95: '1s' } });
      expect(r.passed).toBe(false);
      expect(r.actual).toBe('p50 = 412ms');
      expect(r.message).toContain('p50 of 9 span durations is 412ms, budget 20ms; slowest: frontend: POST /checkout 600ms');
    });

    it('judges durations beyond 2^53 ns exactly (they do not fit a number)', async () => {
      // 105 days: 9,072,000,000,000,000 ns, over Number.MAX_SAFE_INTEGER, where 9,071,999,999,999,999 is no number.
      const day = 86_400_000;
      const long = assemble(await makeTrace([{ name: 'long', kind: 'server', start: BASE_TIME_MILLIS, end: BASE_TIME_MILLIS + 105 * day }]));
      const budget = (max: string): boolean | undefined =>
        impl.evaluateNow([{ name: 'long', traces: { root: 'name = "long"' }, expect: [{ budget: { spans: 'name = "long"', max } }] }], long).specs[0]?.expectations[1]?.passed;
      expect(budget('9072000000000000ns')).toBe(true);
      expect(budget('9071999999999999ns')).toBe(false);
    });

    it('over every span of the run, with the percentiles in the passing message', () => {
      // The checkout's 9 spans and the worker's 20 ms span: 1 11 13 20 30 412 420 480 500 600 (ms); p50 is the 5th.
      const r = impl.evaluateNow([{ name: 'run', expect: [{ budget: { over: 'spans', p50: '30ms', max: '600ms' } }] }], traces).specs[0]?.expectations[1];
      expect(r?.passed).toBe(true);
      expect(r?.actual).toBe('max = 600ms, p50 = 30ms');
      expect(r?.message).toBe('10 spans within budget: max = 600ms, p50 = 30ms');
      const over = impl.evaluateNow([{ name: 'run', expect: [{ budget: { over: 'spans', p50: '29ms' } }] }], traces).specs[0]?.expectations[1];
      expect(over?.passed).toBe(false);
    });

    it('per trace, root start to last span end, over the run', () => {
      const run = impl.evaluateNow([{ name: 't', expect: [{ budget: { over: 'traces', max: '1s', p50: '20ms' } }] }], traces);
      expect(run.passed).toBe(true);
      // The checkout trace takes 600 ms and the worker's 20 ms.
      expect(run.specs[0]?.expectations[1]?.message).toBe('2 traces within budget: max = 600ms, p50 = 20ms');
      const each = judge({ budget: { over: 'traces', max: '600ms' } });
      expect(each.passed).toBe(true);
      expect(each.message).toBe('1 trace within budget: max = 600ms');
      expect(judge({ budget: { over: 'traces', max: '599ms' } }).message).toContain('took 600ms, budget 599ms');
      const r = impl.evaluateNow([{ name: 't', expect: [{ budget: { over: 'traces', p99: '100ms' } }] }], traces).specs[0]?.expectations[1];
      expect(r?.passed).toBe(false);
      expect(r?.message).toContain('p99 of 2 trace durations is 600ms, budget 100ms');
      expect(r?.message).toContain('(frontend: POST /checkout) 600ms');
    });
  });

  describe('noErrors', () => {
    it('passes on clean spans and fails naming the erroring span', () => {
      expect(judge({ noErrors: 'service = "inventory"' }).passed).toBe(true);
      const r = judge({ noErrors: true });
      expect(r.passed).toBe(false);
      expect(r.message).toContain('1 of 9 spans failed: orders → payments: charge has status error ("card declined")');
      expect(marked(r)).toEqual(['charge: status error ("card declined")']);
    });

    it('names the span where an error began first, then the callers it reached, and other origins after', async () => {
      const at = (ms: number) => BASE_TIME_MILLIS + ms;
      const error = { code: 'error' as const, message: 'tax service down' };
      const spans = await makeTrace([
        { ref: 'web', name: 'POST /checkout', kind: 'server', service: 'web', start: at(0), end: at(100), status: error },
        { ref: 'cart-call', parent: 'web', name: 'POST /cart', kind: 'client', service: 'web', start: at(5), end: at(95), status: error },
        { ref: 'cart', parent: 'cart-call', name: 'POST /cart', kind: 'server', service: 'cart', start: at(6), end: at(94), status: error },
        { ref: 'tax-call', parent: 'cart', name: 'GET /tax', kind: 'client', service: 'cart', start: at(10), end: at(50), status: error },
        { parent: 'tax-call', name: 'GET /tax', kind: 'server', service: 'tax', start: at(11), end: at(49), status: error },
        // A second, independent origin: a failed cache write, under the cart server span.
        { parent: 'cart', name: 'cache set', service: 'cart', start: at(60), end: at(61), status: { code: 'error' as const, message: 'cache full' } },
      ]);
      const r = judge({ noErrors: true }, assemble(spans));
      expect(r.passed).toBe(false);
      expect(r.message).toMatch(/^6 of 6 spans failed: cart → tax: GET \/tax has status error \("tax service down"\) \(the error began there; it reached cart: GET \/tax; web → cart: POST \/cart; web: POST \/cart \(and 1 more\) after it\); also cart: cache set$/u);
      // The spans reported lead with the origins, deepest first.
      expect(r.spans.slice(0, 2).map((span) => span.name)).toEqual(['GET /tax', 'cache set']);
    });

    it('with exceptions: an exception event on a span without error status also fails', async () => {
      const specs = checkoutSpecs().map((s) => (s.ref === 'payments' ? { ...s, status: { code: 'ok' as const } } : s));
      const { traces: t } = await checkoutTraces(specs);
      expect(judge({ noErrors: true }, t).passed).toBe(true);
      const r = judge({ noErrors: true, exceptions: true }, t);
      expect(r.passed).toBe(false);
      expect(r.message).toContain('has exception event (CardError: "declined")');
    });
  });

  describe('connected and propagates', () => {
    it('connected: one root, no orphans', () => {
      expect(judge({ connected: true }).passed).toBe(true);
    });

    it('an orphan (its parent never arrived) breaks it', async () => {
      const spans = await makeTrace(checkoutSpecs().slice(0, 9));
      const withoutClient = assemble(spans.filter((s) => s.name !== 'GET /inventory/:sku' || s.kind !== 3));
      const r = judge({ connected: true }, withoutClient);
      expect(r.passed).toBe(false);
      expect(r.message).toContain('is not connected: 1 orphan, e.g. inventory: GET /inventory/:sku whose parent');
      expect(r.trace?.roots.some((n) => n.orphan === true)).toBe(true);
    });

    it('propagates: each from span has a to descendant', () => {
      expect(judge({ propagates: { from: 'service = "frontend" && kind = client', to: 'service = "payments"' } }).passed).toBe(true);
      const r = judge({ propagates: { from: 'kind = client', to: 'service = "inventory"' } });
      expect(r.passed).toBe(false);
      expect(r.message).toContain('orders: POST /charge has no descendant matching service = "inventory"');
      expect(r.actual).toBe('2 of 3 propagate');
    });

    it('propagates agrees with the structural reading `to !<< from` for any two sets, orphans included', async () => {
      const spans = await makeTrace(checkoutSpecs());
      // The inventory client span never arrived: its server span is an orphan, cut off from the orders spans above.
      const cut = assemble(spans.filter((s) => s.name !== 'GET /inventory/:sku' || s.kind !== 3)).find((t) => t.traceId === spans[0]?.traceId) as Trace;
      expect(cut.orphans.length).toBe(1);
      const sets = ['kind = client', 'kind = server', 'root', 'service = "orders"', 'service = "inventory"', 'kind = consumer', '{ }', 'status = error', 'name =~ "o"', 'kind = server && !root'];
      let failing = 0;
      for (const over of [traces, [cut]]) {
        const trace = over[0] as Trace;
        for (const from of sets) {
          for (const to of sets) {
            const froms = impl.compile(parse(from)).select(trace);
            const stuck = impl.compile(parse(`(${to}) !<< (${from})`)).select(trace);
            const r = judge({ propagates: { from, to } }, [trace]);
            const label = `${from} -> ${to}`;
            expect(r.passed, label).toBe(froms.length > 0 && stuck.length === 0);
            if (froms.length > 0) expect(r.actual, label).toBe(`${froms.length - stuck.length} of ${froms.length} propagate`);
            if (stuck.length > 0) {
              failing += 1;
              expect(r.spans.map((s) => s.spanId), label).toEqual(stuck.map((s) => s.spanId));
            }
          }
        }
      }
      // Enough of both outcomes for the comparison to mean something.
      expect(failing).toBeGreaterThan(40);
      expect(failing).toBeLessThan(190);
    });
  });

  describe('an expectation failing in several traces', () => {
    it('is explained from the first of them and counted in all, whatever its kind', async () => {
      // Two checkouts: every expectation below fails in both.
      const again = await checkoutTraces();
      const run = [...traces, again.checkout];
      const failing: [Expectation, string][] = [
        [{ spans: 'kind = consumer' }, 'no span matched kind = consumer'],
        [{ spans: 'service = "orders" && kind = server', attributes: { 'order.id': 'nope' } }, 'attribute order.id'],
        [{ spans: 'service = "orders" && kind = server', attributes: { 'order.id': 'nope' }, quantifier: 'any' }, 'none of 1 span'],
        [{ order: { first: 'name = "charge"', then: 'name = "reserve stock"' } }, 'charge'],
        [{ budget: { spans: 'service = "inventory"', max: '100ms' } }, 'took 412ms, budget 100ms'],
        [{ noErrors: 'service = "payments"' }, 'status error'],
        [{ propagates: { from: 'name = "POST /checkout"', to: 'kind = consumer' } }, 'has no descendant matching kind = consumer'],
      ];
      const result = impl.evaluateNow([{ name: 'twice', traces: { root: 'name = "POST /checkout"' }, expect: failing.map(([e]) => e) }], run);
      expect(result.specs[0]?.matchedTraceCount).toBe(2);
      failing.forEach(([expectation, explanation], i) => {
        const r = result.specs[0]?.expectations[i + 1];
        const label = JSON.stringify(expectation);
        expect(r?.passed, label).toBe(false);
        expect(r?.message, label).toContain(explanation);
        expect(r?.message, label).toContain('(failed in 2 of 2 traces)');
        expect(r?.message, label).not.toContain('explained in an earlier trace');
      });
    });
  });

  describe('scope', () => {
    it('scope run judges over all selected traces together, scope trace in each', () => {
      const perTrace = impl.evaluateNow([{ name: 's', expect: [{ spans: 'kind = consumer', scope: 'trace' }] }], traces);
      expect(perTrace.passed).toBe(false);
      expect(perTrace.specs[0]?.expectations[1]?.message).toContain('(failed in 1 of 2 traces)');
      const run = impl.evaluateNow([{ name: 's', expect: [{ spans: 'kind = consumer', scope: 'run' }] }], traces);
      expect(run.passed).toBe(true);
    });

    it('defaults to the whole run when the spec names no traces, and to each trace when it does', () => {
      const wholeRun = impl.evaluateNow([{ name: 's', expect: [{ spans: 'kind = consumer' }] }], traces);
      expect(wholeRun.passed).toBe(true);
      const eachTrace = impl.evaluateNow([{ name: 's', traces: { where: 'name =~ ".*"' }, expect: [{ spans: 'kind = consumer' }] }], traces);
      expect(eachTrace.passed).toBe(false);
      expect(eachTrace.specs[0]?.expectations[1]?.message).toContain('(failed in 1 of 2 traces)');
    });
  });

  describe('specs from files', () => {
    it('results carry the file position of each expectation', () => {
      const loaded = loadSpecText(
        ['name: from a file', 'traces:', '  root: name = "POST /checkout"', 'expect:', '  - spans: service = "orders"', '  - spans: service = "nowhere"', ''].join('\n'),
        'specs/checkout.yaml',
      );
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.error));
      const result = impl.evaluateNow(loaded.value, traces);
      const spec = result.specs[0];
      expect(spec?.file).toBe('specs/checkout.yaml');
      expect(spec?.expectations[2]?.passed).toBe(false);
      expect(spec?.expectations[2]?.source).toMatchObject({ file: 'specs/checkout.yaml', line: 6 });
    });
  });

  });
}

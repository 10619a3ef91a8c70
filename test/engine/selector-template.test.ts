import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_ACCELERATORS } from '../../src/engine/selectors/accelerators.ts';
import { evaluateSpecsNow } from '../../src/engine/index.ts';
import { compileSelector } from '../../src/engine/select.ts';
import { SelectorTemplate } from '../../src/engine/selector-template.ts';
import type { Trace } from '../../src/model/trace.ts';
import { parseSelector } from '../../src/language/selector-parser.ts';
import type { SpecScalar } from '../../src/language/types.ts';
import { interpolateSelector } from '../../src/language/selector-references.ts';
import { checkoutSpecs, checkoutTraces } from './checkout-trace.ts';

let traces: readonly Trace[];
let checkout: Trace;

beforeAll(async () => {
  // The checkout, with an order id that text substitution could not put into a quoted string as it is.
  const specs = checkoutSpecs().map((span) => (span.ref === 'inventory' ? { ...span, attributes: { ...span.attributes, 'order.id': 'say "hi" \\ bye' } } : span));
  ({ traces, checkout } = await checkoutTraces(specs));
});

function template(source: string, env: Record<string, string> = {}): SelectorTemplate {
  const compiled = SelectorTemplate.of(source, env, ALL_ACCELERATORS);
  if (compiled === undefined) throw new Error(`not a template: ${source}`);
  return compiled;
}

function boundNames(source: string, vars: Record<string, SpecScalar>, env: Record<string, string> = {}): string[] {
  const bound = template(source, env).bind(new Map(Object.entries(vars)));
  if (!bound.ok) throw new Error(bound.error);
  return bound.value.select(checkout).map((span) => `${span.name}@${String(span.resource.attributes['service.name'])}`);
}

function substitutedNames(source: string, vars: Record<string, SpecScalar>, env: Record<string, string> = {}): string[] {
  const text = interpolateSelector(source, { env, vars });
  if (!text.ok) throw new Error(text.error.message);
  const parsed = parseSelector(text.value);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return compileSelector(parsed.value)
    .select(checkout)
    .map((span) => `${span.name}@${String(span.resource.attributes['service.name'])}`);
}

describe('selector templates', () => {
  it('select what substituting the text selects, for every kind of condition a string can sit in', () => {
    const cases: [string, Record<string, SpecScalar>][] = [
      ['service = "${var:svc}" && kind = server', { svc: 'orders' }],
      ['service != "${var:svc}"', { svc: 'orders' }],
      ['service in ["${var:a}", "payments"] && kind = server', { a: 'inventory' }],
      ['service not in ["${var:a}", "${var:b}"]', { a: 'frontend', b: 'orders' }],
      ['resource.service.name = "${var:svc}" || span.http.route = "${var:route}"', { svc: 'payments', route: '/checkout' }],
      ['name contains "${var:part}"', { part: 'inventory' }],
      ['!(service = "${var:svc}")', { svc: 'orders' }],
      ['span.http.response.status_code = "${var:code}"', { code: 201 }],
      ['span.order.id = "${var:id}" || name = "${var:name}"', { id: 'say "hi" \\ bye', name: '\\"' }],
    ];
    for (const [source, vars] of cases) {
      const expected = substitutedNames(source, vars);
      expect(boundNames(source, vars), source).toEqual(expected);
    }
    // The comparison above has teeth: these select different spans.
    expect(boundNames('service = "${var:svc}"', { svc: 'orders' })).not.toEqual(boundNames('service = "${var:svc}"', { svc: 'payments' }));
  });

  it('take a value with quotes and backslashes as it is, as substitution into a quoted string does', () => {
    const vars = { id: 'say "hi" \\ bye' };
    expect(boundNames('span.order.id = "${var:id}"', vars)).toEqual(['GET /inventory/:sku@inventory']);
    expect(substitutedNames('span.order.id = "${var:id}"', vars)).toEqual(['GET /inventory/:sku@inventory']);
  });

  it('fill env references beside var references', () => {
    expect(boundNames('service = "${env:SVC}" && name = "${var:name}"', { name: 'reserve stock' }, { SVC: 'orders' })).toEqual(['reserve stock@orders']);
  });

  it('swap bindings without one leaking into the other', () => {
    const compiled = template('service = "${var:svc}"');
    const orders = compiled.bind(new Map([['svc', 'orders']]));
    const payments = compiled.bind(new Map([['svc', 'payments']]));
    if (!orders.ok || !payments.ok) throw new Error('bind failed');
    // Interleaved, as trace-by-trace judging interleaves them.
    expect(orders.value.select(checkout).length).toBe(5);
    expect(payments.value.select(checkout).length).toBe(1);
    const inventory = checkout.spans.find((span) => span.name === 'charge');
    if (inventory === undefined) throw new Error('no charge span');
    expect(orders.value.has(checkout, inventory)).toBe(false);
    expect(payments.value.has(checkout, inventory)).toBe(true);
    expect(orders.value.source).toBe('service = "orders"');
  });

  it('agree with substitution in generated code too, bindings alternating', () => {
    // Enough spans for the template's filter to switch from closures to generated code (after 512 judged).
    // Conditions that read the binding's value (`=`, `!=`), ones compiled per binding (`in`, `<`), and both mixed.
    const sources = [
      'service = "${var:svc}" && kind = server',
      'service != "${var:svc}"',
      'service in ["${var:svc}", "payments"]',
      '!(name = "${var:name}")',
      'name = "${var:svc}-${var:name}" || service = "${var:svc}"',
      'name in ["${var:name}"] || (service = "${var:svc}" && name < "${var:name}")',
    ];
    const bindings = [{ svc: 'orders', name: 'charge' }, { svc: 'payments', name: 'reserve stock' }, { svc: 'nowhere', name: 'nothing' }, { svc: 'a "quoted" \\ svc', name: '"' }];
    for (const source of sources) {
      const compiled = template(source);
      const expected = bindings.map((vars) => substitutedNames(source, vars));
      expect(new Set(expected.map((names) => names.join())).size, source).toBeGreaterThan(1);
      for (let round = 0; round < 700; round++) {
        const k = round % bindings.length;
        const bound = compiled.bind(new Map(Object.entries(bindings[k] as Record<string, string>)));
        if (!bound.ok) throw new Error(bound.error);
        const names = bound.value.select(checkout).map((span) => `${span.name}@${String(span.resource.attributes['service.name'])}`);
        if (names.join() !== (expected[k] as string[]).join()) expect(names, `${source} round ${round}`).toEqual(expected[k]);
      }
    }
  });

  it('reports a missing value, and explains a miss with the bound value', () => {
    const compiled = template('service = "inventory" && span.order.id = "${var:orderId}"');
    const missing = compiled.bind(new Map());
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error).toContain('unknown variable: orderId');
    const bound = compiled.bind(new Map([['orderId', 'o-99']]));
    if (!bound.ok) throw new Error(bound.error);
    expect(bound.value.select(checkout)).toEqual([]);
    const misses = bound.value.explain(checkout.spans, checkout, 3);
    expect(misses[0]?.missedClauses).toEqual(['span.order.id = "o-99"']);
  });

  it('are not made of structural selectors or of references outside strings', () => {
    expect(SelectorTemplate.of('{ service = "${var:svc}" } > { kind = client }', {}, ALL_ACCELERATORS)).toBeUndefined();
    expect(SelectorTemplate.of('span.n = ${var:n}', {}, ALL_ACCELERATORS)).toBeUndefined();
    expect(SelectorTemplate.of('service = "orders"', {}, ALL_ACCELERATORS)).toBeUndefined();
    // Strings the parser checks (a regex, an id) can only be checked with their value in: those are substituted.
    expect(SelectorTemplate.of('name =~ "^${var:verb} "', {}, ALL_ACCELERATORS)).toBeUndefined();
    expect(SelectorTemplate.of('spanId = "${var:id}"', {}, ALL_ACCELERATORS)).toBeUndefined();
  });

  it('leave regexes and ids to substitution, which still judges them', () => {
    const charge = checkout.spans.find((span) => span.name === 'charge');
    if (charge === undefined) throw new Error('no charge span');
    const result = evaluateSpecsNow(
      [{ name: 'ids', traces: { root: 'name = "POST /checkout"' }, expect: [
        { spans: 'name = "charge"', capture: { id: 'spanId', verb: 'name' } },
        { spans: 'spanId = "${var:id}"', count: 1 },
        { spans: 'name =~ "^${var:verb}$"', count: 1 },
      ] }],
      traces,
      { env: {} },
    );
    expect(result.specs[0]?.expectations.map((e) => e.passed)).toEqual([true, true, true, true]);
  });
});

describe('specs judged together, trace by trace', () => {
  it('judge each spec over its own traces, with its own captures', () => {
    const result = evaluateSpecsNow(
      [
        {
          name: 'checkout',
          traces: { root: 'name = "POST /checkout"' },
          expect: [
            { spans: 'service = "orders" && kind = server', capture: { orderId: 'order.id' } },
            { spans: 'span.order.id = "${var:orderId}"', count: 1 },
          ],
        },
        // Every trace, the worker's too: its own capture, none of the first spec's.
        { name: 'any trace', expect: [{ spans: 'kind = consumer', count: 1 }], traces: { count: 2 } },
        { name: 'worker', traces: { root: 'kind = consumer' }, expect: [{ spans: 'span.order.id = "${var:orderId}"' }] },
      ],
      traces,
      { env: {} },
    );
    const [first, all, worker] = result.specs;
    expect(first?.matchedTraceCount).toBe(1);
    expect(first?.expectations.map((e) => e.passed)).toEqual([true, true, true]);
    expect(all?.matchedTraceCount).toBe(2);
    // Per trace: the checkout trace has no consumer span, so the expectation fails there and names it.
    expect(all?.expectations[1]?.passed).toBe(false);
    expect(all?.expectations[1]?.message).toContain('failed in 1 of 2 traces');
    expect(worker?.matchedTraceCount).toBe(1);
    expect(worker?.expectations[1]?.passed).toBe(false);
    expect(worker?.expectations[1]?.message).toContain('unknown variable: orderId');
  });
});

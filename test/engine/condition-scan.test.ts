import { ALL_ACCELERATORS } from '../../src/engine/selectors/accelerators.ts';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileConditionScan } from '../../src/engine/expectations/condition-scan.ts';
import { compileAttributeConditions, compileDurationCondition, compileEventCondition, compileStatusCondition, type SpanCondition } from '../../src/engine/expectations/span-conditions.ts';
import type { JudgeContext } from '../../src/engine/judge.ts';
import { SelectorCache } from '../../src/engine/selector-cache.ts';
import type { Span } from '../../src/model/span.ts';
import type { Trace } from '../../src/model/trace.ts';
import type { Result } from '../../src/result.ts';
import { assemble } from './checkout-trace.ts';
import { makeTrace } from '../support/sdk-traces.ts';

function value<T>(result: Result<T, string>): T {
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

let spans: Span[];
let trace: Trace;
const context: JudgeContext = { traceById: new Map(), selectors: new SelectorCache() };

beforeAll(async () => {
  spans = await makeTrace(
    [
      { ref: 'a', name: 'GET /a', kind: 'server', attributes: { code: 200, method: 'GET', flag: true, tags: ['x', 'y'], constructor: 'own' } },
      { ref: 'b', parent: 'a', name: 'work', attributes: { code: 503, method: 'PUT', ratio: 2 }, events: [{ name: 'exception', attributes: { 'exception.type': 'E' } }] },
      { parent: 'b', name: 'GET /c', kind: 'client', service: 'other', attributes: { code: '200' }, status: { code: 'error', message: 'boom' } },
    ],
    { resourceAttributes: { 'deployment.environment': 'test' } },
  );
  trace = assemble(spans)[0] as Trace;
  // A map built by hand in code has Object.prototype: its inherited members (functions) are no attributes.
  const first = spans[0] as Span;
  spans.push({ ...first, spanId: 'ffffffffffffffff', attributes: { code: 200, method: 'GET' } });
});

/** Condition sets covering inline attribute reads of each scope, absent keys, prototype names, and non-attribute conditions. */
function conditionSets(): SpanCondition[][] {
  return [
    value(compileAttributeConditions({ code: 200 })),
    value(compileAttributeConditions({ code: { in: [200, 503] }, method: { matches: '^(GET|PUT)$' } })),
    value(compileAttributeConditions({ 'span.flag': { type: 'bool' } })),
    value(compileAttributeConditions({ 'resource.deployment.environment': 'test', 'resource.service.name': { notEquals: 'other' } })),
    value(compileAttributeConditions({ constructor: 'own' })),
    value(compileAttributeConditions({ toString: { exists: false }, tags: { contains: 'x' } })),
    value(compileAttributeConditions({ 'scope.none': { exists: false }, ratio: { gte: 1 } })),
    [value(compileStatusCondition({ not: 'error' })), ...value(compileAttributeConditions({ code: { exists: true } }))],
    [value(compileDurationCondition('10m')), value(compileEventCondition({ name: 'exception', absent: true }))],
  ];
}

describe('condition scans', () => {
  it('generated code finds the same first failing condition and span as the checks, before and after it switches', () => {
    for (const conditions of conditionSets()) {
      const expected = spans.map((span) => conditions.findIndex((c) => c.check(span, trace, context) !== undefined));
      const label = conditions.map((c) => c.description).join(', ');
      // Switch after one pass: the first runs the checks in a loop, the second the generated function.
      const scan = compileConditionScan(conditions, ALL_ACCELERATORS, spans.length);
      for (let pass = 0; pass < 2; pass++) expect(spans.map((span) => scan.failing(span, trace, context)), `${label} (pass ${pass})`).toEqual(expected);
      // The loop form: from each position, the next failing span.
      const next = (from: number): number => expected.findIndex((k, i) => i >= from && k >= 0);
      const looped = compileConditionScan(conditions, ALL_ACCELERATORS, spans.length + 1);
      for (let pass = 0; pass < 2; pass++) {
        expect(spans.map((_, from) => looped.firstFailingSpan(spans, from, trace, context)), `${label} loop (pass ${pass})`).toEqual(spans.map((_, from) => next(from)));
      }
    }
  });

  it('remembers resource verdicts per resource object, right across more resources than it keeps', () => {
    // Twelve spans, each with a resource of its own (as twelve exports would give), visited in shifting orders.
    const first = spans[0] as Span;
    const many = Array.from({ length: 12 }, (_, i): Span => ({
      ...first,
      spanId: (0x100 + i).toString(16).padStart(16, '0'),
      resource: { ...first.resource, attributes: { ...first.resource.attributes, 'service.name': `s${i}` } },
    }));
    const conditions = value(compileAttributeConditions({ 'resource.service.name': { matches: '^s([0-4]|1[01])$' } }));
    const scan = compileConditionScan(conditions, ALL_ACCELERATORS, 1);
    for (const order of [many, [...many].reverse(), many.filter((_, i) => i % 3 === 0), many, [...many, ...many]]) {
      const expected = order.map((span) => (conditions[0]?.check(span, trace, context) === undefined ? -1 : 0));
      expect(expected).toContain(-1);
      expect(expected).toContain(0);
      expect(order.map((span) => scan.failing(span, trace, context))).toEqual(expected);
      expect(order.map((_, from) => scan.firstFailingSpan(order, from, trace, context))).toEqual(order.map((_, from) => expected.findIndex((k, i) => i >= from && k >= 0)));
    }
  });

  it('the condition sets above pass some span and fail another, so the agreement means something', () => {
    const trivial = conditionSets().filter((conditions) => {
      const failing = spans.filter((span) => conditions.some((c) => c.check(span, trace, context) !== undefined)).length;
      return failing === 0 || failing === spans.length;
    });
    expect(trivial.map((set) => set.map((c) => c.description).join(', '))).toEqual([]);
  });
});

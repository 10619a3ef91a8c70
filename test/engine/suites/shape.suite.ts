import { beforeAll, describe, expect, it } from 'vitest';
import type { ExpectationResult, ShapeDifference } from '../../../src/engine/index.ts';
import { recordShapes } from '../../../src/engine/index.ts';
import type { ShapeExpectation, ShapeNode } from '../../../src/language/types.ts';
import type { Trace } from '../../../src/model/trace.ts';
import { assemble, checkoutSpecs, checkoutTraces } from '../checkout-trace.ts';
import { BASE_TIME_MILLIS, makeTrace, type SdkSpanSpec } from '../../support/sdk-traces.ts';
import type { Implementation } from './implementations.ts';

const at = (offsetMillis: number): number => BASE_TIME_MILLIS + offsetMillis;

/** The checkout of checkout-trace.ts as a shape, children in causal order. */
function checkoutShape(): ShapeNode {
  return {
    service: 'frontend', name: 'POST /checkout', kind: 'server', status: 'unset',
    attributes: { 'http.request.method': 'POST', 'http.route': '/checkout', 'http.response.status_code': 200 },
    children: [{
      service: 'frontend', name: 'POST /orders', kind: 'client', status: 'unset',
      children: [{
        service: 'orders', name: 'POST /orders', kind: 'server', status: 'unset', attributes: { 'http.response.status_code': 201 },
        children: [
          { service: 'orders', name: 'GET /inventory/:sku', kind: 'client', status: 'unset', children: [{ service: 'inventory', name: 'GET /inventory/:sku', kind: 'server', status: 'unset' }] },
          { service: 'orders', name: 'reserve stock', kind: 'internal', status: 'unset' },
          { service: 'orders', name: 'POST /charge', kind: 'client', status: 'unset', children: [{ service: 'payments', name: 'charge', kind: 'server', status: 'error' }] },
          { service: 'orders', name: 'publish order', kind: 'producer', status: 'unset' },
        ],
      }],
    }],
  };
}

/** The shape tests, run against one implementation. */
export function runShapeSuite(impl: Implementation): void {
  describe('shape', () => {
    let traces: readonly Trace[];
    beforeAll(async () => {
      ({ traces } = await checkoutTraces());
    });

    function judge(expectation: ShapeExpectation, over: readonly Trace[] = traces): ExpectationResult {
      const result = impl.evaluateNow([{ name: 'checkout', traces: { root: 'name = "POST /checkout"' }, expect: [expectation] }], over);
      return result.specs[0]?.expectations[1] as ExpectationResult;
    }

    function differences(expectation: ShapeExpectation, over?: readonly Trace[]): readonly ShapeDifference[] {
      const r = judge(expectation, over);
      return r.shapeDiff?.differences ?? [];
    }

    async function variant(change: (specs: SdkSpanSpec[]) => SdkSpanSpec[]): Promise<readonly Trace[]> {
      return (await checkoutTraces(change(checkoutSpecs()))).traces;
    }

    it('passes in each mode on the trace it describes', () => {
      for (const mode of ['exact', 'any-order', 'subset'] as const) expect(judge({ shape: checkoutShape(), mode }).passed, mode).toBe(true);
    });

    it('fails exact mode when siblings are listed against their causal order, naming both orders', () => {
      const shape = checkoutShape();
      const orders = shape.children?.[0]?.children?.[0] as ShapeNode;
      const [inventory, reserve, charge, publish] = orders.children as ShapeNode[];
      const swapped = { ...shape, children: [{ ...shape.children?.[0], name: 'POST /orders', children: [{ ...orders, children: [reserve, inventory, charge, publish] as ShapeNode[] }] }] };
      const r = judge({ shape: swapped });
      expect(r.passed).toBe(false);
      expect(r.shapeDiff?.differences).toEqual([expect.objectContaining({
        change: 'order',
        node: 'orders: POST /orders (server)',
        expectedOrder: ['orders: reserve stock (internal)', 'orders: GET /inventory/:sku (client)', 'orders: POST /charge (client)', 'orders: publish order (producer)'],
        actualOrder: ['orders: GET /inventory/:sku (client)', 'orders: reserve stock (internal)', 'orders: POST /charge (client)', 'orders: publish order (producer)'],
      })]);
      expect(judge({ shape: swapped, mode: 'any-order' }).passed).toBe(true);
    });

    it('lets concurrent siblings (overlapping in time) be listed in either order in exact mode', () => {
      const shape = checkoutShape();
      const orders = shape.children?.[0]?.children?.[0] as ShapeNode;
      const [inventory, reserve, charge, publish] = orders.children as ShapeNode[];
      // POST /charge (481-494ms) and publish order (485-486ms) overlap: one causal step.
      const concurrent = { ...shape, children: [{ ...shape.children?.[0], name: 'POST /orders', children: [{ ...orders, children: [inventory, reserve, publish, charge] as ShapeNode[] }] }] };
      expect(judge({ shape: concurrent }).passed).toBe(true);
    });

    it('names a renamed span as changed, with both names', async () => {
      const renamed = await variant((specs) => specs.map((s) => (s.ref === 'reserve' ? { ...s, name: 'reserve-stock' } : s)));
      expect(differences({ shape: checkoutShape() }, renamed)).toEqual([{
        change: 'changed',
        path: ['frontend: POST /checkout (server)', 'frontend: POST /orders (client)', 'orders: POST /orders (server)'],
        node: 'orders: reserve stock (internal)',
        spanCount: 1,
        fields: [{ field: 'name', expected: 'reserve stock', actual: 'reserve-stock' }],
        spanIds: [expect.any(String)],
      }]);
    });

    it('names a changed status and a changed attribute, and nothing else', async () => {
      const changed = await variant((specs) => specs.map((s) => {
        if (s.ref === 'inventory') return { ...s, status: { code: 'error', message: 'out of stock' } };
        if (s.ref === 'orders') return { ...s, attributes: { ...s.attributes, 'http.response.status_code': 500 } };
        return s;
      }));
      const found = differences({ shape: checkoutShape() }, changed);
      expect(found.map((d) => [d.change, d.node, d.fields])).toEqual([
        ['changed', 'orders: POST /orders (server)', [{ field: 'attributes.http.response.status_code', expected: 201, actual: 500 }]],
        ['changed', 'inventory: GET /inventory/:sku (server)', [{ field: 'status', expected: 'unset', actual: 'error' }]],
      ]);
    });

    it('reports a dropped call once, at the top of what is missing, and an extra span as extra', async () => {
      const dropped = await variant((specs) => specs.filter((s) => s.ref !== 'pay-client' && s.ref !== 'payments'));
      expect(differences({ shape: checkoutShape() }, dropped).map((d) => [d.change, d.node, d.spanCount])).toEqual([['missing', 'orders: POST /charge (client)', 2]]);
      const extra = await variant((specs) => [...specs, { parent: 'orders', name: 'audit', kind: 'internal', service: 'orders', start: at(496 - 10), end: at(494) }]);
      expect(differences({ shape: checkoutShape() }, extra).map((d) => [d.change, d.node])).toEqual([['extra', 'orders: audit (internal)']]);
      expect(judge({ shape: checkoutShape(), mode: 'subset' }, extra).passed).toBe(true);
    });

    it('in subset mode needs only the spans listed, and still names a missing one', async () => {
      const partial: ShapeNode = { service: 'frontend', name: 'POST /checkout', children: [{ name: 'POST /orders', kind: 'client' }] };
      expect(judge({ shape: partial, mode: 'subset' }).passed).toBe(true);
      expect(judge({ shape: partial }).passed).toBe(false);
      const deep: ShapeNode = { name: 'POST /checkout', children: [{ name: 'POST /orders', children: [{ name: 'POST /orders', kind: 'server', children: [{ name: 'refund', service: 'payments' }] }] }] };
      expect(differences({ shape: deep, mode: 'subset' }).map((d) => [d.change, d.node])).toEqual([['missing', 'payments: refund (*)']]);
    });

    it('counts identical siblings, and names a different count', async () => {
      const batch = (n: number): SdkSpanSpec[] => [
        { ref: 'root', name: 'GET /batch', kind: 'server', service: 'api', start: at(0), end: at(100) },
        ...Array.from({ length: n }, (_, i): SdkSpanSpec => ({ parent: 'root', name: 'SELECT', kind: 'client', service: 'api', start: at(10 + i * 10), end: at(15 + i * 10), attributes: { 'db.system': 'postgresql', 'db.query.text': `select ${i}` } })),
      ];
      const shape: ShapeNode = { service: 'api', name: 'GET /batch', kind: 'server', status: 'unset', children: [{ service: 'api', name: 'SELECT', kind: 'client', status: 'unset', attributes: { 'db.system': 'postgresql' }, count: 3 }] };
      const judgeBatch = async (n: number): Promise<ExpectationResult> => {
        const over = assemble(await makeTrace(batch(n)));
        return impl.evaluateNow([{ name: 'batch', expect: [{ shape }] }], over).specs[0]?.expectations[1] as ExpectationResult;
      };
      expect((await judgeBatch(3)).passed).toBe(true);
      expect((await judgeBatch(4)).shapeDiff?.differences.map((d) => [d.change, d.fields])).toEqual([['changed', [{ field: 'count', expected: 3, actual: 4 }]]]);
    });

    it('records a trace as a shape that its trace passes, whatever order the spans arrived in', async () => {
      const spans = await makeTrace(checkoutSpecs());
      const forward = assemble(spans, 'forward');
      const backward = assemble([...spans].reverse(), 'backward');
      const recorded = recordShapes(forward);
      expect(recordShapes(backward).shapes).toEqual(recorded.shapes);
      expect(recorded.shapes.map((s) => s.definition.name)).toEqual(['shape of frontend: POST /checkout (server)', 'shape of worker: process order (consumer)']);
      expect(recorded.shapes[0]?.definition.expect?.[0]).toEqual({ name: 'the trace has the recorded shape', shape: checkoutShape() });
      const result = impl.evaluateNow(recorded.shapes.map((s) => s.definition), backward);
      expect(result.passed, JSON.stringify(result.specs.map((s) => s.expectations.map((e) => e.message)))).toBe(true);
    });

    it('records concurrent siblings the same way whichever started first', async () => {
      const fanOut = (first: number, second: number): SdkSpanSpec[] => [
        { ref: 'root', name: 'GET /page', kind: 'server', service: 'web', start: at(0), end: at(100) },
        { parent: 'root', name: 'GET /b', kind: 'client', service: 'web', start: at(first), end: at(60) },
        { parent: 'root', name: 'GET /a', kind: 'client', service: 'web', start: at(second), end: at(70) },
      ];
      const one = recordShapes(assemble(await makeTrace(fanOut(10, 11)), 'one'));
      const other = recordShapes(assemble(await makeTrace(fanOut(11, 10)), 'other'));
      expect(other.shapes.map((s) => s.definition)).toEqual(one.shapes.map((s) => s.definition));
      const result = impl.evaluateNow(one.shapes.map((s) => s.definition), assemble(await makeTrace(fanOut(12, 10)), 'third'));
      expect(result.passed).toBe(true);
    });

    it('records shapes that differ only in how many identical siblings they had as one shape with a count range', async () => {
      const order = (items: number): SdkSpanSpec[] => [
        { ref: 'root', name: 'POST /orders', kind: 'server', service: 'orders', start: at(0), end: at(100) },
        ...Array.from({ length: items }, (_, i): SdkSpanSpec => ({ parent: 'root', name: 'GET', kind: 'client', service: 'orders', start: at(10 + i * 20), end: at(20 + i * 20) })),
      ];
      const over = [...assemble(await makeTrace(order(1)), 'run'), ...assemble(await makeTrace(order(2)), 'run')];
      const recording = recordShapes(over);
      expect(recording.shapes).toHaveLength(1);
      expect(recording.shapes[0]?.traceCount).toBe(2);
      expect(recording.shapes[0]?.definition.expect?.[0]).toMatchObject({ shape: { children: [{ name: 'GET', count: { min: 1, max: 2 } }] } });
      expect(impl.evaluateNow(recording.shapes.map((s) => s.definition), over).passed).toBe(true);
      const three = assemble(await makeTrace(order(3)), 'three');
      const r = impl.evaluateNow(recording.shapes.map((s) => s.definition), three).specs[0]?.expectations[1];
      expect(r?.shapeDiff?.differences.map((d) => d.fields)).toEqual([[{ field: 'count', expected: '1..2', actual: 3 }]]);
    });

    it('tells apart shapes that share a root by a span only one of them has', async () => {
      const request = (withCache: boolean): SdkSpanSpec[] => [
        { ref: 'root', name: 'GET /item', kind: 'server', service: 'api', start: at(0), end: at(100) },
        withCache
          ? { parent: 'root', name: 'cache get', kind: 'client', service: 'api', start: at(10), end: at(20) }
          : { parent: 'root', name: 'SELECT', kind: 'client', service: 'api', start: at(10), end: at(50) },
      ];
      const over = [...assemble(await makeTrace(request(true)), 'run'), ...assemble(await makeTrace(request(false)), 'run')];
      const recording = recordShapes(over);
      expect(recording.shapes.map((s) => s.definition.traces?.where)).toEqual(['service = "api" && name = "SELECT" && kind = client && status = unset', 'service = "api" && name = "cache get" && kind = client && status = unset']);
      expect(impl.evaluateNow(recording.shapes.map((s) => s.definition), over).passed).toBe(true);
    });
  });
}

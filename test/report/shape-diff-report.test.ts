import { describe, expect, it } from 'vitest';
import { evaluateSpecsNow } from '../../src/engine/index.ts';
import { createReporter, toJsonReport } from '../../src/report/index.ts';
import { checkoutSpecs, checkoutTraces } from '../engine/checkout-trace.ts';

/** The checkout with its reserve step renamed, its payment call dropped and the inventory failing. */
async function brokenCheckout(): Promise<ReturnType<typeof evaluateSpecsNow>> {
  const specs = checkoutSpecs()
    .filter((s) => s.ref !== 'pay-client' && s.ref !== 'payments')
    .map((s) => (s.ref === 'reserve' ? { ...s, name: 'reserve-stock' } : s.ref === 'inventory' ? { ...s, status: { code: 'error' as const } } : s));
  const { traces } = await checkoutTraces(specs);
  return evaluateSpecsNow([{
    name: 'checkout shape',
    traces: { root: 'name = "POST /checkout"' },
    expect: [{
      shape: {
        service: 'frontend', name: 'POST /checkout', kind: 'server',
        children: [{ service: 'frontend', name: 'POST /orders', kind: 'client', children: [{ service: 'orders', name: 'POST /orders', kind: 'server', children: [
          { service: 'orders', name: 'GET /inventory/:sku', kind: 'client', children: [{ service: 'inventory', name: 'GET /inventory/:sku', kind: 'server', status: 'unset' }] },
          { service: 'orders', name: 'reserve stock', kind: 'internal' },
          { service: 'orders', name: 'POST /charge', kind: 'client', children: [{ service: 'payments', name: 'charge', kind: 'server' }] },
          { service: 'orders', name: 'publish order', kind: 'producer' },
        ] }] }],
      },
    }],
  }], traces);
}

describe('a failed shape in the reports', () => {
  it('is drawn as a tree diff in pretty: the path once, then each difference under it', async () => {
    const text = createReporter('pretty', { color: false }).render(await brokenCheckout());
    expect(text).toContain([
      '          frontend: POST /checkout (server)',
      '            frontend: POST /orders (client)',
      '              orders: POST /orders (server)',
      '                orders: GET /inventory/:sku (client)',
      '                  ~ changed  inventory: GET /inventory/:sku (server)  status "unset" → "error"',
      '                ~ changed  orders: reserve stock (internal)  name "reserve stock" → "reserve-stock"',
      '                - missing  orders: POST /charge (client) (2 spans)',
    ].join('\n'));
    expect(text).toContain('the shape differs (2 changed, 1 missing):');
  });

  it('is coloured in pretty when colour is on: missing red, changed yellow', async () => {
    const text = createReporter('pretty', { color: true }).render(await brokenCheckout());
    expect(text).toContain('\u001b[31m- missing  orders: POST /charge (client)\u001b[39m');
    expect(text).toContain('\u001b[33m~ changed  orders: reserve stock (internal)\u001b[39m');
  });

  it('is structured in the JSON report', async () => {
    const report = toJsonReport(await brokenCheckout());
    const diff = report.specs[0]?.expectations[1]?.shapeDiff;
    expect(diff?.mode).toBe('exact');
    expect(diff?.differences.map((d) => ({ change: d.change, node: d.node, fields: d.fields }))).toEqual([
      { change: 'changed', node: 'inventory: GET /inventory/:sku (server)', fields: [{ field: 'status', expected: 'unset', actual: 'error' }] },
      { change: 'changed', node: 'orders: reserve stock (internal)', fields: [{ field: 'name', expected: 'reserve stock', actual: 'reserve-stock' }] },
      { change: 'missing', node: 'orders: POST /charge (client)', fields: undefined },
    ]);
    expect(report.specs[0]?.expectations[0]?.shapeDiff).toBeNull();
  });
});

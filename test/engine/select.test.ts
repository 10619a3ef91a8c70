import { beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../../src/model/trace.ts';
import { compileSelector, explainMiss } from '../../src/engine/select.ts';
import { compileSpanFilter } from '../../src/engine/selectors/generated.ts';
import { isOnlyPartitionKey, partitionKeysOf } from '../../src/engine/span-partitions.ts';
import type { SelectorAst } from '../../src/language/selector-ast.ts';
import { BASE_TIME_MILLIS } from '../support/sdk-traces.ts';
import { assemble, parse, selectorCheckoutTrace } from './selector-checkout-trace.ts';

let trace: Trace;

beforeAll(async () => {
  trace = await selectorCheckoutTrace();
});


describe('selectors that look at one group of spans', () => {
  /**
   * The checkout trace with a second root (an internal span cut loose), an orphan (a parent never received), a
   * span whose `service.name` is not a string, and one of a kind number no keyword names.
   */
  function irregularTrace(): Trace {
    const internal = trace.spans.find((span) => span.kind === 1);
    const client = trace.spans.find((span) => span.kind === 3 && span.parentSpanId !== undefined);
    const producer = trace.spans.find((span) => span.kind === 4);
    const inventory = trace.spans.find((span) => span.resource.attributes['service.name'] === 'inventory');
    if (internal === undefined || client === undefined || producer === undefined || inventory === undefined) throw new Error('checkout trace lacks a span this test changes');
    const numbered = { ...inventory.resource, attributes: { ...inventory.resource.attributes, 'service.name': 7n } };
    return assemble(
      trace.spans.map((span) => {
        if (span === internal) return { ...span, parentSpanId: undefined };
        if (span === client) return { ...span, parentSpanId: 'ffffffffffffffff' };
        if (span === producer) return { ...span, kind: 40 };
        if (span === inventory) return { ...span, resource: numbered };
        return span;
      }),
    );
  }

  it('pick what a scan of every span picks', () => {
    const loose = irregularTrace();
    expect(loose.roots.length).toBe(2);
    expect(loose.orphans.length).toBe(1);
    const sources = [
      'root', 'root = true', 'root && kind = server', 'kind = internal && root', '(root && name =~ "o")', 'root && kind = client', 'root || kind = client', '!root', 'root = false',
      'service = "orders"', 'service = "inventory"', 'service = "nowhere"', 'resource.service.name = "orders"', 'service = "orders" && kind = client',
      'kind = client && service = "frontend" && name = "POST /orders"', 'name = "POST /orders"', 'name = "POST /orders" && kind = server', 'name = "nothing"',
      'kind = server', 'kind = producer', 'kind = consumer', 'status = error', 'status = unset && kind = server', 'status = ok && root',
      'service != "orders"', 'kind != server', '!(kind = server)', 'kind = server || service = "orders"', '(service = "orders" || name = "GET /checkout") && kind = server',
      'span.order.items = 3 && service = "orders"', 'kind in [server, client]', '.service.name = "orders"',
      'service != "orders"', 'service != "orders" && kind = server', 'resource.deployment.environment = "test"', 'resource.deployment.environment = "nowhere"',
      'service in ["orders", "inventory"]', 'exists(resource.service.name) && kind = client', 'resource.service.name = nil', 'resource.host.cores > 4 && service =~ "^(fr|or)"',
    ];
    for (const source of sources) {
      const ast = parse(source);
      const predicate = compileSpanFilter(ast).matches;
      for (const inTrace of [trace, loose]) {
        expect(compileSelector(ast).select(inTrace), source).toEqual(inTrace.spans.filter((span) => predicate(span)));
      }
    }
    // The groups matter: these pick some spans but not all, and the irregular spans land in none of them.
    expect(compileSelector(parse('root')).select(loose).length).toBe(2);
    expect(compileSelector(parse('service = "orders"')).select(loose).length).toBe(4);
    expect(compileSelector(parse('service = "inventory"')).select(loose)).toEqual([]);
    expect(compileSelector(parse('kind = producer')).select(loose)).toEqual([]);
    // Resource conditions: all resources, some (in trace order across them), none, and the numbered service.
    expect(compileSelector(parse('resource.deployment.environment = "test"')).select(loose)).toBe(loose.spans);
    expect(compileSelector(parse('service in ["orders", "frontend"]')).select(loose).map((span) => span.name)).toEqual(loose.spans.filter((span) => span.resource.attributes['service.name'] !== 7n).map((span) => span.name));
    expect(compileSelector(parse('resource.service.name = nil')).select(loose)).toEqual([]);
    expect(compileSelector(parse('exists(resource.service.name) && kind = server')).select(loose).length).toBe(3);
  });

  it('take the groups from the top-level `&&` only, and not from a template\'s changing values', () => {
    const keys = (source: string, except?: ReadonlySet<SelectorAst>): string[] => partitionKeysOf(parse(source), { ...(except === undefined ? {} : { except }) }).map((key) => ('value' in key ? `${key.by}=${String(key.value)}` : key.by));
    expect(keys('service = "a" && (kind = server && name = "n") && status = error && root')).toEqual(['root', 'kind=2', 'status=2', 'service=a', 'name=n']);
    expect(keys('resource.service.name = "a" && span.service.name = "b"')).toEqual(['service=a']);
    expect(keys('root = true && root = false')).toEqual(['root']);
    // Other conditions on the resource alone make one key, judged per resource object.
    expect(keys('service != "a" && kind = server && resource.x =~ "b" && exists(resource.y) && span.z = 1')).toEqual(['kind=2', 'resource']);
    expect(keys('resource.service.name in ["a", "b"]')).toEqual(['resource']);
    for (const none of ['kind = server || kind = client', '!(kind = server)', 'kind in [server]', 'span.x = 1', '{ kind = server } > { kind = client }', 'duration > 1ms', '.service.name = "a"', 'service = "a" || resource.x = "b"', '!(service = "a")']) {
      expect(keys(none), none).toEqual([]);
    }
    expect(keys('span.order.id = "${var:id}" && service = "a"')).toEqual(['service=a']);
    // A selector that is only its key selects the group as it is.
    for (const only of ['root', '(kind = client)', 'service = "a"', 'resource.service.name = "a"', 'name = "n"', 'status = error', 'root = true', 'service != "a"', 'resource.x = "y" && resource.z != "w"']) {
      expect(isOnlyPartitionKey(parse(only)), only).toBe(true);
    }
    for (const more of ['root && kind = client', 'kind = client && kind = client', 'service = "a" && resource.x = "y"', 'span.x = 1', 'kind = server || root', 'resource.x = "y" && span.z = 1']) {
      expect(isOnlyPartitionKey(parse(more)), more).toBe(false);
    }
    const templated = parse('service = "${var:svc}" && kind = server');
    if (templated.type !== 'and') throw new Error('expected an and');
    expect(partitionKeysOf(templated, { except: new Set([templated.operands[0] as SelectorAst]) }).map((key) => key.by)).toEqual(['kind']);
  });
});


describe('explainMiss', () => {
  it('names the closest spans and the clauses they missed', () => {
    const ast = parse('service = "orders" && name = "POST /orders" && kind = client && span.order.items = 3');
    expect(compileSelector(ast).select(trace)).toEqual([]);
    const misses = explainMiss(ast, trace.spans, trace);
    expect(misses[0]?.span.service).toBe('orders');
    expect(misses[0]?.span.name).toBe('POST /orders');
    expect(misses[0]?.missedClauses).toEqual(['kind = client']);
    // The frontend's client span of the same name misses two clauses, so it ranks after the orders server span.
    expect(misses[1]?.missedClauses).toEqual(['service = "orders"', 'span.order.items = 3']);
    expect(misses).toHaveLength(3);
  });

  it('reports a failed relation as its own clause', () => {
    const ast = parse('{ kind = producer } > { service = "inventory" && status = error }');
    const [closest] = explainMiss(ast, trace.spans, trace, 1);
    expect(closest?.span.name).toBe('GET /inventory/:sku');
    expect(closest?.missedClauses).toEqual(['parent matches { kind = producer }']);
    const negated = explainMiss(parse('{ kind = client } !> { status = error && service = "inventory" }'), trace.spans, trace, 1);
    expect(negated[0]?.span.name).toBe('GET /inventory/:sku');
    expect(negated[0]?.missedClauses).toEqual(['no parent matches { kind = client }']);
  });

  it('reports the closest branch of an alternative', () => {
    const ast = parse('(kind = consumer && service = "orders") || (kind = server && service = "billing" && status = error)');
    const [closest] = explainMiss(ast, trace.spans, trace, 1);
    expect(closest?.missedClauses).toEqual(['kind = consumer']);
    expect(closest?.span.service).toBe('orders');
  });

  it('respects the limit and never lists a matching span', () => {
    const ast = parse('kind = server');
    expect(explainMiss(ast, trace.spans, trace, 10).map((miss) => miss.span.kind)).not.toContain('server');
    expect(explainMiss(ast, trace.spans, trace, 2)).toHaveLength(2);
    expect(explainMiss(ast, trace.spans, trace, 0)).toEqual([]);
  });

  it('summarises spans as plain data', () => {
    const [miss] = explainMiss(parse('service = "inventory" && name = "GET /inventory/:sku" && status = ok'), trace.spans, trace, 1);
    expect(miss?.span).toMatchObject({ kind: 'server', status: 'error', statusMessage: 'out of stock', durationMillis: 100 });
    expect(miss?.span.attributes['http.response.status_code']).toBe(503);
    expect(BigInt(miss?.span.startTimeUnixNano ?? '0')).toBeGreaterThanOrEqual(BigInt(BASE_TIME_MILLIS) * 1_000_000n);
  });
});

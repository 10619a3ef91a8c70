import { beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/span.ts';
import type { Trace } from '../../src/model/trace.ts';
import { compileSelector, explainMiss } from '../../src/engine/select.ts';
import { compileSpanFilter } from '../../src/engine/selectors/generated.ts';
import { isOnlyPartitionKey, partitionKeysOf } from '../../src/engine/span-partitions.ts';
import { parseSelector } from '../../src/language/selector-parser.ts';
import type { SelectorAst } from '../../src/language/selector-ast.ts';
import { TraceAssembly } from '../../src/store/index.ts';
import { emptyAttributes } from '../../src/model/attribute-value.ts';
import { modelSpan, resourceOf, spanId, traceId } from '../store/model-spans.ts';
import { BASE_TIME_MILLIS, makeTrace } from '../support/sdk-traces.ts';
import { seededRandom } from '../support/seeded-random.ts';

/** Assembles model spans into a `Trace` with the store's own assembly, as the engine receives them. */
function assemble(spans: readonly Span[]): Trace {
  const first = spans[0];
  if (first === undefined) throw new Error('assemble: no spans');
  const assembly = new TraceAssembly(first.traceId);
  for (const span of spans) assembly.add(span);
  return assembly.build();
}

function parse(source: string): SelectorAst {
  const parsed = parseSelector(source);
  if (!parsed.ok) throw new Error(`${source}: ${parsed.error.message} at ${parsed.error.offset}`);
  return parsed.value;
}

let trace: Trace;

/** Names of the spans `source` selects in the checkout trace, in trace order. */
function names(source: string, inTrace: Trace = trace): string[] {
  return compileSelector(parse(source))
    .select(inTrace)
    .map((span) => span.name);
}

/*
 * The checkout trace, recorded by the real SDK across three services, serialised by the real OTLP protobuf
 * serializer and decoded by our decoder:
 *
 *   frontend  GET /checkout (server, root, 200)
 *   frontend  └─ POST /orders (client)
 *   orders       └─ POST /orders (server)          items=3 total=12.5 tags=[gift,express] vip=true "weird key"
 *   orders          ├─ validate (internal, 300ms)  event "exception"
 *   orders          ├─ GET /inventory/sku-1 (client)
 *   inventory       │  └─ GET /inventory/:sku (server, error "out of stock", 503, scope inventory-lib 2.0.0)
 *   orders          └─ publish order (producer)     link to validate, reason=audit
 */
beforeAll(async () => {
  const spans = await makeTrace(
    [
      { ref: 'root', name: 'GET /checkout', kind: 'server', service: 'frontend', attributes: { 'http.response.status_code': 200, 'http.route': '/checkout' }, status: { code: 'ok' }, durationMillis: 900 },
      { ref: 'call', parent: 'root', name: 'POST /orders', kind: 'client', service: 'frontend', attributes: { 'deployment.environment': 'canary' }, durationMillis: 700 },
      {
        ref: 'orders',
        parent: 'call',
        name: 'POST /orders',
        kind: 'server',
        service: 'orders',
        attributes: { 'order.items': 3, 'order.total': 12.5, 'order.tags': ['gift', 'express'], 'customer.vip': true, 'weird key': 'yes' },
        durationMillis: 650,
      },
      {
        ref: 'validate',
        parent: 'orders',
        name: 'validate',
        service: 'orders',
        durationMillis: 300,
        events: [{ name: 'exception', attributes: { 'exception.type': 'ValidationError' } }, { name: 'retry' }],
      },
      { ref: 'inv-call', parent: 'orders', name: 'GET /inventory/sku-1', kind: 'client', service: 'orders', durationMillis: 120 },
      {
        parent: 'inv-call',
        name: 'GET /inventory/:sku',
        kind: 'server',
        service: 'inventory',
        scope: { name: 'inventory-lib', version: '2.0.0' },
        attributes: { 'http.response.status_code': 503 },
        status: { code: 'error', message: 'out of stock' },
        durationMillis: 100,
      },
      { parent: 'orders', name: 'publish order', kind: 'producer', service: 'orders', durationMillis: 5, links: [{ to: 'validate', attributes: { reason: 'audit' } }] },
    ],
    { resourceAttributes: { 'deployment.environment': 'test', 'host.cores': 8 } },
  );
  trace = assemble(spans);
});

describe('fields', () => {
  it('name', () => {
    expect(names('name = "validate"')).toEqual(['validate']);
    expect(names('name = "VALIDATE"')).toEqual([]);
  });

  it('kind, with every keyword', () => {
    expect(names('kind = client')).toEqual(['POST /orders', 'GET /inventory/sku-1']);
    expect(names('kind = producer')).toEqual(['publish order']);
    expect(names('kind = internal')).toEqual(['validate']);
    expect(names('kind = consumer')).toEqual([]);
    expect(names('kind = unspecified')).toEqual([]);
    expect(names('kind = SERVER')).toEqual(['GET /checkout', 'POST /orders', 'GET /inventory/:sku']);
  });

  it('status and statusMessage', () => {
    expect(names('status = error')).toEqual(['GET /inventory/:sku']);
    expect(names('status = ok')).toEqual(['GET /checkout']);
    expect(names('status = unset')).toHaveLength(5);
    expect(names('statusMessage = "out of stock"')).toEqual(['GET /inventory/:sku']);
    expect(names('statusMessage = "in stock"')).toEqual([]);
  });

  it('duration, with every unit', () => {
    expect(names('duration >= 650ms && duration < 0.9s')).toEqual(['POST /orders', 'POST /orders']);
    expect(names('duration = 300ms')).toEqual(['validate']);
    expect(names('duration = 300000us')).toEqual(['validate']);
    expect(names('duration = 300000000ns')).toEqual(['validate']);
    expect(names('duration > 0.01m')).toEqual(['GET /checkout', 'POST /orders', 'POST /orders']);
    expect(names('duration > 1s')).toEqual([]);
    expect(names('duration < 1h && duration <= 5ms')).toEqual(['publish order']);
  });

  it('service (resource service.name)', () => {
    expect(names('service = "inventory"')).toEqual(['GET /inventory/:sku']);
    expect(names('service = "payments"')).toEqual([]);
    expect(names('service = nil')).toEqual([]);
  });

  it('scope, scope.name and scope.version', () => {
    expect(names('scope = "inventory-lib"')).toEqual(['GET /inventory/:sku']);
    expect(names('scope.name = "inventory-lib"')).toEqual(['GET /inventory/:sku']);
    expect(names('scope.version = "2.0.0"')).toEqual(['GET /inventory/:sku']);
    expect(names('scope.version = "3.0.0"')).toEqual([]);
  });

  it('scope.<attr> reads instrumentation-scope attributes', () => {
    // The SDK's tracers take no scope attributes, so one real span gets a scope that has them.
    const base = trace.spans[0] as Span;
    const scoped: Span = { ...base, scope: { ...base.scope, attributes: { 'lib.flavour': 'otel' } } };
    const selector = compileSelector(parse('scope.lib.flavour = "otel"'));
    expect(selector.matchesSpan(scoped, trace)).toBe(true);
    expect(selector.matchesSpan(base, trace)).toBe(false);
  });

  it('traceId, spanId, parentSpanId (ids compare case-insensitively)', () => {
    const validate = trace.spans.find((span) => span.name === 'validate') as Span;
    expect(names(`spanId = "${validate.spanId.toUpperCase()}"`)).toEqual(['validate']);
    expect(names(`traceId = "${trace.traceId}"`)).toHaveLength(7);
    expect(names(`traceId = "${'0'.repeat(31)}1"`)).toEqual([]);
    expect(names(`parentSpanId = "${validate.parentSpanId ?? ''}"`)).toEqual(['validate', 'GET /inventory/sku-1', 'publish order']);
    expect(names('parentSpanId = nil')).toEqual(['GET /checkout']);
  });

  it('root', () => {
    expect(names('root')).toEqual(['GET /checkout']);
    expect(names('root = false')).toHaveLength(6);
    expect(names('!root && kind = server')).toEqual(['POST /orders', 'GET /inventory/:sku']);
    expect(names('root && kind = client')).toEqual([]);
  });

  it('event.name and event attributes (any event)', () => {
    expect(names('event.name = "exception"')).toEqual(['validate']);
    expect(names('event.name = "retry"')).toEqual(['validate']);
    expect(names('event.name = "timeout"')).toEqual([]);
    expect(names('event.exception.type = "ValidationError"')).toEqual(['validate']);
    expect(names('exists(event.exception.type) && kind = server')).toEqual([]);
  });

  it('link.traceId, link.spanId and link attributes (any link)', () => {
    const validate = trace.spans.find((span) => span.name === 'validate') as Span;
    expect(names(`link.spanId = "${validate.spanId}"`)).toEqual(['publish order']);
    expect(names(`link.spanId = "${validate.parentSpanId ?? ''}"`)).toEqual([]);
    expect(names(`link.traceId = "${trace.traceId.toUpperCase()}"`)).toEqual(['publish order']);
    expect(names('link.reason = "audit"')).toEqual(['publish order']);
    expect(names('link.reason = "retry"')).toEqual([]);
    expect(names('exists(link.spanId)')).toEqual(['publish order']);
    expect(names('link.spanId = nil && kind = producer')).toEqual([]);
  });

  it('span.<attr> with dotted keys, resource.<attr>, and quoted keys', () => {
    expect(names('span.http.response.status_code >= 500')).toEqual(['GET /inventory/:sku']);
    expect(names('span.http.response.status_code = 404')).toEqual([]);
    expect(names('resource.deployment.environment = "test"')).toHaveLength(7);
    expect(names('resource.deployment.environment = "canary"')).toEqual([]);
    expect(names('span."weird key" = "yes"')).toEqual(['POST /orders']);
    expect(names('span."weird key" = "no"')).toEqual([]);
  });

  it('.<attr> reads the span attribute, else the resource attribute', () => {
    expect(names('.deployment.environment = "canary"')).toEqual(['POST /orders']);
    // The client span's own "canary" hides the resource's "test".
    expect(names('.deployment.environment = "test"')).toHaveLength(6);
    expect(names('.host.cores = 8')).toHaveLength(7);
    expect(names('span.host.cores = 8')).toEqual([]);
    expect(names('.no.such.key = 8')).toEqual([]);
  });
});

describe('values and operators', () => {
  it('ints equal int64 attributes; int and double compare numerically', () => {
    expect(names('span.order.items = 3')).toEqual(['POST /orders']);
    expect(names('span.order.items = 3.0')).toEqual(['POST /orders']);
    expect(names('span.order.items = 4')).toEqual([]);
    expect(names('span.order.total = 12.5')).toEqual(['POST /orders']);
    expect(names('span.order.total > 12')).toEqual(['POST /orders']);
    expect(names('span.order.total < 12')).toEqual([]);
    expect(names('span.order.items = "3"')).toEqual([]);
  });

  it('= and != (a comparison on an absent field is false)', () => {
    expect(names('span.http.route = "/checkout"')).toEqual(['GET /checkout']);
    expect(names('span.http.route != "/checkout"')).toEqual([]);
    expect(names('span.http.response.status_code != 200')).toEqual(['GET /inventory/:sku']);
    expect(names('!(span.http.route = "/checkout")')).toHaveLength(6);
  });

  it('< <= > >= on numbers and strings', () => {
    expect(names('span.http.response.status_code < 503')).toEqual(['GET /checkout']);
    expect(names('span.http.response.status_code <= 503')).toEqual(['GET /checkout', 'GET /inventory/:sku']);
    expect(names('span.http.response.status_code > 503')).toEqual([]);
    expect(names('span.http.response.status_code >= 200 && span.http.response.status_code < 300')).toEqual(['GET /checkout']);
    expect(names('name > "publish"')).toEqual(['validate', 'publish order']);
    expect(names('name < "GET"')).toEqual([]);
    expect(names('span.http.response.status_code <= 100')).toEqual([]);
    expect(names('span.http.response.status_code >= 600')).toEqual([]);
  });

  it('=~ and !~ (JavaScript regular expressions, backtick strings raw)', () => {
    expect(names('name =~ "^GET /inventory/.*"')).toEqual(['GET /inventory/sku-1', 'GET /inventory/:sku']);
    expect(names('name =~ `^GET /inventory/sku-\\d+$`')).toEqual(['GET /inventory/sku-1']);
    expect(names('name =~ "^DELETE"')).toEqual([]);
    expect(names('kind = client && name !~ "inventory"')).toEqual(['POST /orders']);
    expect(names('span.http.response.status_code =~ "^5"')).toEqual(['GET /inventory/:sku']);
    expect(names('name !~ "/"')).toEqual(['validate', 'publish order']);
    expect(names('name !~ "."')).toEqual([]);
  });

  it('contains: substring of a string, element of an array', () => {
    expect(names('name contains "inventory"')).toEqual(['GET /inventory/sku-1', 'GET /inventory/:sku']);
    expect(names('span.order.tags contains "gift"')).toEqual(['POST /orders']);
    expect(names('span.order.tags contains "fragile"')).toEqual([]);
  });

  it('in and not in', () => {
    expect(names('kind in [producer, internal]')).toEqual(['validate', 'publish order']);
    expect(names('service in ["orders", "inventory"] && kind = server')).toEqual(['POST /orders', 'GET /inventory/:sku']);
    expect(names('span.http.response.status_code in [200, 201]')).toEqual(['GET /checkout']);
    expect(names('span.http.response.status_code not in [200, 201]')).toEqual(['GET /inventory/:sku']);
    expect(names('status not in [unset, ok]')).toEqual(['GET /inventory/:sku']);
    expect(names('kind in [consumer]')).toEqual([]);
    expect(names('span.http.response.status_code not in [200, 503]')).toEqual([]);
    expect(names('span.http.route in ["/orders"]')).toEqual([]);
  });

  it('booleans', () => {
    expect(names('span.customer.vip = true')).toEqual(['POST /orders']);
    expect(names('span.customer.vip = false')).toEqual([]);
  });

  it('existence: exists(), != nil, = nil', () => {
    expect(names('exists(span.order.items)')).toEqual(['POST /orders']);
    expect(names('span.order.items != nil')).toEqual(['POST /orders']);
    expect(names('span.order.items = nil')).toHaveLength(6);
    expect(names('exists(span.no.such.key)')).toEqual([]);
    expect(names('span.no.such.key != nil')).toEqual([]);
    expect(names('resource.host.cores = nil')).toEqual([]);
    expect(names('exists(resource.host.cores) && !exists(span.host.cores)')).toHaveLength(7);
  });

  it('&&, ||, ! and grouping', () => {
    expect(names('service = "orders" && (kind = producer || kind = internal)')).toEqual(['validate', 'publish order']);
    expect(names('service = "orders" && kind = producer || kind = internal')).toEqual(['validate', 'publish order']);
    expect(names('!(service = "orders" || service = "frontend")')).toEqual(['GET /inventory/:sku']);
    expect(names('{ }')).toHaveLength(7);
    expect(names('{ service = "orders" } && { kind = server }')).toEqual(['POST /orders']);
    expect(names('kind = consumer || service = "billing"')).toEqual([]);
    expect(names('!{ }')).toEqual([]);
  });
});

describe('structural relations', () => {
  it('> child: right-hand spans whose parent is in the left set', () => {
    expect(names('{ kind = client } > { kind = server }')).toEqual(['POST /orders', 'GET /inventory/:sku']);
    expect(names('{ root } > { kind = server }')).toEqual([]);
  });

  it('>> descendant', () => {
    expect(names('{ service = "frontend" && kind = server } >> { status = error }')).toEqual(['GET /inventory/:sku']);
    expect(names('{ kind = producer } >> { }')).toEqual([]);
  });

  it('< parent: right-hand spans with a child in the left set', () => {
    expect(names('{ status = error } < { }')).toEqual(['GET /inventory/sku-1']);
    expect(names('{ root } < { }')).toEqual([]);
  });

  it('<< ancestor', () => {
    expect(names('{ status = error } << { kind = server }')).toEqual(['GET /checkout', 'POST /orders']);
    expect(names('{ status = error } << { kind = producer }')).toEqual([]);
  });

  it('~ sibling (same parent, never itself)', () => {
    expect(names('{ kind = producer } ~ { }')).toEqual(['validate', 'GET /inventory/sku-1']);
    expect(names('{ name = "validate" } ~ { name = "validate" }')).toEqual([]);
    expect(names('{ root } ~ { }')).toEqual([]);
  });

  it('negated relations: !> !>> !< !<< !~', () => {
    expect(names('{ kind = client } !> { kind = server }')).toEqual(['GET /checkout']);
    expect(names('{ service = "orders" } !>> { service != "frontend" }')).toEqual(['POST /orders']);
    expect(names('{ } !< { }')).toEqual(['validate', 'GET /inventory/:sku', 'publish order']);
    expect(names('{ status = error } !<< { service = "orders" }')).toEqual(['validate', 'publish order']);
    expect(names('{ kind = producer } !~ { service = "orders" }')).toEqual(['POST /orders', 'publish order']);
  });

  it('chains associate to the left, and span sets combine around relations', () => {
    expect(names('{ kind = client } > { kind = server } > { kind = internal }')).toEqual(['validate']);
    expect(names('{ root } > { kind = client } > { kind = server }')).toEqual(['POST /orders']);
    expect(names('{ root } > ({ kind = client } > { kind = server })')).toEqual([]);
    expect(names('({ kind = client } > { kind = server }) && service = "inventory"')).toEqual(['GET /inventory/:sku']);
    expect(names('!({ kind = client } > { }) && kind = server')).toEqual(['GET /checkout']);
  });

  it('braces are optional around the operands', () => {
    expect(names('kind = client > kind = server')).toEqual(['POST /orders', 'GET /inventory/:sku']);
  });

  it('follows the tree, not start times, when clocks are skewed', async () => {
    // A downstream service whose clock runs 50ms behind: its spans start before their callers' spans.
    const spans = await makeTrace([
      { ref: 'root', name: 'entry', kind: 'server', start: BASE_TIME_MILLIS + 100, durationMillis: 40 },
      { ref: 'call', parent: 'root', name: 'call', kind: 'client', start: BASE_TIME_MILLIS + 110, durationMillis: 20 },
      { ref: 'skewed', parent: 'call', name: 'skewed server', kind: 'server', service: 'late', start: BASE_TIME_MILLIS + 60, durationMillis: 15 },
      { parent: 'skewed', name: 'skewed query', kind: 'client', service: 'late', start: BASE_TIME_MILLIS + 62, durationMillis: 5, status: { code: 'error' } },
    ]);
    const skewed = assemble(spans);
    expect(skewed.spans.map((span) => span.name)).toEqual(['skewed server', 'skewed query', 'entry', 'call']);
    expect(names('{ root } >> { }', skewed)).toEqual(['skewed server', 'skewed query', 'call']);
    expect(names('{ status = error } << { }', skewed)).toEqual(['skewed server', 'entry', 'call']);
    expect(names('{ name = "call" } !>> { }', skewed)).toEqual(['entry', 'call']);
  });

  it('treats orphans as having no parent', async () => {
    const spans = await makeTrace([
      { ref: 'gone', name: 'never received', kind: 'server' },
      { ref: 'child', parent: 'gone', name: 'orphan', kind: 'client' },
      { parent: 'child', name: 'grandchild', kind: 'server' },
    ]);
    const orphaned = assemble(spans.slice(1));
    expect(orphaned.orphans).toHaveLength(1);
    expect(names('{ } > { }', orphaned)).toEqual(['grandchild']);
    expect(names('{ } < { }', orphaned)).toEqual(['orphan']);
    expect(names('{ } !> { }', orphaned)).toEqual(['orphan']);
  });
});

/** A naive reading of the selector semantics, straight from the trace's nodes, to check the linear passes against. */
function referenceSelect(ast: SelectorAst, inTrace: Trace): Set<Span> {
  const all = new Set(inTrace.spans);
  switch (ast.type) {
    case 'group':
      return referenceSelect(ast.inner, inTrace);
    case 'not': {
      const inner = referenceSelect(ast.operand, inTrace);
      return new Set([...all].filter((span) => !inner.has(span)));
    }
    case 'and':
    case 'or': {
      const sets = ast.operands.map((operand) => referenceSelect(operand, inTrace));
      return new Set([...all].filter((span) => (ast.type === 'and' ? sets.every((set) => set.has(span)) : sets.some((set) => set.has(span)))));
    }
    case 'structural': {
      const left = referenceSelect(ast.left, inTrace);
      const right = referenceSelect(ast.right, inTrace);
      const node = (span: Span) => inTrace.nodesBySpanId.get(span.spanId);
      const ancestors = (span: Span): Span[] => {
        const out: Span[] = [];
        for (let n = node(span)?.parent; n !== undefined; n = n.parent) out.push(n.span);
        return out;
      };
      const related = (span: Span): boolean => {
        const parent = node(span)?.parent?.span;
        switch (ast.relation) {
          case '>':
            return parent !== undefined && left.has(parent);
          case '>>':
            return ancestors(span).some((a) => left.has(a));
          case '<':
            return (node(span)?.children ?? []).some((c) => left.has(c.span));
          case '<<':
            return [...left].some((l) => ancestors(l).includes(span));
          case '~':
            return parent !== undefined && (node(span)?.parent?.children ?? []).some((c) => c.span !== span && left.has(c.span));
        }
      };
      return new Set([...right].filter((span) => related(span) !== ast.negated));
    }
    default: {
      const selector = compileSelector(ast);
      return new Set(inTrace.spans.filter((span) => selector.matchesSpan(span, inTrace)));
    }
  }
}

describe('structural selection agrees with a naive reading', () => {
  it('on random structural selectors over the checkout trace', () => {
    const sets = ['{ }', '{ kind = server }', '{ kind = client }', '{ service = "orders" }', '{ status = error }', '{ root }', '{ name =~ "POST" }', '{ kind = internal || kind = producer }'];
    const relations = ['>', '>>', '<', '<<', '~', '!>', '!>>', '!<', '!<<', '!~'];
    const pick = seededRandom(5);
    const build = (depth: number): string => {
      const choice = depth > 2 ? 0 : pick(4);
      if (choice === 0) return sets[pick(sets.length)] as string;
      if (choice === 1) return `(${build(depth + 1)} ${relations[pick(relations.length)]} ${build(depth + 1)})`;
      if (choice === 2) return `!(${build(depth + 1)} ${relations[pick(relations.length)]} ${build(depth + 1)})`;
      return `(${build(depth + 1)} && ${build(depth + 1)})`;
    };
    let nonEmpty = 0;
    for (let i = 0; i < 300; i += 1) {
      const source = `${build(1)} ${relations[pick(relations.length)]} ${build(1)}`;
      const ast = parse(source);
      const expected = referenceSelect(ast, trace);
      const selected = compileSelector(ast).select(trace);
      expect(selected.map((span) => span.spanId), source).toEqual(trace.spans.filter((span) => expected.has(span)).map((span) => span.spanId));
      if (selected.length > 0 && selected.length < trace.spans.length) nonEmpty += 1;
    }
    // The comparison means something only if many selectors pick some spans but not all.
    expect(nonEmpty).toBeGreaterThan(100);
  });
});

describe('parent and ancestor selectors, judged span by span', () => {
  it('pick what the mask path picks, over random deep trees with orphans', () => {
    const random = seededRandom(17);
    const sides = ['{ }', '{ kind = client }', '{ kind = server }', '{ service = "b" }', '{ root }', '{ kind = internal && service = "a" }', '{ status = error }', '{ name = "n3" || kind = producer }', '{ span.x >= 2 }'];
    const relations = ['>', '>>', '!>', '!>>'];
    let compared = 0;
    let picked = 0;
    for (let round = 0; round < 40; round++) {
      const T = traceId(1000 + round);
      const spans: Span[] = [];
      const count = 20 + random(180);
      for (let i = 0; i < count; i++) {
        // Mostly deep chains (a parent among the last few spans), some wide fans, a few orphans.
        const parentIndex = i === 0 ? undefined : random(10) === 0 ? -1 : Math.max(0, i - 1 - random(random(3) === 0 ? i : 4));
        const parentSpanId = parentIndex === undefined ? undefined : parentIndex < 0 ? spanId(999_999) : spanId(parentIndex + 1);
        const base = modelSpan({ traceId: T, spanId: spanId(i + 1), ...(parentSpanId === undefined ? {} : { parentSpanId }), name: `n${random(5)}`, start: BigInt(i), resource: resourceOf(random(2) === 0 ? 'a' : 'b') });
        const attributes = emptyAttributes();
        attributes['x'] = BigInt(random(4));
        spans.push({ ...base, kind: 1 + random(5), status: { code: random(4) === 0 ? 2 : 0, message: '' }, attributes });
      }
      const inTrace = assemble(spans);
      for (const left of sides) {
        for (const right of sides) {
          const source = `${left} ${relations[random(relations.length)] as string} ${right}`;
          const selector = compileSelector(parse(source));
          const byMask = inTrace.spans.filter((span) => selector.matchesSpan(span, inTrace));
          const selected = selector.select(inTrace);
          if (selected.map((span) => span.spanId).join() !== byMask.map((span) => span.spanId).join()) expect(selected.map((span) => span.spanId), `round ${round}: ${source}`).toEqual(byMask.map((span) => span.spanId));
          compared += 1;
          if (selected.length > 0 && selected.length < inTrace.spans.length) picked += 1;
        }
      }
    }
    expect(compared).toBe(40 * sides.length * sides.length);
    // The comparison means something only when many selections pick some spans but not all.
    expect(picked).toBeGreaterThan(compared / 3);
  });
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
    expect(keys('service = "a" && (kind = server && name = "n") && status = error && root')).toEqual(['service=a', 'kind=2', 'name=n', 'status=2', 'root']);
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

describe('matchesSpan', () => {
  it('agrees with select for plain and structural selectors', () => {
    for (const source of ['kind = server', '{ kind = client } > { kind = server }', '{ status = error } << { }']) {
      const selector = compileSelector(parse(source));
      const selected = new Set(selector.select(trace));
      for (const span of trace.spans) expect(selector.matchesSpan(span, trace)).toBe(selected.has(span));
    }
  });

  it('judges a span from another trace as a lone span', async () => {
    const [other] = await makeTrace([{ name: 'elsewhere', kind: 'server' }]);
    const selector = compileSelector(parse('{ } !> { kind = server }'));
    expect(selector.matchesSpan(other as Span, trace)).toBe(true);
    expect(compileSelector(parse('{ } > { kind = server }')).matchesSpan(other as Span, trace)).toBe(false);
  });

  it('stays right when asked about traces and lone spans in turn (masks reuse their buffers)', async () => {
    const [other] = await makeTrace([{ name: 'elsewhere', kind: 'server' }]);
    const lone = assemble([other as Span]);
    // Picks the lone span (no client parent) but nothing of the trace, so a mask overwritten by the lone span's
    // evaluation would show.
    const selector = compileSelector(parse('{ kind = client } !> { name = "elsewhere" || kind = internal }'));
    const expected = trace.spans.map((span) => selector.matchesSpan(span, trace));
    expect(expected.filter(Boolean).length).toBeGreaterThan(0);
    expect(expected.every(Boolean)).toBe(false);
    const selected = selector.select(trace);
    for (const [i, span] of trace.spans.entries()) {
      expect(selector.matchesSpan(other as Span, trace)).toBe(true);
      expect(selector.matchesSpan(span, trace)).toBe(expected[i]);
      expect(selector.select(lone)).toEqual([other]);
    }
    // A selection handed out earlier is not overwritten by later evaluations.
    expect(selector.select(trace)).toEqual(selected);
    expect(selected.length).toBe(expected.filter(Boolean).length);
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

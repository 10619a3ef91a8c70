// Over 400 lines on purpose: the whole selector suite every implementation must pass (fields, values, operators,
// structure, differential checks), in the order of docs/selectors.md; shared-suites.test.ts runs it once per
// implementation, which one file keeps to one call.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../../src/model/span.ts';
import type { Trace } from '../../../src/model/trace.ts';
import type { SelectorAst } from '../../../src/language/selector-ast.ts';
import { emptyAttributes } from '../../../src/model/attribute-value.ts';
import { modelSpan, resourceOf, spanId, traceId } from '../../store/model-spans.ts';
import { BASE_TIME_MILLIS, makeTrace } from '../../support/sdk-traces.ts';
import { seededRandom } from '../../support/seeded-random.ts';
import type { Implementation } from './implementations.ts';
import { assemble, parse, selectorCheckoutTrace } from '../selector-checkout-trace.ts';
import { compileReference } from '../../../src/engine/selectors/reference.ts';
import { INTRINSIC_FIELDS, type IntrinsicValueType } from '../../../src/language/selector-fields.ts';

/** The selector tests every implementation must pass: fields, values, operators, structure, and differential checks. */
export function runSelectorSuite(impl: Implementation): void {
  describe(`selectors: ${impl.name}`, () => {

    let trace: Trace;

    /** Names of the spans `source` selects in the checkout trace, in trace order. */
    function names(source: string, inTrace: Trace = trace): string[] {
      return impl.compile(parse(source))
        .select(inTrace)
        .map((span) => span.name);
    }

    beforeAll(async () => {
      trace = await selectorCheckoutTrace();
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
        const selector = impl.compile(parse('scope.lib.flavour = "otel"'));
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

      it('event.count: how many events, compared as a whole number; event."count" is the attribute', () => {
        expect(names('event.count = 2')).toEqual(['validate']);
        expect(names('event.count >= 1 && kind = internal')).toEqual(['validate']);
        expect(names('event.count > 0')).toEqual(['validate']);
        expect(names('event.count in [1, 2] || event.count < 0')).toEqual(['validate']);
        expect(names('event.count = 0 && service = "inventory"')).toEqual(['GET /inventory/:sku']);
        expect(names('event."count" != nil')).toEqual([]);
      });

      it('link.count: how many links (added to the field table with no other edit to the engine)', () => {
        expect(names('link.count = 1')).toEqual(['publish order']);
        expect(names('link.count > 0 || event.count > 1')).toEqual(['validate', 'publish order']);
        expect(names('service = "orders" && link.count = 0').length).toBe(3);
      });

      it('every field of the table selects what the reference selects, with every operator its type takes', () => {
        const reference = (source: string): string[] => compileReference(parse(source)).select(trace).map((span) => span.spanId);
        const sample = trace.spans[3] as Span;
        const byType: Record<IntrinsicValueType, (name: string) => string[]> = {
          string: (name) => [`${name} = "validate"`, `${name} != "orders"`, `${name} =~ "o"`, `${name} contains "or"`, `${name} in ["orders", "validate"]`, `${name} > "m"`],
          id: (name) => [`${name} = "${sample.spanId.toUpperCase()}"`, `${name} =~ "^0"`, `${name} in ["${sample.traceId}", "${sample.spanId}"]`],
          kind: (name) => [`${name} = server`, `${name} != internal`, `${name} in [client, producer]`],
          status: (name) => [`${name} = error`, `${name} != unset`, `${name} in [ok, error]`],
          duration: (name) => [`${name} > 200ms`, `${name} <= 120ms`, `${name} = 5ms`],
          bool: (name) => [`${name}`, `${name} = false`, `!${name}`],
          count: (name) => [`${name} = 0`, `${name} > 0`, `${name} >= 1`, `${name} in [1, 2]`, `${name} != 1`],
        };
        let informative = 0;
        for (const name of Object.keys(INTRINSIC_FIELDS) as (keyof typeof INTRINSIC_FIELDS)[]) {
          const field = INTRINSIC_FIELDS[name];
          const sources = [...byType[field.type](name), ...(field.optional ? [`${name} = nil`, `${name} != nil`, `exists(${name})`] : [])];
          for (const source of sources) {
            const expected = reference(source);
            expect(impl.compile(parse(source)).select(trace).map((span) => span.spanId), source).toEqual(expected);
            expect(
              trace.spans.filter((span) => impl.compile(parse(source)).matchesSpan(span, trace)).map((span) => span.spanId),
              source,
            ).toEqual(expected);
            if (expected.length > 0 && expected.length < trace.spans.length) informative += 1;
          }
        }
        // The comparison means something only if many conditions pick some spans but not all.
        expect(informative).toBeGreaterThan(25);
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
          const selector = impl.compile(ast);
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
          const selected = impl.compile(ast).select(trace);
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
              const selector = impl.compile(parse(source));
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

    describe('matchesSpan', () => {
      it('agrees with select for plain and structural selectors', () => {
        for (const source of ['kind = server', '{ kind = client } > { kind = server }', '{ status = error } << { }']) {
          const selector = impl.compile(parse(source));
          const selected = new Set(selector.select(trace));
          for (const span of trace.spans) expect(selector.matchesSpan(span, trace)).toBe(selected.has(span));
        }
      });

      it('judges a span from another trace as a lone span', async () => {
        const [other] = await makeTrace([{ name: 'elsewhere', kind: 'server' }]);
        const selector = impl.compile(parse('{ } !> { kind = server }'));
        expect(selector.matchesSpan(other as Span, trace)).toBe(true);
        expect(impl.compile(parse('{ } > { kind = server }')).matchesSpan(other as Span, trace)).toBe(false);
      });

      it('stays right when asked about traces and lone spans in turn (masks reuse their buffers)', async () => {
        const [other] = await makeTrace([{ name: 'elsewhere', kind: 'server' }]);
        const lone = assemble([other as Span]);
        // Picks the lone span (no client parent) but nothing of the trace, so a mask overwritten by the lone span's
        // evaluation would show.
        const selector = impl.compile(parse('{ kind = client } !> { name = "elsewhere" || kind = internal }'));
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

  });
}

import { beforeAll, describe, expect, it } from 'vitest';
import { compileSpanFilter, GENERATE_CODE_AFTER_SPANS } from '../../../src/engine/selectors/generated.ts';
import { compileCondition } from '../../../src/engine/selectors/reference.ts';
import { SelectorTemplate } from '../../../src/engine/selector-template.ts';
import { compileValueMatcher } from '../../../src/engine/value-matcher.ts';
import type { Trace } from '../../../src/model/trace.ts';
import { decodeExportRequestJson } from '../../../src/otlp/decode-json.ts';
import type { SelectorAst } from '../../../src/language/selector-ast.ts';
import { parseSelector } from '../../../src/language/selector-parser.ts';
import { assemble } from '../checkout-trace.ts';
import { spanId, traceId } from '../../store/model-spans.ts';
import type { Implementation } from './implementations.ts';

/** The tests of contains-text, run against one implementation. */
export function runContainsTextSuite(impl: Implementation): void {
  describe(impl.name, () => {
  /*
   * docs/selectors.md (Values): "Regular expressions and `contains` also look at ints, doubles and booleans through
   * their text". Each trace holds the same four spans, over two resources and two scopes:
   *
   *   web     lib-b  checkout (server, root)  code=200 ratio=2.5 cached=true tags=["200","x"]; event retry attempt=12
   *   orders  lib-a  reserve (internal)       code=404 ratio=0.5 cached=false big=9007199254740993; link batch=120
   *   orders  lib-a  charge (client)          label="status 201"
   *   web     lib-b  notify (producer)        tags=[20, 200]
   *
   *   resources: web host.cores=16 canary=false load=1.5, orders host.cores=8 canary=true load=0.75
   *   scopes:    lib-a major=3, lib-b major=12 beta=true
   *
   * Enough traces that every selector, even one that looks at a single span group, judges more spans than the
   * closures do before code is generated: the later traces are judged by the generated code.
   */
  const TRACES = GENERATE_CODE_AFTER_SPANS + 100;

  const int = (n: number | string): object => ({ intValue: String(n) });
  const attributes = (entries: Record<string, object>): object[] => Object.entries(entries).map(([key, value]) => ({ key, value }));

  let traces: readonly Trace[];

  beforeAll(() => {
    const web: object[] = [];
    const orders: object[] = [];
    const base = 1_700_000_000_000_000_000n;
    for (let t = 0; t < TRACES; t++) {
      const id = traceId(t + 1);
      const span = (k: number, name: string, kind: number, extra: object): object => ({
        traceId: id,
        spanId: spanId(t * 10 + k),
        ...(k === 1 ? {} : { parentSpanId: spanId(t * 10 + 1) }),
        name,
        kind,
        startTimeUnixNano: String(base + BigInt(t * 1000 + k) * 1_000_000n),
        endTimeUnixNano: String(base + BigInt(t * 1000 + k + 1) * 1_000_000n),
        ...extra,
      });
      web.push(
        span(1, 'checkout', 2, {
          attributes: attributes({ code: int(200), ratio: { doubleValue: 2.5 }, cached: { boolValue: true }, tags: { arrayValue: { values: [{ stringValue: '200' }, { stringValue: 'x' }] } } }),
          events: [{ name: 'retry', timeUnixNano: String(base), attributes: attributes({ attempt: int(12) }) }],
        }),
        span(4, 'notify', 4, { attributes: attributes({ tags: { arrayValue: { values: [int(20), int(200)] } } }) }),
      );
      orders.push(
        span(2, 'reserve', 1, {
          attributes: attributes({ code: int(404), ratio: { doubleValue: 0.5 }, cached: { boolValue: false }, big: int('9007199254740993') }),
          links: [{ traceId: id, spanId: spanId(t * 10 + 1), attributes: attributes({ batch: int(120) }) }],
        }),
        span(3, 'charge', 3, { attributes: attributes({ label: { stringValue: 'status 201' } }) }),
      );
    }
    const request = {
      resourceSpans: [
        {
          resource: { attributes: attributes({ 'service.name': { stringValue: 'web' }, 'host.cores': int(16), canary: { boolValue: false }, load: { doubleValue: 1.5 } }) },
          scopeSpans: [{ scope: { name: 'lib-b', attributes: attributes({ major: int(12), beta: { boolValue: true } }) }, spans: web }],
        },
        {
          resource: { attributes: attributes({ 'service.name': { stringValue: 'orders' }, 'host.cores': int(8), canary: { boolValue: true }, load: { doubleValue: 0.75 } }) },
          scopeSpans: [{ scope: { name: 'lib-a', attributes: attributes({ major: int(3) }) }, spans: orders }],
        },
      ],
    };
    const decoded = decodeExportRequestJson(JSON.stringify(request));
    if (!decoded.ok) throw new Error(decoded.error.message);
    traces = assemble(decoded.value.spans);
    expect(traces.length).toBe(TRACES);
  });

  function parse(source: string): SelectorAst {
    const parsed = parseSelector(source);
    if (!parsed.ok) throw new Error(`${source}: ${parsed.error.message}`);
    return parsed.value;
  }

  /** Each selector and the names of the spans it picks in every trace, in trace order. */
  const CASES: readonly (readonly [string, readonly string[]])[] = [
    // Every attribute scope, and ints, doubles, booleans and an int64 beyond 2^53.
    ['span.code contains "20"', ['checkout']],
    ['span.code contains "04"', ['reserve']],
    ['span.ratio contains ".5"', ['checkout', 'reserve']],
    ['span.cached contains "ru"', ['checkout']],
    ['span.cached contains "als"', ['reserve']],
    ['span.big contains "740993"', ['reserve']],
    ['.code contains "40"', ['reserve']],
    ['resource.host.cores contains "6"', ['checkout', 'notify']],
    ['resource.canary contains "tr"', ['reserve', 'charge']],
    ['resource.load contains ".75"', ['reserve', 'charge']],
    ['scope.major contains "2"', ['checkout', 'notify']],
    ['scope.beta contains "true"', ['checkout', 'notify']],
    ['event.attempt contains "1"', ['checkout']],
    ['link.batch contains "12"', ['reserve']],
    // Strings as before; arrays look for an element, not at text.
    ['span.label contains "20"', ['charge']],
    ['span.tags contains "200"', ['checkout']],
    ['span.tags contains "20"', []],
    // Negated, combined, behind span groups (root, service, kind) and resource memos.
    ['!(span.code contains "20")', ['reserve', 'charge', 'notify']],
    ['span.code contains "20" || span.code contains "04"', ['checkout', 'reserve']],
    ['service = "orders" && span.code contains "04"', ['reserve']],
    ['kind = server && span.code contains "0"', ['checkout']],
    ['root && span.cached contains "true"', ['checkout']],
    ['resource.host.cores contains "8" || span.code contains "20"', ['checkout', 'reserve', 'charge']],
    ['resource.host.cores contains "16" && span.code contains "0"', ['checkout']],
    ['resource.host.cores contains "1" && resource.canary contains "f"', ['checkout', 'notify']],
  ];

  const names = (spans: readonly { readonly name: string }[]): string[] => spans.map((span) => span.name);

  describe('contains reads ints, doubles and booleans through their text', () => {
    it('in the reference closures', () => {
      for (const [source, expected] of CASES) {
        const predicate = compileCondition(parse(source));
        for (const trace of traces.slice(0, 3)) expect(names(trace.spans.filter((span) => predicate(span))), source).toEqual(expected);
      }
    });

    it('in generated code', () => {
      for (const [source, expected] of CASES) {
        const filter = compileSpanFilter(parse(source));
        for (const trace of traces.slice(0, 3)) {
          expect(names(filter.select(trace.spans)), source).toEqual(expected);
          expect(names(trace.spans.filter((span) => filter.matches(span))), source).toEqual(expected);
        }
      }
    });

    it('in compiled selectors, trace after trace, through span groups and resource memos into generated code', () => {
      for (const [source, expected] of CASES) {
        const selector = impl.compile(parse(source));
        const wrong = traces.filter((trace) => {
          const picked = names(selector.select(trace));
          const judged = names(trace.spans.filter((span) => selector.matchesSpan(span, trace)));
          return picked.join() !== expected.join() || judged.join() !== expected.join();
        });
        expect(wrong.length, source).toBe(0);
      }
    });

    it('in selector templates, bound to values', () => {
      const cases: [string, Record<string, string>, string[]][] = [
        ['span.code contains "${var:part}"', { part: '20' }, ['checkout']],
        ['service = "${var:svc}" && span.code contains "04"', { svc: 'orders' }, ['reserve']],
        ['resource.canary contains "${var:part}" && kind = internal', { part: 'tr' }, ['reserve']],
      ];
      for (const [source, vars, expected] of cases) {
        const template = SelectorTemplate.of(source, {}, { ...impl.accelerators, templates: true });
        if (template === undefined) throw new Error(`not a template: ${source}`);
        const bound = template.bind(new Map(Object.entries(vars)));
        if (!bound.ok) throw new Error(bound.error);
        const selections = new Set(traces.map((trace) => names(bound.value.select(trace)).join()));
        expect([...selections], source).toEqual([expected.join()]);
      }
    });

    it('in whole evaluations: selectors of every kind of expectation, captures, and attribute matchers', () => {
      const result = impl.evaluateNow(
        [
          {
            name: 'over the run',
            expect: [
              { spans: 'span.code contains "20"', count: TRACES },
              { spans: 'event.attempt contains "12" || link.batch contains "12"', count: 2 * TRACES },
              { spans: 'kind = server', attributes: { code: { contains: '20' }, ratio: { contains: '.5' }, cached: { contains: 'tr' } } },
              { spans: 'service = "orders" && kind = internal', attributes: { 'resource.host.cores': { contains: '8' }, big: { contains: '740993' } } },
              { budget: { spans: 'scope.major contains "2"', max: '1s' } },
              { noErrors: 'resource.load contains "."' },
            ],
          },
          {
            name: 'per trace, with a captured value',
            traces: { root: 'span.cached contains "true"', count: TRACES },
            expect: [
              { spans: 'kind = internal', capture: { svc: 'service' } },
              { spans: 'service = "${var:svc}" && span.code contains "04"', count: 1 },
              { order: { first: 'span.code contains "04"', then: 'span.label contains "201"' } },
            ],
          },
        ],
        traces,
      );
      const failures = result.specs.flatMap((spec) => spec.expectations.filter((e) => !e.passed).map((e) => `${spec.name}: ${e.name}: ${e.message}`));
      expect(failures).toEqual([]);
      // The matchers have teeth: a value whose text lacks the needle fails, and says what it read.
      const failing = impl.evaluateNow([{ name: 'x', expect: [{ spans: 'kind = internal', attributes: { code: { contains: '20' } } }] }], traces);
      expect(failing.specs[0]?.expectations.at(-1)?.message).toContain('expected to contain "20", got 404 (int)');
    });

    it('in attribute matchers, for every scalar type, as matches reads them', () => {
      const contains = (needle: string | number, value: unknown): boolean => {
        const compiled = compileValueMatcher({ contains: needle });
        if (!compiled.ok) throw new Error(compiled.error);
        return compiled.value.test(value as never) === undefined;
      };
      expect([contains('20', 200n), contains('.5', 2.5), contains('ru', true), contains(20, 200n), contains('20', 'x20')]).toEqual([true, true, true, true, true]);
      expect([contains('20', 404n), contains('20', ['200']), contains('20', undefined)]).toEqual([false, false, false]);
    });
  });

  });
}

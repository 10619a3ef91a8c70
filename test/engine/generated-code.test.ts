import { beforeAll, describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/span.ts';
import { compileFilter, compileSpanFilter } from '../../src/engine/selectors/generated.ts';
import { compileCondition as compileClosure } from '../../src/engine/selectors/reference.ts';
import { ALL_ACCELERATORS } from '../../src/engine/selectors/accelerators.ts';

const compilePredicate = (ast: SelectorAst) => compileSpanFilter(ast).matches;
import { parseSelector } from '../../src/language/selector-parser.ts';
import type { SelectorAst } from '../../src/language/selector-ast.ts';
import { decodeExportRequestJson } from '../../src/otlp/decode-json.ts';
import { makeTrace } from '../support/sdk-traces.ts';
import { seededRandom } from '../support/seeded-random.ts';

function parse(source: string): SelectorAst {
  const parsed = parseSelector(source);
  if (!parsed.ok) throw new Error(`${source}: ${parsed.error.message}`);
  return parsed.value;
}

let spans: Span[];

beforeAll(async () => {
  spans = await makeTrace(
    [
      { ref: 'a', name: 'GET /a', kind: 'server', attributes: { code: 200, ratio: 0.5, flag: true, tags: ['x', 'y'], nums: [1, 2], constructor: 'own' } },
      { ref: 'b', parent: 'a', name: 'work', attributes: { code: 200.0, ratio: 2, 'deployment.environment': 'span-level' }, events: [{ name: 'exception', attributes: { 'exception.type': 'E' } }] },
      { parent: 'b', name: 'GET /c', kind: 'client', service: 'other', attributes: { code: '200', empty: '' }, status: { code: 'error', message: 'boom' }, links: [{ to: 'a', attributes: { kind: 'follows' } }] },
    ],
    { resourceAttributes: { 'deployment.environment': 'test', 'host.cores': 8 } },
  );
  // The SDK cannot carry an attribute named __proto__ (it copies attributes into plain objects), but OTLP can.
  const decoded = decodeExportRequestJson(
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'raw' } }] },
          scopeSpans: [
            {
              scope: { name: 'raw' },
              spans: [
                {
                  traceId: '0af7651916cd43dd8448eb211c80319c',
                  spanId: 'b7ad6b7169203331',
                  name: 'raw',
                  kind: 1,
                  startTimeUnixNano: '1700000000000000000',
                  endTimeUnixNano: '1700000000001000000',
                  attributes: [
                    { key: '__proto__', value: { stringValue: 'own proto' } },
                    { key: 'big', value: { intValue: '9007199254740993' } },
                  ],
                },
              ],
            },
          ],
        },
      ],
    }),
  );
  if (!decoded.ok) throw new Error(decoded.error.message);
  spans.push(...decoded.value.spans);
});

/** Selectors covering every inlined form and every fallback, including absent fields and mixed numeric types. */
const SELECTORS = [
  'kind = server', 'kind != server', 'kind in [server, client]', 'kind not in [server]', 'status = error', 'status in [unset]',
  'name = "work"', 'name != "work"', 'name < "H"', 'name >= "work"', 'name =~ "^GET"', 'name !~ "^GET"', 'name contains "/"',
  'statusMessage = "boom"', 'duration > 5ms', 'duration <= 10ms', 'duration in [10ms, 20ms]', 'root', 'root = false', '!root',
  'service = "other"', 'service != "other"', 'service = nil', 'service in ["other", "x"]',
  'span.code = 200', 'span.code != 200', 'span.code = "200"', 'span.code > 100', 'span.code < 200.5', 'span.code in [200, 201]',
  'span.code not in [200]', 'span.code in [1, 2, 3, 4, 5, 6, 7, 8, 200]', 'span.code =~ "^2"', 'span.code !~ "^2"',
  'span.ratio = 2', 'span.ratio >= 0.5', 'span.flag = true', 'span.flag != true', 'span.tags contains "x"', 'span.nums contains 2',
  'span.code contains "20"', 'span.ratio contains ".5"', 'span.flag contains "ru"', 'resource.host.cores contains "8"', 'link.kind contains "fol"',
  'span.empty = ""', 'span.code = nil', 'span.code != nil', 'exists(span.code)', 'exists(span.none)', 'span.none != "x"',
  'span.constructor = "own"', 'span.constructor = nil', 'span.hasOwnProperty = nil', 'span."__proto__" = "own proto"', 'span.toString != nil',
  '.deployment.environment = "span-level"', '.deployment.environment = "test"', '.host.cores = 8', 'resource.host.cores > 7',
  'event.name = "exception"', 'event.exception.type = "E"', 'exists(event.exception.type)', 'event.name != "exception"',
  'scope = "tracecheck-test"', 'scope.version = "1.0.0"', 'parentSpanId = nil', 'parentSpanId != nil',
  'event.name = nil', 'exists(link.spanId)', 'link.kind = "follows"', 'link.kind != nil',
  '(kind = server || span.code = "200") && !(name = "work")', '!(span.code = 200)', '{ }',
];

describe('generated predicates', () => {
  it('agree with the reference closures on real spans', () => {
    for (const source of SELECTORS) {
      const ast = parse(source);
      const generated = compilePredicate(ast);
      const reference = compileClosure(ast);
      const filter = compileSpanFilter(ast);
      const expected = spans.map((span) => reference(span));
      expect(spans.map((span) => generated(span)), source).toEqual(expected);
      expect(filter.select(spans), source).toEqual(spans.filter((_, i) => expected[i]));
      expect([...filter.mask(spans)], source).toEqual(expected.map((hit) => (hit ? 1 : 0)));
    }
  });

  it('tiered filters agree with the reference both before and after they switch to generated code', () => {
    for (const source of SELECTORS) {
      const ast = parse(source);
      const reference = compileClosure(ast);
      const expected = spans.map((span) => reference(span));
      // Promote after exactly one pass over the spans: the first select runs the closures, later calls the generated code.
      const tiered = compileFilter(ast, ALL_ACCELERATORS, undefined, spans.length);
      for (let pass = 0; pass < 2; pass++) {
        expect(tiered.select(spans), `${source} (pass ${pass})`).toEqual(spans.filter((_, i) => expected[i]));
        expect([...tiered.mask(spans)], `${source} (pass ${pass})`).toEqual(expected.map((hit) => (hit ? 1 : 0)));
        expect(spans.map((span) => tiered.matches(span)), `${source} (pass ${pass})`).toEqual(expected);
      }
    }
  });

  it('each selector above matches some span and misses another, so the agreement means something', () => {
    const always = SELECTORS.filter((source) => {
      const predicate = compileClosure(parse(source));
      const hits = spans.filter((span) => predicate(span)).length;
      return hits === 0 || hits === spans.length;
    });
    // These are there for the absent-field and prototype-key rules, where all-or-nothing is the point.
    expect(always.sort()).toEqual(
      [
        'duration <= 10ms',
        'event.name != "exception"',
        'exists(span.none)',
        'service = nil',
        'span.code !~ "^2"',
        'span.flag != true',
        'span.hasOwnProperty = nil',
        'span.none != "x"',
        'span.toString != nil',
        '{ }',
      ].sort(),
    );
  });

  it('agree on generated random selectors too, and compile every one of them', () => {
    const conditions = [
      'kind = server', 'status != ok', 'name =~ "^GET"', 'name contains "o"', 'service = "other"', 'service != nil', 'root',
      'span.code >= 200', 'span.code = "200"', 'span.code in [200, "200"]', 'span.ratio not in [2]', 'span.tags contains "y"', 'span.code contains "0"',
      '.deployment.environment != "test"', 'resource.host.cores in [8, 9]', 'event.name = "exception"', 'exists(span.flag)',
      'span.flag = nil', 'duration >= 10ms', 'scope.version =~ "^1"', 'span."__proto__" != nil', '{ }',
    ];
    const pick = seededRandom(11);
    const build = (depth: number): string => {
      const choice = depth > 2 ? 0 : pick(5);
      if (choice === 0) return conditions[pick(conditions.length)] as string;
      if (choice === 1) return `!(${build(depth + 1)})`;
      if (choice === 2) return `(${build(depth + 1)} && ${build(depth + 1)})`;
      if (choice === 3) return `{ ${build(depth + 1)} || ${build(depth + 1)} }`;
      return `${build(depth + 1)} && ${build(depth + 1)} || ${build(depth + 1)}`;
    };
    for (let i = 0; i < 300; i += 1) {
      const source = build(0);
      const ast = parse(source);
      const reference = compileClosure(ast);
      const generated = compilePredicate(ast);
      expect(spans.map((span) => generated(span)), source).toEqual(spans.map((span) => reference(span)));
    }
  });

  it('compares int64 values beyond 2^53 exactly', () => {
    const raw = spans[3] as Span;
    expect(compilePredicate(parse('span.big = 9007199254740993'))(raw)).toBe(true);
    expect(compilePredicate(parse('span.big = 9007199254740992'))(raw)).toBe(false);
    expect(compilePredicate(parse('span.big > 9007199254740992'))(raw)).toBe(true);
    expect(compilePredicate(parse('span.big in [1, 9007199254740993]'))(raw)).toBe(true);
  });

  it('never reads Object.prototype through an attribute key', () => {
    const [first, second, , raw] = spans as [Span, Span, Span, Span];
    expect(compilePredicate(parse('span.constructor = "own"'))(first)).toBe(true);
    expect(compilePredicate(parse('span.constructor != nil'))(second)).toBe(false);
    expect(compilePredicate(parse('span."__proto__" = "own proto"'))(raw)).toBe(true);
    expect(compilePredicate(parse('span."__proto__" = nil'))(first)).toBe(true);
    expect(compilePredicate(parse('exists(span.toString)'))(first)).toBe(false);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { ExpectationResult } from '../../../src/engine/index.ts';
import type { Trace } from '../../../src/model/trace.ts';
import type { ValueMatcher } from '../../../src/language/types.ts';
import { makeTrace } from '../../support/sdk-traces.ts';
import { assemble } from '../checkout-trace.ts';
import type { Implementation } from './implementations.ts';

/** The tests of evaluate-matchers, run against one implementation. */
export function runMatchersSuite(impl: Implementation): void {
  describe(impl.name, () => {
  let traces: readonly Trace[];
  beforeAll(async () => {
    const spans = await makeTrace([
      {
        name: 'GET /items',
        kind: 'server',
        service: 'catalog',
        attributes: {
          'http.response.status_code': 200,
          'http.route': '/items',
          ratio: 0.25,
          big: 9007199254740994,
          ok: true,
          tags: ['web', 'eu'],
          detail: { sku: 'A1', qty: 2, lines: [{ n: 1 }, { n: 2 }] } as never,
          payload: '{"items":[{"sku":"A1","qty":2},{"sku":"B2","qty":1}],"total":42.5}',
        },
      },
    ]);
    traces = assemble(spans);
  });

  /** Judges one attribute matcher on the catalog span. */
  function attr(key: string, matcher: ValueMatcher): ExpectationResult {
    const result = impl.evaluateNow([{ name: 'm', expect: [{ spans: 'service = "catalog"', attributes: { [key]: matcher } }] }], traces);
    return result.specs[0]?.expectations[1] as ExpectationResult;
  }

  function passes(key: string, matcher: ValueMatcher): void {
    const r = attr(key, matcher);
    expect(r.passed, r.message).toBe(true);
  }

  function failsWith(key: string, matcher: ValueMatcher, text: string): void {
    const r = attr(key, matcher);
    expect(r.passed).toBe(false);
    expect(r.message).toContain(text);
    expect(r.trace?.roots[0]?.marked).toBe(true);
  }

  describe('equality', () => {
    it('an int in a spec equals an int64 attribute; a string does not', () => {
      passes('http.response.status_code', 200);
      passes('span.http.response.status_code', { equals: 200 });
      failsWith('http.response.status_code', '200', 'attribute http.response.status_code: expected "200", got 200 (int)');
      failsWith('http.response.status_code', 201, 'expected 201, got 200 (int)');
    });
    it('ints beyond 2^53 arrive as int64 and compare exactly', () => {
      passes('big', { gt: 9007199254740992 });
      passes('big', 9007199254740994);
      failsWith('big', { lt: 100 }, 'expected < 100, got 9007199254740994 (int)');
    });
    it('doubles, booleans, bare lists', () => {
      passes('ratio', 0.25);
      passes('ok', true);
      failsWith('ok', false, 'expected false, got true (bool)');
      passes('tags', ['web', 'eu']);
      failsWith('tags', ['eu', 'web'], 'expected ["eu","web"], got ["web","eu"] (array)');
    });
    it('resource attributes', () => {
      passes('resource.service.name', 'catalog');
      failsWith('resource.service.name', 'orders', 'attribute resource.service.name: expected "orders", got "catalog" (string)');
    });
    it('notEquals', () => {
      passes('http.route', { notEquals: '/health' });
      failsWith('http.route', { notEquals: '/items' }, 'expected anything but "/items", got "/items" (string)');
    });
  });

  describe('ordering, numeric across int and double', () => {
    it('lt/lte/gt/gte', () => {
      passes('http.response.status_code', { gte: 200, lt: 300 });
      passes('ratio', { gt: 0, lte: 0.25 });
      passes('http.response.status_code', { gt: 199.5 });
      failsWith('http.response.status_code', { gte: 500 }, 'expected >= 500, got 200 (int)');
      failsWith('http.route', { gt: 5 }, 'expected a number > 5, got "/items" (string)');
    });
  });

  describe('regex, membership, contains, exists, type', () => {
    it('matches / notMatches on the string form', () => {
      passes('http.route', { matches: '^/it' });
      passes('http.response.status_code', { matches: '^2\\d\\d$' });
      failsWith('http.route', { matches: '^/orders' }, 'expected to match /^/orders/, got "/items" (string)');
      passes('http.route', { notMatches: 'health' });
      failsWith('http.route', { notMatches: 'items' }, 'expected not to match /items/');
    });
    it('in / notIn', () => {
      passes('http.response.status_code', { in: [200, 204] });
      failsWith('http.response.status_code', { in: [500, 503] }, 'expected one of [500, 503], got 200 (int)');
      passes('http.response.status_code', { notIn: [500] });
      failsWith('http.response.status_code', { notIn: [200] }, 'expected none of [200], got 200 (int)');
    });
    it('contains: substring of a string, element of an array', () => {
      passes('http.route', { contains: 'tem' });
      passes('tags', { contains: 'eu' });
      failsWith('tags', { contains: 'us' }, 'expected a list containing "us", got ["web","eu"] (array)');
    });
    it('exists', () => {
      passes('http.route', { exists: true });
      passes('http.nope', { exists: false });
      failsWith('http.nope', { exists: true }, 'attribute http.nope: expected it to exist, but it is absent');
      failsWith('http.route', { exists: false }, 'expected it to be absent, got "/items" (string)');
    });
    it('type', () => {
      passes('http.response.status_code', { type: 'int' });
      passes('detail', { type: 'kvlist' });
      failsWith('ratio', { type: 'int' }, 'expected type int, got 0.25 (double)');
    });
    it('an invalid regex fails the expectation with a clear message', () => {
      const r = attr('http.route', { matches: '(' });
      expect(r.passed).toBe(false);
      expect(r.message).toContain('invalid regular expression /(/');
    });
  });

  describe('jsonpath', () => {
    it('into a kvlist value: value, every, some, count', () => {
      passes('detail', { jsonpath: '$.sku', value: 'A1' });
      passes('detail', { jsonpath: '$.qty', value: { gte: 2 } });
      passes('detail', { jsonpath: '$.lines[*].n', every: { gt: 0 }, count: 2 });
      failsWith('detail', { jsonpath: '$.lines[*].n', every: { lt: 2 } }, 'jsonpath $.lines[*].n result #2: expected < 2, got 2 (int)');
      failsWith('detail', { jsonpath: '$.sku', value: 'B2' }, 'jsonpath $.sku: expected "B2", got "A1" (string)');
    });
    it('into a JSON string value', () => {
      passes('payload', { jsonpath: '$.items[*].sku', some: 'B2' });
      passes('payload', { jsonpath: '$.total', value: 42.5 });
      failsWith('payload', { jsonpath: '$.items[*].sku', some: 'C3' }, 'jsonpath $.items[*].sku: no result = "C3" among 2');
      failsWith('payload', { jsonpath: '$.items[*]', count: { max: 1 } }, 'expected at most 1 result, found 2');
      failsWith('http.route', { jsonpath: '$.x', value: 1 }, 'the string "/items" is not JSON');
    });
    it('a path that finds nothing fails', () => {
      failsWith('detail', { jsonpath: '$.missing' }, 'jsonpath $.missing found nothing');
    });
  });

  });
}

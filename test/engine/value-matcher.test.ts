import { describe, expect, it } from 'vitest';
import { compileValueMatcher } from '../../src/engine/value-matcher.ts';
import type { ValueMatcher } from '../../src/language/types.ts';

function tester(source: ValueMatcher): (value: unknown) => string | undefined {
  const compiled = compileValueMatcher(source);
  if (!compiled.ok) throw new Error(compiled.error);
  return (value) => compiled.value.test(value as never);
}

describe('regex matchers', () => {
  it('judge each value on its own, repeated or not (the last answer is remembered)', () => {
    const test = tester({ matches: '^(GET|POST)$' });
    const verdicts = ['GET', 'GET', 'PUT', 'PUT', 'POST', 200n, 'GET'].map((value) => test(value) === undefined);
    expect(verdicts).toEqual([true, true, false, false, true, false, true]);
    expect(test('PUT')).toBe('expected to match /^(GET|POST)$/, got "PUT" (string)');
    const negated = tester({ notMatches: '^GET$' });
    expect(['GET', 'POST', 'GET'].map((value) => negated(value) === undefined)).toEqual([false, true, false]);
  });

  it('stay right past the number of answers they keep', () => {
    const test = tester({ matches: '^id-[0-9]*[05]$' });
    // More distinct subjects than are kept, twice over, interleaved with repeats of early ones.
    const subjects = Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? 'id-5' : i % 11 === 0 ? 'id-3' : `id-${i}`));
    for (let round = 0; round < 2; round++) {
      expect(subjects.map((s) => test(s) === undefined)).toEqual(subjects.map((s) => /^id-[0-9]*[05]$/u.test(s)));
    }
  });
});

describe('jsonpath matchers', () => {
  it('judge each string on its own when strings alternate, valid or not (the last parse is remembered)', () => {
    const total = tester({ jsonpath: '$.total', value: { lte: 100 } });
    const first = tester({ jsonpath: '$.items[0].sku', value: 'A1' });
    const cheap = '{"items":[{"sku":"A1"}],"total":5}';
    const dear = '{"items":[{"sku":"B2"}],"total":500}';
    expect([cheap, cheap, dear, cheap, dear].map((json) => total(json) === undefined)).toEqual([true, true, false, true, false]);
    expect(first(cheap)).toBeUndefined();
    expect(first(dear)).toContain('"B2"');
    expect(total('{broken')).toContain('is not JSON');
    expect(total(cheap)).toBeUndefined();
    expect(total('{broken')).toContain('is not JSON');
  });
});

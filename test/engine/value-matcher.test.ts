import { describe, expect, it } from 'vitest';
import { compileValueMatcher } from '../../src/engine/value-matcher.ts';
import type { ValueMatcher } from '../../src/spec/types.ts';

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
});

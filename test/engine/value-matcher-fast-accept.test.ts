// The inline accepts that generated condition scans use must never accept a value the full test rejects.
import { describe, expect, it } from 'vitest';
import { compileValueMatcher } from '../../src/engine/value-matcher.ts';
import type { ValueMatcher } from '../../src/language/types.ts';

const MATCHERS: ValueMatcher[] = [
  '1.4.2', 'GET', '', 200, 0, -3, 1.5, true, false, null,
  { equals: 200 }, { equals: 'x' }, { exists: true }, { type: 'string' }, { type: 'bool' }, { type: 'int' }, { type: 'double' },
  { gt: 100 }, { gte: 200 }, { lt: 300 }, { lte: 0.5 }, { gte: 1, lte: 2, type: 'int' }, { in: [200, 503] }, { in: ['a', 'b', true] },
  { exists: true, type: 'string' }, { equals: 200, gte: 100 },
];
const VALUES: unknown[] = [
  undefined, null, '', '1.4.2', 'GET', 'x', 'a', 'b', '200', 200n, 200, 0n, 0, -3n, -3, 1.5, 0.5, 1n, 2n, 3n, 503n, 300n, 300, 99n, 100n,
  true, false, Number.NaN, 9007199254740993n, new Uint8Array([1, 2]), [200n], { k: 'v' },
];

describe('fast accepts of value matchers', () => {
  it('accept only values the full test accepts, and accept the common conforming ones', () => {
    let accepted = 0;
    for (const source of MATCHERS) {
      const compiled = compileValueMatcher(source);
      if (!compiled.ok) throw new Error(compiled.error);
      const { fastAccept, test } = compiled.value;
      expect(fastAccept, JSON.stringify(source)).toBeDefined();
      const accepts = new Function('v', `return ${fastAccept?.('v')};`) as (v: unknown) => boolean;
      for (const value of VALUES) {
        if (!accepts(value)) continue;
        accepted++;
        expect(test(value as never), `${JSON.stringify(source)} accepted ${String(value)}`).toBeUndefined();
      }
    }
    // The accepts are not vacuous: most matchers accept some value here.
    expect(accepted).toBeGreaterThan(MATCHERS.length);
  });

  it('leave matchers without an exact inline form to the full test', () => {
    for (const source of [{ matches: '^GET' }, { contains: 'x' }, { notEquals: 1 }, { exists: false }, { in: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, [1, 2]] as ValueMatcher[]) {
      const compiled = compileValueMatcher(source);
      expect(compiled.ok && compiled.value.fastAccept, JSON.stringify(source)).toBeFalsy();
    }
  });
});

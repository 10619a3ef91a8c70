import { describe, expect, it } from 'vitest';
import { regexProblem, specRegex } from '../../src/language/spec-regex.ts';

describe('spec regexes: JavaScript syntax plus the leading inline flags of TraceQL', () => {
  it('a leading (?i), (?s), (?m) or a combination applies to the whole pattern', () => {
    expect(specRegex('(?i)^get /orders').test('GET /orders/7')).toBe(true);
    expect(specRegex('(?is)^a.b$').test('A\nB')).toBe(true);
    expect(specRegex('(?m)^b$').test('a\nb')).toBe(true);
    expect(specRegex('(?i)x').flags).toBe('iu');
  });

  it('without flags, matching is case-sensitive with the u flag, as before', () => {
    expect(specRegex('^get').test('GET')).toBe(false);
    expect(specRegex('^get').flags).toBe('u');
    expect(() => specRegex('(')).toThrow(SyntaxError);
  });

  it('explains what JavaScript would call an "Invalid group"', () => {
    expect(regexProblem('(?i)^get')).toBeUndefined();
    expect(regexProblem('(?x)get')).toMatchObject({ reason: 'the inline flag "x" of "(?x)" is not supported', offset: 0 });
    expect(regexProblem('^a(?i)b')).toMatchObject({ offset: 2, hint: expect.stringContaining('"(?i)^ab"') });
    expect(regexProblem('(')).toMatchObject({ reason: 'Unterminated group' });
  });
});

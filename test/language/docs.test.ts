import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatSpecProblem } from '../../src/errors.ts';
import { loadSpecText } from '../../src/language/loader.ts';
import { NANOS_PER_UNIT } from '../../src/language/values.ts';

/**
 * The examples in docs/spec-language.md must stay valid: every YAML block that is a whole spec file is loaded
 * as it is, and every block that is a list of expectations is loaded inside a minimal spec.
 */
const doc = readFileSync('docs/spec-language.md', 'utf8');
const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/gu)].map((m) => m[1] ?? '');
const whole = blocks.filter((b) => /^(name|specs):/mu.test(b) && !b.includes('[...]'));
const expectations = blocks.filter((b) => b.startsWith('- '));

describe('docs/spec-language.md examples', () => {
  it('has examples of both forms', () => {
    expect(whole.length).toBeGreaterThanOrEqual(4);
    expect(expectations.length).toBeGreaterThanOrEqual(10);
  });

  it.each(whole.map((b, i) => [i, b]))('whole file example %i loads', (_i, text) => {
    const result = loadSpecText(text, 'doc.yaml', { env: { FRONTEND_SERVICE: 'storefront' } });
    expect(result.ok ? [] : result.error.map(formatSpecProblem)).toEqual([]);
  });

  it.each(expectations.map((b, i) => [i, b]))('expectation example %i loads', (_i, text) => {
    const wrapped = `name: doc\nexpect:\n${text.replace(/^/gmu, '  ')}`;
    const result = loadSpecText(wrapped, 'doc.yaml', { env: {} });
    expect(result.ok ? [] : result.error.map(formatSpecProblem)).toEqual([]);
  });
});

describe('the duration units the docs list', () => {
  const durations = /\*\*Durations\*\*:([\s\S]*?)\n\n/u.exec(doc)?.[1] ?? '';
  const selectorValues = /^\| duration \|.*$/mu.exec(readFileSync('docs/selectors.md', 'utf8'))?.[0] ?? '';

  it.each(Object.keys(NANOS_PER_UNIT))('include "%s", which durations accept', (unit) => {
    expect(durations).toContain(`\`${unit}\``);
    expect(selectorValues).toMatch(new RegExp(`[\\d\`]${unit}\``, 'u'));
  });
});

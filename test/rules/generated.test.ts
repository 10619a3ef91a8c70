import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DATA_FILE, DOCS_FILE, generateData } from '../../scripts/generate-semconv.ts';
import { renderRulesDoc } from '../../scripts/rules-doc.ts';
import { formatSpecProblem } from '../../src/errors.ts';
import { loadSpecText, SEMCONV_VERSION } from '../../src/language/index.ts';

describe('the generated convention data and rules reference', () => {
  it('src/language/rule-packs/semconv-data.ts is what scripts/generate-semconv.ts writes from the installed package', () => {
    expect(readFileSync(DATA_FILE, 'utf8'), 'stale: run node scripts/generate-semconv.ts').toBe(generateData());
  });

  it('records the version of @opentelemetry/semantic-conventions it was read from, which package.json pins', () => {
    const pinned = (JSON.parse(readFileSync('package.json', 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['@opentelemetry/semantic-conventions'];
    expect(pinned).toBe(SEMCONV_VERSION);
  });

  it('docs/instrumentation-rules.md is what the generator renders from the packs', () => {
    expect(readFileSync(DOCS_FILE, 'utf8'), 'stale: run node scripts/generate-semconv.ts').toBe(renderRulesDoc());
  });

  const doc = readFileSync(DOCS_FILE, 'utf8');
  const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/gu)].map((m) => m[1] ?? '');
  it.each(blocks.map((b, i) => [i, b] as const))('copy-paste block %i loads as a spec (or inside one)', (_i, text) => {
    const whole = /^name:/mu.test(text);
    const result = loadSpecText(whole ? text : `name: doc\nexpect:\n${text.replace(/^/gmu, '  ')}`, 'doc.yaml', { env: {} });
    expect(result.ok ? [] : result.error.map(formatSpecProblem)).toEqual([]);
  });
});

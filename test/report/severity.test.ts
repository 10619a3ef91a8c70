import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { evaluateSpecsNow, type RunResult } from '../../src/engine/index.ts';
import { validateSpecObject } from '../../src/language/index.ts';
import { createReporter, toJsonReport } from '../../src/report/index.ts';
import { checkoutTraces } from '../engine/checkout-trace.ts';

const schema = JSON.parse(readFileSync(new URL('../../schema/tracecheck-report.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

/** The checkout judged by one spec with a failing warning, a passing warning and a passing error. */
async function judged(warnOnly: boolean): Promise<RunResult> {
  const { traces } = await checkoutTraces();
  return evaluateSpecsNow(
    [
      {
        name: 'adopting rules',
        expect: [
          { name: 'no errors yet', noErrors: true, severity: 'warn' },
          { name: 'servers exist', spans: '{ kind = server }', severity: 'warn' },
          warnOnly ? { name: 'orders served', spans: '{ service = "orders" && kind = server }' } : { name: 'nowhere', spans: '{ service = "nowhere" }' },
        ],
      },
    ],
    traces,
  );
}

describe('severity: warn', () => {
  it('is reported and counted, but does not fail the spec or the run', async () => {
    const result = await judged(true);
    const [warned, passedWarn] = result.specs[0]?.expectations.slice(1) ?? [];
    expect(warned).toMatchObject({ name: 'no errors yet', passed: false, severity: 'warn' });
    expect(passedWarn).toMatchObject({ name: 'servers exist', passed: true, severity: 'warn' });
    expect(result.specs[0]?.passed).toBe(true);
    expect(result.passed).toBe(true);
  });

  it('leaves an ordinary failure beside it failing', async () => {
    const result = await judged(false);
    expect(result.specs[0]?.passed).toBe(false);
    expect(result.passed).toBe(false);
  });

  it('shows in the pretty report as a warning with its reason, counted apart from failures', async () => {
    const text = createReporter('pretty', { color: false }).render(await judged(true));
    expect(text).toMatch(/⚠ no errors yet \(warning\)/u);
    expect(text).toMatch(/^PASS .*Expectations: 1 warning, 3 passed, 4 total/mu);
  });

  it('is in the JSON report (severity per expectation, warnings in the summary) and the schema accepts it', async () => {
    const report = toJsonReport(await judged(true));
    expect(report.passed).toBe(true);
    expect(report.summary.expectations).toEqual({ total: 4, passed: 3, failed: 0, warnings: 1 });
    expect(report.specs[0]?.expectations.map((e) => e.severity)).toEqual(['error', 'warn', 'warn', 'error']);
    expect(validate(JSON.parse(JSON.stringify(report))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('is no <failure> in JUnit: a severity property and the text in <system-out>', async () => {
    const xml = createReporter('junit').render(await judged(true));
    expect(xml).toMatch(/<testsuites [^>]*failures="0"/u);
    expect(xml).toContain('<property name="tracecheck.warnings" value="1"/>');
    const testcase = /<testcase [^>]*name="no errors yet"[^>]*>([\s\S]*?)<\/testcase>/u.exec(xml)?.[1] ?? '';
    expect(testcase).toContain('<property name="tracecheck.severity" value="warn"/>');
    expect(testcase).toMatch(/<system-out>WARNING/u);
    expect(testcase).not.toContain('<failure');
  });

  it('is validated like every other key, with a did-you-mean', () => {
    const result = validateSpecObject({ name: 's', expect: [{ noErrors: true, severity: 'warning' }] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error[0]?.message).toContain('unknown severity "warning"');
    if (!result.ok) expect(result.error[0]?.hint).toContain('did you mean "warn"?');
  });
});

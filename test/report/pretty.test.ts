import { describe, expect, it } from 'vitest';
import { createPrettyReporter, createReporter } from '../../src/report/index.ts';
import { sampleRunResult } from './sample-results.ts';

const ANSI = new RegExp(String.raw`\u001b\[[0-9;]*m`);
const ANSI_ALL = new RegExp(ANSI.source, 'g');

describe('pretty reporter', () => {
  const text = createPrettyReporter({ color: false }).render(sampleRunResult());

  it('lists every spec and expectation with ✓ or ✗ and its name', () => {
    expect(text).toContain('✗ checkout crosses three services  specs/checkout.yaml:1:1');
    expect(text).toContain('    ✓ frontend serves GET /checkout');
    expect(text).toContain('    ✗ orders answers without error  specs/checkout.yaml:12:7');
    expect(text).toContain('✓ health is quiet');
  });

  it('explains a failure: message, expected vs actual, the trace with the offending span marked', () => {
    expect(text).toContain('1 of 3 spans has status error: orders · POST /orders (db down)');
    expect(text).toContain('expected: no span with status error');
    expect(text).toContain('actual:   1 span with status error');
    expect(text).toContain('trace 4bf92f3577b34da6a3ce929d0e0e4736 · 3 spans');
    expect(text).toMatch(/✗ +└─ orders · POST \/orders {2}server {2}118ms {2}error: db down {2}\(clock skew adjusted \+3\.2ms\) {2}← status = error/);
  });

  it('shows near misses for a selector that matched nothing', () => {
    expect(text).toContain('closest: orders · POST /orders — missed: kind = client');
  });

  it('ends with a summary line counting specs, expectations, spans, traces and time', () => {
    const last = text.trimEnd().split('\n').at(-1);
    expect(last).toBe(
      'FAIL  Specs: 1 failed, 1 passed, 2 total · Expectations: 2 failed, 2 passed, 4 total · 3 spans in 1 trace · 1.24s · run run-7f3a',
    );
  });

  it('writes no colour codes when colour is off and colours when it is on', () => {
    expect(text).not.toMatch(ANSI);
    const coloured = createReporter('pretty', { color: true }).render(sampleRunResult());
    expect(coloured).toMatch(ANSI);
    expect(coloured.replace(ANSI_ALL, '')).toBe(text);
  });

  it('says when the run had not settled and prints the run notes', () => {
    const out = createPrettyReporter({ color: false }).render({
      ...sampleRunResult(),
      settled: false,
      notes: [{ code: 'trace-incomplete', message: '2 spans still waited for a parent that never arrived', diagnostic: { count: 2 } }],
    });
    expect(out).toContain('Notes:');
    expect(out).toContain('! the run had not settled');
    expect(out).toContain('! 2 spans still waited for a parent that never arrived');
  });

  it('does not tell a run that passed before it settled to raise --timeout', () => {
    const result = sampleRunResult();
    const passing = result.specs.filter((spec) => spec.passed);
    const out = createPrettyReporter({ color: false }).render({ ...result, passed: true, settled: false, specs: passing });
    expect(out).toContain('PASS');
    expect(out).not.toContain('had not settled');
  });

  it('lists offending spans with their ids when the failure carries no trace', () => {
    const result = sampleRunResult();
    const spec = result.specs[0]!;
    const failing = { ...spec.expectations[1]!, trace: undefined };
    const out = createPrettyReporter({ color: false }).render({ ...result, specs: [{ ...spec, expectations: [failing] }] });
    expect(out).toContain('✗ orders · POST /orders  server  118ms  error: db down (trace 4bf92f3577b34da6a3ce929d0e0e4736, span 2222222222222222)');
  });

  it('prints PASS for a passing run', () => {
    const result = sampleRunResult();
    const out = createPrettyReporter({ color: false }).render({ ...result, passed: true, specs: [result.specs[1]!] });
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/^PASS {2}Specs: 1 passed, 1 total/);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { evaluateSpecsNow } from '../../src/engine/index.ts';
import { ACCELERATORS_ENV, ALL_ACCELERATORS, NO_ACCELERATORS, parseAccelerators, resolveAccelerators } from '../../src/engine/selectors/accelerators.ts';
import { acceleratorsForRunOf, GENERATE_AT_ONCE_SPANS, GENERATE_CODE_AFTER_SPANS } from '../../src/engine/selectors/generated.ts';
import { checkoutTraces } from './checkout-trace.ts';

describe('choosing the accelerators', () => {
  const saved = process.env[ACCELERATORS_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[ACCELERATORS_ENV];
    else process.env[ACCELERATORS_ENV] = saved;
  });

  it('reads on, off and lists of names, and refuses an unknown name with the known ones', () => {
    expect(parseAccelerators(undefined)).toEqual({ ok: true, value: ALL_ACCELERATORS });
    expect(parseAccelerators(' OFF ')).toEqual({ ok: true, value: NO_ACCELERATORS });
    expect(parseAccelerators('codegen, groups')).toEqual({ ok: true, value: { ...NO_ACCELERATORS, codegen: true, groups: true } });
    const bad = parseAccelerators('codegen,grups');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatch(/unknown accelerator "grups".*codegen, tiering, groups, memos, templates, structure, scans/u);
  });

  it('lets an option override the environment, as a whole or name by name', () => {
    const env = { [ACCELERATORS_ENV]: 'off' };
    expect(resolveAccelerators(undefined, env)).toEqual({ ok: true, value: NO_ACCELERATORS });
    expect(resolveAccelerators(true, env)).toEqual({ ok: true, value: ALL_ACCELERATORS });
    expect(resolveAccelerators({ groups: true }, env)).toEqual({ ok: true, value: { ...NO_ACCELERATORS, groups: true } });
  });

  it('gives the same verdicts either way, and a misspelt environment is a TC_OPTION_INVALID error', async () => {
    const { traces } = await checkoutTraces();
    const specs = [
      { name: 'pass', expect: [{ spans: 'service = "orders" && kind = server', count: 1 }] },
      { name: 'fail', expect: [{ spans: 'service = "nowhere"' }] },
    ];
    const on = evaluateSpecsNow(specs, traces, { accelerators: true });
    const off = evaluateSpecsNow(specs, traces, { accelerators: false });
    expect(off.specs.map((spec) => spec.passed)).toEqual(on.specs.map((spec) => spec.passed));
    expect(on.specs.map((spec) => spec.passed)).toEqual([true, false]);
    process.env[ACCELERATORS_ENV] = 'fast';
    expect(() => evaluateSpecsNow(specs, traces)).toThrow(/^TC_OPTION_INVALID: TRACECHECK_ACCELERATORS: unknown accelerator "fast"/u);
  });

  it('skips the closure tier for a run known to be large, and keeps every other choice', () => {
    expect(GENERATE_AT_ONCE_SPANS).toBeGreaterThan(GENERATE_CODE_AFTER_SPANS);
    expect(acceleratorsForRunOf(ALL_ACCELERATORS, GENERATE_AT_ONCE_SPANS - 1)).toBe(ALL_ACCELERATORS);
    expect(acceleratorsForRunOf(ALL_ACCELERATORS, GENERATE_AT_ONCE_SPANS)).toEqual({ ...ALL_ACCELERATORS, tiering: false });
    // Nothing to skip when tiering is already off, or the reference alone judges.
    expect(acceleratorsForRunOf(NO_ACCELERATORS, 1_000_000)).toBe(NO_ACCELERATORS);
    const noTiering = { ...ALL_ACCELERATORS, tiering: false };
    expect(acceleratorsForRunOf(noTiering, 1_000_000)).toBe(noTiering);
  });

  it('judges a run past that size as the reference does', async () => {
    const { traces } = await checkoutTraces();
    // The checkout traces repeated until the run is past the size that skips tiering.
    const perCopy = traces.reduce((n, trace) => n + trace.spans.length, 0);
    const copies = Math.ceil(GENERATE_AT_ONCE_SPANS / perCopy);
    const large = Array.from({ length: copies }, () => traces).flat();
    expect(large.reduce((n, trace) => n + trace.spans.length, 0)).toBeGreaterThanOrEqual(GENERATE_AT_ONCE_SPANS);
    const specs = [
      { name: 'servers', expect: [{ spans: 'service = "orders" && kind = server', attributes: { 'order.id': { exists: true } } }] },
      { name: 'absent', expect: [{ spans: 'service = "nowhere"', count: 0 }, { spans: 'kind = client', attributes: { 'http.request.method': 'PATCH' } }] },
    ];
    const on = evaluateSpecsNow(specs, large, { accelerators: true });
    const off = evaluateSpecsNow(specs, large, { accelerators: false });
    const verdicts = (result: typeof on): unknown => result.specs.map((spec) => spec.expectations.map((e) => [e.passed, e.message]));
    expect(verdicts(on)).toEqual(verdicts(off));
    expect(on.specs.map((spec) => spec.passed)).toEqual([true, false]);
  });
});

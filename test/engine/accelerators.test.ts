import { afterEach, describe, expect, it } from 'vitest';
import { evaluateSpecsNow } from '../../src/engine/index.ts';
import { ACCELERATORS_ENV, ALL_ACCELERATORS, NO_ACCELERATORS, parseAccelerators, resolveAccelerators } from '../../src/engine/selectors/accelerators.ts';
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
});

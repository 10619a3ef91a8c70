import type { SpecPath } from '../problem-collector.ts';
import type { Expectation, SpecDefinition } from '../types.ts';
import { rulePack } from './packs.ts';

/** One expectation a spec judges, and where it was written: its own under `expect`, a pack's rule at its `extends` entry. */
export interface SpecExpectation {
  readonly expectation: Expectation;
  readonly path: SpecPath;
}

/**
 * The expectations a spec judges: its own (`expect`), then the rules of each pack it `extends`, with its `rules`
 * overrides applied (`off` leaves a rule out, `warn`/`error` set its severity). A pack name that is not known is
 * returned in `unknownPacks` (the validator reports it with file:line:col; objects from code reach here unvalidated).
 *
 * @example
 * ```ts
 * const { expectations } = specExpectations({ name: 'clean', extends: ['tracecheck:hygiene'] });
 * console.log(expectations.map((e) => e.expectation.name));
 * ```
 */
export function specExpectations(spec: SpecDefinition): { expectations: SpecExpectation[]; unknownPacks: string[] } {
  const expectations: SpecExpectation[] = (spec.expect ?? []).map((expectation, i) => ({ expectation, path: ['expect', i] }));
  const unknownPacks: string[] = [];
  const seen = new Set<string>();
  (spec.extends ?? []).forEach((name, i) => {
    const pack = rulePack(name);
    if (pack === undefined) {
      unknownPacks.push(name);
      return;
    }
    for (const rule of pack.rules) {
      if (seen.has(rule.id)) continue;
      seen.add(rule.id);
      const override = spec.rules?.[rule.id];
      if (override?.severity === 'off') continue;
      const expectation = override === undefined ? rule.expectation : { ...rule.expectation, severity: override.severity };
      expectations.push({ expectation, path: override === undefined ? ['extends', i] : ['rules', rule.id] });
    }
  });
  return { expectations, unknownPacks };
}

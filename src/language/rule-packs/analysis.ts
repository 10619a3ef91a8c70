import type { SpansExpectation, SpecDefinition } from '../types.ts';
import { RULE_PACKS } from './packs.ts';

/** The name of the analysis spec of spans whose resource has no `service.name`. */
export const NO_SERVICE = '(no service.name)';

/**
 * The specs `tracecheck analyze` judges: one per service, holding every rule of every pack with its spans narrowed
 * to that service's (`{ service = "orders" } && (<the rule's spans>)`), so each service gets its own score and its
 * own offending spans. Ordinary specs: the engine and the reporters need nothing new.
 *
 * @example
 * ```ts
 * const specs = analysisSpecs(['orders', 'payments']);
 * console.log(specs[0]?.name); // service orders
 * ```
 */
export function analysisSpecs(services: readonly (string | undefined)[]): SpecDefinition[] {
  const rules = RULE_PACKS.flatMap((pack) => pack.rules);
  return [...new Set(services)].map((service) => {
    const clause = service === undefined ? 'service = nil' : `service = ${JSON.stringify(service)}`;
    return {
      name: `service ${service ?? NO_SERVICE}`,
      expect: rules.map((rule) => {
        const e = rule.expectation as SpansExpectation;
        return { ...e, spans: `{ ${clause} } && (${e.spans})` };
      }),
    };
  });
}

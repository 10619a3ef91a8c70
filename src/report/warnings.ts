import type { ExpectationResult } from '../engine/index.ts';

/**
 * Whether an expectation result is a warning: it failed, but was written with `severity: warn`, so it is
 * reported and counted without failing its spec. Every reporter counts failures and warnings apart with this.
 *
 * @example
 * ```ts
 * const warnings = spec.expectations.filter(isWarning).length;
 * ```
 */
export function isWarning(e: ExpectationResult): boolean {
  return !e.passed && e.severity === 'warn';
}

/** Whether an expectation result is a failure that counts: failed, with the default severity `error`. */
export function isFailure(e: ExpectationResult): boolean {
  return !e.passed && e.severity !== 'warn';
}

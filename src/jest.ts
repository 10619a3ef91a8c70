/**
 * `tracecheck/jest`: importing it adds the tracecheck matchers to jest's global `expect`
 * (`await expect(run).toSatisfySpec(spec)`, `await expect(run).toHaveSpan(selector)`), with their types.
 *
 * @example
 * ```js
 * import { useSuiteCollector } from 'tracecheck/jest';
 * const suite = useSuiteCollector();
 * test.concurrent('checkout', async () => {
 *   const run = suite.run();
 *   await fetch(`${gatewayUrl}/checkout`, { method: 'POST', headers: run.headers(), body });
 *   await expect(run).toHaveSpan('service = "inventory" && kind = server');
 * });
 * ```
 */
import type {} from 'expect';
import { TracecheckError } from './errors.ts';
import { connectSuiteCollector, tracecheckMatchers } from './testing/index.ts';
import type { RemoteCollector, TracecheckMatchers } from './testing/index.ts';

declare module 'expect' {
  // The augmentation adds the matchers and nothing else: a member that is not a matcher function would show up
  // on every `expect(...)`. `T` is unused but must be declared: merged declarations need identical type parameters.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
  interface Matchers<R extends void | Promise<void>, T = unknown> extends TracecheckMatchers<R> {}
}

interface JestGlobals {
  readonly expect?: { extend(matchers: Record<string, unknown>): void };
  readonly afterAll?: (fn: () => Promise<void>) => void;
}

const globals = globalThis as JestGlobals;
// Jest injects `expect` as a global in every test file (ESM included); there is nothing to import it from here.
if (globals.expect === undefined) {
  throw new TracecheckError('TC_NOT_IN_JEST', 'tracecheck/jest was imported outside a jest test file (no global expect); in vitest import tracecheck/vitest');
}
globals.expect.extend(tracecheckMatchers);

/**
 * Connects this test file to the suite collector (`TRACECHECK_URL`, set by `startSuiteCollector` in jest's
 * globalSetup) and closes the connection after the file's tests. Each test takes a fresh run with `suite.run()`.
 */
export function useSuiteCollector(): RemoteCollector {
  const suite = connectSuiteCollector();
  globals.afterAll?.(() => suite.close());
  return suite;
}

export { tracecheckMatchers };
export type { TracecheckMatchers };

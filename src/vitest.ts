/**
 * `tracecheck/vitest`: importing it adds the tracecheck matchers to vitest's `expect`
 * (`await expect(run).toSatisfySpec(spec)`, `await expect(run).toHaveSpan(selector)`), with their types.
 *
 * @example
 * ```ts
 * import { test, expect } from 'vitest';
 * import { useSuiteCollector } from 'tracecheck/vitest';
 * const suite = useSuiteCollector();
 * test.concurrent('checkout', async () => {
 *   const run = suite.run();
 *   await fetch(`${gatewayUrl}/checkout`, { method: 'POST', headers: run.headers(), body });
 *   await expect(run).toHaveSpan('service = "inventory" && kind = server');
 * });
 * ```
 */
import { afterAll, expect, inject } from 'vitest';
import { connectSuiteCollector, tracecheckMatchers } from './testing/index.ts';
import type { RemoteCollector, SuiteConnection, TracecheckMatchers } from './testing/index.ts';

expect.extend(tracecheckMatchers);

declare module 'vitest' {
  // Every member of vitest's `Matchers` must be a matcher function (its `MatchersObject` takes `Parameters<>` of
  // each), so the augmentation adds the matchers and nothing else. `T` is unused but must be declared: merged
  // declarations need identical type parameters.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars
  interface Matchers<R extends void | Promise<void> = void | Promise<void>, T = unknown> extends TracecheckMatchers<R> {}
  interface ProvidedContext {
    /** How workers reach the suite collector: `provide('tracecheck', suite.connection)` in globalSetup. */
    tracecheck: SuiteConnection;
  }
}

/**
 * Connects this test file to the suite collector (from `inject('tracecheck')`, else `TRACECHECK_URL`) and closes
 * the connection after the file's tests. Each test takes a fresh run with `suite.run()`.
 */
export function useSuiteCollector(): RemoteCollector {
  let connection: SuiteConnection | undefined;
  try {
    connection = inject('tracecheck');
  } catch {
    connection = undefined;
  }
  const suite = connectSuiteCollector(connection);
  afterAll(() => suite.close());
  return suite;
}

export { tracecheckMatchers };
export type { TracecheckMatchers };

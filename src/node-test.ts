/**
 * `tracecheck/node-test`: assertions for `node:test` (or any code that wants an `AssertionError`), and a helper
 * that gives a test file the suite collector.
 *
 * @example
 * ```ts
 * import { test } from 'node:test';
 * import { assertSpec, useSuiteCollector } from 'tracecheck/node-test';
 * const suite = useSuiteCollector();
 * test('checkout', async () => {
 *   const run = suite.run();
 *   await fetch(`${gatewayUrl}/checkout`, { method: 'POST', headers: run.headers(), body });
 *   await assertSpec(run, { name: 'reaches inventory', expect: [{ spans: 'service = "inventory"' }] });
 * });
 * ```
 */
import { AssertionError } from 'node:assert';
import { after } from 'node:test';
import { connectSuiteCollector, describeFailure, judgeHaveSpan } from './testing/index.ts';
import type {
  ExpectOptions,
  ExpectResult,
  HaveSpanOptions,
  RemoteCollector,
  SpecObject,
  SuiteConnection,
  TestRun,
} from './testing/index.ts';

/**
 * Judges a spec object against the run and throws `assert.AssertionError` when it fails (or is invalid), with
 * the plain `pretty` report as the message. Resolves with the result when it passes.
 */
export async function assertSpec(run: TestRun, spec: SpecObject, options?: ExpectOptions): Promise<ExpectResult> {
  return asserted(await run.expect(spec, options), 'assertSpec');
}

function asserted(result: ExpectResult, operator: string): ExpectResult {
  if (!result.passed) {
    throw new AssertionError({ message: describeFailure(result), actual: false, expected: true, operator });
  }
  return result;
}

/** Throws `assert.AssertionError` unless some span of the run matches the selector (and options). */
export async function assertSpan(run: TestRun, selector: string, options: HaveSpanOptions = {}): Promise<ExpectResult> {
  return asserted(await judgeHaveSpan(run, selector, options, { absent: false }), 'assertSpan');
}

/** Throws `assert.AssertionError` if any span of the settled run matches the selector. */
export async function assertNoSpan(run: TestRun, selector: string, options: ExpectOptions = {}): Promise<ExpectResult> {
  return asserted(await judgeHaveSpan(run, selector, options, { absent: true }), 'assertNoSpan');
}

/**
 * Connects this test file to the suite collector (the given connection, else `TRACECHECK_URL`) and closes the
 * connection in the file's `after` hook. Each test takes a fresh run with `suite.run()`.
 */
export function useSuiteCollector(connection?: SuiteConnection): RemoteCollector {
  const suite = connectSuiteCollector(connection);
  after(() => suite.close());
  return suite;
}

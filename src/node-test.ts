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
import { connectSuiteCollector, describeFailure, judgeHaveSpan, matchTraceSnapshot } from './testing/index.ts';
import type {
  ExpectOptions,
  ExpectResult,
  HaveSpanOptions,
  RemoteCollector,
  SpecObject,
  SuiteConnection,
  TestRun,
  TraceSnapshotOptions,
  TraceSnapshotOutcome,
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

/** The part of node:test's `TestContext` a trace snapshot reads (Node 22.6+ has both). */
export interface SnapshotTestContext {
  readonly fullName: string;
  readonly filePath: string | undefined;
}

/**
 * node:test's `toMatchTraceSnapshot()`: throws `assert.AssertionError` unless the run's traces have the shapes
 * recorded for this test in `__trace_snapshots__/` beside the test file. A missing snapshot is recorded (and, under
 * CI, fails instead); `node --test --test-update-snapshots` (as for `t.assert.snapshot`) or
 * `TRACECHECK_UPDATE_SNAPSHOTS=1` records it again. See docs/snapshots.md.
 *
 * @example
 * ```ts
 * test('checkout', async (t) => {
 *   const run = suite.run();
 *   await fetch(`${gatewayUrl}/checkout`, { method: 'POST', headers: run.headers(), body });
 *   await assertTraceSnapshot(t, run);
 * });
 * ```
 */
export async function assertTraceSnapshot(t: SnapshotTestContext, run: TestRun, name?: string, options?: TraceSnapshotOptions): Promise<TraceSnapshotOutcome> {
  if (t.filePath === undefined) throw new AssertionError({ message: 'tracecheck: assertTraceSnapshot needs the test file (t.filePath, Node 22.6 or later)', operator: 'assertTraceSnapshot' });
  const update = process.execArgv.includes('--test-update-snapshots') || process.env['TRACECHECK_UPDATE_SNAPSHOTS'] === '1' ? 'all' : isCi(process.env) ? 'none' : 'new';
  const outcome = await matchTraceSnapshot(run, { testPath: t.filePath, testName: name === undefined ? t.fullName : `${t.fullName} ${name}`, update }, options);
  if (!outcome.pass) throw new AssertionError({ message: outcome.message, actual: false, expected: true, operator: 'assertTraceSnapshot' });
  return outcome;
}

/** CI as vitest and jest recognise it in the common case: `CI` set to anything but `false` or `0`. */
function isCi(env: NodeJS.ProcessEnv): boolean {
  const ci = env['CI'];
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
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

import { withDefaultTimeout } from './expect-options.ts';
import type { ExpectOptions } from './expect-options.ts';
import type { ExpectResult, SpecObject } from './expect-specs.ts';
import { describeFailure } from './failure-message.ts';
import { judgeHaveSpan } from './have-span.ts';
import type { HaveSpanOptions } from './have-span.ts';
import { matcherDeadline } from './test-deadline.ts';
import type { MatcherDeadline } from './test-deadline.ts';
import type { RunnerTask } from './test-deadline.ts';
import type { TestRun } from './test-run.ts';
import { matchTraceSnapshot, type SnapshotUpdate, type TraceSnapshotOptions } from './trace-snapshot.ts';

/** What a matcher returns to vitest's and jest's `expect`: both take this shape. */
export interface MatcherOutcome {
  readonly pass: boolean;
  readonly message: () => string;
}

/** The part of the runners' matcher context the matchers read. */
export interface MatcherContext {
  /** True under `.not`. */
  readonly isNot?: boolean;
  /** vitest's current test: its timeout bounds the matcher's default deadline (jest's is read from jest-circus). */
  readonly task?: RunnerTask;
  /** The test file and the test's full name (vitest and jest both give them). */
  readonly testPath?: string;
  readonly currentTestName?: string;
  /**
   * The runner's snapshot state, whose `_updateSnapshot` (private in the types, read as jest-image-snapshot does)
   * is `all` under `-u`, `new` by default and `none` under CI, in vitest and jest alike.
   */
  readonly snapshotState?: unknown;
}

export type { HaveSpanOptions };

function isTestRun(value: unknown): value is TestRun {
  return typeof value === 'object' && value !== null && typeof (value as { expect?: unknown }).expect === 'function';
}

function notARun(received: unknown): MatcherOutcome {
  const what = received === null ? 'null' : typeof received === 'object' ? `an object without expect()` : typeof received;
  return {
    pass: false,
    message: () => `tracecheck: expect(run) needs a tracecheck run (collector.run() or connectCollector(url).run()), got ${what}`,
  };
}

/** The deadline the matcher applies itself: `undefined` when the options set one (`timeout`, `timeoutMillis`). */
function defaultDeadline(context: MatcherContext, options: unknown): MatcherDeadline | undefined {
  const written = (options ?? {}) as { readonly timeout?: unknown; readonly timeoutMillis?: unknown };
  if (typeof written !== 'object' || written.timeout !== undefined || written.timeoutMillis !== undefined) return undefined;
  return matcherDeadline(context.task);
}

/** The failure text, and how long the matcher waited when it chose the deadline, so a user knows how to wait longer. */
function failureText(result: ExpectResult, deadline: MatcherDeadline | undefined): string {
  const text = describeFailure(result);
  if (deadline === undefined || result.problems.length > 0) return text;
  return `${text}\n(tracecheck waited at most ${deadline.timeoutMillis} ms, ${deadline.reason}: give the matcher { timeout: '...' }, or the test a longer timeout, to wait longer)`;
}

function outcomeOf(result: ExpectResult, isNot: boolean, negatedText: () => string, deadline: MatcherDeadline | undefined): MatcherOutcome {
  // An invalid spec fails the assertion whether or not it is negated: nothing was judged.
  if (result.problems.length > 0) return { pass: isNot, message: () => describeFailure(result) };
  return { pass: result.passed, message: () => (result.passed ? negatedText() : failureText(result, deadline)) };
}

/**
 * `await expect(run).toSatisfySpec(spec, options?)`: the run satisfies a spec object (one spec, a list, or
 * `{ specs }`), judged as `tracecheck run` judges files. The failure message is the plain `pretty` report.
 */
async function toSatisfySpec(this: MatcherContext, received: unknown, spec: SpecObject, options?: ExpectOptions): Promise<MatcherOutcome> {
  if (!isTestRun(received)) return notARun(received);
  const deadline = defaultDeadline(this, options);
  const result = await received.expect(spec, deadline === undefined ? options : withDefaultTimeout(options, deadline.timeoutMillis));
  return outcomeOf(result, this.isNot === true, () => `tracecheck: expected run ${result.runId} not to satisfy the spec, but every expectation held`, deadline);
}

/**
 * `await expect(run).toHaveSpan(selector, options?)`: some span of the run matches the selector (and the
 * expectation options, e.g. `attributes`, `count`). Under `.not`, no span may match once the run has settled.
 */
async function toHaveSpan(this: MatcherContext, received: unknown, selector: string, options: HaveSpanOptions = {}): Promise<MatcherOutcome> {
  if (!isTestRun(received)) return notARun(received);
  const isNot = this.isNot === true;
  const deadline = defaultDeadline(this, options);
  const mode = deadline === undefined ? {} : { defaultTimeoutMillis: deadline.timeoutMillis };
  if (isNot) {
    // Absence is judged on the settled run, so the assertion does not pass merely because spans are late.
    const result = await judgeHaveSpan(received, selector, options, { ...mode, absent: true });
    // The runner inverts `pass` under `.not`: spans present (or an invalid spec) must fail the assertion.
    return { pass: !result.passed, message: () => failureText(result, deadline) };
  }
  const result = await judgeHaveSpan(received, selector, options, { ...mode, absent: false });
  return outcomeOf(result, false, () => `tracecheck: expected run ${result.runId} to have no span ${selector}`, deadline);
}

/**
 * `await expect(run).toMatchTraceSnapshot(name?, options?)`: the run's traces have the shapes recorded for this
 * test in `__trace_snapshots__/` beside the test file; the first run (or `-u`) records them. See docs/snapshots.md.
 */
async function toMatchTraceSnapshot(this: MatcherContext, received: unknown, name?: string, options?: TraceSnapshotOptions): Promise<MatcherOutcome> {
  if (!isTestRun(received)) return notARun(received);
  if (this.testPath === undefined || this.currentTestName === undefined) {
    return { pass: false, message: () => 'tracecheck: toMatchTraceSnapshot() needs the runner\'s test file and test name (call it inside a vitest or jest test)' };
  }
  const state = (this.snapshotState as { readonly _updateSnapshot?: unknown } | undefined)?._updateSnapshot;
  const update: SnapshotUpdate = state === 'all' || state === 'none' ? state : 'new';
  const testName = name === undefined ? this.currentTestName : `${this.currentTestName} ${name}`;
  const outcome = await matchTraceSnapshot(received, { testPath: this.testPath, testName, update }, options);
  return { pass: outcome.pass, message: () => outcome.message };
}

/**
 * The matchers, for `expect.extend(tracecheckMatchers)` in vitest or jest (`tracecheck/vitest` and
 * `tracecheck/jest` do it on import).
 *
 * @example
 * ```ts
 * import { expect } from 'vitest';
 * expect.extend(tracecheckMatchers);
 * await expect(run).toHaveSpan('service = "orders" && kind = server', { attributes: { 'order.id': 'A-1' } });
 * ```
 */
export const tracecheckMatchers = { toSatisfySpec, toHaveSpan, toMatchTraceSnapshot };

/** The matchers' signatures as a runner's `Assertion` shows them (the received run is implicit). */
export interface TracecheckMatchers<R = unknown> {
  /** The run satisfies the spec object; the failure message is the plain `pretty` report. */
  toSatisfySpec(spec: SpecObject, options?: ExpectOptions): Promise<R>;
  /** Some span of the run matches the selector (and options); under `.not`, none does once the run settled. */
  toHaveSpan(selector: string, options?: HaveSpanOptions): Promise<R>;
  /** The run's traces have the shapes recorded for this test (recorded on the first run, and under `-u`). */
  toMatchTraceSnapshot(name?: string, options?: TraceSnapshotOptions): Promise<R>;
}

import { DEFAULT_EVALUATE_TIMEOUT_MILLIS } from '../engine/index.ts';

/**
 * A matcher's default deadline when the runner's test timeout cannot be read: below the 5 s that vitest and jest
 * give a test by default, so tracecheck's explanation arrives before the runner's bare "Test timed out".
 */
export const FALLBACK_MATCHER_TIMEOUT_MILLIS = 4000;

/** The least a matcher waits, even when the test has (by our reckoning) almost no time left. */
const MIN_MATCHER_TIMEOUT_MILLIS = 100;

/** The part of vitest's current test (`this.task` of a matcher, `expect.getState().task`) read here. */
export interface RunnerTask {
  /** The test's timeout in milliseconds; 0 for none. */
  readonly timeout?: number;
  /** `startTime` is `Date.now()` when the test (with its `beforeEach` hooks) started. */
  readonly result?: { readonly startTime?: number };
}

/** A test as the runners describe it: its timeout and when it started, both in milliseconds. */
interface RunningTest {
  readonly timeoutMillis: number;
  readonly startedAtMillis: number | undefined;
}

type Clock = () => number;
// Captured when tracecheck is imported, before a test can install fake timers (the runners do the same).
const jestNow = (globalThis as Record<symbol, unknown>)[Symbol.for('jest-native-now')];
const realNow: Clock = typeof jestNow === 'function' ? (jestNow as Clock) : Date.now;

function vitestTest(task: RunnerTask | undefined): RunningTest | undefined {
  if (typeof task?.timeout !== 'number') return undefined;
  return { timeoutMillis: task.timeout, startedAtMillis: task.result?.startTime };
}

/** The fields of jest-circus's state read here (jest-circus `state.ts`, `types.ts`). */
interface JestCircusState {
  readonly testTimeout?: number;
  readonly currentlyRunningTest?: { readonly timeout?: number; readonly startedAt?: number | null } | null;
}

/**
 * jest-circus keeps its state on the test environment's global under `Symbol('JEST_STATE_SYMBOL')`, a symbol it
 * does not register, so it is found by its description. `test(name, fn, timeout)` overrides `testTimeout`.
 */
function jestTest(): RunningTest | undefined {
  const key = Object.getOwnPropertySymbols(globalThis).find((s) => s.description === 'JEST_STATE_SYMBOL');
  if (key === undefined) return undefined;
  const state = (globalThis as Record<symbol, unknown>)[key] as JestCircusState | undefined;
  const test = state?.currentlyRunningTest;
  if (test === undefined || test === null) return undefined;
  const timeoutMillis = test.timeout || state?.testTimeout;
  if (typeof timeoutMillis !== 'number') return undefined;
  return { timeoutMillis, startedAtMillis: test.startedAt ?? undefined };
}

/** Time kept back from the runner's timeout for the last judgement, the message and the runner's own reporting. */
function marginMillis(timeoutMillis: number): number {
  return Math.min(1000, Math.max(250, timeoutMillis / 10));
}

/** A matcher's default deadline, and where it came from, for the failure message. */
export interface MatcherDeadline {
  readonly timeoutMillis: number;
  /** E.g. `what was left of the test's 5000 ms timeout`. */
  readonly reason: string;
}

/**
 * The deadline a matcher uses when the user gave none: what is left of the current test's own timeout (vitest's
 * `task.timeout`, jest-circus's test or `testTimeout`) minus a margin, so a failing assertion ends with
 * tracecheck's explanation rather than the runner's bare timeout; at most the engine's default (10 s); the
 * engine's default for a test without a timeout; {@link FALLBACK_MATCHER_TIMEOUT_MILLIS} when no runner says.
 *
 * @example
 * ```ts
 * // in a vitest matcher, 300 ms into a test with vitest's default 5000 ms timeout:
 * matcherDeadline(this.task); // { timeoutMillis: 4200, reason: "what was left of the test's 5000 ms timeout" }
 * ```
 */
export function matcherDeadline(task?: RunnerTask): MatcherDeadline {
  const test = vitestTest(task) ?? jestTest();
  if (test === undefined) return { timeoutMillis: FALLBACK_MATCHER_TIMEOUT_MILLIS, reason: 'the default outside a known test runner' };
  if (!Number.isFinite(test.timeoutMillis) || test.timeoutMillis <= 0) return { timeoutMillis: DEFAULT_EVALUATE_TIMEOUT_MILLIS, reason: 'the default' };
  const elapsed = test.startedAtMillis === undefined ? 0 : Math.max(0, realNow() - test.startedAtMillis);
  const left = test.timeoutMillis - elapsed - marginMillis(test.timeoutMillis);
  if (left >= DEFAULT_EVALUATE_TIMEOUT_MILLIS) return { timeoutMillis: DEFAULT_EVALUATE_TIMEOUT_MILLIS, reason: 'the default' };
  return { timeoutMillis: Math.max(MIN_MATCHER_TIMEOUT_MILLIS, Math.floor(left)), reason: `what was left of the test's ${test.timeoutMillis} ms timeout` };
}

import type { LocatedSpecProblem, SpansExpectation } from '../language/index.ts';
import { EXPECT_OPTION_KEYS, nearOptionHint, optionProblem, withDefaultTimeout } from './expect-options.ts';
import type { ExpectOptions } from './expect-options.ts';
import type { ExpectResult } from './expect-specs.ts';
import type { TestRun } from './test-run.ts';

/** Options of `toHaveSpan`/`assertSpan`: the rest of a `spans` expectation (count, attributes, status, ...), and the engine's. */
export type HaveSpanOptions = Omit<SpansExpectation, 'spans'> & ExpectOptions;

/** How {@link judgeHaveSpan} judges: presence or absence, and the deadline when the options set none. */
export interface HaveSpanMode {
  /** True for `.not.toHaveSpan`/`assertNoSpan`: no span may match once the run has settled. */
  readonly absent: boolean;
  readonly defaultTimeoutMillis?: number;
}

/** The options split into the engine's ({@link EXPECT_OPTION_KEYS}) and the rest, which is the expectation. */
function split(options: Readonly<Record<string, unknown>>): { engine: ExpectOptions; expectation: Record<string, unknown> } {
  const engine: Record<string, unknown> = {};
  const expectation: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if ((EXPECT_OPTION_KEYS as readonly string[]).includes(key)) engine[key] = value;
    else expectation[key] = value;
  }
  return { engine: engine as ExpectOptions, expectation };
}

/**
 * A problem the validator finds in the expectation built from the options (`expect[0].atributes`) is about an
 * option the user wrote, and is named as one (`options.atributes`, unknown option, did you mean "attributes"?);
 * one in the expectation's `spans` is about the selector argument.
 */
function asOptionProblems(result: ExpectResult, written: Readonly<Record<string, unknown>>): ExpectResult {
  if (result.problems.length === 0) return result;
  const problems = result.problems.map((problem) => {
    const path = 'path' in problem ? (problem as LocatedSpecProblem).path : undefined;
    if (path?.[0] !== 'expect' || path[1] !== 0 || typeof path[2] !== 'string') return problem;
    const [, , key, ...rest] = path;
    const message = problem.message.replace(/^at [^:]*: /, '');
    if (key === 'spans') return optionProblem(['selector', ...rest], message, problem.hint);
    if (!Object.hasOwn(written, key)) return problem;
    if (rest.length === 0 && message.startsWith(`unknown key "${key}"`)) {
      return optionProblem(['options', key], `unknown option "${key}"`, nearOptionHint(key) ?? problem.hint);
    }
    return optionProblem(['options', key, ...rest], message, problem.hint);
  });
  return { ...result, problems };
}

/**
 * Judges "some span of the run matches the selector (and the expectation options)", or under `absent` that none
 * does once the run has settled: the spec behind `toHaveSpan`, `assertSpan` and `assertNoSpan`.
 */
export async function judgeHaveSpan(run: TestRun, selector: string, options: HaveSpanOptions | undefined, mode: HaveSpanMode): Promise<ExpectResult> {
  const written = (options ?? {}) as Readonly<Record<string, unknown>>;
  const { engine, expectation } = split(written);
  const engineOptions = mode.defaultTimeoutMillis === undefined ? engine : withDefaultTimeout(engine, mode.defaultTimeoutMillis);
  const spec = mode.absent
    ? { name: `no span ${selector}`, expect: [{ ...expectation, spans: selector, count: 'none' as const, scope: 'run' as const }] }
    : { name: `has span ${selector}`, expect: [{ ...expectation, spans: selector, scope: 'run' as const }] };
  return asOptionProblems(await run.expect(spec, engineOptions), written);
}

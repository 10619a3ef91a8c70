import { evaluateSpecs } from '../engine/index.ts';
import type { RunResult } from '../engine/index.ts';
import type { SpecProblem } from '../errors.ts';
import { validateSpecObject } from '../language/index.ts';
import type { SpecDefinition } from '../language/index.ts';
import type { RunSource } from '../store/index.ts';
import { normaliseExpectOptions } from './expect-options.ts';
import type { ExpectOptions } from './expect-options.ts';

/**
 * What `run.expect()` takes: one spec, a list of specs, or `{ specs: [...] }`, exactly as a spec file would
 * hold them. Typed as the spec schema; checked at run time by the same validator as files.
 */
export type SpecObject = SpecDefinition | readonly SpecDefinition[] | { readonly specs: readonly SpecDefinition[] };

export type { ExpectOptions };

/**
 * The result of `run.expect()`: the {@link RunResult} the CLI gets for the same specs, plus the problems of an
 * invalid spec object. When `problems` is not empty nothing was judged, `passed` is false and `specs` is empty.
 */
export interface ExpectResult extends RunResult {
  /**
   * What is wrong with the spec object, as the file validator says it, or with the options; objects have no file
   * positions, so each message names the path instead (`at expect[2].spans: ...`, `at options.timout: ...`), and
   * `line`/`col` are 0.
   */
  readonly problems: readonly SpecProblem[];
}

/** File name that spec-object problems carry. */
export const SPEC_OBJECT_FILE = '<spec object>';

/**
 * Validates a spec object with the spec-file validator, then judges it against a run with the engine, waiting
 * as the CLI does (positive expectations decide as soon as they hold, the rest once the run settles). Never
 * throws for a failing or invalid spec: the result says so.
 *
 * @example
 * ```ts
 * const result = await expectSpecs(run, { name: 'checkout', expect: [{ spans: 'service = "orders" && kind = server' }] });
 * if (!result.passed) console.log(createReporter('pretty', { color: false }).render(result));
 * ```
 */
export async function expectSpecs(source: RunSource, specs: SpecObject, options: ExpectOptions = {}): Promise<ExpectResult> {
  const started = performance.now();
  const engineOptions = normaliseExpectOptions(options);
  const env = engineOptions.ok ? engineOptions.value.env : undefined;
  const validated = validateSpecObject(specs, undefined, SPEC_OBJECT_FILE, env === undefined ? {} : { env });
  const problems = [...(engineOptions.ok ? [] : engineOptions.error), ...(validated.ok ? [] : validated.error)];
  if (!validated.ok || !engineOptions.ok) {
    const traces = source.traces();
    const what = validated.ok ? 'the options are' : engineOptions.ok ? 'the spec object is' : 'the spec object and the options are';
    return {
      runId: source.id,
      passed: false,
      specs: [],
      spanCount: traces.reduce((n, t) => n + t.spans.length, 0),
      traceCount: traces.length,
      settled: false,
      notes: [{
        code: 'not-judged',
        message: `${what} invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was judged`,
        diagnostic: { count: problems.length },
      }],
      durationMillis: performance.now() - started,
      problems,
    };
  }
  const result = await evaluateSpecs(validated.value, source, engineOptions.value);
  return { ...result, problems: [] };
}

/** Formats a spec-object problem: its path and message, and the hint when there is one. */
export function formatSpecObjectProblem(problem: SpecProblem): string {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.col} ` : '';
  return `${where}${problem.message}${problem.hint === undefined ? '' : ` (${problem.hint})`}`;
}

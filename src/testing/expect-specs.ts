import { evaluateSpecs } from '../engine/evaluate.ts';
import type { EvaluateOptions } from '../engine/evaluate.ts';
import type { RunResult } from '../engine/results.ts';
import type { SpecProblem } from '../errors.ts';
import type { SpecDefinition } from '../spec/types.ts';
import { validateSpecObject } from '../spec/validate.ts';
import type { RunSource } from '../store/run-source.ts';

/**
 * What `run.expect()` takes: one spec, a list of specs, or `{ specs: [...] }`, exactly as a spec file would
 * hold them. Typed as the spec schema; checked at run time by the same validator as files.
 */
export type SpecObject = SpecDefinition | readonly SpecDefinition[] | { readonly specs: readonly SpecDefinition[] };

/** Options of `run.expect()`: the engine's (deadline, quiet period, `${env:...}` values). */
export type ExpectOptions = EvaluateOptions;

/**
 * The result of `run.expect()`: the {@link RunResult} the CLI gets for the same specs, plus the problems of an
 * invalid spec object. When `problems` is not empty nothing was judged, `passed` is false and `specs` is empty.
 */
export interface ExpectResult extends RunResult {
  /**
   * What is wrong with the spec object, as the file validator says it; objects have no file positions, so each
   * message names the path instead (`at expect[2].spans: ...`), and `line`/`col` are 0.
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
  const validated = validateSpecObject(specs, undefined, SPEC_OBJECT_FILE, options.env === undefined ? {} : { env: options.env });
  if (!validated.ok) {
    const traces = source.traces();
    return {
      runId: source.id,
      passed: false,
      specs: [],
      spanCount: traces.reduce((n, t) => n + t.spans.length, 0),
      traceCount: traces.length,
      settled: false,
      notes: [`the spec object is invalid (${validated.error.length} problem${validated.error.length === 1 ? '' : 's'}); nothing was judged`],
      durationMillis: performance.now() - started,
      problems: validated.error,
    };
  }
  const result = await evaluateSpecs(validated.value, source, options);
  return { ...result, problems: [] };
}

/** Formats a spec-object problem: its path and message, and the hint when there is one. */
export function formatSpecObjectProblem(problem: SpecProblem): string {
  const where = problem.line > 0 ? `${problem.file}:${problem.line}:${problem.col} ` : '';
  return `${where}${problem.message}${problem.hint === undefined ? '' : ` (${problem.hint})`}`;
}

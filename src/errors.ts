/**
 * Every error tracecheck throws is a {@link TracecheckError}; its `code` says which condition it is, one code per
 * condition. Codes are stable: tools and people may match on them. Each message says what to do.
 * Failed expectations are never errors (they are results); these are for misuse and bad input.
 */
export const TRACECHECK_ERROR_CODES = [
  /** Spec files or objects that cannot be used ({@link SpecInvalidError}, which carries every problem). */
  'TC_SPEC_INVALID',
  /** An option value out of its range: a port, a store cap. */
  'TC_OPTION_INVALID',
  /** A run id that cannot travel in a header: 1-256 printable ASCII characters without spaces. */
  'TC_RUN_ID_INVALID',
  /** A receiver's URL, or export environment for it, asked of a collector that has no such receiver. */
  'TC_NO_RECEIVER',
  /** A receiver could not listen (the port is taken, the host is not this machine's). */
  'TC_LISTEN_FAILED',
  /** `connectCollector` was given something that is not an http: or https: URL. */
  'TC_COLLECTOR_URL_INVALID',
  /** `connectSuiteCollector()` found no suite collector: `TRACECHECK_URL` is not set. */
  'TC_NO_SUITE_COLLECTOR',
  /** `instrumentTestProcess` needs `@opentelemetry/sdk-node`, which is not installed. */
  'TC_SDK_MISSING',
  /** `tracecheck/jest` was imported where jest is not running (no global `expect`). */
  'TC_NOT_IN_JEST',
] as const;

/**
 * The code of a {@link TracecheckError}: one per condition tracecheck raises.
 *
 * @example
 * ```ts
 * try {
 *   await startCollector({ httpPort: 4318 });
 * } catch (error) {
 *   if (error instanceof TracecheckError && error.code === 'TC_LISTEN_FAILED') console.error('port 4318 is taken');
 * }
 * ```
 */
export type TracecheckErrorCode = (typeof TRACECHECK_ERROR_CODES)[number];

/**
 * The one class of every error tracecheck throws. `code` names the condition (see {@link TracecheckErrorCode});
 * `message` starts with it, e.g. `TC_RUN_ID_INVALID: run id "a b" is not usable: ...`.
 *
 * @example
 * ```ts
 * try {
 *   collector.run('has space');
 * } catch (error) {
 *   if (error instanceof TracecheckError) console.error(error.code); // TC_RUN_ID_INVALID
 * }
 * ```
 */
export class TracecheckError extends Error {
  readonly code: TracecheckErrorCode;

  constructor(code: TracecheckErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options);
    this.code = code;
    this.name = 'TracecheckError';
  }
}

/** A position in a source file, 1-based. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** One problem found in a spec file. */
export interface SpecProblem extends SourcePosition {
  /** What is wrong, e.g. `unknown key "slector"`. */
  readonly message: string;
  /** How to fix it, e.g. `did you mean "select"?`, when one can be said. */
  readonly hint?: string;
}

/** Formats a problem as `file:line:col message (hint)`. */
export function formatSpecProblem(problem: SpecProblem): string {
  const hint = problem.hint === undefined ? '' : ` (${problem.hint})`;
  return `${problem.file}:${problem.line}:${problem.col} ${problem.message}${hint}`;
}

/**
 * `TC_SPEC_INVALID`, with every problem found. tracecheck's own layers return spec problems as results (the CLI
 * prints them, the matchers fail with them); this is for code that loads specs and wants to stop on a bad one.
 *
 * @example
 * ```ts
 * const loaded = await loadSpecFiles(['specs/']);
 * if (!loaded.ok) throw new SpecInvalidError(loaded.error);
 * ```
 */
export class SpecInvalidError extends TracecheckError {
  readonly problems: readonly SpecProblem[];

  constructor(problems: readonly SpecProblem[]) {
    super('TC_SPEC_INVALID', problems.map(formatSpecProblem).join('\n'));
    this.problems = problems;
    this.name = 'SpecInvalidError';
  }
}

/**
 * Error codes are stable: tools and people may match on them. Each message says what to do.
 * Failed expectations are never errors (they are results); these are for misuse and bad input.
 */
export type TracecheckErrorCode =
  | 'TC_SPEC_INVALID'
  | 'TC_SPEC_NOT_FOUND'
  | 'TC_USAGE'
  | 'TC_TRACES_INVALID'
  | 'TC_COLLECTOR_CLOSED'
  | 'TC_LISTEN_FAILED'
  | 'TC_RUN_EVICTED';

/** Base class of every error tracecheck throws. `code` is stable; `message` starts with it. */
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

/** Thrown only at the outermost layer (CLI, matchers) when spec files cannot be used. */
export class SpecInvalidError extends TracecheckError {
  readonly problems: readonly SpecProblem[];

  constructor(problems: readonly SpecProblem[]) {
    super('TC_SPEC_INVALID', problems.map(formatSpecProblem).join('\n'));
    this.problems = problems;
    this.name = 'SpecInvalidError';
  }
}

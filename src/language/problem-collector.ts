import type { SourcePosition, SpecProblem } from '../errors.ts';

/** A path into a spec value: mapping keys and list indexes, e.g. `['expect', 2, 'budget', 'p95']`. */
export type SpecPath = readonly (string | number)[];

/** What to point at inside the node at a path. */
export interface LocateDetail {
  /** Point at the mapping key of the last path segment rather than its value (for unknown keys). */
  readonly key?: boolean;
  /** Point at this 0-based offset of the string value (for errors inside a selector or reference). */
  readonly offset?: number;
}

/**
 * Finds where the value at a path was written. The loader provides one backed by the YAML syntax tree;
 * objects built in code have none, and their problems name the path instead.
 */
export type Locate = (path: SpecPath, detail?: LocateDetail) => SourcePosition | undefined;

/** A spec problem that also carries the path of the value it is about. */
export interface LocatedSpecProblem extends SpecProblem {
  readonly path: SpecPath;
}

/** Formats a path for messages: `expect[2].budget.p95`; the empty path is `(top level)`. */
export function formatSpecPath(path: SpecPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out === '' ? '(top level)' : out;
}

/** Collects every problem found while validating, each with the best position the locator can give. */
export class ProblemCollector {
  readonly problems: LocatedSpecProblem[] = [];
  /** What is worth saying but does not make the spec invalid (an unset `${env:...}` when validating only). */
  readonly warnings: LocatedSpecProblem[] = [];
  readonly #locate: Locate | undefined;
  readonly #file: string;

  constructor(locate: Locate | undefined, file: string) {
    this.#locate = locate;
    this.#file = file;
  }

  /**
   * Records a problem about the value at `path`. When that value has no position (a key that is missing),
   * the nearest enclosing value that has one is used; without any position the message names the path.
   */
  report(path: SpecPath, message: string, hint?: string, detail?: LocateDetail): void {
    this.problems.push(this.#located(path, message, hint, detail));
  }

  /** Records a warning about the value at `path`, placed as {@link report} places problems. */
  warn(path: SpecPath, message: string, hint?: string, detail?: LocateDetail): void {
    this.warnings.push(this.#located(path, message, hint, detail));
  }

  #located(path: SpecPath, message: string, hint: string | undefined, detail: LocateDetail | undefined): LocatedSpecProblem {
    let position = this.#locate?.(path, detail);
    for (let depth = path.length - 1; position === undefined && this.#locate !== undefined && depth >= 0; depth--) {
      position = this.#locate(path.slice(0, depth));
    }
    const text = position === undefined ? `at ${formatSpecPath(path)}: ${message}` : message;
    return {
      file: position?.file ?? this.#file,
      line: position?.line ?? 0,
      col: position?.col ?? 0,
      message: text,
      ...(hint === undefined ? {} : { hint }),
      path,
    };
  }
}

import { createPrettyReporter } from '../report/index.ts';
import type { SpecProblem } from '../errors.ts';
import type { ExpectResult } from './expect-specs.ts';
import { formatSpecObjectProblem } from './expect-specs.ts';

const plainPretty = createPrettyReporter({ color: false });

/** What the problems are about: the spec object, the options, or the matcher's selector (by the first path segment). */
function invalidSubject(problems: readonly SpecProblem[]): string {
  const subjects = new Set<string>();
  for (const problem of problems) {
    const head = 'path' in problem && Array.isArray(problem.path) ? problem.path[0] : undefined;
    subjects.add(head === 'options' ? 'the options' : head === 'selector' ? 'the selector' : 'the spec object');
  }
  const names = [...subjects];
  return `${names.join(' and ')} ${names.length === 1 && names[0] !== 'the options' ? 'is' : 'are'}`;
}

/**
 * The text a failed in-suite assertion shows: the `pretty` report of the result without colour codes (each
 * failed expectation's explanation and the trace drawn with the offending spans marked), preceded by the spec
 * object's (or the options') problems when it was invalid.
 *
 * @example
 * ```ts
 * const result = await run.expect(spec);
 * if (!result.passed) throw new Error(describeFailure(result));
 * ```
 */
export function describeFailure(result: ExpectResult): string {
  const lines: string[] = [];
  if (result.problems.length > 0) {
    lines.push(`tracecheck: ${invalidSubject(result.problems)} invalid (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}):`);
    for (const problem of result.problems) lines.push(`  ${formatSpecObjectProblem(problem)}`);
    return `${lines.join('\n')}\n`;
  }
  return `tracecheck: run ${result.runId} did not satisfy the spec\n\n${plainPretty.render(result)}`;
}

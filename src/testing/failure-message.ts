import { createPrettyReporter } from '../report/pretty.ts';
import type { ExpectResult } from './expect-specs.ts';
import { formatSpecObjectProblem } from './expect-specs.ts';

const plainPretty = createPrettyReporter({ color: false });

/**
 * The text a failed in-suite assertion shows: the `pretty` report of the result without colour codes (each
 * failed expectation's explanation and the trace drawn with the offending spans marked), preceded by the spec
 * object's problems when it was invalid.
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
    lines.push(`tracecheck: the spec object is invalid (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}):`);
    for (const problem of result.problems) lines.push(`  ${formatSpecObjectProblem(problem)}`);
    return `${lines.join('\n')}\n`;
  }
  return `tracecheck: run ${result.runId} did not satisfy the spec\n\n${plainPretty.render(result)}`;
}

import { parseCount, type ShapeExpectation, type ShapeNode } from '../../language/index.ts';
import type { Span, Trace } from '../../model/index.ts';
import { err, ok, type Result } from '../../result.ts';
import { shortId } from '../explain.ts';
import { BRIEF_FAILURE, type Judge, type JudgeUnit, type Verdict } from '../judge.ts';
import { compareShape, describeDifference, shapeLabel } from '../shape/shape-diff.ts';

/**
 * Compiles `shape:`: each trace of the unit has the tree of spans the shape describes, in the expectation's
 * `mode` (default `exact`). A failure lists the differences (missing, extra and changed spans, children out of
 * order) as a structured {@link ShapeDiff} and as one line each in the message, and marks the spans concerned.
 */
export function compileShapeExpectation(e: ShapeExpectation): Result<Judge, string> {
  const problem = countProblem(e.shape);
  if (problem !== undefined) return err(problem);
  const mode = e.mode ?? 'exact';
  const expected = `${mode} shape rooted at ${shapeLabel(e.shape)}`;
  return ok({
    judge(unit: JudgeUnit): Verdict {
      for (const trace of unit.traces) {
        const { diff, marks } = compareShape(e.shape, trace, mode);
        if (diff.differences.length === 0) continue;
        if (unit.brief === true) return BRIEF_FAILURE;
        const counts = new Map<string, number>();
        for (const d of diff.differences) counts.set(d.change, (counts.get(d.change) ?? 0) + 1);
        const actual = [...counts].map(([change, n]) => `${n} ${change}`).join(', ');
        const spanById = new Map(trace.spans.map((s) => [s.spanId, s]));
        const spans = [...marks.keys()].map((id) => spanById.get(id)).filter((s): s is Span => s !== undefined);
        return {
          passed: false,
          expected,
          actual,
          message: [`${unit.traces.length === 1 ? '' : `trace ${shortId(trace.traceId)}: `}the shape differs (${actual}):`, ...diff.differences.map((d) => `  ${describeDifference(d)}`)].join('\n'),
          spans,
          marks,
          trace,
          shapeDiff: diff,
        };
      }
      const n = unit.traces.length;
      return { passed: true, expected, message: `${n} trace${n === 1 ? ' has' : 's have'} the shape`, actual: 'the shape', spans: [], ...(n === 1 ? { trace: unit.traces[0] as Trace } : {}) };
    },
  });
}

/** The first node whose count is not a count of at least one span, as a message. */
function countProblem(node: ShapeNode): string | undefined {
  if (node.count !== undefined) {
    const range = parseCount(node.count);
    if (!range.ok) return `shape node "${node.name}": ${range.error}`;
    if (range.value.max === 0) return `shape node "${node.name}": a count must allow at least 1 span`;
  }
  for (const child of node.children ?? []) {
    const problem = countProblem(child);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

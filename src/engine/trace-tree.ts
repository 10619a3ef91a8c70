import type { SpanNode, Trace } from '../model/index.ts';
import type { TraceTree, TraceTreeNode } from './results.ts';
import { skewAdjustmentOf } from './clock-skew.ts';
import { summarizeSpan } from './span-summary.ts';

/**
 * Draws a trace for a failure: every span as a {@link TraceTreeNode}, the spans the failure is about marked,
 * each with its note. Orphans (parent never received) are extra roots flagged `orphan`.
 *
 * @param marks - span id → note (`''` marks without a note).
 */
export function buildTraceTree(trace: Trace, marks: ReadonlyMap<string, string>): TraceTree {
  const toNode = (node: SpanNode): TraceTreeNode => {
    const note = marks.get(node.span.spanId);
    const skew = skewAdjustmentOf(node.span, trace);
    const base = {
      span: summarizeSpan(node.span),
      marked: note !== undefined,
      ...(skew === undefined ? {} : { skewAdjustmentNanos: skew.toString() }),
      children: node.children.map(toNode),
    };
    return note === undefined || note === '' ? base : { ...base, note };
  };
  return {
    traceId: trace.traceId,
    roots: [...trace.roots.map(toNode), ...trace.orphans.map((node) => ({ ...toNode(node), orphan: true }))],
  };
}

import type { Span, Trace } from '../../model/index.ts';
import { ok, type Result } from '../../result.ts';
import type { PropagatesExpectation } from '../../language/index.ts';
import { listSpans, nearMissesIn, whereText } from '../explain.ts';
import type { PropagationDiagnostic } from '../diagnosis/propagation.ts';
import { NO_SPANS } from '../selectors/selector-types.ts';
import { indexTrace } from '../trace-index.ts';
import { BRIEF_FAILURE, passedLazily, type Judge, type JudgeContext, type JudgeUnit, type Verdict } from '../judge.ts';
import type { SelectorCache } from '../selector-cache.ts';
import { describeSpan } from '../span-description.ts';

/**
 * Compiles `propagates: { from, to }`: every `from` span has a `to` span among its descendants, i.e. the
 * trace context travelled from one to the other (a broken propagation starts a new trace or an orphan instead).
 */
export function compilePropagatesExpectation(expectation: PropagatesExpectation, selectors: SelectorCache): Result<Judge, string> {
  const from = selectors.get(expectation.propagates.from);
  if (!from.ok) return from;
  const to = selectors.get(expectation.propagates.to);
  if (!to.ok) return to;
  const fromHandle = from.value;
  const toHandle = to.value;
  const stuckSpans = stuckSpanFinder();
  const expected = `each span matching ${fromHandle.source} has a descendant matching ${toHandle.source}`;
  return ok({
    judge(unit: JudgeUnit, context?: JudgeContext): Verdict {
      let fromCount = 0;
      let firstMissingTrace: (typeof unit.traces)[number] | undefined;
      const missing: Span[] = [];
      for (const trace of unit.traces) {
        const froms = fromHandle.select(trace);
        if (froms.length === 0) continue;
        fromCount += froms.length;
        const stuckHere = stuckSpans(froms, toHandle.select(trace), trace);
        if (stuckHere.length === 0) continue;
        missing.push(...stuckHere);
        firstMissingTrace ??= trace;
      }
      if (unit.brief === true && (fromCount === 0 || missing.length > 0)) return BRIEF_FAILURE;
      if (fromCount === 0) {
        const nearMisses = nearMissesIn(fromHandle, unit);
        return {
          passed: false,
          expected,
          message: `no span matched ${fromHandle.source} ${whereText(unit)}`,
          actual: `0 spans match ${fromHandle.source}`,
          spans: [],
          nearMisses,
        };
      }
      if (missing.length === 0) {
        const count = fromCount;
        return passedLazily(expected, () => ({ message: `${count} span${count === 1 ? '' : 's'} matching ${fromHandle.source} reached ${toHandle.source}`, actual: `${count} of ${count} propagate` }));
      }
      const first = missing[0] as Span;
      const hop = context?.propagation === undefined || firstMissingTrace === undefined ? undefined : hopBelow(first, firstMissingTrace, context.propagation());
      return {
        passed: false,
        expected,
        message:
          `${describeSpan(first, firstMissingTrace)} has no descendant matching ${toHandle.source}: the context did not propagate (${missing.length} of ${fromCount} spans: ${listSpans(missing, unit)})` +
          (hop === undefined ? '' : `; ${hop.message}`),
        actual: `${fromCount - missing.length} of ${fromCount} propagate`,
        spans: missing,
        marks: new Map(missing.map((s) => [s.spanId, `no descendant matching ${toHandle.source}`])),
        ...(firstMissingTrace === undefined ? {} : { trace: firstMissingTrace }),
      };
    },
  });
}

/**
 * Finds the `from` spans of a trace with no `to` span among their descendants, in trace order. Each `to` span
 * marks its ancestors, walking up the tree index until it meets a span already marked (whose ancestors are then
 * marked too), so a trace costs one step per span at most: `from` is usually a root or a few client spans, and
 * `to` one service's spans, where evaluating `to !<< from` as a structural selector judged every span twice.
 * Selections hold the trace's own span objects in trace order, so their positions come from one walk along the
 * trace's spans.
 */
function stuckSpanFinder(): (froms: readonly Span[], tos: readonly Span[], trace: Trace) => readonly Span[] {
  let marked = new Uint8Array(128);
  return (froms, tos, trace) => {
    if (tos.length === 0) return froms;
    const { spans, parent } = indexTrace(trace);
    const n = parent.length;
    if (marked.length < n) marked = new Uint8Array(Math.max(n, marked.length * 2));
    marked.fill(0, 0, n);
    const markAncestors = (position: number): void => {
      for (let p = parent[position] as number; p >= 0 && marked[p] === 0; p = parent[p] as number) marked[p] = 1;
    };
    let t = 0;
    for (let i = 0; i < n && t < tos.length; i++) {
      if (spans[i] !== tos[t]) continue;
      markAncestors(i);
      t++;
    }
    let stuck: Span[] | undefined;
    let f = 0;
    for (let i = 0; i < n && f < froms.length; i++) {
      if (spans[i] !== froms[f]) continue;
      if (marked[i] === 0) (stuck ??= []).push(froms[f] as Span);
      f++;
    }
    return stuck ?? NO_SPANS;
  };
}

/** The first broken hop (a callee or the caller itself starting a new trace) at or below `span`, if the diagnostics know one. */
function hopBelow(span: Span, trace: Trace, diagnostics: readonly PropagationDiagnostic[]): PropagationDiagnostic | undefined {
  for (const d of diagnostics) {
    if (d.kind === 'baggage-dropped' || d.kind === 'link-missing' || d.anchorSpan.traceId !== trace.traceId) continue;
    for (let node = trace.nodesBySpanId.get(d.anchorSpan.spanId); node !== undefined; node = node.parent) {
      if (node.span.spanId === span.spanId) return d;
    }
  }
  return undefined;
}

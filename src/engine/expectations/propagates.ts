import type { Span } from '../../model/span.ts';
import { ok, type Result } from '../../result.ts';
import type { PropagatesExpectation } from '../../spec/types.ts';
import { listSpans, nearMissesIn, whereText } from '../explain.ts';
import type { Trace } from '../../model/trace.ts';
import type { PropagationDiagnostic } from '../../store/propagation-diagnostics.ts';
import { BRIEF_FAILURE, type Judge, type JudgeContext, type JudgeUnit, type Verdict } from '../judge.ts';
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
  // The `from` spans without a `to` descendant, as a selector: the structural matcher answers it in linear passes
  // over the trace index, shared with every other selector (`A !<< B`: B spans that are no ancestor of an A span).
  const stuck = selectors.get(`(${expectation.propagates.to}) !<< (${expectation.propagates.from})`);
  if (!stuck.ok) return stuck;
  const stuckHandle = stuck.value;
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
        const stuckHere = stuckHandle.select(trace);
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
        return { passed: true, expected, message: `${fromCount} span${fromCount === 1 ? '' : 's'} matching ${fromHandle.source} reached ${toHandle.source}`, actual: `${fromCount} of ${fromCount} propagate`, spans: [] };
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

/** The first broken hop (a callee or the caller itself starting a new trace) at or below `span`, if the diagnostics know one. */
function hopBelow(span: Span, trace: Trace, diagnostics: readonly PropagationDiagnostic[]): PropagationDiagnostic | undefined {
  for (const d of diagnostics) {
    if (d.kind === 'baggage-dropped' || d.anchorSpan.traceId !== trace.traceId) continue;
    for (let node = trace.nodesBySpanId.get(d.anchorSpan.spanId); node !== undefined; node = node.parent) {
      if (node.span.spanId === span.spanId) return d;
    }
  }
  return undefined;
}

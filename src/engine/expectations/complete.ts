import type { Span, Trace } from '../../model/index.ts';
import { ok, type Result } from '../../result.ts';
import { shortId } from '../explain.ts';
import { BRIEF_FAILURE, type Judge, type JudgeContext, type JudgeUnit, type Verdict } from '../judge.ts';

/**
 * Compiles `complete: true`: every call a trace of the unit makes is answered inside that trace. It fails for a
 * trace with a CLIENT (or PRODUCER) span that pairs, by the propagation diagnosis's evidence (docs/diagnostics.md,
 * "How the callee's span is found"), with a trace outside it: a callee that started a new trace, a service that
 * lost its own context before the call, a consumer that handled the trace's message without linking to it. A call
 * to an uninstrumented dependency (a database, a third-party API) has no server span anywhere, pairs with nothing
 * and does not fail it. Unlike `connected`, roots and orphans are not judged: a trace can be complete and still
 * miss a parent span.
 */
export function compileCompleteExpectation(): Result<Judge, string> {
  const expected = 'every call answered inside its trace';
  return ok({
    judge(unit: JudgeUnit, context?: JudgeContext): Verdict {
      const diagnostics = context?.propagation?.() ?? [];
      for (const trace of unit.traces) {
        const split = diagnostics.filter((d) => d.kind !== 'baggage-dropped' && d.anchorSpan.traceId === trace.traceId);
        if (split.length === 0) continue;
        if (unit.brief === true) return BRIEF_FAILURE;
        const marks = new Map<string, string>();
        const offending: Span[] = [];
        for (const d of split) {
          const where = d.kind === 'link-missing' ? 'a consumer trace with no link to it' : 'another trace';
          marks.set(d.anchorSpan.spanId, `its call to ${d.calleeService ?? 'a callee'} was answered in ${where} (${d.cause})`);
          offending.push(d.anchorSpan);
        }
        const n = split.length;
        return {
          passed: false,
          expected,
          message: `trace ${shortId(trace.traceId)} is not complete: ${n} call${n === 1 ? '' : 's'} continued outside it: ${split.map((d) => d.message).join(' and ')}`,
          actual: `${n} call${n === 1 ? '' : 's'} answered outside the trace`,
          spans: offending,
          marks,
          trace,
        };
      }
      const n = unit.traces.length;
      return { passed: true, expected, message: `${n} trace${n === 1 ? ' is' : 's are'} complete`, actual: 'complete', spans: [], ...(n === 1 ? { trace: unit.traces[0] as Trace } : {}) };
    },
  });
}

import type { Span, Trace } from '../../model/index.ts';
import { ok, type Result } from '../../result.ts';
import { shortId } from '../explain.ts';
import { BRIEF_FAILURE, type Judge, type JudgeContext, type JudgeUnit, type Verdict } from '../judge.ts';
import { describeSpan } from '../span-description.ts';
import { indexTrace } from '../trace-index.ts';

/**
 * Compiles `connected: true`: each trace of the unit has exactly one root and no orphan (a span whose parent
 * never arrived), which is what a correctly propagated request looks like. When the run source provides
 * propagation diagnostics, a trace with a call whose callee started a new trace is not connected either (the
 * callee's spans are missing from it), and the failure names the hop and the likely cause.
 */
export function compileConnectedExpectation(): Result<Judge, string> {
  const expected = 'one root span and no orphans';
  return ok({
    judge(unit: JudgeUnit, context?: JudgeContext): Verdict {
      for (let t = 0; t < unit.traces.length; t++) {
        const trace = unit.traces[t] as Trace;
        const broken = context?.propagation === undefined ? [] : context.propagation().filter((d) => d.kind !== 'baggage-dropped' && d.kind !== 'link-missing' && d.anchorSpan.traceId === trace.traceId);
        // The index counts roots and orphans without the tree being built for a trace that passes.
        const tops = indexTrace(trace);
        if (tops.roots.length === 1 && tops.orphans.length === 0 && broken.length === 0) continue;
        if (unit.brief === true) return BRIEF_FAILURE;
        const problems: string[] = [];
        const marks = new Map<string, string>();
        const offending: Span[] = [];
        for (const d of broken) {
          problems.push(d.message);
          const note = d.kind === 'context-lost' ? `${d.callerService ?? 'this service'} lost its context: its call to ${d.calleeService ?? 'a callee'} started a new trace` : `${d.calleeService ?? 'callee'} started a new trace (${d.cause})`;
          marks.set(d.anchorSpan.spanId, note);
          offending.push(d.anchorSpan);
        }
        if (trace.roots.length !== 1) {
          problems.push(`${trace.roots.length} roots${trace.roots.length === 0 ? '' : ` (${trace.roots.map((r) => describeSpan(r.span, trace)).join('; ')})`}`);
          if (trace.roots.length > 1) for (const r of trace.roots) { marks.set(r.span.spanId, 'one of several roots'); offending.push(r.span); }
        }
        if (trace.orphans.length > 0) {
          const first = trace.orphans[0]?.span as Span;
          problems.push(`${trace.orphans.length} orphan${trace.orphans.length === 1 ? '' : 's'}, e.g. ${describeSpan(first, trace)} whose parent ${first.parentSpanId ?? ''} never arrived`);
          for (const o of trace.orphans) { marks.set(o.span.spanId, `parent ${o.span.parentSpanId ?? ''} never arrived`); offending.push(o.span); }
        }
        return {
          passed: false,
          expected,
          message: `trace ${shortId(trace.traceId)} is not connected: ${problems.join(' and ')}`,
          actual: `${trace.roots.length} root${trace.roots.length === 1 ? '' : 's'}, ${trace.orphans.length} orphan${trace.orphans.length === 1 ? '' : 's'}${broken.length === 0 ? '' : `, ${broken.length} call${broken.length === 1 ? '' : 's'} continued in another trace`}`,
          spans: offending,
          marks,
          trace,
        };
      }
      const n = unit.traces.length;
      return { passed: true, expected, message: `${n} trace${n === 1 ? ' is' : 's are'} connected`, actual: 'connected', spans: [], ...(n === 1 ? { trace: unit.traces[0] as Trace } : {}) };
    },
  });
}

import { StatusCode } from '../../model/index.ts';
import type { Span } from '../../model/index.ts';
import { ok, type Result } from '../../result.ts';
import type { NoErrorsExpectation } from '../../language/index.ts';
import { listSpans } from '../explain.ts';
import { BRIEF_FAILURE, selectIn, traceOf, type Judge, type JudgeUnit, type Verdict } from '../judge.ts';
import type { SelectorCache, SelectorHandle } from '../selector-cache.ts';

/** The OpenTelemetry semantic conventions record exceptions as span events named `exception`. */
const EXCEPTION_EVENT = 'exception';

function problemOf(span: Span, exceptions: boolean): string | undefined {
  if (span.status.code === StatusCode.ERROR) {
    return span.status.message === '' ? 'status error' : `status error (${JSON.stringify(span.status.message)})`;
  }
  if (exceptions) {
    const event = span.events.find((e) => e.name === EXCEPTION_EVENT);
    if (event !== undefined) {
      const type = event.attributes['exception.type'];
      const message = event.attributes['exception.message'];
      const detail = [typeof type === 'string' ? type : '', typeof message === 'string' ? JSON.stringify(message) : ''].filter((p) => p !== '').join(': ');
      return `exception event${detail === '' ? '' : ` (${detail})`}`;
    }
  }
  return undefined;
}

interface Failed {
  readonly span: Span;
  readonly why: string;
}

/** Whether `ancestor` is above `span` in the tree of `span`'s trace. */
function isAncestorOf(ancestor: Span, span: Span, unit: JudgeUnit): boolean {
  const trace = traceOf(span, unit);
  if (trace === undefined || ancestor.traceId !== span.traceId) return false;
  for (let node = trace.nodesBySpanId.get(span.spanId)?.parent; node !== undefined; node = node.parent) if (node.span.spanId === ancestor.spanId) return true;
  return false;
}

/**
 * The failing spans with the origins first: those with no failing span below them (where an error began), deepest
 * first, then the spans above them that failed too; trace order among equals.
 */
function originsFirst(bad: readonly Failed[], unit: JudgeUnit): Failed[] {
  const depth = (span: Span): number => traceOf(span, unit)?.nodesBySpanId.get(span.spanId)?.depth ?? 0;
  const isOrigin = (b: Failed): boolean => !bad.some((other) => other !== b && isAncestorOf(b.span, other.span, unit));
  const ranked = bad.map((b, index) => ({ b, index, origin: isOrigin(b), depth: depth(b.span) }));
  ranked.sort((x, y) => (x.origin !== y.origin ? (x.origin ? -1 : 1) : x.origin ? y.depth - x.depth || x.index - y.index : x.index - y.index));
  return ranked.map((r) => r.b);
}

/** Compiles `noErrors`: no picked span has status ERROR (and, with `exceptions: true`, no `exception` event). */
export function compileNoErrorsExpectation(expectation: NoErrorsExpectation, selectors: SelectorCache): Result<Judge, string> {
  let handle: SelectorHandle | undefined;
  if (expectation.noErrors !== true) {
    const selected = selectors.get(expectation.noErrors);
    if (!selected.ok) return selected;
    handle = selected.value;
  }
  const exceptions = expectation.exceptions === true;
  const subject = handle === undefined ? 'spans' : `spans matching ${handle.source}`;
  const expected = `no ${subject} with status error${exceptions ? ' or exception events' : ''}`;
  return ok({
    judge(unit: JudgeUnit): Verdict {
      const spans = handle === undefined ? selectIn(unit, (t) => t.spans) : selectIn(unit, (t) => (handle as SelectorHandle).select(t));
      const bad: Failed[] = [];
      for (let i = 0; i < spans.length; i++) {
        const span = spans[i] as Span;
        const why = problemOf(span, exceptions);
        if (why === undefined) continue;
        if (unit.brief === true) return BRIEF_FAILURE;
        bad.push({ span, why });
      }
      if (bad.length === 0) {
        return { passed: true, expected, message: `${spans.length} ${subject} checked, none failed`, actual: 'no errors', spans: [] };
      }
      // Origin first: an error usually begins in one span and is reported again by each caller above it. The
      // deepest failing span on each path is where it began; the failing spans above it are where it went.
      const ordered = originsFirst(bad, unit);
      const first = ordered[0] as Failed;
      const depth = (span: Span): number => traceOf(span, unit)?.nodesBySpanId.get(span.spanId)?.depth ?? 0;
      // The way the error went: from the origin's caller up to the outermost span.
      const propagated = ordered.filter((b) => b !== first && isAncestorOf(b.span, first.span, unit)).sort((a, b) => depth(b.span) - depth(a.span));
      const others = ordered.filter((b) => b !== first && !propagated.includes(b));
      const began = bad.length === 1 ? '' : ' (the error began there';
      const then = propagated.length === 0 ? (bad.length === 1 ? '' : ')') : `; it reached ${listSpans(propagated.map((b) => b.span), unit)} after it)`;
      return {
        passed: false,
        expected,
        message:
          `${bad.length} of ${spans.length} ${subject} failed: ${listSpans([first.span], unit)} has ${first.why}${began}${then}` +
          (others.length > 0 ? `; also ${listSpans(others.map((b) => b.span), unit)}` : ''),
        actual: `${bad.length} failed span${bad.length === 1 ? '' : 's'}`,
        spans: ordered.map((b) => b.span),
        marks: new Map(bad.map((b) => [b.span.spanId, b.why])),
        ...(traceOf(first.span, unit) === undefined ? {} : { trace: traceOf(first.span, unit) }),
      };
    },
  });
}

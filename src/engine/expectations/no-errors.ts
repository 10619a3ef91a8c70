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
      const bad: { span: Span; why: string }[] = [];
      for (const span of spans) {
        const why = problemOf(span, exceptions);
        if (why === undefined) continue;
        if (unit.brief === true) return BRIEF_FAILURE;
        bad.push({ span, why });
      }
      if (bad.length === 0) {
        return { passed: true, expected, message: `${spans.length} ${subject} checked, none failed`, actual: 'no errors', spans: [] };
      }
      const first = bad[0] as { span: Span; why: string };
      return {
        passed: false,
        expected,
        message: `${bad.length} of ${spans.length} ${subject} failed: ${listSpans([first.span], unit)} has ${first.why}${bad.length > 1 ? `; also ${listSpans(bad.slice(1).map((b) => b.span), unit)}` : ''}`,
        actual: `${bad.length} failed span${bad.length === 1 ? '' : 's'}`,
        spans: bad.map((b) => b.span),
        marks: new Map(bad.map((b) => [b.span.spanId, b.why])),
        ...(traceOf(first.span, unit) === undefined ? {} : { trace: traceOf(first.span, unit) }),
      };
    },
  });
}

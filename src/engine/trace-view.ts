import { attributesToJson } from '../model/index.ts';
import type { Trace } from '../model/index.ts';
import { adjustClockSkew, skewAdjustmentOf } from './clock-skew.ts';
import type { SpanSummary } from './results.ts';
import { summarizeSpan } from './span-summary.ts';

/** A span event as a report shows it; times are decimal nanoseconds since the epoch. */
export interface SpanEventView {
  readonly name: string;
  readonly timeUnixNano: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** A span link as a report shows it. */
export interface SpanLinkView {
  readonly traceId: string;
  readonly spanId: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** A span with everything a trace view draws: its summary, events, links, and any clock-skew shift. */
export interface SpanView extends SpanSummary {
  readonly events: readonly SpanEventView[];
  readonly links: readonly SpanLinkView[];
  /** The clock-skew shift applied to the span's times (decimal nanoseconds, positive: later), when it was moved. */
  readonly skewAdjustmentNanos?: string;
}

/** A trace of a run as plain data: its spans by start time, times adjusted for clock skew the way the engine judged them. */
export interface TraceView {
  readonly traceId: string;
  readonly spans: readonly SpanView[];
}

/**
 * The run's traces as read-only plain data for reports that draw them (the html reporter's waterfalls): each span
 * as a {@link SpanSummary} with its events and links, its times corrected for clock skew as the engine judged them,
 * and the shift marked.
 *
 * @example
 * ```ts
 * const traces = viewTraces(run.traces());
 * await writeFile('report.html', createHtmlReporter({ traces }).render(result));
 * ```
 */
export function viewTraces(traces: readonly Trace[]): TraceView[] {
  return traces.map((source) => {
    const trace = adjustClockSkew(source);
    return {
      traceId: trace.traceId,
      spans: trace.spans.map((span): SpanView => {
        const shift = skewAdjustmentOf(span, trace);
        return {
          ...summarizeSpan(span),
          events: span.events.map((event) => ({ name: event.name, timeUnixNano: event.timeUnixNano.toString(), attributes: attributesToJson(event.attributes) })),
          links: span.links.map((link) => ({ traceId: link.traceId, spanId: link.spanId, attributes: attributesToJson(link.attributes) })),
          ...(shift === undefined || shift === 0n ? {} : { skewAdjustmentNanos: shift.toString() }),
        };
      }),
    };
  });
}

import {
  attributesToJson,
  durationNanosOf,
  serviceNameOf,
  spanKindNames,
  statusCodeNames,
} from '../model/index.ts';
import type { Span } from '../model/index.ts';
import type { SpanSummary } from './results.ts';

const NANOS_PER_MILLI = 1_000_000;

/**
 * Converts a model span into the plain-data {@link SpanSummary} that results and reports carry.
 * Unknown kind or status numbers (kept as they came off the wire) are shown as their number.
 *
 * @example
 * ```ts
 * const summary = summarizeSpan(trace.spans[0]);
 * summary.kind;           // 'server'
 * summary.durationMillis; // 12.5
 * ```
 */
export function summarizeSpan(span: Span): SpanSummary {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    name: span.name,
    service: serviceNameOf(span),
    kind: spanKindNames[span.kind] ?? String(span.kind),
    status: statusCodeNames[span.status.code] ?? String(span.status.code),
    statusMessage: span.status.message,
    startTimeUnixNano: span.startTimeUnixNano.toString(),
    endTimeUnixNano: span.endTimeUnixNano.toString(),
    // Durations beyond 2^53 ns (104 days) lose sub-millisecond precision in a number of milliseconds; fine for reports.
    durationMillis: Number(durationNanosOf(span)) / NANOS_PER_MILLI,
    attributes: attributesToJson(span.attributes),
  };
}

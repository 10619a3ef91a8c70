import type { Span } from '../model/index.ts';
import type { IngestContext } from './span-sink.ts';

/**
 * Finds the run id a span carries itself, most specific first: the span attribute, then the resource attribute,
 * then the request's run id (`x-test-run-id` header or gRPC metadata). Only non-empty strings count.
 *
 * The order matters when a shared exporter (one request header) carries spans of a service that tags its own
 * resource or spans differently: the tag closest to the span wins.
 */
export function runIdCarriedBy(span: Span, context: IngestContext, runIdAttribute: string): string | undefined {
  const onSpan = span.attributes[runIdAttribute];
  if (typeof onSpan === 'string' && onSpan !== '') return onSpan;
  const onResource = span.resource.attributes[runIdAttribute];
  if (typeof onResource === 'string' && onResource !== '') return onResource;
  const onRequest = context.runId;
  return onRequest !== undefined && onRequest !== '' ? onRequest : undefined;
}

/** What a {@link SpanCorrelator} may ask of the store. */
export interface CorrelationLookup {
  /** The run that owns a trace, if any run does. */
  ownerOfTrace(traceId: string): string | undefined;
}

/**
 * A further rule that puts an untagged span of an unowned trace into a run, consulted after the span's own tags
 * and after trace inheritance. Returning a run id claims the span's whole trace for that run.
 *
 * This is the hook for rules beyond tags: e.g. a consumer span whose link points into a run's trace
 * ({@link linkedTraceCorrelator}) pulls the consumer trace into that run.
 */
export type SpanCorrelator = (span: Span, lookup: CorrelationLookup) => string | undefined;

/**
 * A {@link SpanCorrelator} that claims a span's trace for the run owning any trace the span links to
 * (messaging consumers start a new trace and link back to the producer's).
 */
export const linkedTraceCorrelator: SpanCorrelator = (span, lookup) => {
  for (const link of span.links) {
    const owner = lookup.ownerOfTrace(link.traceId);
    if (owner !== undefined) return owner;
  }
  return undefined;
};

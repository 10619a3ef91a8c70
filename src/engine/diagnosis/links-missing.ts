import { SpanKind, serviceNameOf } from '../../model/index.ts';
import type { Span, Trace } from '../../model/index.ts';
import { PAIRING_TEXT, shortId, type HopDiagnostic } from './diagnostic.ts';

// Consumers that forgot their span link: the message id both sides record ties a consumer's trace to its producer.

/** The message id a messaging span records (`messaging.message.id`, or the older `messaging.message_id`). */
function messageIdOf(span: Span): string | undefined {
  const value = span.attributes['messaging.message.id'] ?? span.attributes['messaging.message_id'];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

/**
 * Consumers that forgot their link: a CONSUMER span, of the run or unclaimed, with the `messaging.message.id` of a
 * PRODUCER span of the run, in another trace, where nothing links to the producer. The message carried the
 * producer's context (or at least its id); the consumer's trace should link to it (docs/diagnostics.md, Linked
 * traces join the run), and without the link an untagged consumer's trace is not even in the run.
 */
export function linksMissing(runTraces: readonly Trace[], unclaimedTraces: readonly Trace[]): HopDiagnostic[] {
  const producers = new Map<string, Span>();
  for (const trace of runTraces) {
    for (const span of trace.spans) {
      if (span.kind !== SpanKind.PRODUCER) continue;
      const id = messageIdOf(span);
      if (id !== undefined && !producers.has(id)) producers.set(id, span);
    }
  }
  if (producers.size === 0) return [];
  const out: HopDiagnostic[] = [];
  const seen = new Set<Span>();
  for (const traces of [runTraces, unclaimedTraces]) {
    for (const trace of traces) {
      for (const span of trace.spans) {
        if (span.kind !== SpanKind.CONSUMER || seen.has(span)) continue;
        const id = messageIdOf(span);
        const producer = id === undefined ? undefined : producers.get(id);
        if (producer === undefined || producer.traceId === span.traceId) continue;
        if (trace.spans.some((other) => other.links.some((link) => link.spanId === producer.spanId))) continue;
        seen.add(span);
        out.push(linkMissingDiagnostic(producer, span, id as string));
      }
    }
  }
  return out;
}

function linkMissingDiagnostic(producer: Span, consumer: Span, messageId: string): HopDiagnostic {
  const caller = serviceNameOf(producer);
  const callee = serviceNameOf(consumer);
  const evidence =
    `consumer span "${consumer.name}" ${shortId(consumer.spanId)} of ${callee ?? 'the consumer'} handled message ${JSON.stringify(messageId)}, ` +
    `which producer span "${producer.name}" ${shortId(producer.spanId)} of ${caller ?? 'the producer'} sent, in trace ${shortId(consumer.traceId)} with no link to it`;
  const message =
    `${caller ?? '?'} → ${callee ?? '?'}: the consumer's trace has no link to its producer (${evidence}); ` +
    `likely cause: ${callee ?? 'the consumer'} starts its span without extracting the message's context into a span link; ` +
    PAIRING_TEXT['message-id'];
  return {
    kind: 'link-missing',
    cause: 'consumer-link-missing',
    callerService: caller,
    calleeService: callee,
    clientSpan: producer,
    serverSpan: consumer,
    anchorSpan: producer,
    evidence,
    message,
    pairing: { evidence: 'message-id', confidence: 'certain' },
  };
}


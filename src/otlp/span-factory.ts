// The one place where the model objects the decoders produce are made, so that protobuf and OTLP/JSON give spans
// of one shape with the same defaults (proto3's: '', 0, 0n, empty lists, an unset status) whatever the encoding.
import { emptyAttributes, SpanRecord } from '../model/index.ts';
import type {
  AttributeMap,
  InstrumentationScope,
  Resource,
  Span,
  SpanEvent,
  SpanLink,
  SpanStatus,
} from '../model/index.ts';
import { NO_EVENTS, NO_LINKS, UNSET_STATUS, compactArray } from './shared-values.ts';

/** A model type whose members a decoder fills in as they arrive. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A resource with no attributes; filled in place, since its fields may arrive after its spans. */
export function newResource(): Mutable<Resource> {
  return { attributes: emptyAttributes(), droppedAttributesCount: 0, schemaUrl: '' };
}

/** An empty instrumentation scope; filled in place, like {@link newResource}. */
export function newScope(): Mutable<InstrumentationScope> {
  return { name: '', version: '', attributes: emptyAttributes(), droppedAttributesCount: 0, schemaUrl: '' };
}

/** A `Span.Event`. */
export function newEvent(timeUnixNano: bigint, name: string, attributes: AttributeMap, droppedAttributesCount: number): SpanEvent {
  return { timeUnixNano, name, attributes, droppedAttributesCount };
}

/** A `Span.Link`; its ids are kept as sent (a bad link does not invalidate its span). */
export function newLink(traceId: string, spanId: string, traceState: string, attributes: AttributeMap, droppedAttributesCount: number, flags: number): SpanLink {
  return { traceId, spanId, traceState, attributes, droppedAttributesCount, flags };
}

/** A `Status`; the shared {@link UNSET_STATUS} when it says nothing (most spans). */
export function newStatus(code: number, message: string): SpanStatus {
  return code === 0 && message === '' ? UNSET_STATUS : { code, message };
}

/**
 * A model span, from a decoder's reading of its members and its judged ids (`parentSpanId` undefined for a root;
 * `events`/`links` undefined when the span had none, so it shares {@link NO_EVENTS}/{@link NO_LINKS}).
 *
 * The members come as arguments in the order of `Span` (and of the proto's field numbers), not in a draft object:
 * decoders keep them in locals while the fields arrive. A draft object cost protobuf decoding ~3% (a long-lived
 * one reset per span: 220.6k against 227.5k spans/s; a fresh one per span: 211.6k against 217.4k, as this call is
 * too big to inline into decodeSpan, so the draft escaped and was allocated), decode only, A/B by process.
 * A swapped argument would not go unnoticed: test/otlp/sdk-reference.test.ts checks every member from both
 * decoders against what the SDK sent.
 */
export function newSpan(
  traceId: string,
  spanId: string,
  parentSpanId: string | undefined,
  traceState: string,
  name: string,
  kind: number,
  startTimeUnixNano: bigint,
  endTimeUnixNano: bigint,
  attributes: AttributeMap,
  droppedAttributesCount: number,
  events: SpanEvent[] | undefined,
  droppedEventsCount: number,
  links: SpanLink[] | undefined,
  droppedLinksCount: number,
  status: SpanStatus,
  flags: number,
  resource: Resource,
  scope: InstrumentationScope,
): Span {
  return new SpanRecord(
    traceId,
    spanId,
    parentSpanId,
    traceState,
    name,
    kind,
    startTimeUnixNano,
    endTimeUnixNano,
    attributes,
    droppedAttributesCount,
    events === undefined ? NO_EVENTS : compactArray(events),
    droppedEventsCount,
    links === undefined ? NO_LINKS : compactArray(links),
    droppedLinksCount,
    status,
    flags,
    resource,
    scope,
  );
}

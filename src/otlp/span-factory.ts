// The one place where the model objects the decoders produce are made, so that protobuf and OTLP/JSON give spans
// of one shape with the same defaults (proto3's: '', 0, 0n, empty lists, an unset status) whatever the encoding.
import { emptyAttributes } from '../model/attribute-value.ts';
import type { AttributeMap } from '../model/attribute-value.ts';
import type { InstrumentationScope, Resource, Span, SpanEvent, SpanLink, SpanStatus } from '../model/span.ts';
import { NO_EVENTS, NO_LINKS, UNSET_STATUS } from './shared-values.ts';

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
 * A span's members as a decoder reads them, in whatever order they arrive, before its ids are judged; then
 * {@link SpanDraft.toSpan} makes the model span. Ids are not drafted: each encoding keeps them its own way
 * (byte ranges, hex text) until the span is judged.
 *
 * Each decoder keeps one draft for the life of the process, reset before each span: nothing is allocated for it
 * per span or per request, and the live instance keeps the class's map alive across full GCs, which V8's optimised
 * code holds only weakly (see shape-witness.ts and JsonCursor.pinnedShape).
 */
export class SpanDraft {
  traceState = '';
  name = '';
  kind = 0;
  startTimeUnixNano = 0n;
  endTimeUnixNano = 0n;
  attributes: AttributeMap = emptyAttributes();
  droppedAttributesCount = 0;
  /** `undefined` until the first event: most spans have none and share {@link NO_EVENTS}. */
  events: SpanEvent[] | undefined = undefined;
  droppedEventsCount = 0;
  /** `undefined` until the first link, as {@link events}. */
  links: SpanLink[] | undefined = undefined;
  droppedLinksCount = 0;
  status: SpanStatus = UNSET_STATUS;
  flags = 0;

  /** Starts the next span: every member back to its default, and a fresh attribute map. */
  reset(): void {
    this.traceState = '';
    this.name = '';
    this.kind = 0;
    this.startTimeUnixNano = 0n;
    this.endTimeUnixNano = 0n;
    this.attributes = emptyAttributes();
    this.droppedAttributesCount = 0;
    this.events = undefined;
    this.droppedEventsCount = 0;
    this.links = undefined;
    this.droppedLinksCount = 0;
    this.status = UNSET_STATUS;
    this.flags = 0;
  }

  /** The model span of the drafted members and the judged ids (`parentSpanId` undefined for a root). */
  toSpan(traceId: string, spanId: string, parentSpanId: string | undefined, resource: Resource, scope: InstrumentationScope): Span {
    return {
      traceId,
      spanId,
      parentSpanId,
      traceState: this.traceState,
      name: this.name,
      kind: this.kind,
      startTimeUnixNano: this.startTimeUnixNano,
      endTimeUnixNano: this.endTimeUnixNano,
      attributes: this.attributes,
      droppedAttributesCount: this.droppedAttributesCount,
      events: this.events ?? NO_EVENTS,
      droppedEventsCount: this.droppedEventsCount,
      links: this.links ?? NO_LINKS,
      droppedLinksCount: this.droppedLinksCount,
      status: this.status,
      flags: this.flags,
      resource,
      scope,
    };
  }
}

/**
 * A stored span in one plain, comparable shape, for the conformance tests: what an SDK recorded is mapped into the
 * same shape by OTLP's rules, and `toEqual` then compares every field at once.
 */
import type { AttributeMap, AttributeValue, Span } from '../../src/model/index.ts';

/** Every field a span carries over OTLP, flags reduced to the W3C trace flags. */
export interface ComparableSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly traceState: string;
  readonly name: string;
  readonly kind: number;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly attributes: AttributeMap;
  readonly droppedAttributesCount: number;
  readonly events: readonly { readonly name: string; readonly timeUnixNano: bigint; readonly attributes: AttributeMap; readonly droppedAttributesCount: number }[];
  readonly droppedEventsCount: number;
  readonly links: readonly {
    readonly traceId: string;
    readonly spanId: string;
    readonly traceState: string;
    readonly attributes: AttributeMap;
    readonly droppedAttributesCount: number;
    readonly traceFlags: number;
  }[];
  readonly droppedLinksCount: number;
  readonly status: { readonly code: number; readonly message: string };
  readonly traceFlags: number;
  readonly resource: AttributeMap;
  readonly scope: { readonly name: string; readonly version: string; readonly schemaUrl: string; readonly attributes: AttributeMap; readonly droppedAttributesCount: number };
}

/** The model allows any Uint8Array for bytes (a decoder may hand out Buffers); compare bytes by content. */
export function comparableValue(value: AttributeValue): AttributeValue {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(comparableValue);
  if (value !== null && typeof value === 'object') return comparableAttributes(value);
  return value;
}

export function comparableAttributes(attributes: AttributeMap): AttributeMap {
  const map: AttributeMap = {};
  for (const [key, value] of Object.entries(attributes)) map[key] = comparableValue(value);
  return map;
}

export function storedSpan(span: Span): ComparableSpan {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId,
    traceState: span.traceState,
    name: span.name,
    kind: span.kind,
    startTimeUnixNano: span.startTimeUnixNano,
    endTimeUnixNano: span.endTimeUnixNano,
    attributes: comparableAttributes(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((event) => ({
      name: event.name,
      timeUnixNano: event.timeUnixNano,
      attributes: comparableAttributes(event.attributes),
      droppedAttributesCount: event.droppedAttributesCount,
    })),
    droppedEventsCount: span.droppedEventsCount,
    links: span.links.map((link) => ({
      traceId: link.traceId,
      spanId: link.spanId,
      traceState: link.traceState,
      attributes: comparableAttributes(link.attributes),
      droppedAttributesCount: link.droppedAttributesCount,
      // Span.flags / Link.flags: the low 8 bits are the W3C trace flags; bits 8-9 say whether the parent was remote.
      traceFlags: link.flags & 0xff,
    })),
    droppedLinksCount: span.droppedLinksCount,
    status: { code: span.status.code, message: span.status.message },
    traceFlags: span.flags & 0xff,
    resource: comparableAttributes(span.resource.attributes),
    scope: {
      name: span.scope.name,
      version: span.scope.version,
      schemaUrl: span.scope.schemaUrl,
      attributes: comparableAttributes(span.scope.attributes),
      droppedAttributesCount: span.scope.droppedAttributesCount,
    },
  };
}

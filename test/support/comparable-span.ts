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

/**
 * A span as an emitter prints it (the JS fixture test/fixtures/emit-spans.ts, the other languages' clients/*):
 * ids and flags as the SDK holds them, times as decimal nanosecond strings, attributes in the emitter's own form `A`.
 */
export interface PrintedSpan<A> {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly traceState: string;
  readonly traceFlags: number;
  readonly name: string;
  readonly kind: number;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes: A;
  readonly droppedAttributesCount: number;
  readonly events: readonly { readonly name: string; readonly timeUnixNano: string; readonly attributes: A; readonly droppedAttributesCount: number }[];
  readonly droppedEventsCount: number;
  readonly links: readonly {
    readonly traceId: string;
    readonly spanId: string;
    readonly traceState: string;
    readonly traceFlags: number;
    readonly attributes: A;
    readonly droppedAttributesCount: number;
  }[];
  readonly droppedLinksCount: number;
  readonly status: { readonly code: number; readonly message: string };
  readonly resource: A;
  readonly scope: { readonly name: string; readonly version: string; readonly schemaUrl: string };
}

/**
 * What the collector should store for a printed span, in the comparable shape: `attributes` maps the emitter's
 * attributes by OTLP's rules, `kind` is the OTLP kind the span was sent with, and the scope carries
 * `scopeAttributes`. Status numbers agree between the APIs and OTLP (UNSET 0, OK 1, ERROR 2).
 */
export function expectedFromPrinted<A>(sent: PrintedSpan<A>, attributes: (printed: A) => AttributeMap, kind: number, scopeAttributes: AttributeMap): ComparableSpan {
  return {
    traceId: sent.traceId,
    spanId: sent.spanId,
    parentSpanId: sent.parentSpanId ?? undefined,
    traceState: sent.traceState,
    name: sent.name,
    kind,
    startTimeUnixNano: BigInt(sent.startTimeUnixNano),
    endTimeUnixNano: BigInt(sent.endTimeUnixNano),
    attributes: attributes(sent.attributes),
    droppedAttributesCount: sent.droppedAttributesCount,
    events: sent.events.map((event) => ({
      name: event.name,
      timeUnixNano: BigInt(event.timeUnixNano),
      attributes: attributes(event.attributes),
      droppedAttributesCount: event.droppedAttributesCount,
    })),
    droppedEventsCount: sent.droppedEventsCount,
    links: sent.links.map((link) => ({
      traceId: link.traceId,
      spanId: link.spanId,
      traceState: link.traceState,
      attributes: attributes(link.attributes),
      droppedAttributesCount: link.droppedAttributesCount,
      traceFlags: link.traceFlags,
    })),
    droppedLinksCount: sent.droppedLinksCount,
    status: { code: sent.status.code, message: sent.status.message },
    traceFlags: sent.traceFlags,
    resource: attributes(sent.resource),
    scope: { name: sent.scope.name, version: sent.scope.version, schemaUrl: sent.scope.schemaUrl, attributes: scopeAttributes, droppedAttributesCount: 0 },
  };
}

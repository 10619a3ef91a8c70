// What the store counts against `maxMemoryBytes`: an estimate of the heap a stored span keeps alive, from the
// sizes V8 gives its objects on 64-bit Node without pointer compression (Node's default build). It errs on the
// high side: values that may be shared (short attribute values and names the decoders' string cache interns) are
// counted by each span that holds them; only short attribute keys (always interned) are not, and the resource and
// scope, which every span of a request shares, are counted once per trace per object. Measured 2026-12-03 on the
// bench spans (bench/support/payloads.ts: 10 attributes, OTLP/protobuf, traces built): 1,086 bytes/span of heap
// growth after a full GC against an estimate of about 1,500, so the cap errs by a third on the safe side. Since the
// decoders share small bigints, make ids as flat strings and trim array slack (issue 12), a stored span (traces not
// built) takes 569 bytes: the estimate, left as it was, now errs further on the safe side.
import type { AttributeMap, AttributeValue, Span } from '../model/index.ts';

/** A heap object's header (map, properties, elements): 24 bytes. */
const OBJECT_HEADER_BYTES = 24;
/** A tagged pointer or an in-object field: 8 bytes. */
const POINTER_BYTES = 8;
/** A sequential string's header (map, hash, length): 16 bytes, then 1 byte a character (2 when not Latin-1). */
const STRING_HEADER_BYTES = 16;
/** A BigInt of up to 64 bits, or a HeapNumber: header plus one 8-byte digit. */
const BOXED_NUMBER_BYTES = 24;
/**
 * One attribute of an attribute map: a value slot, and its share of the map's property table (maps of the same
 * keys share their hidden class; a map in dictionary mode pays key, value and details slots instead).
 */
const ATTRIBUTE_ENTRY_BYTES = 24;
/**
 * Keys up to this many bytes come from the decoders' string cache (src/otlp/string-cache.ts), one copy shared by
 * every span, so a span pays only its slot for them; longer keys are counted in full.
 */
const SHARED_KEY_CHARS = 64;
/**
 * What the store adds per span beside the span itself: its entry in the trace's span-id map, the tree node the
 * built trace holds (span, parent, children array, depth, position), the slots of the trace's cached span arrays,
 * and its slot in the run's list of requests when it is a SERVER or CONSUMER span (background-work.ts keeps those
 * to tell a timer's traces from a request's; the spans themselves are the ones counted here).
 */
export const STORE_OVERHEAD_BYTES_PER_SPAN = 176;
/** A run's own record: the LiveRun object, its maps and sets, its view (not counting the id string). */
export const RUN_RECORD_BYTES = 1_024;
/**
 * A trace's assembly: the TraceAssembly object, its maps and its cached Trace (not counting its spans), and the
 * entries background-work.ts keeps for a trace whose root a service started by itself (by trace id and by shape).
 */
export const TRACE_RECORD_BYTES = 512;

/** Bytes of a string's own storage. Only long strings are scanned for non-Latin-1 characters. */
export function stringBytes(text: string): number {
  const wide = text.length > 64 && /[\u0100-\u{10ffff}]/u.test(text);
  return roundUp(STRING_HEADER_BYTES + text.length * (wide ? 2 : 1));
}

/** Bytes an attribute value keeps alive (its own storage; a short string may be shared, it is counted anyway). */
export function attributeValueBytes(value: AttributeValue): number {
  switch (typeof value) {
    case 'string':
      return stringBytes(value);
    case 'bigint':
    case 'number':
      return BOXED_NUMBER_BYTES;
    case 'boolean':
      return 0;
    default: {
      if (value === null) return 0;
      if (value instanceof Uint8Array) return 96 + value.byteLength;
      if (Array.isArray(value)) {
        let bytes = OBJECT_HEADER_BYTES + 16 + value.length * POINTER_BYTES;
        for (const item of value) bytes += attributeValueBytes(item);
        return bytes;
      }
      return attributeMapBytes(value);
    }
  }
}

/** Bytes of an attribute map: the object, its dictionary entries, keys and values. */
export function attributeMapBytes(attributes: AttributeMap): number {
  let bytes = OBJECT_HEADER_BYTES + 32;
  for (const key in attributes) {
    bytes += ATTRIBUTE_ENTRY_BYTES + (key.length > SHARED_KEY_CHARS ? stringBytes(key) : 0) + attributeValueBytes(attributes[key] as AttributeValue);
  }
  return bytes;
}

/**
 * Estimated bytes one stored span keeps alive: the span object (20 fields), its two bigint times, its id and name
 * strings, status, attributes, events (with theirs) and links (with theirs), plus {@link STORE_OVERHEAD_BYTES_PER_SPAN}.
 * The resource and scope are not included: see {@link sharedPartsBytes}.
 *
 * @example
 * ```ts
 * const bytes = spanRetainedBytes(span); // about 1.5 KiB for a span with 10 short attributes
 * ```
 */
export function spanRetainedBytes(span: Span): number {
  let bytes = OBJECT_HEADER_BYTES + 20 * POINTER_BYTES + 2 * BOXED_NUMBER_BYTES + STORE_OVERHEAD_BYTES_PER_SPAN;
  bytes += stringBytes(span.traceId) + stringBytes(span.spanId) + stringBytes(span.name);
  if (span.parentSpanId !== undefined) bytes += stringBytes(span.parentSpanId);
  if (span.traceState !== '') bytes += stringBytes(span.traceState);
  if (span.status.message !== '') bytes += OBJECT_HEADER_BYTES + 16 + stringBytes(span.status.message);
  bytes += attributeMapBytes(span.attributes);
  for (const event of span.events) {
    bytes += OBJECT_HEADER_BYTES + 4 * POINTER_BYTES + BOXED_NUMBER_BYTES + stringBytes(event.name) + attributeMapBytes(event.attributes);
  }
  for (const link of span.links) {
    bytes += OBJECT_HEADER_BYTES + 6 * POINTER_BYTES + stringBytes(link.traceId) + stringBytes(link.spanId) + attributeMapBytes(link.attributes);
    if (link.traceState !== '') bytes += stringBytes(link.traceState);
  }
  if (span.events.length > 0) bytes += OBJECT_HEADER_BYTES + 16 + span.events.length * POINTER_BYTES;
  if (span.links.length > 0) bytes += OBJECT_HEADER_BYTES + 16 + span.links.length * POINTER_BYTES;
  return bytes;
}

/** Bytes of a span's resource and scope objects, which every span of one `ResourceSpans`/`ScopeSpans` shares. */
export function sharedPartsBytes(span: Span): { readonly resourceBytes: number; readonly scopeBytes: number } {
  const { resource, scope } = span;
  return {
    resourceBytes: OBJECT_HEADER_BYTES + 3 * POINTER_BYTES + attributeMapBytes(resource.attributes) + stringBytes(resource.schemaUrl),
    scopeBytes:
      OBJECT_HEADER_BYTES + 5 * POINTER_BYTES + stringBytes(scope.name) + stringBytes(scope.version) + stringBytes(scope.schemaUrl) + attributeMapBytes(scope.attributes),
  };
}

function roundUp(bytes: number): number {
  return (bytes + 7) & ~7;
}

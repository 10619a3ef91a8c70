import { emptyAttributes } from '../model/attribute-value.ts';
import type { AttributeMap, AttributeValue } from '../model/attribute-value.ts';
import type { InstrumentationScope, Resource, Span, SpanEvent, SpanLink, SpanStatus } from '../model/span.ts';
import { err, ok } from '../result.ts';
import type { DecodeResult } from './decoded-export.ts';
import { bytesToHex, isAllZeroBytes } from './hex.ts';
import { MAX_ANY_VALUE_DEPTH, NO_EVENTS, NO_LINKS, UNSET_STATUS } from './shared-values.ts';
import { SpanRejections, parentSpanIdProblem, spanIdProblem, traceIdProblem } from './span-rejections.ts';
import { WireFormatError, WireReader } from './wire-reader.ts';
import { keepShapeWitness } from './shape-witness.ts';

// Tags are (field_number << 3) | wire_type, per otlp-facts.md. A known field number arriving with another
// wire type is skipped as unknown, which is what protobuf's reference parsers do.

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Decodes an OTLP/protobuf `ExportTraceServiceRequest` straight into model spans, with no intermediate
 * wire objects.
 *
 * - Every span of one `ResourceSpans` shares one {@link Resource} object, and every span of one `ScopeSpans`
 *   one {@link InstrumentationScope} object (fields may arrive in any order; they are filled in place).
 * - Unknown fields of every wire type are skipped, including deprecated groups.
 * - A span whose trace id is not 16 bytes or all zero, whose span id is not 8 bytes or all zero, or whose
 *   parent span id is neither empty nor 8 bytes, is rejected (counted in `rejectedSpans`, explained in
 *   `rejectionMessage`); the other spans are kept. An all-zero 8-byte parent span id means "no parent".
 * - Malformed or truncated bytes make the whole request an `err` with a message saying where; this function
 *   never throws.
 *
 * @example
 * ```ts
 * const result = decodeExportRequestProtobuf(body);
 * if (!result.ok) return badRequest(result.error.message);
 * sink.ingest(result.value.spans, { transport: 'http' });
 * ```
 */
export function decodeExportRequestProtobuf(bytes: Uint8Array): DecodeResult {
  const spans: Span[] = [];
  const rejections = new SpanRejections();
  try {
    const r = new WireReader(bytes);
    let resourceIndex = 0;
    while (r.pos < r.len) {
      const tag = r.tag();
      if (tag === 10) {
        const end = r.lengthEnd();
        decodeResourceSpans(r, end, spans, rejections, resourceIndex++);
        r.expectEnd(end, 'ResourceSpans');
      } else {
        r.skip(tag);
      }
    }
  } catch (error) {
    return err({ message: describeFailure(error) });
  }
  keepShapeWitness(spans);
  return ok({ spans, rejectedSpans: rejections.count, rejectionMessage: rejections.message() });
}

function describeFailure(error: unknown): string {
  if (error instanceof WireFormatError) return `invalid OTLP protobuf: ${error.message}`;
  if (error instanceof RangeError) return `invalid OTLP protobuf: ${error.message}`;
  return `invalid OTLP protobuf: ${String(error)}`;
}

function decodeResourceSpans(r: WireReader, end: number, out: Span[], rejections: SpanRejections, resourceIndex: number): void {
  const resource: Mutable<Resource> = { attributes: emptyAttributes(), droppedAttributesCount: 0, schemaUrl: '' };
  let scopeIndex = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10: {
        const e = r.lengthEnd();
        decodeResource(r, e, resource);
        r.expectEnd(e, 'Resource');
        break;
      }
      case 18: {
        const e = r.lengthEnd();
        decodeScopeSpans(r, e, resource, out, rejections, resourceIndex, scopeIndex++);
        r.expectEnd(e, 'ScopeSpans');
        break;
      }
      case 26:
        resource.schemaUrl = r.string();
        break;
      default:
        r.skip(tag);
    }
  }
}

function decodeResource(r: WireReader, end: number, resource: Mutable<Resource>): void {
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) decodeKeyValue(r, resource.attributes, 0);
    else if (tag === 16) resource.droppedAttributesCount = r.uint32();
    else r.skip(tag);
  }
}

function decodeScopeSpans(
  r: WireReader,
  end: number,
  resource: Resource,
  out: Span[],
  rejections: SpanRejections,
  resourceIndex: number,
  scopeIndex: number,
): void {
  const scope: Mutable<InstrumentationScope> = { name: '', version: '', attributes: emptyAttributes(), droppedAttributesCount: 0, schemaUrl: '' };
  let spanIndex = 0;
  const lastIds: LastIds = { traceStart: 0, traceEnd: 0, traceHex: '', parentStart: 0, parentEnd: 0, parentHex: '' };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10: {
        const e = r.lengthEnd();
        decodeScope(r, e, scope);
        r.expectEnd(e, 'InstrumentationScope');
        break;
      }
      case 18: {
        const e = r.lengthEnd();
        const span = decodeSpan(r, e, resource, scope, rejections, resourceIndex, scopeIndex, spanIndex++, lastIds);
        r.expectEnd(e, 'Span');
        if (span !== undefined) out.push(span);
        break;
      }
      case 26:
        scope.schemaUrl = r.string();
        break;
      default:
        r.skip(tag);
    }
  }
}

function decodeScope(r: WireReader, end: number, scope: Mutable<InstrumentationScope>): void {
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10:
        scope.name = r.string();
        break;
      case 18:
        scope.version = r.string();
        break;
      case 26:
        decodeKeyValue(r, scope.attributes, 0);
        break;
      case 32:
        scope.droppedAttributesCount = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
}

/**
 * Where the span list's last trace id and parent span id are in the body, and their hex. Spans of one trace come
 * together and siblings share a parent, so the next span often repeats them: it then shares the string instead
 * of making another (less heap per stored span, and the store's maps reuse the string's cached hash).
 */
interface LastIds {
  traceStart: number;
  traceEnd: number;
  traceHex: string;
  parentStart: number;
  parentEnd: number;
  parentHex: string;
}

/** Whether `buf[aStart, aEnd)` and `buf[bStart, bEnd)` hold the same, non-empty, bytes. */
function sameBytes(buf: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  const n = aEnd - aStart;
  if (n === 0 || n !== bEnd - bStart) return false;
  for (let i = 0; i < n; i++) if (buf[aStart + i] !== buf[bStart + i]) return false;
  return true;
}

function decodeSpan(
  r: WireReader,
  end: number,
  resource: Resource,
  scope: InstrumentationScope,
  rejections: SpanRejections,
  resourceIndex: number,
  scopeIndex: number,
  spanIndex: number,
  lastIds: LastIds,
): Span | undefined {
  const buf = r.buf;
  let traceIdStart = 0;
  let traceIdEnd = 0;
  let spanIdStart = 0;
  let spanIdEnd = 0;
  let parentStart = 0;
  let parentEnd = 0;
  let traceState = '';
  let name = '';
  let kind = 0;
  let startTimeUnixNano = 0n;
  let endTimeUnixNano = 0n;
  const attributes = emptyAttributes();
  let droppedAttributesCount = 0;
  let events: SpanEvent[] | undefined;
  let droppedEventsCount = 0;
  let links: SpanLink[] | undefined;
  let droppedLinksCount = 0;
  let status: SpanStatus = UNSET_STATUS;
  let flags = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10:
        traceIdEnd = r.lengthEnd();
        traceIdStart = r.pos;
        r.pos = traceIdEnd;
        break;
      case 18:
        spanIdEnd = r.lengthEnd();
        spanIdStart = r.pos;
        r.pos = spanIdEnd;
        break;
      case 26:
        traceState = r.string();
        break;
      case 34:
        parentEnd = r.lengthEnd();
        parentStart = r.pos;
        r.pos = parentEnd;
        break;
      case 42:
        name = r.string();
        break;
      case 48:
        // Enums are int32 on the wire; `| 0` restores negative values sent as 10-byte varints.
        kind = r.uint32() | 0;
        break;
      case 57:
        startTimeUnixNano = r.fixed64();
        break;
      case 65:
        endTimeUnixNano = r.fixed64();
        break;
      case 74:
        decodeKeyValue(r, attributes, 0);
        break;
      case 80:
        droppedAttributesCount = r.uint32();
        break;
      case 90: {
        const e = r.lengthEnd();
        (events ??= []).push(decodeEvent(r, e));
        r.expectEnd(e, 'Span.Event');
        break;
      }
      case 96:
        droppedEventsCount = r.uint32();
        break;
      case 106: {
        const e = r.lengthEnd();
        (links ??= []).push(decodeLink(r, e));
        r.expectEnd(e, 'Span.Link');
        break;
      }
      case 112:
        droppedLinksCount = r.uint32();
        break;
      case 122: {
        const e = r.lengthEnd();
        status = decodeStatus(r, e, status);
        r.expectEnd(e, 'Status');
        break;
      }
      case 133:
        flags = r.fixed32();
        break;
      default:
        r.skip(tag);
    }
  }
  const problem =
    traceIdProblem(traceIdEnd - traceIdStart, isAllZeroBytes(buf, traceIdStart, traceIdEnd)) ??
    spanIdProblem(spanIdEnd - spanIdStart, isAllZeroBytes(buf, spanIdStart, spanIdEnd)) ??
    parentSpanIdProblem(parentEnd - parentStart);
  if (problem !== undefined) {
    rejections.reject(`resource_spans[${resourceIndex}].scope_spans[${scopeIndex}].spans[${spanIndex}] "${name}"`, problem);
    return undefined;
  }
  let traceId = lastIds.traceHex;
  if (!sameBytes(buf, lastIds.traceStart, lastIds.traceEnd, traceIdStart, traceIdEnd)) {
    traceId = bytesToHex(buf, traceIdStart, traceIdEnd);
    lastIds.traceStart = traceIdStart;
    lastIds.traceEnd = traceIdEnd;
    lastIds.traceHex = traceId;
  }
  let parentSpanId: string | undefined;
  if (parentEnd !== parentStart && !isAllZeroBytes(buf, parentStart, parentEnd)) {
    parentSpanId = lastIds.parentHex;
    if (!sameBytes(buf, lastIds.parentStart, lastIds.parentEnd, parentStart, parentEnd)) {
      parentSpanId = bytesToHex(buf, parentStart, parentEnd);
      lastIds.parentStart = parentStart;
      lastIds.parentEnd = parentEnd;
      lastIds.parentHex = parentSpanId;
    }
  }
  return {
    traceId,
    spanId: bytesToHex(buf, spanIdStart, spanIdEnd),
    parentSpanId,
    traceState,
    name,
    kind,
    startTimeUnixNano,
    endTimeUnixNano,
    attributes,
    droppedAttributesCount,
    events: events ?? NO_EVENTS,
    droppedEventsCount,
    links: links ?? NO_LINKS,
    droppedLinksCount,
    status,
    flags,
    resource,
    scope,
  };
}

function decodeEvent(r: WireReader, end: number): SpanEvent {
  let timeUnixNano = 0n;
  let name = '';
  const attributes = emptyAttributes();
  let droppedAttributesCount = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 9:
        timeUnixNano = r.fixed64();
        break;
      case 18:
        name = r.string();
        break;
      case 26:
        decodeKeyValue(r, attributes, 0);
        break;
      case 32:
        droppedAttributesCount = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
  return { timeUnixNano, name, attributes, droppedAttributesCount };
}

function decodeLink(r: WireReader, end: number): SpanLink {
  // Link ids are kept as sent (hex of whatever length): a bad link does not invalidate its span.
  let traceId = '';
  let spanId = '';
  let traceState = '';
  const attributes = emptyAttributes();
  let droppedAttributesCount = 0;
  let flags = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10: {
        const e = r.lengthEnd();
        traceId = bytesToHex(r.buf, r.pos, e);
        r.pos = e;
        break;
      }
      case 18: {
        const e = r.lengthEnd();
        spanId = bytesToHex(r.buf, r.pos, e);
        r.pos = e;
        break;
      }
      case 26:
        traceState = r.string();
        break;
      case 34:
        decodeKeyValue(r, attributes, 0);
        break;
      case 40:
        droppedAttributesCount = r.uint32();
        break;
      case 53:
        flags = r.fixed32();
        break;
      default:
        r.skip(tag);
    }
  }
  return { traceId, spanId, traceState, attributes, droppedAttributesCount, flags };
}

/** Decodes a `Status` merged into `previous` (a second `status` field sets only the members it carries). */
function decodeStatus(r: WireReader, end: number, previous: SpanStatus): SpanStatus {
  // Field 1 (deprecated_code) is reserved and skipped like any unknown field.
  let message = previous.message;
  let code = previous.code;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 18) message = r.string();
    else if (tag === 24) code = r.uint32() | 0;
    else r.skip(tag);
  }
  return code === 0 && message === '' ? UNSET_STATUS : { code, message };
}

/** Decodes one `KeyValue` (the cursor is at its LEN prefix) into `into`; a later duplicate key wins. */
function decodeKeyValue(r: WireReader, into: AttributeMap, depth: number): void {
  const end = r.lengthEnd();
  let key = '';
  let value: AttributeValue = null;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) {
      key = r.string();
    } else if (tag === 18) {
      const e = r.lengthEnd();
      // A second `value` merges into the first (protobuf's rule for a singular message field).
      value = decodeAnyValue(r, e, depth, value);
      r.expectEnd(e, 'AnyValue');
    } else {
      r.skip(tag);
    }
  }
  r.expectEnd(end, 'KeyValue');
  into[key] = value;
}

/**
 * Decodes an `AnyValue` merged into `previous` (`null` for a fresh one). `value` is a oneof: a later member
 * replaces an earlier one, except that `array_value` or `kvlist_value` arriving while the same member is set
 * merges into it (protobuf's rule for message fields; their `values` are repeated, so they append).
 */
function decodeAnyValue(r: WireReader, end: number, depth: number, previous: AttributeValue): AttributeValue {
  let value = previous;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10:
        value = r.string();
        break;
      case 16:
        value = r.bool();
        break;
      case 24:
        value = r.int64();
        break;
      case 33:
        value = r.double();
        break;
      case 42: {
        const e = r.lengthEnd();
        value = decodeArrayValue(r, e, depth + 1, Array.isArray(value) ? value : []);
        r.expectEnd(e, 'ArrayValue');
        break;
      }
      case 50: {
        const e = r.lengthEnd();
        value = decodeKeyValueList(r, e, depth + 1, isKvlist(value) ? value : emptyAttributes());
        r.expectEnd(e, 'KeyValueList');
        break;
      }
      case 58:
        value = r.bytes();
        break;
      default:
        r.skip(tag);
    }
  }
  return value;
}

function checkDepth(depth: number): void {
  if (depth > MAX_ANY_VALUE_DEPTH) throw new WireFormatError(`attribute values nest deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
}

/** Whether `value` is a decoded `kvlist_value` (an attribute map). */
function isKvlist(value: AttributeValue): value is AttributeMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function decodeArrayValue(r: WireReader, end: number, depth: number, values: AttributeValue[]): AttributeValue[] {
  checkDepth(depth);
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) {
      const e = r.lengthEnd();
      values.push(decodeAnyValue(r, e, depth, null));
      r.expectEnd(e, 'AnyValue');
    } else {
      r.skip(tag);
    }
  }
  return values;
}

function decodeKeyValueList(r: WireReader, end: number, depth: number, map: AttributeMap): AttributeMap {
  checkDepth(depth);
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) decodeKeyValue(r, map, depth);
    else r.skip(tag);
  }
  return map;
}

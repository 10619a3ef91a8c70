// Over 400 lines on purpose: one decoder per OTLP message, in the order the request nests them, each switching
// on its message's tags from proto-fields.ts. Split up, the walk would no longer read top to bottom.
import { emptyAttributes } from '../model/index.ts';
import type {
  AttributeMap,
  AttributeValue,
  InstrumentationScope,
  Resource,
  Span,
  SpanEvent,
  SpanLink,
  SpanStatus,
} from '../model/index.ts';
import { err, ok } from '../result.ts';
import type { DecodeResult } from './decoded-export.ts';
import { isAllZeroBytes } from './hex.ts';
import * as F from './proto-fields.ts';
import { MAX_ANY_VALUE_DEPTH, UNSET_STATUS, compactArray } from './shared-values.ts';
import { newEvent, newLink, newResource, newScope, newSpan, newStatus } from './span-factory.ts';
import type { Mutable } from './span-factory.ts';
import { SpanRejections, parentSpanIdProblem, spanIdProblem, traceIdProblem } from './span-rejections.ts';
import { WireFormatError, WireReader } from './wire-reader.ts';
import { keepShapeWitness } from '../v8-shapes.ts';

// Each message's decoder switches on the tags of proto-fields.ts; a tag not listed there (an unknown field, or a
// known field number with another wire type) is skipped.

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
      if (tag === F.REQUEST_RESOURCE_SPANS) {
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
  keepShapeWitness(spans[0]);
  return ok({ spans, rejectedSpans: rejections.count, rejectionMessage: rejections.message() });
}

function describeFailure(error: unknown): string {
  if (error instanceof WireFormatError) return `invalid OTLP protobuf: ${error.message}`;
  if (error instanceof RangeError) return `invalid OTLP protobuf: ${error.message}`;
  return `invalid OTLP protobuf: ${String(error)}`;
}

function decodeResourceSpans(r: WireReader, end: number, out: Span[], rejections: SpanRejections, resourceIndex: number): void {
  const resource = newResource();
  let scopeIndex = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case F.RESOURCE_SPANS_RESOURCE: {
        const e = r.lengthEnd();
        decodeResource(r, e, resource);
        r.expectEnd(e, 'Resource');
        break;
      }
      case F.RESOURCE_SPANS_SCOPE_SPANS: {
        const e = r.lengthEnd();
        decodeScopeSpans(r, e, resource, out, rejections, resourceIndex, scopeIndex++);
        r.expectEnd(e, 'ScopeSpans');
        break;
      }
      case F.RESOURCE_SPANS_SCHEMA_URL:
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
    if (tag === F.RESOURCE_ATTRIBUTES) decodeKeyValue(r, resource.attributes, 0);
    else if (tag === F.RESOURCE_DROPPED_ATTRIBUTES_COUNT) resource.droppedAttributesCount = r.uint32();
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
  const scope = newScope();
  let spanIndex = 0;
  const lastIds: LastIds = { traceStart: 0, traceEnd: 0, traceHex: '', parentStart: 0, parentEnd: 0, parentHex: '' };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case F.SCOPE_SPANS_SCOPE: {
        const e = r.lengthEnd();
        decodeScope(r, e, scope);
        r.expectEnd(e, 'InstrumentationScope');
        break;
      }
      case F.SCOPE_SPANS_SPANS: {
        const e = r.lengthEnd();
        const span = decodeSpan(r, e, resource, scope, rejections, resourceIndex, scopeIndex, spanIndex++, lastIds);
        r.expectEnd(e, 'Span');
        if (span !== undefined) out.push(span);
        break;
      }
      case F.SCOPE_SPANS_SCHEMA_URL:
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
      case F.SCOPE_NAME:
        scope.name = r.string();
        break;
      case F.SCOPE_VERSION:
        scope.version = r.string();
        break;
      case F.SCOPE_ATTRIBUTES:
        decodeKeyValue(r, scope.attributes, 0);
        break;
      case F.SCOPE_DROPPED_ATTRIBUTES_COUNT:
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
  let traceIdStart = 0;
  let traceIdEnd = 0;
  let spanIdStart = 0;
  let spanIdEnd = 0;
  let parentStart = 0;
  let parentEnd = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case F.SPAN_TRACE_ID:
        traceIdEnd = r.lengthEnd();
        traceIdStart = r.pos;
        r.pos = traceIdEnd;
        break;
      case F.SPAN_SPAN_ID:
        spanIdEnd = r.lengthEnd();
        spanIdStart = r.pos;
        r.pos = spanIdEnd;
        break;
      case F.SPAN_TRACE_STATE:
        traceState = r.string();
        break;
      case F.SPAN_PARENT_SPAN_ID:
        parentEnd = r.lengthEnd();
        parentStart = r.pos;
        r.pos = parentEnd;
        break;
      case F.SPAN_NAME:
        name = r.string();
        break;
      case F.SPAN_KIND:
        // Enums are int32 on the wire; `| 0` restores negative values sent as 10-byte varints.
        kind = r.uint32() | 0;
        break;
      case F.SPAN_START_TIME:
        startTimeUnixNano = r.fixed64();
        break;
      case F.SPAN_END_TIME:
        endTimeUnixNano = r.fixed64();
        break;
      case F.SPAN_ATTRIBUTES:
        decodeKeyValue(r, attributes, 0);
        break;
      case F.SPAN_DROPPED_ATTRIBUTES_COUNT:
        droppedAttributesCount = r.uint32();
        break;
      case F.SPAN_EVENTS: {
        const e = r.lengthEnd();
        (events ??= []).push(decodeEvent(r, e));
        r.expectEnd(e, 'Span.Event');
        break;
      }
      case F.SPAN_DROPPED_EVENTS_COUNT:
        droppedEventsCount = r.uint32();
        break;
      case F.SPAN_LINKS: {
        const e = r.lengthEnd();
        (links ??= []).push(decodeLink(r, e));
        r.expectEnd(e, 'Span.Link');
        break;
      }
      case F.SPAN_DROPPED_LINKS_COUNT:
        droppedLinksCount = r.uint32();
        break;
      case F.SPAN_STATUS: {
        const e = r.lengthEnd();
        status = decodeStatus(r, e, status);
        r.expectEnd(e, 'Status');
        break;
      }
      case F.SPAN_FLAGS:
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
    traceId = r.hex(traceIdStart, traceIdEnd);
    lastIds.traceStart = traceIdStart;
    lastIds.traceEnd = traceIdEnd;
    lastIds.traceHex = traceId;
  }
  let parentSpanId: string | undefined;
  if (parentEnd !== parentStart && !isAllZeroBytes(buf, parentStart, parentEnd)) {
    parentSpanId = lastIds.parentHex;
    if (!sameBytes(buf, lastIds.parentStart, lastIds.parentEnd, parentStart, parentEnd)) {
      parentSpanId = r.hex(parentStart, parentEnd);
      lastIds.parentStart = parentStart;
      lastIds.parentEnd = parentEnd;
      lastIds.parentHex = parentSpanId;
    }
  }
  const spanId = r.hex(spanIdStart, spanIdEnd);
  return newSpan(
    traceId, spanId, parentSpanId, traceState, name, kind, startTimeUnixNano, endTimeUnixNano,
    attributes, droppedAttributesCount, events, droppedEventsCount, links, droppedLinksCount, status, flags,
    resource, scope,
  );
}

function decodeEvent(r: WireReader, end: number): SpanEvent {
  let timeUnixNano = 0n;
  let name = '';
  const attributes = emptyAttributes();
  let droppedAttributesCount = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case F.EVENT_TIME:
        timeUnixNano = r.fixed64();
        break;
      case F.EVENT_NAME:
        name = r.string();
        break;
      case F.EVENT_ATTRIBUTES:
        decodeKeyValue(r, attributes, 0);
        break;
      case F.EVENT_DROPPED_ATTRIBUTES_COUNT:
        droppedAttributesCount = r.uint32();
        break;
      default:
        r.skip(tag);
    }
  }
  return newEvent(timeUnixNano, name, attributes, droppedAttributesCount);
}

function decodeLink(r: WireReader, end: number): SpanLink {
  // Link ids are kept as sent (hex of whatever length).
  let traceId = '';
  let spanId = '';
  let traceState = '';
  const attributes = emptyAttributes();
  let droppedAttributesCount = 0;
  let flags = 0;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case F.LINK_TRACE_ID: {
        const e = r.lengthEnd();
        traceId = r.hex(r.pos, e);
        r.pos = e;
        break;
      }
      case F.LINK_SPAN_ID: {
        const e = r.lengthEnd();
        spanId = r.hex(r.pos, e);
        r.pos = e;
        break;
      }
      case F.LINK_TRACE_STATE:
        traceState = r.string();
        break;
      case F.LINK_ATTRIBUTES:
        decodeKeyValue(r, attributes, 0);
        break;
      case F.LINK_DROPPED_ATTRIBUTES_COUNT:
        droppedAttributesCount = r.uint32();
        break;
      case F.LINK_FLAGS:
        flags = r.fixed32();
        break;
      default:
        r.skip(tag);
    }
  }
  return newLink(traceId, spanId, traceState, attributes, droppedAttributesCount, flags);
}

/** Decodes a `Status` merged into `previous` (a second `status` field sets only the members it carries). */
function decodeStatus(r: WireReader, end: number, previous: SpanStatus): SpanStatus {
  // Field 1 (deprecated_code) is reserved and skipped like any unknown field.
  let message = previous.message;
  let code = previous.code;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === F.STATUS_MESSAGE) message = r.string();
    else if (tag === F.STATUS_CODE) code = r.uint32() | 0;
    else r.skip(tag);
  }
  return newStatus(code, message);
}

/** Decodes one `KeyValue` (the cursor is at its LEN prefix) into `into`; a later duplicate key wins. */
function decodeKeyValue(r: WireReader, into: AttributeMap, depth: number): void {
  const end = r.lengthEnd();
  let key = '';
  let value: AttributeValue = null;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === F.KEY_VALUE_KEY) {
      key = r.string();
    } else if (tag === F.KEY_VALUE_VALUE) {
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
      case F.ANY_VALUE_STRING:
        value = r.string();
        break;
      case F.ANY_VALUE_BOOL:
        value = r.bool();
        break;
      case F.ANY_VALUE_INT:
        value = r.int64();
        break;
      case F.ANY_VALUE_DOUBLE:
        value = r.double();
        break;
      case F.ANY_VALUE_ARRAY: {
        const e = r.lengthEnd();
        value = decodeArrayValue(r, e, depth + 1, Array.isArray(value) ? value : []);
        r.expectEnd(e, 'ArrayValue');
        break;
      }
      case F.ANY_VALUE_KVLIST: {
        const e = r.lengthEnd();
        value = decodeKeyValueList(r, e, depth + 1, isKvlist(value) ? value : emptyAttributes());
        r.expectEnd(e, 'KeyValueList');
        break;
      }
      case F.ANY_VALUE_BYTES:
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
    if (tag === F.ARRAY_VALUE_VALUES) {
      const e = r.lengthEnd();
      values.push(decodeAnyValue(r, e, depth, null));
      r.expectEnd(e, 'AnyValue');
    } else {
      r.skip(tag);
    }
  }
  return compactArray(values);
}

function decodeKeyValueList(r: WireReader, end: number, depth: number, map: AttributeMap): AttributeMap {
  checkDepth(depth);
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === F.KEY_VALUE_LIST_VALUES) decodeKeyValue(r, map, depth);
    else r.skip(tag);
  }
  return map;
}

// Over 400 lines on purpose: one reader per OTLP message, in the order the request nests them (request, ResourceSpans,
// ScopeSpans, Span, Event, Link, Status, KeyValue, AnyValue), with the key table and the fast paths for the layout
// exporters write. Split up, the walk would no longer read top to bottom. Scalars are in json-scalars.ts.
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
import { isAllZeroHex, normaliseHexId } from './hex.ts';
import { JsonCursor, JsonShapeError, within } from './json-cursor.ts';
import { KeyTable } from './key-table.ts';
import { readBytes, readDouble, readEnum, readFixed64, readInt64, readUint32, spanKindByName, statusCodeByName } from './json-scalars.ts';
import { MAX_ANY_VALUE_DEPTH, UNSET_STATUS, compactArray } from './shared-values.ts';
import { keepShapeWitness } from '../v8-shapes.ts';
import { newEvent, newLink, newResource, newScope, newSpan, newStatus } from './span-factory.ts';
import type { Mutable } from './span-factory.ts';
import { SpanRejections, parentSpanIdProblem, spanIdProblem, traceIdProblem } from './span-rejections.ts';

/** Codes of every key the decoder reads; lowerCamelCase and snake_case spellings share a code. */
const K = {
  resourceSpans: 1,
  resource: 2,
  scopeSpans: 3,
  schemaUrl: 4,
  attributes: 5,
  droppedAttributesCount: 6,
  scope: 7,
  spans: 8,
  name: 9,
  version: 10,
  traceId: 11,
  spanId: 12,
  parentSpanId: 13,
  traceState: 14,
  kind: 15,
  startTimeUnixNano: 16,
  endTimeUnixNano: 17,
  events: 18,
  droppedEventsCount: 19,
  links: 20,
  droppedLinksCount: 21,
  status: 22,
  flags: 23,
  timeUnixNano: 24,
  code: 25,
  message: 26,
  key: 27,
  value: 28,
  stringValue: 29,
  boolValue: 30,
  intValue: 31,
  doubleValue: 32,
  arrayValue: 33,
  kvlistValue: 34,
  bytesValue: 35,
  values: 36,
} as const;

const snakeCase = (name: string): string => name.replace(/[A-Z]/g, (ch) => `_${ch.toLowerCase()}`);
const keyNames: string[] = [];
const keyCodes: Record<string, number> = {};
for (const [name, code] of Object.entries(K)) {
  keyNames[code] = name;
  keyCodes[name] = code;
  keyCodes[snakeCase(name)] = code;
}
const KEYS = new KeyTable(keyCodes);

/** The lowerCamelCase name of a key code, for error paths. */
function keyName(code: number): string {
  return keyNames[code] ?? '(unknown key)';
}

const utf8 = new TextEncoder();

/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest` into model spans.
 *
 * Follows the OTLP/JSON rules (and what the Collector accepts):
 * - trace and span ids are case-insensitive hex; `""` means absent. An id that is not hex is rejected like
 *   an id of the wrong length. Some buggy exporters send base64 (protobuf's generic JSON mapping); such a span
 *   is rejected with a message saying "ids in OTLP/JSON are hex, this looks like base64" rather than guessed
 *   at, since a base64 string can also be valid hex and guessing would silently corrupt ids.
 * - `kind` and `status.code` are integers or enum names (`SPAN_KIND_SERVER`, `STATUS_CODE_ERROR`).
 * - keys may be lowerCamelCase or snake_case; unknown keys are ignored; `null` means absent.
 * - 64-bit integers (times, `intValue`) may be decimal strings or numbers; numbers keep every digit, even
 *   beyond 2^53, because they are read from their source text (no `JSON.parse` rounding).
 * - `bytesValue` is standard base64 (URL-safe and unpadded are accepted too).
 * Span-level problems (bad ids) reject that span only (partial success); a body that is not JSON or has the
 * wrong shape is an `err` naming the offending path. This function never throws.
 *
 * The body is scanned directly into the model (no intermediate `JSON.parse` tree); see `json-cursor.ts`.
 *
 * @example
 * ```ts
 * const result = decodeExportRequestJson('{"resourceSpans":[]}');
 * if (result.ok) console.log(result.value.spans.length); // 0
 * ```
 */
export function decodeExportRequestJson(body: string | Uint8Array): DecodeResult {
  const spans: Span[] = [];
  const rejections = new SpanRejections();
  try {
    const c = new JsonCursor(typeof body === 'string' ? utf8.encode(body) : body);
    if (c.peek() !== 0x7b) throw within(c.shape('an object'), 'request');
    c.beginObject();
    for (let key = c.nextKeyCode(true, KEYS); key !== -1; key = c.nextKeyCode(false, KEYS)) {
      if (key === K.resourceSpans) {
        try {
          decodeResourceSpansList(c, spans, rejections);
        } catch (error) {
          throw within(error, 'resourceSpans');
        }
      } else {
        c.skipValue();
      }
    }
    c.expectEnd();
  } catch (error) {
    if (error instanceof JsonShapeError) return err({ message: `invalid OTLP/JSON: ${error.describe()}` });
    if (error instanceof RangeError) return err({ message: `invalid OTLP/JSON: ${error.message}` });
    return err({ message: `invalid OTLP/JSON: ${String(error)}` });
  }
  keepShapeWitness(spans[0]);
  return ok({ spans, rejectedSpans: rejections.count, rejectionMessage: rejections.message() });
}

function decodeResourceSpansList(c: JsonCursor, out: Span[], rejections: SpanRejections): void {
  if (!c.beginArray()) return;
  for (let i = 0; c.nextElement(i === 0); i++) {
    try {
      decodeResourceSpans(c, out, rejections, i);
    } catch (error) {
      throw within(error, `[${i}]`);
    }
  }
}

function decodeResourceSpans(c: JsonCursor, out: Span[], rejections: SpanRejections, index: number): void {
  const resource = newResource();
  if (!c.beginObject()) return;
  for (let key = c.nextKeyCode(true, KEYS); key !== -1; key = c.nextKeyCode(false, KEYS)) {
    try {
      switch (key) {
        case K.resource:
          decodeResource(c, resource);
          break;
        case K.scopeSpans:
          if (!c.beginArray()) break;
          for (let i = 0; c.nextElement(i === 0); i++) {
            try {
              decodeScopeSpans(c, resource, out, rejections, index, i);
            } catch (error) {
              throw within(error, `[${i}]`);
            }
          }
          break;
        case K.schemaUrl:
          resource.schemaUrl = c.string();
          break;
        default:
          c.skipValue();
      }
    } catch (error) {
      throw within(error, keyName(key));
    }
  }
}

function decodeResource(c: JsonCursor, resource: Mutable<Resource>): void {
  if (!c.beginObject()) return;
  for (let key = c.nextKeyCode(true, KEYS); key !== -1; key = c.nextKeyCode(false, KEYS)) {
    try {
      if (key === K.attributes) decodeAttributes(c, resource.attributes, 0);
      else if (key === K.droppedAttributesCount) resource.droppedAttributesCount = readUint32(c);
      else c.skipValue();
    } catch (error) {
      throw within(error, keyName(key));
    }
  }
}

function decodeScopeSpans(c: JsonCursor, resource: Resource, out: Span[], rejections: SpanRejections, resourceIndex: number, scopeIndex: number): void {
  const scope = newScope();
  if (!c.beginObject()) return;
  for (let key = c.nextKeyCode(true, KEYS); key !== -1; key = c.nextKeyCode(false, KEYS)) {
    try {
      switch (key) {
        case K.scope:
          decodeScope(c, scope);
          break;
        case K.spans: {
          if (!c.beginArray()) break;
          const where: SpanPosition = { resource: resourceIndex, scope: scopeIndex, span: 0, traceId: '', parentSpanId: '' };
          for (let i = 0; c.nextElement(i === 0); i++) {
            let span: Span | undefined;
            where.span = i;
            try {
              span = decodeSpan(c, resource, scope, rejections, where);
            } catch (error) {
              throw within(error, `[${i}]`);
            }
            if (span !== undefined) out.push(span);
          }
          break;
        }
        case K.schemaUrl:
          scope.schemaUrl = c.string();
          break;
        default:
          c.skipValue();
      }
    } catch (error) {
      throw within(error, keyName(key));
    }
  }
}

function decodeScope(c: JsonCursor, scope: Mutable<InstrumentationScope>): void {
  if (!c.beginObject()) return;
  for (let key = c.nextKeyCode(true, KEYS); key !== -1; key = c.nextKeyCode(false, KEYS)) {
    try {
      switch (key) {
        case K.name:
          scope.name = c.string();
          break;
        case K.version:
          scope.version = c.string();
          break;
        case K.attributes:
          decodeAttributes(c, scope.attributes, 0);
          break;
        case K.droppedAttributesCount:
          scope.droppedAttributesCount = readUint32(c);
          break;
        default:
          c.skipValue();
      }
    } catch (error) {
      throw within(error, keyName(key));
    }
  }
}

/** An id as written: `''` for absent, `null`, or `""`. A non-string is a shape error. */
function readIdText(c: JsonCursor): string {
  return c.string(false);
}

/** Why an id's text (not hex, or an odd number of digits) is unusable; `what` is e.g. "trace id". */
function idTextProblem(text: string, what: string): string {
  if (/^[A-Za-z0-9+/]*={0,2}$/.test(text) && text.length % 4 === 0) {
    return `${what} ${JSON.stringify(text)} is not hex: ids in OTLP/JSON are hex, this looks like base64`;
  }
  return `${what} ${JSON.stringify(text)} is not a hex id`;
}

/**
 * The member that follows each span member in the order the OpenTelemetry JS exporter writes them. Checking for
 * `,"<that key>":` first replaces a key scan and table lookup with one byte compare when the guess is right.
 */
const spanKeyOrder = [
  K.traceId,
  K.spanId,
  K.name,
  K.kind,
  K.startTimeUnixNano,
  K.endTimeUnixNano,
  K.attributes,
  K.droppedAttributesCount,
  K.events,
  K.droppedEventsCount,
  K.status,
  K.links,
  K.droppedLinksCount,
  K.flags,
];
const predictedAfter: (readonly [Uint8Array, number] | undefined)[] = [];
for (let i = 0; i + 1 < spanKeyOrder.length; i++) {
  const next = spanKeyOrder[i + 1] as number;
  predictedAfter[spanKeyOrder[i] as number] = [utf8.encode(`,"${keyName(next)}":`), next];
}
// A child span has a parent between its span id and its name.
predictedAfter[K.parentSpanId] = [utf8.encode(`,"name":`), K.name];

function nextSpanKey(c: JsonCursor, previous: number): number {
  const guess = predictedAfter[previous];
  if (guess !== undefined && c.literal(guess[0])) return guess[1];
  return c.nextKeyCode(false, KEYS);
}

/**
 * Where a span sits in the request (turned into text only when the span is rejected), and the ids the span list
 * read last.
 */
interface SpanPosition {
  resource: number;
  scope: number;
  span: number;
  /**
   * The last trace id and parent span id read, as lower-case hex. Spans of one trace come together and siblings
   * share a parent, so the next span often repeats them: it then shares the string instead of making another,
   * which saves heap per stored span and lets the store's maps reuse the string's cached hash.
   */
  traceId: string;
  parentSpanId: string;
}

function decodeSpan(c: JsonCursor, resource: Resource, scope: InstrumentationScope, rejections: SpanRejections, where: SpanPosition): Span | undefined {
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  // Whether each id was read as lower-case hex already (what SDKs send), so it needs no normalising.
  let traceIdLower = true;
  let spanIdLower = true;
  let parentIdLower = true;
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
  if (!c.beginObject()) throw c.shape('a span object');
  for (let key = c.nextKeyCode(true, KEYS); key !== -1; key = nextSpanKey(c, key)) {
    try {
      switch (key) {
        case K.traceId: {
          const lower = c.lowerHexString(where.traceId);
          traceIdLower = lower !== undefined;
          if (lower !== undefined) where.traceId = lower;
          traceId = lower ?? readIdText(c);
          break;
        }
        case K.spanId: {
          const lower = c.lowerHexString('');
          spanIdLower = lower !== undefined;
          spanId = lower ?? readIdText(c);
          break;
        }
        case K.parentSpanId: {
          const lower = c.lowerHexString(where.parentSpanId);
          parentIdLower = lower !== undefined;
          if (lower !== undefined) where.parentSpanId = lower;
          parentSpanId = lower ?? readIdText(c);
          break;
        }
        case K.traceState:
          traceState = c.string();
          break;
        case K.name:
          name = c.string();
          break;
        case K.kind:
          kind = readEnum(c, spanKindByName);
          break;
        case K.startTimeUnixNano:
          startTimeUnixNano = readFixed64(c);
          break;
        case K.endTimeUnixNano:
          endTimeUnixNano = readFixed64(c);
          break;
        case K.attributes:
          decodeAttributes(c, attributes, 0);
          break;
        case K.droppedAttributesCount:
          droppedAttributesCount = readUint32(c);
          break;
        case K.events:
          if (!c.beginArray()) break;
          for (let i = 0; c.nextElement(i === 0); i++) {
            try {
              (events ??= []).push(decodeEvent(c));
            } catch (error) {
              throw within(error, `[${i}]`);
            }
          }
          break;
        case K.droppedEventsCount:
          droppedEventsCount = readUint32(c);
          break;
        case K.links:
          if (!c.beginArray()) break;
          for (let i = 0; c.nextElement(i === 0); i++) {
            try {
              (links ??= []).push(decodeLink(c));
            } catch (error) {
              throw within(error, `[${i}]`);
            }
          }
          break;
        case K.droppedLinksCount:
          droppedLinksCount = readUint32(c);
          break;
        case K.status:
          status = decodeStatus(c);
          break;
        case K.flags:
          flags = readUint32(c);
          break;
        default:
          c.skipValue();
      }
    } catch (error) {
      throw within(error, keyName(key));
    }
  }
  // The whole span is read before judging its ids, so a shape error anywhere still refuses the request.
  // Ids are checked on their text once: normalised hex, or `undefined` when not hex.
  const traceHex = traceIdLower ? traceId : normaliseHexId(traceId);
  const spanHex = spanIdLower ? spanId : normaliseHexId(spanId);
  const parentHex = parentIdLower ? parentSpanId : normaliseHexId(parentSpanId);
  const problem =
    (traceHex === undefined || traceId.length % 2 !== 0 ? idTextProblem(traceId, 'trace id') : traceIdProblem(traceId.length / 2, isAllZeroHex(traceId))) ??
    (spanHex === undefined || spanId.length % 2 !== 0 ? idTextProblem(spanId, 'span id') : spanIdProblem(spanId.length / 2, isAllZeroHex(spanId))) ??
    (parentHex === undefined || parentSpanId.length % 2 !== 0 ? idTextProblem(parentSpanId, 'parent span id') : parentSpanIdProblem(parentSpanId.length / 2));
  if (problem !== undefined) {
    rejections.reject(`resourceSpans[${where.resource}].scopeSpans[${where.scope}].spans[${where.span}] "${name}"`, problem);
    return undefined;
  }
  const parent = parentHex === undefined || parentHex === '' || isAllZeroHex(parentHex) ? undefined : parentHex;
  return newSpan(
    traceHex as string, spanHex as string, parent, traceState, name, kind, startTimeUnixNano, endTimeUnixNano,
    attributes, droppedAttributesCount, events, droppedEventsCount, links, droppedLinksCount, status, flags,
    resource, scope,
  );
}

function decodeEvent(c: JsonCursor): SpanEvent {
  let timeUnixNano = 0n;
  let name = '';
  const attributes = emptyAttributes();
  let droppedAttributesCount = 0;
  if (!c.beginObject()) throw c.shape('an event object');
  for (let key = c.nextKeyCode(true, KEYS); key !== -1; key = c.nextKeyCode(false, KEYS)) {
    try {
      switch (key) {
        case K.timeUnixNano:
          timeUnixNano = readFixed64(c);
          break;
        case K.name:
          name = c.string();
          break;
        case K.attributes:
          decodeAttributes(c, attributes, 0);
          break;
        case K.droppedAttributesCount:
          droppedAttributesCount = readUint32(c);
          break;
        default:
          c.skipValue();
      }
    } catch (error) {
      throw within(error, keyName(key));
    }
  }
  return newEvent(timeUnixNano, name, attributes, droppedAttributesCount);
}

function decodeLink(c: JsonCursor): SpanLink {
  // A link's ids are kept as sent (lower-cased when hex).
  let traceId = '';
  let spanId = '';
  let traceState = '';
  const attributes = emptyAttributes();
  let droppedAttributesCount = 0;
  let flags = 0;
  if (!c.beginObject()) throw c.shape('a link object');
  for (let key = c.nextKeyCode(true, KEYS); key !== -1; key = c.nextKeyCode(false, KEYS)) {
    try {
      switch (key) {
        case K.traceId:
          traceId = readIdText(c);
          break;
        case K.spanId:
          spanId = readIdText(c);
          break;
        case K.traceState:
          traceState = c.string();
          break;
        case K.attributes:
          decodeAttributes(c, attributes, 0);
          break;
        case K.droppedAttributesCount:
          droppedAttributesCount = readUint32(c);
          break;
        case K.flags:
          flags = readUint32(c);
          break;
        default:
          c.skipValue();
      }
    } catch (error) {
      throw within(error, keyName(key));
    }
  }
  return newLink(normaliseHexId(traceId) ?? traceId, normaliseHexId(spanId) ?? spanId, traceState, attributes, droppedAttributesCount, flags);
}

function decodeStatus(c: JsonCursor): SpanStatus {
  // `deprecated_code` (field 1) is reserved and skipped like any unknown key.
  let code = 0;
  let message = '';
  if (!c.beginObject()) return UNSET_STATUS;
  for (let key = c.nextKeyCode(true, KEYS); key !== -1; key = c.nextKeyCode(false, KEYS)) {
    try {
      if (key === K.code) code = readEnum(c, statusCodeByName);
      else if (key === K.message) message = c.string();
      else c.skipValue();
    } catch (error) {
      throw within(error, keyName(key));
    }
  }
  return newStatus(code, message);
}

function decodeAttributes(c: JsonCursor, into: AttributeMap, depth: number): void {
  if (!c.beginArray()) return;
  for (let i = 0; c.nextElement(i === 0); i++) {
    try {
      decodeKeyValue(c, into, depth);
    } catch (error) {
      throw within(error, `[${i}]`);
    }
  }
}

const KEY_MEMBER = utf8.encode('{"key":');
const VALUE_MEMBER = utf8.encode(',"value":');
const CLOSE_OBJECT = utf8.encode('}');
const STRING_VALUE_MEMBER = utf8.encode('{"stringValue":');
const INT_VALUE_MEMBER = utf8.encode('{"intValue":');
const DOUBLE_VALUE_MEMBER = utf8.encode('{"doubleValue":');

/** One `KeyValue` into `into`; a later duplicate key wins, a missing value is `null`. */
function decodeKeyValue(c: JsonCursor, into: AttributeMap, depth: number): void {
  let k = '';
  let value: AttributeValue = null;
  let first = true;
  c.peek();
  if (c.literal(KEY_MEMBER)) {
    // The layout exporters write: {"key":"…","value":{…}}.
    k = c.string();
    first = false;
    if (c.literal(VALUE_MEMBER)) {
      try {
        value = decodeAnyValue(c, depth);
      } catch (error) {
        throw within(error, 'value');
      }
      if (c.literal(CLOSE_OBJECT)) {
        into[k] = value;
        return;
      }
    }
  } else if (!c.beginObject()) {
    throw c.shape('a {"key", "value"} object');
  }
  for (let key = c.nextKeyCode(first, KEYS); key !== -1; key = c.nextKeyCode(false, KEYS)) {
    try {
      if (key === K.key) k = c.string();
      else if (key === K.value) value = decodeAnyValue(c, depth);
      else c.skipValue();
    } catch (error) {
      throw within(error, keyName(key));
    }
  }
  into[k] = value;
}

function decodeAnyValue(c: JsonCursor, depth: number): AttributeValue {
  // A oneof: exactly one member is expected; when several come, the last one wins (as in protobuf). A member
  // set to null is not set (ProtoJSON), so it neither empties nor replaces a member before it.
  let value: AttributeValue = null;
  let first = true;
  c.peek();
  // The compact layout exporters write ({"stringValue":"…"} and the like) skips the key lookup.
  if (c.literal(STRING_VALUE_MEMBER)) {
    first = false;
    try {
      if (!c.nullNext()) value = c.string();
    } catch (error) {
      throw within(error, 'stringValue');
    }
  } else if (c.literal(INT_VALUE_MEMBER)) {
    first = false;
    try {
      if (!c.nullNext()) value = readInt64(c);
    } catch (error) {
      throw within(error, 'intValue');
    }
  } else if (c.literal(DOUBLE_VALUE_MEMBER)) {
    first = false;
    try {
      if (!c.nullNext()) value = readDouble(c);
    } catch (error) {
      throw within(error, 'doubleValue');
    }
  } else if (!c.beginObject()) {
    return null;
  }
  if (!first && c.literal(CLOSE_OBJECT)) return value;
  for (let key = c.nextKeyCode(first, KEYS); key !== -1; key = c.nextKeyCode(false, KEYS)) {
    if (c.nullNext()) continue;
    try {
      switch (key) {
        case K.stringValue:
          value = c.string();
          break;
        case K.boolValue: {
          c.peek();
          const b = c.boolIfNext();
          if (b === undefined) throw c.shape('true or false');
          value = b;
          break;
        }
        case K.intValue:
          value = readInt64(c);
          break;
        case K.doubleValue:
          value = readDouble(c);
          break;
        case K.arrayValue:
          value = decodeArrayValue(c, depth + 1);
          break;
        case K.kvlistValue:
          value = decodeKvlistValue(c, depth + 1);
          break;
        case K.bytesValue:
          value = readBytes(c);
          break;
        default:
          c.skipValue();
      }
    } catch (error) {
      throw within(error, keyName(key));
    }
  }
  return value;
}

function checkDepth(depth: number): void {
  if (depth > MAX_ANY_VALUE_DEPTH) throw new JsonShapeError('', `attribute values nest deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
}

function decodeArrayValue(c: JsonCursor, depth: number): AttributeValue[] {
  checkDepth(depth);
  const values: AttributeValue[] = [];
  if (!c.beginObject()) return values;
  for (let key = c.nextKeyCode(true, KEYS); key !== -1; key = c.nextKeyCode(false, KEYS)) {
    try {
      if (key === K.values) {
        if (!c.beginArray()) continue;
        for (let i = 0; c.nextElement(i === 0); i++) {
          try {
            values.push(decodeAnyValue(c, depth));
          } catch (error) {
            throw within(error, `[${i}]`);
          }
        }
      } else {
        c.skipValue();
      }
    } catch (error) {
      throw within(error, keyName(key));
    }
  }
  return compactArray(values);
}

function decodeKvlistValue(c: JsonCursor, depth: number): AttributeMap {
  checkDepth(depth);
  const map = emptyAttributes();
  if (!c.beginObject()) return map;
  for (let key = c.nextKeyCode(true, KEYS); key !== -1; key = c.nextKeyCode(false, KEYS)) {
    try {
      if (key === K.values) decodeAttributes(c, map, depth);
      else c.skipValue();
    } catch (error) {
      throw within(error, keyName(key));
    }
  }
  return map;
}

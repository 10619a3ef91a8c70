import { emptyAttributes } from '../model/attribute-value.ts';
import type { AttributeMap, AttributeValue } from '../model/attribute-value.ts';
import type { InstrumentationScope, Resource, Span, SpanEvent, SpanLink, SpanStatus } from '../model/span.ts';
import { err, ok } from '../result.ts';
import type { DecodeResult } from './decoded-export.ts';
import { isAllZeroHex, normaliseHexId } from './hex.ts';
import { JsonCursor, JsonShapeError, within } from './json-cursor.ts';
import { KeyTable } from './key-table.ts';
import { MAX_ANY_VALUE_DEPTH, UNSET_STATUS } from './shared-values.ts';
import { keepShapeWitness } from './shape-witness.ts';
import { SpanDraft, newEvent, newLink, newResource, newScope, newStatus } from './span-factory.ts';
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

/** The span being read; one for the process (see {@link SpanDraft}). */
const draft = new SpanDraft();

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
  keepShapeWitness(spans);
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
  const d = draft;
  d.reset();
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
          d.traceState = c.string();
          break;
        case K.name:
          d.name = c.string();
          break;
        case K.kind:
          d.kind = readEnum(c, spanKindByName);
          break;
        case K.startTimeUnixNano:
          d.startTimeUnixNano = readFixed64(c);
          break;
        case K.endTimeUnixNano:
          d.endTimeUnixNano = readFixed64(c);
          break;
        case K.attributes:
          decodeAttributes(c, d.attributes, 0);
          break;
        case K.droppedAttributesCount:
          d.droppedAttributesCount = readUint32(c);
          break;
        case K.events:
          if (!c.beginArray()) break;
          for (let i = 0; c.nextElement(i === 0); i++) {
            try {
              (d.events ??= []).push(decodeEvent(c));
            } catch (error) {
              throw within(error, `[${i}]`);
            }
          }
          break;
        case K.droppedEventsCount:
          d.droppedEventsCount = readUint32(c);
          break;
        case K.links:
          if (!c.beginArray()) break;
          for (let i = 0; c.nextElement(i === 0); i++) {
            try {
              (d.links ??= []).push(decodeLink(c));
            } catch (error) {
              throw within(error, `[${i}]`);
            }
          }
          break;
        case K.droppedLinksCount:
          d.droppedLinksCount = readUint32(c);
          break;
        case K.status:
          d.status = decodeStatus(c);
          break;
        case K.flags:
          d.flags = readUint32(c);
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
    rejections.reject(`resourceSpans[${where.resource}].scopeSpans[${where.scope}].spans[${where.span}] "${d.name}"`, problem);
    return undefined;
  }
  const parent = parentHex === undefined || parentHex === '' || isAllZeroHex(parentHex) ? undefined : parentHex;
  return d.toSpan(traceHex as string, spanHex as string, parent, resource, scope);
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
        case K.bytesValue: {
          const text = c.stringIfNext();
          // Protobuf's JSON mapping accepts standard and URL-safe base64, padded or not.
          if (text === undefined || !/^[A-Za-z0-9+/\-_]*={0,2}$/.test(text)) throw c.shape('base64');
          if (!isWholeBase64(text)) throw new JsonShapeError('', `expected base64, got ${JSON.stringify(text.slice(0, 40))}, whose length no base64 encoder writes`);
          value = new Uint8Array(Buffer.from(text, 'base64'));
          break;
        }
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
  return values;
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

const INTEGER = /^-?\d+$/;

/**
 * Whether base64 text (its alphabet already checked) has a length an encoder can write: a multiple of 4 when
 * padded; unpadded, anything but 4n + 1 (one character carries 6 bits, less than a byte).
 */
function isWholeBase64(text: string): boolean {
  const padded = text.endsWith('=');
  return padded ? text.length % 4 === 0 : text.length % 4 !== 1;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const FIXED64_MAX = 2n ** 64n - 1n;
const UINT32_MAX = 2 ** 32 - 1;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function outOfRange(text: string, type: string, min: bigint | number, max: bigint | number): JsonShapeError {
  return new JsonShapeError('', `${text} is out of range for ${type} (${min} to ${max})`);
}

/** `int64` (`intValue`): a decimal string or a number literal, read from its text so no digit is lost. */
function readInt64(c: JsonCursor): bigint {
  const value = readInteger64(c);
  if (value < INT64_MIN || value > INT64_MAX) throw outOfRange(String(value), 'an int64', INT64_MIN, INT64_MAX);
  return value;
}

/** `fixed64` (nanosecond times): as {@link readInt64}, but unsigned. */
function readFixed64(c: JsonCursor): bigint {
  const value = readInteger64(c);
  if (value < 0n || value > FIXED64_MAX) throw outOfRange(String(value), 'a fixed64', 0, FIXED64_MAX);
  return value;
}

/** A 64-bit integer field's value, not yet checked against its range. */
function readInteger64(c: JsonCursor): bigint {
  const next = c.peek();
  const fast = c.integer();
  if (fast !== undefined) return fast;
  if (next === 0x22) {
    const text = c.string(false);
    if (INTEGER.test(text)) return BigInt(text);
    throw new JsonShapeError('', `expected a 64-bit integer as a decimal string or number, got ${JSON.stringify(text)}`);
  }
  if (c.nullNext()) return 0n;
  const text = c.numberText();
  if (text !== undefined) {
    if (INTEGER.test(text)) return BigInt(text);
    // An integral value written with a fraction or exponent (1e3, 5.0) is still an integer.
    const n = Number(text);
    if (Number.isInteger(n)) return BigInt(n);
    throw new JsonShapeError('', `expected a 64-bit integer as a decimal string or number, got ${text}`);
  }
  throw c.shape('a 64-bit integer as a decimal string or number');
}

/** uint32 / fixed32 (counts, flags): a number or a decimal string, from 0 to 2^32 - 1. */
function readUint32(c: JsonCursor): number {
  const next = c.peek();
  const fast = c.smallInteger();
  if (fast !== undefined) {
    if (fast <= UINT32_MAX) return fast;
    throw outOfRange(String(fast), 'a uint32', 0, UINT32_MAX);
  }
  const n = readInteger32(c, next, 'an integer');
  if (n < 0 || n > UINT32_MAX) throw outOfRange(String(n), 'a uint32', 0, UINT32_MAX);
  return n;
}

/** A 32-bit integer field's value written other than as a plain non-negative number, not yet range-checked. */
function readInteger32(c: JsonCursor, next: number, expected: string): number {
  if (next === 0x22) {
    const text = c.string(false);
    if (INTEGER.test(text)) return Number(text);
    throw new JsonShapeError('', `expected ${expected}, got ${JSON.stringify(text)}`);
  }
  if (c.nullNext()) return 0;
  const text = c.numberText();
  if (text !== undefined && Number.isInteger(Number(text))) return Number(text);
  throw text === undefined ? c.shape(expected) : new JsonShapeError('', `expected ${expected}, got ${text}`);
}

/** `double`: a number, or a string holding one or `NaN`, `Infinity`, `-Infinity`. A finite literal too large is refused. */
function readDouble(c: JsonCursor): number {
  const next = c.peek();
  if (next === 0x22) {
    // Protobuf's JSON mapping writes non-finite doubles (and may write any double) as strings.
    const text = c.string(false);
    if (text === 'NaN') return Number.NaN;
    if (text === 'Infinity') return Number.POSITIVE_INFINITY;
    if (text === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (text.trim() === '' || Number.isNaN(Number(text))) throw new JsonShapeError('', `expected a number, got ${JSON.stringify(text)}`);
    return finiteDouble(Number(text), JSON.stringify(text));
  }
  if (c.nullNext()) return 0;
  const text = c.numberText();
  if (text === undefined) throw c.shape('a number');
  const n = Number(text);
  if (Number.isNaN(n)) throw new JsonShapeError('', `expected a number, got ${text}`);
  return finiteDouble(n, text);
}

/** `n` unless a finite literal overflowed to ±Infinity (ProtoJSON spells infinities only as strings). */
function finiteDouble(n: number, text: string): number {
  if (Number.isFinite(n)) return n;
  throw new JsonShapeError('', `${text} is out of range for a double (beyond ±1.7976931348623157e308; infinities are written "Infinity", "-Infinity")`);
}

const spanKindByName: Readonly<Record<string, number>> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};

const statusCodeByName: Readonly<Record<string, number>> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

/** An enum (`kind`, `status.code`): its name, or its number within int32 (unknown numbers are kept, as proto3 does). */
function readEnum(c: JsonCursor, names: Readonly<Record<string, number>>): number {
  const next = c.peek();
  const fast = c.smallInteger();
  if (fast !== undefined) {
    if (fast <= INT32_MAX) return fast;
    throw outOfRange(String(fast), 'an int32 enum', INT32_MIN, INT32_MAX);
  }
  let n: number;
  if (next === 0x22) {
    const text = c.string();
    const named = Object.hasOwn(names, text) ? names[text] : undefined;
    if (named !== undefined) return named;
    if (!INTEGER.test(text)) throw new JsonShapeError('', `expected an integer or one of ${Object.keys(names).join(', ')}, got ${JSON.stringify(text)}`);
    n = Number(text);
  } else {
    n = readInteger32(c, next, `an integer or one of ${Object.keys(names).join(', ')}`);
  }
  if (n < INT32_MIN || n > INT32_MAX) throw outOfRange(String(n), 'an int32 enum', INT32_MIN, INT32_MAX);
  return n;
}

import { emptyAttributes } from '../model/attribute-value.ts';
import type { AttributeMap, AttributeValue } from '../model/attribute-value.ts';
import type { InstrumentationScope, Resource, Span, SpanEvent, SpanLink, SpanStatus } from '../model/span.ts';
import { err, ok } from '../result.ts';
import type { DecodeResult } from './decoded-export.ts';
import { isAllZeroHex, normaliseHexId } from './hex.ts';
import { MAX_ANY_VALUE_DEPTH, NO_EVENTS, NO_LINKS, UNSET_STATUS } from './shared-values.ts';
import { SpanRejections, parentSpanIdProblem, spanIdProblem, traceIdProblem } from './span-rejections.ts';

/** A structural problem in an OTLP/JSON request: the whole request is refused with it. */
class JsonShapeError extends Error {}

type Json = Record<string, unknown>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const utf8 = new TextDecoder('utf-8');

/**
 * A number literal of 16 or more digits right after `:`, `[` or `,`: only such numbers can exceed 2^53
 * and lose digits in `JSON.parse`. A false positive (the text inside a string) costs only the precise path.
 */
const BIG_NUMBER_LITERAL = /[:[,]\s*-?\d{16}/;

/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest` into model spans.
 *
 * Follows the OTLP/JSON rules (and what the Collector accepts):
 * - trace and span ids are case-insensitive hex; `""` means absent. An id that is not hex is rejected like
 *   an id of the wrong length. Some buggy exporters send base64 (protobuf's generic JSON mapping); such a span
 *   is rejected with a message saying "ids in OTLP/JSON are hex, this looks like base64" rather than guessed
 *   at, since a 24-character base64 string and a hex string cannot always be told apart safely.
 * - `kind` and `status.code` are integers or enum names (`SPAN_KIND_SERVER`, `STATUS_CODE_ERROR`).
 * - keys may be lowerCamelCase or snake_case; unknown keys are ignored.
 * - 64-bit integers (times, `intValue`) may be decimal strings or numbers; numbers beyond 2^53 keep every digit
 *   (the body is re-parsed with `JSON.parse`'s source-text access only when it holds such a literal).
 * - `bytesValue` is standard base64.
 * Span-level problems (bad ids) reject that span only (partial success); a body that is not JSON or has the
 * wrong shape is an `err` naming the offending path. This function never throws.
 *
 * @example
 * ```ts
 * const result = decodeExportRequestJson('{"resourceSpans":[]}');
 * if (result.ok) console.log(result.value.spans.length); // 0
 * ```
 */
export function decodeExportRequestJson(body: string | Uint8Array): DecodeResult {
  let text: string;
  let parsed: unknown;
  try {
    text = typeof body === 'string' ? body : utf8.decode(body);
    parsed = BIG_NUMBER_LITERAL.test(text) ? JSON.parse(text, preciseIntegers) : JSON.parse(text);
  } catch (error) {
    return err({ message: `invalid OTLP/JSON: ${error instanceof Error ? error.message : String(error)}` });
  }
  const spans: Span[] = [];
  const rejections = new SpanRejections();
  try {
    const request = asObject(parsed, 'request');
    const resourceSpans = asArray(field(request, 'resourceSpans', 'resource_spans'), 'resourceSpans');
    for (let i = 0; i < resourceSpans.length; i++) decodeResourceSpans(resourceSpans[i], `resourceSpans[${i}]`, spans, rejections);
  } catch (error) {
    if (error instanceof JsonShapeError || error instanceof RangeError) return err({ message: `invalid OTLP/JSON: ${error.message}` });
    return err({ message: `invalid OTLP/JSON: ${String(error)}` });
  }
  return ok({ spans, rejectedSpans: rejections.count, rejectionMessage: rejections.message() });
}

/** `JSON.parse` reviver (Node 22+ passes the literal's source text): integers beyond 2^53 become bigint. */
function preciseIntegers(this: unknown, _key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined && /^-?\d+$/.test(context.source)) {
    return BigInt(context.source);
  }
  return value;
}

function field(o: Json, camel: string, snake: string): unknown {
  const v = o[camel];
  return v === undefined ? o[snake] : v;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (typeof value === 'bigint') return value.toString();
  return typeof value === 'object' ? 'an object' : String(value);
}

function fail(path: string, expected: string, value: unknown): never {
  throw new JsonShapeError(`${path}: expected ${expected}, got ${describe(value)}`);
}

function asObject(value: unknown, path: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(path, 'an object', value);
  return value as Json;
}

/** Absent (`undefined`) or `null` repeated fields are empty, as in protobuf's JSON mapping. */
function asArray(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(path, 'an array', value);
  return value;
}

function asString(value: unknown, path: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') fail(path, 'a string', value);
  return value;
}

/** uint32 / int32 / fixed32 fields: a number or a decimal string. */
function asInt32(value: unknown, path: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  return fail(path, 'an integer', value);
}

/** int64 / fixed64 fields: a decimal string, a number, or a bigint from the precise parse. */
function asInt64(value: unknown, path: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'string') {
    if (/^-?\d+$/.test(value)) return BigInt(value);
    return fail(path, 'a 64-bit integer as a decimal string or number', value);
  }
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'bigint') return value;
  return fail(path, 'a 64-bit integer as a decimal string or number', value);
}

function asDouble(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  // Protobuf's JSON mapping writes non-finite doubles as strings.
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  return fail(path, 'a number', value);
}

function asBool(value: unknown, path: string): boolean {
  if (typeof value === 'boolean') return value;
  return fail(path, 'true or false', value);
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

function asEnum(value: unknown, names: Readonly<Record<string, number>>, path: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    const n = Object.hasOwn(names, value) ? names[value] : undefined;
    if (n !== undefined) return n;
    if (/^-?\d+$/.test(value)) return Number(value);
  }
  return fail(path, `an integer or one of ${Object.keys(names).join(', ')}`, value);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Reads an id: `{ hex }` when usable hex (lower-cased), `{ problem }` when not. `""` and absent give `hex: ''`.
 * `what` names the id in messages; `bytes` is its required length.
 */
function readId(value: unknown, path: string): { hex: string; problem?: undefined } | { hex?: undefined; problem: string } {
  if (value === undefined || value === null || value === '') return { hex: '' };
  if (typeof value !== 'string') fail(path, 'a hex string', value);
  const hex = normaliseHexId(value);
  if (hex !== undefined && hex.length % 2 === 0) return { hex };
  if (BASE64.test(value) && value.length % 4 === 0) {
    return { problem: `${JSON.stringify(value)} is not hex: ids in OTLP/JSON are hex, this looks like base64` };
  }
  return { problem: `${JSON.stringify(value)} is not a hex id` };
}

function decodeResourceSpans(value: unknown, path: string, out: Span[], rejections: SpanRejections): void {
  const o = asObject(value, path);
  const resource: Mutable<Resource> = { attributes: emptyAttributes(), droppedAttributesCount: 0, schemaUrl: asString(field(o, 'schemaUrl', 'schema_url'), `${path}.schemaUrl`) };
  const r = o['resource'];
  if (r !== undefined && r !== null) {
    const ro = asObject(r, `${path}.resource`);
    decodeAttributes(ro['attributes'], resource.attributes, `${path}.resource.attributes`, 0);
    resource.droppedAttributesCount = asInt32(field(ro, 'droppedAttributesCount', 'dropped_attributes_count'), `${path}.resource.droppedAttributesCount`);
  }
  const scopeSpans = asArray(field(o, 'scopeSpans', 'scope_spans'), `${path}.scopeSpans`);
  for (let i = 0; i < scopeSpans.length; i++) decodeScopeSpans(scopeSpans[i], `${path}.scopeSpans[${i}]`, resource, out, rejections);
}

function decodeScopeSpans(value: unknown, path: string, resource: Resource, out: Span[], rejections: SpanRejections): void {
  const o = asObject(value, path);
  const scope: Mutable<InstrumentationScope> = {
    name: '',
    version: '',
    attributes: emptyAttributes(),
    droppedAttributesCount: 0,
    schemaUrl: asString(field(o, 'schemaUrl', 'schema_url'), `${path}.schemaUrl`),
  };
  const s = o['scope'];
  if (s !== undefined && s !== null) {
    const so = asObject(s, `${path}.scope`);
    scope.name = asString(so['name'], `${path}.scope.name`);
    scope.version = asString(so['version'], `${path}.scope.version`);
    decodeAttributes(so['attributes'], scope.attributes, `${path}.scope.attributes`, 0);
    scope.droppedAttributesCount = asInt32(field(so, 'droppedAttributesCount', 'dropped_attributes_count'), `${path}.scope.droppedAttributesCount`);
  }
  const spans = asArray(o['spans'], `${path}.spans`);
  for (let i = 0; i < spans.length; i++) {
    const span = decodeSpan(spans[i], `${path}.spans[${i}]`, resource, scope, rejections);
    if (span !== undefined) out.push(span);
  }
}

function decodeSpan(value: unknown, path: string, resource: Resource, scope: InstrumentationScope, rejections: SpanRejections): Span | undefined {
  const o = asObject(value, path);
  const name = asString(o['name'], `${path}.name`);
  const traceId = readId(field(o, 'traceId', 'trace_id'), `${path}.traceId`);
  const spanId = readId(field(o, 'spanId', 'span_id'), `${path}.spanId`);
  const parent = readId(field(o, 'parentSpanId', 'parent_span_id'), `${path}.parentSpanId`);
  const problem =
    (traceId.problem === undefined ? traceIdProblem(traceId.hex.length / 2, isAllZeroHex(traceId.hex)) : `trace id ${traceId.problem}`) ??
    (spanId.problem === undefined ? spanIdProblem(spanId.hex.length / 2, isAllZeroHex(spanId.hex)) : `span id ${spanId.problem}`) ??
    (parent.problem === undefined ? parentSpanIdProblem(parent.hex.length / 2) : `parent span id ${parent.problem}`);
  const attributes = emptyAttributes();
  decodeAttributes(o['attributes'], attributes, `${path}.attributes`, 0);
  const eventsJson = asArray(o['events'], `${path}.events`);
  const linksJson = asArray(o['links'], `${path}.links`);
  const events: SpanEvent[] = [];
  for (let i = 0; i < eventsJson.length; i++) events.push(decodeEvent(eventsJson[i], `${path}.events[${i}]`));
  const links: SpanLink[] = [];
  for (let i = 0; i < linksJson.length; i++) links.push(decodeLink(linksJson[i], `${path}.links[${i}]`));
  const span: Span = {
    traceId: traceId.hex ?? '',
    spanId: spanId.hex ?? '',
    parentSpanId: parent.hex === undefined || parent.hex === '' || isAllZeroHex(parent.hex) ? undefined : parent.hex,
    traceState: asString(field(o, 'traceState', 'trace_state'), `${path}.traceState`),
    name,
    kind: asEnum(o['kind'], spanKindByName, `${path}.kind`),
    startTimeUnixNano: asInt64(field(o, 'startTimeUnixNano', 'start_time_unix_nano'), `${path}.startTimeUnixNano`),
    endTimeUnixNano: asInt64(field(o, 'endTimeUnixNano', 'end_time_unix_nano'), `${path}.endTimeUnixNano`),
    attributes,
    droppedAttributesCount: asInt32(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), `${path}.droppedAttributesCount`),
    events: events.length === 0 ? NO_EVENTS : events,
    droppedEventsCount: asInt32(field(o, 'droppedEventsCount', 'dropped_events_count'), `${path}.droppedEventsCount`),
    links: links.length === 0 ? NO_LINKS : links,
    droppedLinksCount: asInt32(field(o, 'droppedLinksCount', 'dropped_links_count'), `${path}.droppedLinksCount`),
    status: decodeStatus(o['status'], `${path}.status`),
    flags: asInt32(o['flags'], `${path}.flags`) >>> 0,
    resource,
    scope,
  };
  // The whole span is read first so a shape error anywhere still refuses the request rather than hiding behind a rejection.
  if (problem !== undefined) {
    rejections.reject(`${path} "${name}"`, problem);
    return undefined;
  }
  return span;
}

function decodeEvent(value: unknown, path: string): SpanEvent {
  const o = asObject(value, path);
  const attributes = emptyAttributes();
  decodeAttributes(o['attributes'], attributes, `${path}.attributes`, 0);
  return {
    timeUnixNano: asInt64(field(o, 'timeUnixNano', 'time_unix_nano'), `${path}.timeUnixNano`),
    name: asString(o['name'], `${path}.name`),
    attributes,
    droppedAttributesCount: asInt32(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), `${path}.droppedAttributesCount`),
  };
}

function decodeLink(value: unknown, path: string): SpanLink {
  const o = asObject(value, path);
  const attributes = emptyAttributes();
  decodeAttributes(o['attributes'], attributes, `${path}.attributes`, 0);
  // A link's ids are kept as sent (lower-cased when hex): a bad link does not invalidate its span.
  const traceId = asString(field(o, 'traceId', 'trace_id'), `${path}.traceId`);
  const spanId = asString(field(o, 'spanId', 'span_id'), `${path}.spanId`);
  return {
    traceId: normaliseHexId(traceId) ?? traceId,
    spanId: normaliseHexId(spanId) ?? spanId,
    traceState: asString(field(o, 'traceState', 'trace_state'), `${path}.traceState`),
    attributes,
    droppedAttributesCount: asInt32(field(o, 'droppedAttributesCount', 'dropped_attributes_count'), `${path}.droppedAttributesCount`),
    flags: asInt32(o['flags'], `${path}.flags`) >>> 0,
  };
}

function decodeStatus(value: unknown, path: string): SpanStatus {
  if (value === undefined || value === null) return UNSET_STATUS;
  const o = asObject(value, path);
  const code = asEnum(o['code'], statusCodeByName, `${path}.code`);
  const message = asString(o['message'], `${path}.message`);
  return code === 0 && message === '' ? UNSET_STATUS : { code, message };
}

function decodeAttributes(value: unknown, into: AttributeMap, path: string, depth: number): void {
  const list = asArray(value, path);
  for (let i = 0; i < list.length; i++) {
    const kv = asObject(list[i], `${path}[${i}]`);
    const key = asString(kv['key'], `${path}[${i}].key`);
    into[key] = decodeAnyValue(kv['value'], `${path}[${i}].value`, depth);
  }
}

function decodeAnyValue(value: unknown, path: string, depth: number): AttributeValue {
  if (value === undefined || value === null) return null;
  const o = asObject(value, path);
  // A oneof: exactly one member is expected; the first present one in OTLP field order is taken.
  let v = field(o, 'stringValue', 'string_value');
  if (v !== undefined) return asString(v, `${path}.stringValue`);
  v = field(o, 'boolValue', 'bool_value');
  if (v !== undefined) return asBool(v, `${path}.boolValue`);
  v = field(o, 'intValue', 'int_value');
  if (v !== undefined) return asInt64(v, `${path}.intValue`);
  v = field(o, 'doubleValue', 'double_value');
  if (v !== undefined) return asDouble(v, `${path}.doubleValue`);
  v = field(o, 'arrayValue', 'array_value');
  if (v !== undefined) {
    if (depth >= MAX_ANY_VALUE_DEPTH) throw new JsonShapeError(`${path}: attribute values nest deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
    const values = asArray(asObject(v, `${path}.arrayValue`)['values'], `${path}.arrayValue.values`);
    const out: AttributeValue[] = [];
    for (let i = 0; i < values.length; i++) out.push(decodeAnyValue(values[i], `${path}.arrayValue.values[${i}]`, depth + 1));
    return out;
  }
  v = field(o, 'kvlistValue', 'kvlist_value');
  if (v !== undefined) {
    if (depth >= MAX_ANY_VALUE_DEPTH) throw new JsonShapeError(`${path}: attribute values nest deeper than ${MAX_ANY_VALUE_DEPTH} levels`);
    const map = emptyAttributes();
    decodeAttributes(asObject(v, `${path}.kvlistValue`)['values'], map, `${path}.kvlistValue.values`, depth + 1);
    return map;
  }
  v = field(o, 'bytesValue', 'bytes_value');
  if (v !== undefined) {
    const text = asString(v, `${path}.bytesValue`);
    // Protobuf's JSON mapping accepts standard and URL-safe base64, padded or not.
    if (!/^[A-Za-z0-9+/\-_]*={0,2}$/.test(text)) fail(`${path}.bytesValue`, 'base64', v);
    return new Uint8Array(Buffer.from(text, 'base64'));
  }
  return null;
}

// The protobuf encoding rules the decoder must honour beyond well-formed SDK output, each checked against
// protobufjs 8 (reflection decode of the same bytes) as the reference: singular sub-messages that arrive more than
// once are merged, and tags and length prefixes that do not fit 32 bits are refused, never truncated.
import { describe, expect, it } from 'vitest';
import type { AttributeMap, AttributeValue } from '../../src/model/attribute-value.ts';
import type { Span } from '../../src/model/span.ts';
import { decodeExportRequestProtobuf, otlpProtoRoot } from '../../src/otlp/index.ts';
import { bytes, hex, message, string, varint } from './proto-builder.ts';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

const requestType = otlpProtoRoot().lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');

/** KeyValue { key = 1, value = 2 }, with any number of `value` fields (each an AnyValue body). */
const kv = (key: string, ...anyValues: Uint8Array[]): Uint8Array => message(string(1, key), ...anyValues.map((v) => bytes(2, v)));
/** AnyValue bodies. */
const str = (s: string): Uint8Array => string(1, s);
const int = (n: number): Uint8Array => varint(3, n);
const array = (...values: Uint8Array[]): Uint8Array => bytes(5, message(...values.map((v) => bytes(1, v))));
const kvlist = (...kvs: Uint8Array[]): Uint8Array => bytes(6, message(...kvs.map((k) => bytes(1, k))));

/** One request holding one span with the given extra span fields. */
function request(...extra: Uint8Array[]): Uint8Array {
  const span = message(bytes(1, hex(TRACE)), bytes(2, hex(SPAN)), string(5, 'op'), ...extra);
  return message(bytes(1, message(bytes(2, message(bytes(2, span))))));
}

function decodeSpan(body: Uint8Array): Span {
  const result = decodeExportRequestProtobuf(body);
  if (!result.ok) throw new Error(`expected success, got: ${result.error.message}`);
  const [span] = result.value.spans;
  if (span === undefined) throw new Error('no span decoded');
  return span;
}

interface PbjsAnyValue {
  value?: string;
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: PbjsAnyValue[] };
  kvlistValue?: { values?: { key: string; value?: PbjsAnyValue }[] };
  bytesValue?: number[];
}

/** protobufjs's reading of an AnyValue, in the model's form. */
function modelOf(v: PbjsAnyValue | undefined): AttributeValue {
  switch (v?.value) {
    case 'stringValue':
      return v.stringValue ?? '';
    case 'boolValue':
      return v.boolValue ?? false;
    case 'intValue':
      return BigInt(v.intValue ?? 0);
    case 'doubleValue':
      return v.doubleValue ?? 0;
    case 'arrayValue':
      return (v.arrayValue?.values ?? []).map(modelOf);
    case 'kvlistValue':
      return attributesOf(v.kvlistValue?.values ?? []);
    case 'bytesValue':
      return new Uint8Array(v.bytesValue ?? []);
    default:
      return null;
  }
}

function attributesOf(list: readonly { key: string; value?: PbjsAnyValue }[]): AttributeMap {
  const map: AttributeMap = {};
  for (const { key, value } of list) map[key] = modelOf(value);
  return map;
}

/** protobufjs's reading of the request's one span: its attributes and status, in the model's form. */
function reference(body: Uint8Array): { attributes: AttributeMap; status: { code: number; message: string } } {
  const object = requestType.toObject(requestType.decode(body), { longs: String, bytes: Array, oneofs: true, defaults: true }) as {
    resourceSpans: { scopeSpans: { spans: { attributes: { key: string; value?: PbjsAnyValue }[]; status?: { code: number; message: string } }[] }[] }[];
  };
  const span = object.resourceSpans[0]?.scopeSpans[0]?.spans[0];
  if (span === undefined) throw new Error('protobufjs decoded no span');
  return { attributes: attributesOf(span.attributes), status: { code: span.status?.code ?? 0, message: span.status?.message ?? '' } };
}

describe('decodeExportRequestProtobuf merges singular sub-messages sent twice, as protobufjs does', () => {
  it.each<[string, Uint8Array[], { code: number; message: string }]>([
    ['a later empty status keeps the code', [bytes(15, varint(3, 1)), bytes(15, new Uint8Array(0))], { code: 1, message: '' }],
    ['a later status sets only what it carries', [bytes(15, message(varint(3, 2), string(2, 'boom'))), bytes(15, varint(3, 1))], { code: 1, message: 'boom' }],
    ['a later message joins an earlier code', [bytes(15, varint(3, 2)), bytes(15, string(2, 'late'))], { code: 2, message: 'late' }],
  ])('Span.status: %s', (_name, fields, expected) => {
    const body = request(...fields);
    expect(reference(body).status).toEqual(expected);
    expect(decodeSpan(body).status).toEqual(expected);
  });

  it.each<[string, Uint8Array, AttributeValue]>([
    ['two array_values in one AnyValue are one array', message(array(int(1)), array(int(2))), [1n, 2n]],
    ['two kvlist_values in one AnyValue are one map', message(kvlist(kv('a', int(1)), kv('c', int(5))), kvlist(kv('b', int(2)), kv('a', int(3)))), { a: 3n, b: 2n, c: 5n }],
    ['another member in between starts a new array', message(array(int(1)), str('x'), array(int(2))), [2n]],
    ['a scalar member replaces an array', message(array(int(1)), str('x')), 'x'],
    ['an array replaces a scalar member', message(str('x'), array(int(1))), [1n]],
    ['a nested array_value merges inside the outer one', message(array(message(array(int(1)))), array(int(9))), [[1n], 9n]],
  ])('AnyValue: %s', (_name, anyValue, expected) => {
    const body = request(bytes(9, kv('k', anyValue)));
    expect(reference(body).attributes['k']).toEqual(expected);
    expect(decodeSpan(body).attributes['k']).toEqual(expected);
  });

  it.each<[string, Uint8Array[], AttributeValue]>([
    ['array then array: the values are appended', [array(int(1)), array(int(2))], [1n, 2n]],
    ['kvlist then kvlist: the entries are joined', [kvlist(kv('a', str('x'))), kvlist(kv('b', str('y')))], { a: 'x', b: 'y' }],
    ['a value then an empty value: the first stays', [str('kept'), new Uint8Array(0)], 'kept'],
    ['a value then another member: the later one wins', [array(int(1)), int(5)], 5n],
    ['kvlist then array: the array replaces it', [kvlist(kv('a', str('x'))), array(int(1))], [1n]],
  ])('KeyValue.value: %s', (_name, values, expected) => {
    const body = request(bytes(9, kv('k', ...values)));
    expect(reference(body).attributes['k']).toEqual(expected);
    expect(decodeSpan(body).attributes['k']).toEqual(expected);
  });

  it('keeps separate KeyValues of one key apart: the later one wins, unmerged', () => {
    const body = request(bytes(9, kv('k', array(int(1)))), bytes(9, kv('k', array(int(2)))));
    expect(decodeSpan(body).attributes['k']).toEqual([2n]);
  });
});

describe('decodeExportRequestProtobuf refuses varints that do not fit, as protobufjs does', () => {
  const refusals: [string, number[]][] = [
    // Field 1, LEN (tag 0x0a) with bit 32 set in a 5th byte: truncating it to 32 bits reads tag 10.
    ['a tag with a bit above 32', [0x8a, 0x80, 0x80, 0x80, 0x10, 0x00]],
    ['a tag varint of 6 bytes', [0x8a, 0x80, 0x80, 0x80, 0x80, 0x00, 0x00]],
    // Field 1, LEN, with a length of 2^32 + 0: truncating it to 32 bits reads an empty ResourceSpans.
    ['a length prefix of 2^32', [0x0a, 0x80, 0x80, 0x80, 0x80, 0x10]],
    ['a length prefix of 2^32 + 1', [0x0a, 0x81, 0x80, 0x80, 0x80, 0x10, 0x00]],
    ['a length prefix of 2^63 in 10 bytes', [0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
  ];

  it.each(refusals)('%s', (_name, payload) => {
    const body = new Uint8Array(payload);
    expect(() => requestType.decode(body)).toThrow();
    const result = decodeExportRequestProtobuf(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/^invalid OTLP protobuf: .*(tag|length)/);
  });

  it('still reads a 5-byte tag that fits 32 bits, and lengths written with redundant bytes', () => {
    // Field 5 (name), LEN, as a padded 5-byte tag; then a name whose length 2 is padded to 3 bytes.
    const paddedTag = [0xaa, 0x80, 0x80, 0x80, 0x00];
    const span = message(bytes(1, hex(TRACE)), bytes(2, hex(SPAN)), new Uint8Array([...paddedTag, 0x82, 0x80, 0x00, 0x6f, 0x70]));
    const body = message(bytes(1, message(bytes(2, message(bytes(2, span))))));
    expect(decodeSpan(body).name).toBe('op');
  });
});

describe('decodeExportRequestProtobuf is lenient with invalid UTF-8, where protobufjs is strict', () => {
  it('decodes invalid sequences as U+FFFD instead of refusing the request', () => {
    const body = request(bytes(9, message(string(1, 'k'), bytes(2, bytes(1, [0x61, 0xff, 0x62])))));
    expect(() => requestType.decode(body)).toThrow(/utf-8/i);
    expect(decodeSpan(body).attributes['k']).toBe('a\uFFFDb');
  });
});

import { describe, expect, it } from 'vitest';
import { decodeExportRequestProtobuf } from '../../src/otlp/index.ts';
import type { DecodedExport } from '../../src/otlp/index.ts';
import { makeSdkSpans, sdkExportRequestBytes } from '../support/sdk-traces.ts';
import { bytes, double, fixed32, fixed64, group, hex, message, string, unknownFieldsOfEveryWireType, varint } from './proto-builder.ts';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';
const PARENT = '00f067aa0ba902b7';

/** KeyValue { key = 1, value = 2 } with an AnyValue body. */
const kv = (key: string, anyValue: Uint8Array): Uint8Array => message(string(1, key), bytes(2, anyValue));

function span(fields: { traceId?: Uint8Array; spanId?: Uint8Array; parent?: Uint8Array; name?: string; extra?: Uint8Array[] } = {}): Uint8Array {
  return message(
    bytes(1, fields.traceId ?? hex(TRACE)),
    bytes(2, fields.spanId ?? hex(SPAN)),
    ...(fields.parent === undefined ? [] : [bytes(4, fields.parent)]),
    string(5, fields.name ?? 'op'),
    varint(6, 2),
    fixed64(7, 1_700_000_000_123_456_789n),
    fixed64(8, 18_446_744_073_709_551_615n),
    ...(fields.extra ?? []),
  );
}

function request(...spans: Uint8Array[]): Uint8Array {
  return message(bytes(1, message(bytes(1, message(bytes(1, kv('service.name', string(1, 'svc'))))), bytes(2, message(...spans.map((s) => bytes(2, s)))))));
}

function decodeOk(body: Uint8Array): DecodedExport {
  const result = decodeExportRequestProtobuf(body);
  if (!result.ok) throw new Error(`expected success, got: ${result.error.message}`);
  return result.value;
}

function decodeErr(body: Uint8Array): string {
  const result = decodeExportRequestProtobuf(body);
  if (result.ok) throw new Error('expected an error');
  return result.error.message;
}

describe('decodeExportRequestProtobuf: hand-built edge cases', () => {
  it('decodes a minimal span with full fixed64 range and defaults for absent fields', () => {
    const [s] = decodeOk(request(span())).spans;
    expect(s).toMatchObject({
      traceId: TRACE,
      spanId: SPAN,
      parentSpanId: undefined,
      traceState: '',
      name: 'op',
      kind: 2,
      startTimeUnixNano: 1_700_000_000_123_456_789n,
      endTimeUnixNano: 18_446_744_073_709_551_615n,
      droppedAttributesCount: 0,
      events: [],
      links: [],
      status: { code: 0, message: '' },
      flags: 0,
    });
    expect(s?.resource.attributes['service.name']).toBe('svc');
    expect(s?.scope).toEqual({ name: '', version: '', attributes: {}, droppedAttributesCount: 0, schemaUrl: '' });
  });

  it('an empty request and an empty body are valid and hold no spans', () => {
    expect(decodeOk(new Uint8Array(0))).toEqual({ spans: [], rejectedSpans: 0, rejectionMessage: '' });
    expect(decodeOk(message(bytes(1, new Uint8Array(0)))).spans).toEqual([]);
  });

  it('skips unknown fields of every wire type at every level, including groups', () => {
    const u = unknownFieldsOfEveryWireType();
    const plain = decodeOk(request(span({ extra: [bytes(9, kv('a', varint(3, 1)))] }))).spans;
    const anyValueWithUnknown = message(u, varint(3, 1), u);
    const withUnknown = message(
      u,
      bytes(
        1,
        message(
          u,
          bytes(1, message(u, bytes(1, message(kv('service.name', message(u, string(1, 'svc'), u)), u)), u)),
          bytes(2, message(u, bytes(2, span({ extra: [u, bytes(9, message(u, string(1, 'a'), bytes(2, anyValueWithUnknown), u)), u] })), u)),
          // Field 1000 is the reserved, deprecated instrumentation_library_spans: skipped like any unknown field.
          bytes(1000, span()),
          u,
        ),
      ),
      u,
    );
    expect(decodeOk(withUnknown).spans).toEqual(plain);
  });

  it('skips a known field number that arrives with another wire type, as protobuf parsers do', () => {
    const [s] = decodeOk(request(span({ extra: [varint(5, 99), fixed32(7, 1)] }))).spans;
    expect(s?.name).toBe('op');
    expect(s?.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
  });

  it('fills the shared resource and scope whatever order their fields arrive in', () => {
    const scopeSpans = message(bytes(2, span({ spanId: hex('0000000000000001') })), bytes(1, message(string(1, 'lib'), string(2, '1.2'))), string(3, 'https://scope'), bytes(2, span({ spanId: hex('0000000000000002') })));
    const body = message(bytes(1, message(bytes(2, scopeSpans), string(3, 'https://res'), bytes(1, message(bytes(1, kv('k', string(1, 'v'))), varint(2, 4))))));
    const spans = decodeOk(body).spans;
    expect(spans).toHaveLength(2);
    expect(spans[0]?.resource).toBe(spans[1]?.resource);
    expect(spans[0]?.scope).toBe(spans[1]?.scope);
    expect(spans[0]?.resource).toEqual({ attributes: { k: 'v' }, droppedAttributesCount: 4, schemaUrl: 'https://res' });
    expect(spans[0]?.scope).toEqual({ name: 'lib', version: '1.2', attributes: {}, droppedAttributesCount: 0, schemaUrl: 'https://scope' });
  });

  it('decodes every AnyValue kind, nested arrays and kvlists, bytes, empty values and int64 extremes', () => {
    const attrs = [
      kv('s', string(1, 'héllo wörld, a string longer than the string cache takes, so decoded directly ✓')),
      kv('b', varint(2, 1)),
      kv('i.neg', varint(3, -1n)),
      kv('i.min', varint(3, -9_223_372_036_854_775_808n)),
      kv('i.max', varint(3, 9_223_372_036_854_775_807n)),
      kv('i.2p53+1', varint(3, 9_007_199_254_740_993n)),
      kv('d', double(4, -2.5)),
      kv('arr', bytes(5, message(bytes(1, string(1, 'x')), bytes(1, varint(3, 5)), bytes(1, new Uint8Array(0))))),
      kv('kv', bytes(6, message(bytes(1, kv('inner', bytes(6, message(bytes(1, kv('deep', bytes(7, [1, 2, 3])))))))))),
      kv('bytes', bytes(7, [0, 255])),
      kv('empty', new Uint8Array(0)),
      message(string(1, 'novalue')),
      // Later duplicates of a key win; a oneof with two members keeps the last.
      kv('b', message(string(1, 'first'), varint(2, 0))),
    ];
    const [s] = decodeOk(request(span({ extra: attrs.map((a) => bytes(9, a)) }))).spans;
    expect(s?.attributes).toEqual({
      s: 'héllo wörld, a string longer than the string cache takes, so decoded directly ✓',
      b: false,
      'i.neg': -1n,
      'i.min': -9_223_372_036_854_775_808n,
      'i.max': 9_223_372_036_854_775_807n,
      'i.2p53+1': 9_007_199_254_740_993n,
      d: -2.5,
      arr: ['x', 5n, null],
      kv: { inner: { deep: new Uint8Array([1, 2, 3]) } },
      bytes: new Uint8Array([0, 255]),
      empty: null,
      novalue: null,
    });
    // No attribute lookup reaches Object.prototype: the map's only prototype is itself prototype-less and empty.
    const prototype = Object.getPrototypeOf(s?.attributes) as object;
    expect(Object.getPrototypeOf(prototype)).toBe(null);
    expect(Object.getOwnPropertyNames(prototype)).toEqual([]);
    expect((s?.attributes as Record<string, unknown>)['constructor']).toBeUndefined();
  });

  it('decodes events, links, status, flags, trace state and dropped counts', () => {
    const extra = [
      string(3, 'k=v'),
      bytes(4, hex(PARENT)),
      varint(10, 3),
      bytes(11, message(fixed64(1, 5n), string(2, 'ev'), bytes(3, kv('a', varint(3, 1))), varint(4, 2))),
      varint(12, 4),
      bytes(13, message(bytes(1, hex(TRACE)), bytes(2, hex(PARENT)), string(3, 'x=y'), bytes(4, kv('l', varint(2, 1))), varint(5, 1), fixed32(6, 0x301))),
      varint(14, 5),
      bytes(15, message(varint(1, 9), string(2, 'boom'), varint(3, 2))),
      fixed32(16, 0x201),
    ];
    const [s] = decodeOk(request(span({ extra }))).spans;
    expect(s).toMatchObject({
      traceState: 'k=v',
      parentSpanId: PARENT,
      droppedAttributesCount: 3,
      events: [{ timeUnixNano: 5n, name: 'ev', attributes: { a: 1n }, droppedAttributesCount: 2 }],
      droppedEventsCount: 4,
      links: [{ traceId: TRACE, spanId: PARENT, traceState: 'x=y', attributes: { l: true }, droppedAttributesCount: 1, flags: 0x301 }],
      droppedLinksCount: 5,
      status: { code: 2, message: 'boom' },
      flags: 0x201,
    });
  });

  it('rejects spans with unusable ids and keeps the rest (partial success)', () => {
    const result = decodeOk(
      request(
        span({ name: 'good' }),
        span({ name: 'short trace', traceId: hex(TRACE.slice(2)) }),
        span({ name: 'zero trace', traceId: new Uint8Array(16) }),
        span({ name: 'long span', spanId: hex(`${SPAN}00`) }),
        span({ name: 'zero span', spanId: new Uint8Array(8) }),
        span({ name: 'bad parent', parent: hex('abcd') }),
        span({ name: 'zero parent is a root', parent: new Uint8Array(8), spanId: hex(PARENT) }),
      ),
    );
    expect(result.spans.map((s) => s.name)).toEqual(['good', 'zero parent is a root']);
    expect(result.spans[1]?.parentSpanId).toBeUndefined();
    expect(result.rejectedSpans).toBe(5);
    expect(result.rejectionMessage).toContain('5 spans rejected');
    expect(result.rejectionMessage).toContain('resource_spans[0].scope_spans[0].spans[1] "short trace": trace id is 15 bytes, must be 16');
    expect(result.rejectionMessage).toContain('"zero trace": trace id is all zeros');
    expect(result.rejectionMessage).toContain('"long span": span id is 9 bytes, must be 8');
    expect(result.rejectionMessage).toContain('and 2 more');
  });

  it('reports every truncation of a real SDK payload as an error, never throwing', async () => {
    const sdk = await makeSdkSpans([{ ref: 'a', name: 'root', attributes: { k: 'v', n: 1, arr: [1.5] }, events: [{ name: 'e' }] }, { name: 'child', parent: 'a', links: [{ to: 'a' }] }]);
    const full = sdkExportRequestBytes(sdk, 'protobuf');
    expect(decodeOk(full).spans).toHaveLength(2);
    for (let cut = 1; cut < full.length; cut++) {
      const result = decodeExportRequestProtobuf(full.subarray(0, cut));
      // The request is one top-level field, so every proper prefix cuts something in half.
      expect(result.ok, `prefix of ${cut} bytes`).toBe(false);
      if (!result.ok) expect(result.error.message).toMatch(/^invalid OTLP protobuf: .*(truncated|runs past the end|overran)/);
    }
  });

  it('names the problem in malformed payloads', () => {
    expect(decodeErr(new Uint8Array([0x0e]))).toContain('invalid wire type 6');
    expect(decodeErr(new Uint8Array([0x00, 0x00]))).toContain('invalid field number 0');
    expect(decodeErr(new Uint8Array([0x0a, 0x05, 0x01]))).toContain('runs past the end');
    expect(decodeErr(new Uint8Array([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toContain('varint longer than 10 bytes');
    expect(decodeErr(message(group(900, varint(1, 1))).subarray(0, 4))).toContain('truncated');
    expect(decodeErr(new Uint8Array([...group(900, new Uint8Array(0)).subarray(0, 2), 0xa4 /* end-group 20 */, 0x01]))).toContain('closed by end-group');
    // A span's field running past the span's declared length but not past the buffer.
    const sp = span();
    const overrun = message(bytes(1, message(bytes(2, message(new Uint8Array([0x12, sp.length - 1]), sp)))));
    expect(decodeErr(overrun)).toMatch(/overran its length/);
  });

  it('refuses attribute values nested deeper than 64 levels instead of overflowing the stack', () => {
    let value = string(1, 'bottom');
    for (let i = 0; i < 100; i++) value = bytes(5, message(bytes(1, value)));
    expect(decodeErr(request(span({ extra: [bytes(9, kv('deep', value))] })))).toContain('nest deeper than 64');
    let ok = string(1, 'bottom');
    for (let i = 0; i < 10; i++) ok = bytes(5, message(bytes(1, ok)));
    expect(decodeOk(request(span({ extra: [bytes(9, kv('deep', ok))] }))).spans).toHaveLength(1);
  });

  it('keeps strings apart whose sampled hash collides in the string cache', () => {
    const values = ['aYXcd', 'aZXcd', 'aYXcd', 'aQXcd'];
    const [s] = decodeOk(request(span({ extra: values.map((v, i) => bytes(9, kv(`k${i}`, string(1, v)))) }))).spans;
    expect(Object.values(s?.attributes ?? {})).toEqual(values);
  });
});

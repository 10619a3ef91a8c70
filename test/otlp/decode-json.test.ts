import { describe, expect, it } from 'vitest';
import { decodeExportRequestJson } from '../../src/otlp/index.ts';
import type { DecodedExport } from '../../src/otlp/index.ts';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

function body(spans: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ scope: { name: 'lib' }, spans }] }], ...extra });
}

function decodeOk(text: string | Uint8Array): DecodedExport {
  const result = decodeExportRequestJson(text);
  if (!result.ok) throw new Error(`expected success, got: ${result.error.message}`);
  return result.value;
}

function decodeErr(text: string): string {
  const result = decodeExportRequestJson(text);
  if (result.ok) throw new Error('expected an error');
  return result.error.message;
}

describe('decodeExportRequestJson: hand-built edge cases', () => {
  it('accepts snake_case keys and enum names, and accepts bytes as the body', () => {
    const text = JSON.stringify({
      resource_spans: [
        {
          schema_url: 'https://res',
          resource: { attributes: [{ key: 'k', value: { string_value: 'v' } }], dropped_attributes_count: 1 },
          scope_spans: [
            {
              schema_url: 'https://scope',
              scope: { name: 'lib', version: '1', dropped_attributes_count: 2 },
              spans: [
                {
                  trace_id: TRACE,
                  span_id: SPAN,
                  parent_span_id: '00F067AA0BA902B7',
                  trace_state: 'a=b',
                  name: 'op',
                  kind: 'SPAN_KIND_SERVER',
                  start_time_unix_nano: '1700000000123456789',
                  end_time_unix_nano: 1_700_000_000_223,
                  attributes: [
                    { key: 'i', value: { int_value: '-5' } },
                    { key: 'd', value: { double_value: 1.5 } },
                    { key: 'b', value: { bool_value: true } },
                    { key: 'y', value: { bytes_value: 'AAH/' } },
                    { key: 'a', value: { array_value: { values: [{ int_value: 1 }] } } },
                    { key: 'm', value: { kvlist_value: { values: [{ key: 'x', value: {} }] } } },
                  ],
                  dropped_attributes_count: 3,
                  events: [{ time_unix_nano: '5', name: 'ev', dropped_attributes_count: 1 }],
                  dropped_events_count: 4,
                  links: [{ trace_id: TRACE.toUpperCase(), span_id: SPAN, trace_state: 'x=y', flags: 769 }],
                  dropped_links_count: 5,
                  status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                  flags: 257,
                },
              ],
            },
          ],
        },
      ],
    });
    const [s] = decodeOk(new TextEncoder().encode(text)).spans;
    expect(s).toEqual({
      traceId: TRACE,
      spanId: SPAN,
      parentSpanId: '00f067aa0ba902b7',
      traceState: 'a=b',
      name: 'op',
      kind: 2,
      startTimeUnixNano: 1_700_000_000_123_456_789n,
      endTimeUnixNano: 1_700_000_000_223n,
      attributes: { i: -5n, d: 1.5, b: true, y: new Uint8Array([0, 1, 255]), a: [1n], m: { x: null } },
      droppedAttributesCount: 3,
      events: [{ timeUnixNano: 5n, name: 'ev', attributes: {}, droppedAttributesCount: 1 }],
      droppedEventsCount: 4,
      links: [{ traceId: TRACE, spanId: SPAN, traceState: 'x=y', attributes: {}, droppedAttributesCount: 0, flags: 769 }],
      droppedLinksCount: 5,
      status: { code: 2, message: 'boom' },
      flags: 257,
      resource: { attributes: { k: 'v' }, droppedAttributesCount: 1, schemaUrl: 'https://res' },
      scope: { name: 'lib', version: '1', attributes: {}, droppedAttributesCount: 2, schemaUrl: 'https://scope' },
    });
  });

  it('keeps every digit of int64 values beyond 2^53, as numbers or strings', () => {
    // 9007199254740993 = 2^53 + 1: JSON.parse alone would read it as 9007199254740992.
    const text = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"${SPAN}","startTimeUnixNano":1700000000123456789,"endTimeUnixNano":"1700000000123456790",
      "attributes":[{"key":"n","value":{"intValue":9007199254740993}},{"key":"s","value":{"intValue":"9007199254740993"}},{"key":"neg","value":{"intValue":-9223372036854775808}},
      {"key":"small","value":{"intValue":42}},{"key":"dbl","value":{"doubleValue":12345678901234567890}},{"key":"f","value":{"doubleValue":1e300}}]}]}]}]}`;
    const [s] = decodeOk(text).spans;
    expect(s?.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(s?.endTimeUnixNano).toBe(1_700_000_000_123_456_790n);
    expect(s?.attributes).toEqual({ n: 9_007_199_254_740_993n, s: 9_007_199_254_740_993n, neg: -9_223_372_036_854_775_808n, small: 42n, dbl: Number("12345678901234567890"), f: 1e300 });
  });

  it('ignores unknown keys at every level', () => {
    const plain = decodeOk(body([{ traceId: TRACE, spanId: SPAN, name: 'op', attributes: [{ key: 'k', value: { stringValue: 'v' } }] }])).spans;
    const noisy = JSON.stringify({
      extra: 1,
      resourceSpans: [
        {
          future: { a: [1] },
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' }, keyStrindex: 3 }], entityRefs: [{}] },
          scopeSpans: [{ scope: { name: 'lib', bogus: true }, spans: [{ traceId: TRACE, spanId: SPAN, name: 'op', newField: 'x', attributes: [{ key: 'k', value: { stringValue: 'v', other: 1 } }] }] }],
        },
      ],
    });
    expect(decodeOk(noisy).spans).toEqual(plain);
  });

  it('treats "" ids as absent: an empty parent means a root span', () => {
    const [s] = decodeOk(body([{ traceId: TRACE, spanId: SPAN, parentSpanId: '', name: 'root' }])).spans;
    expect(s?.parentSpanId).toBeUndefined();
  });

  it('rejects spans with bad ids, explains base64 ids, and keeps the rest', () => {
    const result = decodeOk(
      body([
        { traceId: TRACE, spanId: SPAN, name: 'good' },
        // The same ids, base64 encoded, as protobuf's generic JSON mapping (and some buggy exporters) would write them.
        { traceId: Buffer.from(TRACE, 'hex').toString('base64'), spanId: SPAN, name: 'base64 trace' },
        { traceId: TRACE, spanId: Buffer.from(SPAN, 'hex').toString('base64'), name: 'base64 span' },
        { traceId: TRACE.slice(2), spanId: SPAN, name: 'short' },
        { traceId: '0'.repeat(32), spanId: SPAN, name: 'zero' },
        { traceId: TRACE, name: 'no span id' },
        { traceId: TRACE, spanId: SPAN, parentSpanId: 'abc', name: 'odd parent' },
      ]),
    );
    expect(result.spans.map((s) => s.name)).toEqual(['good']);
    expect(result.rejectedSpans).toBe(6);
    expect(result.rejectionMessage).toContain('resourceSpans[0].scopeSpans[0].spans[1] "base64 trace": trace id "CvdlGRbNQ92ESOshHIAxnA==" is not hex: ids in OTLP/JSON are hex, this looks like base64');
    expect(result.rejectionMessage).toContain('"base64 span": span id "t61rcWkgMzE=" is not hex: ids in OTLP/JSON are hex, this looks like base64');
    expect(result.rejectionMessage).toContain('"short": trace id is 15 bytes, must be 16');
    expect(result.rejectionMessage).toContain('and 3 more');
  });

  it('refuses bodies that are not OTLP/JSON with a message naming the place', () => {
    expect(decodeErr('{"resourceSpans":[')).toMatch(/^invalid OTLP\/JSON: .*JSON/);
    expect(decodeErr('[]')).toBe('invalid OTLP/JSON: request: expected an object, got an array');
    expect(decodeErr('{"resourceSpans":{}}')).toBe('invalid OTLP/JSON: resourceSpans: expected an array, got an object');
    expect(decodeErr(body([{ traceId: TRACE, spanId: SPAN, startTimeUnixNano: 'soon' }]))).toBe(
      'invalid OTLP/JSON: resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected a 64-bit integer as a decimal string or number, got "soon"',
    );
    expect(decodeErr(body([{ traceId: TRACE, spanId: SPAN, kind: 'SERVER' }]))).toContain('spans[0].kind: expected an integer or one of SPAN_KIND_UNSPECIFIED');
    expect(decodeErr(body([{ traceId: TRACE, spanId: SPAN, attributes: [{ key: 'b', value: { bytesValue: 'not base64!' } }] }]))).toContain('attributes[0].value.bytesValue: expected base64');
    expect(decodeErr(body([{ traceId: 5, spanId: SPAN }]))).toContain('spans[0].traceId: expected a string, got 5');
  });

  it('accepts an empty request and an absent resourceSpans', () => {
    expect(decodeOk('{}')).toEqual({ spans: [], rejectedSpans: 0, rejectionMessage: '' });
    expect(decodeOk('{"resourceSpans":[]}').spans).toEqual([]);
  });

  it('refuses attribute values nested deeper than 64 levels', () => {
    let value: unknown = { stringValue: 'bottom' };
    for (let i = 0; i < 100; i++) value = { arrayValue: { values: [value] } };
    expect(decodeErr(body([{ traceId: TRACE, spanId: SPAN, attributes: [{ key: 'deep', value }] }]))).toContain('nest deeper than 64');
  });

  it('reads the same model from pretty-printed JSON, reordered members, escapes and nulls', () => {
    const compact = decodeOk(
      body([{ traceId: TRACE, spanId: SPAN, name: 'op', attributes: [{ key: 'k', value: { stringValue: 'v' } }, { key: 'n', value: { intValue: 3 } }] }]),
    ).spans;
    const pretty = `{
      "resourceSpans" : [ {
        "scopeSpans" : [ { "spans" : [ {
          "attributes" : [ { "value" : { "stringValue" : "v" }, "key" : "k" }, { "value": {"intValue": "3"}, "key": "n" } ],
          "name" : "o\u0070", "spanId" : "${SPAN}", "traceId" : "${TRACE}", "parentSpanId": null, "events": null, "status": null
        } ], "scope" : { "name" : "lib" } } ],
        "resource" : { "attributes" : [ { "key" : "service.name", "value" : { "stringValue" : "svc" } } ] }
      } ]
    }`;
    expect(decodeOk(pretty).spans).toEqual(compact);
  });

  it('decodes escaped strings and keys exactly', () => {
    const name = 'line\nbreak "quoted" \\ \u00e9 😀 \t';
    // JSON.stringify escapes the quotes, backslash, newline and tab; \u escapes are written by hand.
    const text = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"${SPAN}","name":${JSON.stringify(name)},
      "attributes":[{"key":"emoji 😀","value":{"stringValue":"\\u00fcn\\ud83d\\ude00"}},{"ke\\u0079":"escaped key","value":{"boolValue":true}}]}]}]}]}`;
    const [s] = decodeOk(text).spans;
    expect(s?.name).toBe(name);
    expect(s?.attributes).toEqual({ 'emoji 😀': 'ün😀', 'escaped key': true });
  });

  it('takes the last member of an AnyValue that has several, as protobuf does', () => {
    const [s] = decodeOk(body([{ traceId: TRACE, spanId: SPAN, attributes: [{ key: 'x', value: { stringValue: 'a', intValue: 7 } }] }])).spans;
    expect(s?.attributes['x']).toBe(7n);
  });

  it('names syntax errors with their byte offset', () => {
    expect(decodeErr('{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x",}]}]}]}')).toMatch(/resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]: expected a quoted key, got "}" at byte \d+ \(not valid JSON\)/);
    expect(decodeErr('{"resourceSpans":[]} trailing')).toContain('unexpected data after the request object');
    expect(decodeErr('')).toContain('request: expected an object');
  });

  it('keeps strings apart whose sampled hash collides in the string cache', () => {
    // Same length, first, middle and last two bytes: the cache's hash cannot tell them apart; the byte compare must.
    const values = ['aYXcd', 'aZXcd', 'aYXcd', 'aQXcd'];
    const attributes = values.map((v, i) => ({ key: `k${i}`, value: { stringValue: v } }));
    const [s] = decodeOk(body([{ traceId: TRACE, spanId: SPAN, name: 'aYXcd', attributes }])).spans;
    expect(Object.values(s?.attributes ?? {})).toEqual(values);
    expect(s?.name).toBe('aYXcd');
  });
});

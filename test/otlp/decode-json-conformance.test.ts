// ProtoJSON rules the OTLP/JSON decoder must honour beyond what SDK exporters write: a oneof member set to null is
// not set, and a number outside its field's range is refused (400) with a message naming the field, never wrapped,
// truncated or kept.
import { describe, expect, it } from 'vitest';
import type { AttributeValue } from '../../src/model/attribute-value.ts';
import type { Span } from '../../src/model/span.ts';
import { decodeExportRequestJson } from '../../src/otlp/index.ts';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const SPAN = 'b7ad6b7169203331';

/** A request of one span: `members` is JSON text spliced into the span object. */
function request(members: string): string {
  return `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"${SPAN}","name":"op"${members === '' ? '' : `,${members}`}}]}]}]}`;
}

/** A request whose span has one attribute `k` with the AnyValue given as JSON text. */
const withValue = (anyValue: string): string => request(`"attributes":[{"key":"k","value":${anyValue}}]`);

function decodeSpan(text: string): Span {
  const result = decodeExportRequestJson(text);
  if (!result.ok) throw new Error(`expected success, got: ${result.error.message}`);
  const [span] = result.value.spans;
  if (span === undefined) throw new Error('no span decoded');
  return span;
}

function decodeErr(text: string): string {
  const result = decodeExportRequestJson(text);
  if (result.ok) throw new Error('expected the request to be refused');
  return result.error.message;
}

describe('decodeExportRequestJson: a oneof member set to null is not set (ProtoJSON)', () => {
  const members = ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'];

  it.each(members)('{"%s":null} is an empty value', (member) => {
    expect(decodeSpan(withValue(`{"${member}":null}`)).attributes['k']).toBeNull();
  });

  it.each(members)('a null %s after the real member leaves it', (member) => {
    const other = member === 'stringValue' ? '"intValue":"7"' : '"stringValue":"kept"';
    const expected: AttributeValue = member === 'stringValue' ? 7n : 'kept';
    expect(decodeSpan(withValue(`{${other},"${member}":null}`)).attributes['k']).toEqual(expected);
    expect(decodeSpan(withValue(`{"${member}":null,${other}}`)).attributes['k']).toEqual(expected);
  });

  it('ignores null members inside arrays and kvlists too, with snake_case names', () => {
    const value = '{"arrayValue":{"values":[{"bool_value":null},{"int_value":"1","string_value":null}]}}';
    expect(decodeSpan(withValue(value)).attributes['k']).toEqual([null, 1n]);
  });
});

describe('decodeExportRequestJson refuses numbers out of their field range, naming the field', () => {
  const span = 'resourceSpans[0].scopeSpans[0].spans[0]';
  const value = `${span}.attributes[0].value`;
  it.each<[string, string, string]>([
    ['kind 2^32 + 2', '"kind":4294967298', `${span}.kind`],
    ['kind 2^31 as a string', '"kind":"2147483648"', `${span}.kind`],
    ['a status code below int32', '"status":{"code":-2147483649}', `${span}.status.code`],
    ['droppedAttributesCount -1', '"droppedAttributesCount":-1', `${span}.droppedAttributesCount`],
    ['droppedEventsCount 2^32', '"droppedEventsCount":4294967296', `${span}.droppedEventsCount`],
    ['droppedLinksCount "-1"', '"droppedLinksCount":"-1"', `${span}.droppedLinksCount`],
    ['flags 1e10', '"flags":1e10', `${span}.flags`],
    ['startTimeUnixNano -1', '"startTimeUnixNano":-1', `${span}.startTimeUnixNano`],
    ['endTimeUnixNano 2^64', '"endTimeUnixNano":"18446744073709551616"', `${span}.endTimeUnixNano`],
    ['an event time of 2^64 as a number', '"events":[{"timeUnixNano":18446744073709551616}]', `${span}.events[0].timeUnixNano`],
    ['intValue 2^63', '"attributes":[{"key":"k","value":{"intValue":"9223372036854775808"}}]', `${value}.intValue`],
    ['intValue below -2^63', '"attributes":[{"key":"k","value":{"intValue":-9223372036854775809}}]', `${value}.intValue`],
    ['intValue of 21 digits', '"attributes":[{"key":"k","value":{"intValue":100000000000000000000}}]', `${value}.intValue`],
    ['doubleValue 1e400', '"attributes":[{"key":"k","value":{"doubleValue":1e400}}]', `${value}.doubleValue`],
    ['doubleValue -1e400', '"attributes":[{"key":"k","value":{"doubleValue":-1e400}}]', `${value}.doubleValue`],
    ['doubleValue "1e400"', '"attributes":[{"key":"k","value":{"doubleValue":"1e400"}}]', `${value}.doubleValue`],
    ['bytesValue "A" (a base64 length no encoder writes)', '"attributes":[{"key":"k","value":{"bytesValue":"A"}}]', `${value}.bytesValue`],
    ['bytesValue "AB=" (padding that does not fill a quantum)', '"attributes":[{"key":"k","value":{"bytesValue":"AB="}}]', `${value}.bytesValue`],
  ])('%s', (_name, members, path) => {
    expect(decodeErr(request(members))).toMatch(new RegExp(`^invalid OTLP/JSON: ${path.replace(/[[\].]/g, '\\$&')}: `));
  });

  it('says what the range is', () => {
    expect(decodeErr(request('"kind":4294967298'))).toContain('4294967298 is out of range for an int32 enum');
    expect(decodeErr(request('"droppedAttributesCount":-1'))).toContain('-1 is out of range for a uint32 (0 to 4294967295)');
    expect(decodeErr(request('"startTimeUnixNano":-1'))).toContain('-1 is out of range for a fixed64 (0 to 18446744073709551615)');
    expect(decodeErr(withValue('{"intValue":"9223372036854775808"}'))).toContain('out of range for an int64');
    expect(decodeErr(withValue('{"doubleValue":1e400}'))).toContain('1e400 is out of range for a double');
    expect(decodeErr(withValue('{"bytesValue":"A"}'))).toContain('expected base64');
  });

  it('keeps every value at the edges of each range, and the non-finite doubles ProtoJSON spells as strings', () => {
    const s = decodeSpan(
      request(
        [
          '"kind":2147483647',
          '"status":{"code":-2147483648}',
          '"droppedAttributesCount":4294967295',
          '"flags":"4294967295"',
          '"startTimeUnixNano":0',
          '"endTimeUnixNano":"18446744073709551615"',
          '"events":[{"timeUnixNano":18446744073709551615}]',
          `"attributes":[${[
            '{"key":"max","value":{"intValue":9223372036854775807}}',
            '{"key":"min","value":{"intValue":"-9223372036854775808"}}',
            '{"key":"big","value":{"doubleValue":1.7976931348623157e308}}',
            '{"key":"inf","value":{"doubleValue":"Infinity"}}',
            '{"key":"-inf","value":{"doubleValue":"-Infinity"}}',
            '{"key":"nan","value":{"doubleValue":"NaN"}}',
            '{"key":"tiny","value":{"doubleValue":1e-400}}',
            '{"key":"b1","value":{"bytesValue":"AQ"}}',
            '{"key":"b2","value":{"bytesValue":"AQ=="}}',
            '{"key":"b3","value":{"bytesValue":"AQI="}}',
            '{"key":"b4","value":{"bytesValue":"-_8"}}',
          ].join(',')}]`,
        ].join(','),
      ),
    );
    expect(s).toMatchObject({ kind: 2147483647, status: { code: -2147483648 }, droppedAttributesCount: 4294967295, flags: 4294967295 });
    expect(s.startTimeUnixNano).toBe(0n);
    expect(s.endTimeUnixNano).toBe(18_446_744_073_709_551_615n);
    expect(s.events[0]?.timeUnixNano).toBe(18_446_744_073_709_551_615n);
    expect(s.attributes).toEqual({
      max: 9_223_372_036_854_775_807n,
      min: -9_223_372_036_854_775_808n,
      big: 1.7976931348623157e308,
      inf: Number.POSITIVE_INFINITY,
      '-inf': Number.NEGATIVE_INFINITY,
      nan: Number.NaN,
      tiny: 0,
      b1: new Uint8Array([1]),
      b2: new Uint8Array([1]),
      b3: new Uint8Array([1, 2]),
      b4: new Uint8Array([0xfb, 0xff]),
    });
  });
});

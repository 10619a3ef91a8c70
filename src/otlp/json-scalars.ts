// ProtoJSON scalars as OTLP/JSON writes them, each read straight from the cursor and checked against its
// field's range: a value out of range is refused (the request answers 400 naming the field), never wrapped,
// truncated or kept. Numbers are read from their source text, so 64-bit integers keep every digit.
import { JsonShapeError } from './json-cursor.ts';
import type { JsonCursor } from './json-cursor.ts';

const INTEGER = /^-?\d+$/;

/** `bytes`: standard or URL-safe base64, padded or not, as protobuf's JSON mapping accepts. */
export function readBytes(c: JsonCursor): Uint8Array {
  const text = c.stringIfNext();
  if (text === undefined || !/^[A-Za-z0-9+/\-_]*={0,2}$/.test(text)) throw c.shape('base64');
  if (!isWholeBase64(text)) throw new JsonShapeError('', `expected base64, got ${JSON.stringify(text.slice(0, 40))}, whose length no base64 encoder writes`);
  return new Uint8Array(Buffer.from(text, 'base64'));
}

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
export function readInt64(c: JsonCursor): bigint {
  c.peek();
  // Up to 18 digits always fit, so only longer values pay for the range check.
  const fast = c.integer(18, true);
  if (fast !== undefined) return fast;
  const value = readInteger64(c);
  if (value < INT64_MIN || value > INT64_MAX) throw outOfRange(String(value), 'an int64', INT64_MIN, INT64_MAX);
  return value;
}

/** `fixed64` (nanosecond times): as {@link readInt64}, but unsigned. */
export function readFixed64(c: JsonCursor): bigint {
  c.peek();
  // Up to 19 digits without a sign always fit (nanosecond times have 19 until 2286).
  const fast = c.integer(19, false);
  if (fast !== undefined) return fast;
  const value = readInteger64(c);
  if (value < 0n || value > FIXED64_MAX) throw outOfRange(String(value), 'a fixed64', 0, FIXED64_MAX);
  return value;
}

/** A 64-bit integer field's value, not yet checked against its range. */
function readInteger64(c: JsonCursor): bigint {
  const next = c.peek();
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
export function readUint32(c: JsonCursor): number {
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
export function readDouble(c: JsonCursor): number {
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

export const spanKindByName: Readonly<Record<string, number>> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};

export const statusCodeByName: Readonly<Record<string, number>> = {
  STATUS_CODE_UNSET: 0,
  STATUS_CODE_OK: 1,
  STATUS_CODE_ERROR: 2,
};

/** An enum (`kind`, `status.code`): its name, or its number within int32 (unknown numbers are kept, as proto3 does). */
export function readEnum(c: JsonCursor, names: Readonly<Record<string, number>>): number {
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

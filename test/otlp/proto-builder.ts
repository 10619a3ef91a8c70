/**
 * A tiny protobuf writer for hand-built edge cases (unknown fields, groups, bad ids, truncation) that the
 * SDK serializers would never produce. Field numbers come from otlp-facts.md.
 */

function varintBytes(value: bigint): number[] {
  // Negative int64 values are sent as their 64-bit two's complement: 10 bytes.
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

/** Concatenates encoded fields into one message body. */
export function message(...fields: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(fields.reduce((n, f) => n + f.length, 0));
  let pos = 0;
  for (const f of fields) {
    out.set(f, pos);
    pos += f.length;
  }
  return out;
}

function tag(field: number, wireType: number): number[] {
  return varintBytes(BigInt((field << 3) | wireType));
}

/** Wire type 0. */
export function varint(field: number, value: number | bigint): Uint8Array {
  return new Uint8Array([...tag(field, 0), ...varintBytes(BigInt(value))]);
}

/** Wire type 1 (fixed64). */
export function fixed64(field: number, value: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
  return new Uint8Array([...tag(field, 1), ...b]);
}

/** Wire type 1 (double). */
export function double(field: number, value: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, value, true);
  return new Uint8Array([...tag(field, 1), ...b]);
}

/** Wire type 5 (fixed32). */
export function fixed32(field: number, value: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value >>> 0, true);
  return new Uint8Array([...tag(field, 5), ...b]);
}

/** Wire type 2 with raw bytes or a nested message. */
export function bytes(field: number, payload: Uint8Array | readonly number[]): Uint8Array {
  const p = payload instanceof Uint8Array ? payload : new Uint8Array(payload);
  return new Uint8Array([...tag(field, 2), ...varintBytes(BigInt(p.length)), ...p]);
}

/** Wire type 2 with a UTF-8 string. */
export function string(field: number, text: string): Uint8Array {
  return bytes(field, new TextEncoder().encode(text));
}

/** Wire types 3 and 4: a deprecated group around `inner`. */
export function group(field: number, inner: Uint8Array): Uint8Array {
  return new Uint8Array([...tag(field, 3), ...inner, ...tag(field, 4)]);
}

/** Hex to bytes. */
export function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** One unknown field of every wire type, numbered high enough to be unknown everywhere. */
export function unknownFieldsOfEveryWireType(): Uint8Array {
  return message(
    varint(900, 123456789012n),
    fixed64(901, 0xdeadbeefn),
    bytes(902, message(string(1, 'nested'), varint(2, 7))),
    group(903, message(varint(1, 1), group(2, string(3, 'inner group')), fixed32(4, 9))),
    fixed32(904, 77),
  );
}

import { EGROUP, I32, I64, LEN, SGROUP, VARINT } from './proto-fields.ts';
import { MAX_CACHED_STRING_BYTES, Utf8StringCache } from './string-cache.ts';
import { nativeSlices } from './native-slices.ts';
import type { NativeSlices } from './native-slices.ts';
import { pinHiddenClass } from '../v8-shapes.ts';
import { smallBigInt } from './shared-values.ts';

/**
 * A malformed protobuf payload: truncated, an impossible wire type, a length past the end of its message.
 * Thrown inside the decoder only, and turned into an `err` result at its entry point.
 */
export class WireFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireFormatError';
  }
}

/** One cache for the process: keys and names repeat across requests, not only within one. */
const stringCache = new Utf8StringCache();

/**
 * A cursor over protobuf bytes. Reads throw {@link WireFormatError} on truncation, so callers never see
 * garbage; decoders check after each nested message that it ended exactly at its declared length.
 */
export class WireReader {

  readonly buf: Uint8Array;
  readonly view: DataView;
  pos: number;
  readonly len: number;
  private readonly nodeBuf: NativeSlices;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = 0;
    this.len = buf.length;
    // A Buffer view (no copy) for Node's native UTF-8 decoding, the fastest way to make a string from bytes.
    this.nodeBuf = nativeSlices(buf);
  }

  /** A varint truncated to 32 bits, unsigned: `uint32` counts, and enums (the caller restores the sign). */
  uint32(): number {
    const pos = this.pos;
    if (pos < this.len) {
      const b = this.buf[pos] as number;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    return this.uint32Slow();
  }

  private uint32Slow(): number {
    const buf = this.buf;
    let pos = this.pos;
    let result = 0;
    // A varint is at most 10 bytes; bits past the 32nd are dropped, as protobuf does for int32/uint32.
    for (let shift = 0; shift < 70; shift += 7) {
      if (pos >= this.len) throw this.truncated('varint');
      const b = buf[pos++] as number;
      if (shift < 32) result |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return result >>> 0;
      }
    }
    throw new WireFormatError(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  /** A varint as a signed 64-bit integer (`int64`), exactly. */
  int64(): bigint {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let value = 0;
    let multiplier = 1;
    // Up to 7 bytes (49 bits) stay exact in a double; longer varints (large or negative) take the bigint path.
    for (let i = 0; i < 7; i++) {
      if (pos >= this.len) throw this.truncated('varint');
      const b = buf[pos++] as number;
      value += (b & 0x7f) * multiplier;
      multiplier *= 128;
      if (b < 0x80) {
        this.pos = pos;
        return smallBigInt(value);
      }
    }
    pos = start;
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (pos >= this.len) throw this.truncated('varint');
      const b = buf[pos++] as number;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return BigInt.asIntN(64, result);
      }
    }
    throw new WireFormatError(`varint longer than 10 bytes at byte ${start}`);
  }

  /** A varint read as a bool (any non-zero value is true). */
  bool(): boolean {
    const pos = this.pos;
    if (pos < this.len && (this.buf[pos] as number) < 0x80) {
      this.pos = pos + 1;
      return this.buf[pos] !== 0;
    }
    return this.int64() !== 0n;
  }

  /** `fixed64`, little-endian, as an unsigned bigint (nanosecond timestamps). */
  fixed64(): bigint {
    const pos = this.pos;
    if (pos + 8 > this.len) throw this.truncated('fixed64');
    this.pos = pos + 8;
    return this.view.getBigUint64(pos, true);
  }

  /** `fixed32`, little-endian, unsigned. */
  fixed32(): number {
    const pos = this.pos;
    if (pos + 4 > this.len) throw this.truncated('fixed32');
    this.pos = pos + 4;
    return this.view.getUint32(pos, true);
  }

  /** `double`, little-endian IEEE 754. */
  double(): number {
    const pos = this.pos;
    if (pos + 8 > this.len) throw this.truncated('double');
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  /**
   * Reads a LEN prefix and returns where the field's payload ends; the cursor is at its first byte. The prefix is
   * read whole, not truncated to 32 bits: a length of 2^32 + n is refused, never taken for n.
   */
  lengthEnd(): number {
    // Only the one-byte case stays here, small enough for V8 to inline into every decoder loop. With the slow
    // path and its error message inline, a CPU profile of protobuf decode showed lengthEnd as its own function
    // (3.3% self time, against 1.2%) and bench/ingest.ts's protobuf decode-only ran about 2% slower (A/B by process).
    const pos = this.pos;
    if (pos < this.len) {
      const length = this.buf[pos] as number;
      if (length < 0x80 && length < this.len - pos) {
        this.pos = pos + 1;
        return pos + 1 + length;
      }
    }
    return this.lengthEndSlow();
  }

  private lengthEndSlow(): number {
    const length = this.varintAsNumber();
    if (length > this.len - this.pos) {
      throw new WireFormatError(`a length-delimited field of ${length} bytes at byte ${this.pos} runs past the end of the payload (${this.len} bytes)`);
    }
    return this.pos + length;
  }

  /** A varint of up to 10 bytes as a double: exact up to 2^53, and past that too large for any length anyway. */
  private varintAsNumber(): number {
    const buf = this.buf;
    let pos = this.pos;
    let value = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= this.len) throw this.truncated('varint');
      const b = buf[pos++] as number;
      value += (b & 0x7f) * multiplier;
      multiplier *= 128;
      if (b < 0x80) {
        this.pos = pos;
        return value;
      }
    }
    throw new WireFormatError(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  /**
   * A LEN field decoded as UTF-8. Invalid sequences become U+FFFD, a deliberate leniency: proto3 declares strings
   * UTF-8 and protobufjs 8 refuses the whole message over one bad byte, but for a test collector one exporter's
   * mangled attribute should not cost the batch its spans, and the replacement character shows where it was.
   */
  string(): string {
    const end = this.lengthEnd();
    const start = this.pos;
    this.pos = end;
    if (end === start) return '';
    if (end - start <= MAX_CACHED_STRING_BYTES) return stringCache.get(this.buf, start, end, this.nodeBuf);
    return this.nodeBuf.utf8Slice(start, end);
  }

  /**
   * Lower-case hex of `buf[start, end)` (trace and span ids), made by Node in one flat string. Concatenating
   * two-digit strings, as the decoder did before, leaves V8 cons strings: a 16-digit span id was a chain of two cons
   * strings over a 12-character flat one, 96 bytes where the flat string takes 32, and ids were 70 of the bench
   * span's 823 retained bytes over protobuf (2026-12-03, heap snapshot of bench/ingest.ts's store).
   */
  hex(start: number, end: number): string {
    return this.nodeBuf.hexSlice(start, end);
  }

  /** A LEN field copied out as bytes (a copy, so the request buffer can be released). */
  bytes(): Uint8Array {
    const end = this.lengthEnd();
    const out = this.buf.slice(this.pos, end);
    this.pos = end;
    return out;
  }

  /** Throws unless a nested message consumed exactly its declared length. */
  expectEnd(end: number, what: string): void {
    if (this.pos !== end) throw new WireFormatError(`${what} overran its length: ended at byte ${this.pos}, declared end ${end}`);
  }

  /** Skips the payload of a field with the given tag, whatever its wire type (unknown fields are legal). */
  skip(tag: number): void {
    const wireType = tag & 7;
    switch (wireType) {
      case VARINT:
        this.int64();
        return;
      case I64:
        this.advance(8, 'fixed64');
        return;
      case LEN:
        this.pos = this.lengthEnd();
        return;
      case SGROUP: {
        // Deprecated groups still parse: skip fields until the EGROUP with the same field number.
        const fieldNumber = tag >>> 3;
        for (;;) {
          if (this.pos >= this.len) throw this.truncated(`group ${fieldNumber}`);
          const inner = this.tag();
          if ((inner & 7) === EGROUP) {
            if (inner >>> 3 !== fieldNumber) throw new WireFormatError(`group ${fieldNumber} closed by end-group ${inner >>> 3} at byte ${this.pos}`);
            return;
          }
          this.skip(inner);
        }
      }
      case I32:
        this.advance(4, 'fixed32');
        return;
      default:
        throw new WireFormatError(`field ${tag >>> 3} has invalid wire type ${wireType} at byte ${this.pos}`);
    }
  }

  /**
   * Reads a field tag, rejecting field number 0. A tag is a varint of at most 32 bits (field numbers stop at
   * 2^29 - 1): a 5th byte with more than 4 bits, or a 6th byte, is refused rather than truncated into another
   * field, as protobufjs and the reference parsers do.
   */
  tag(): number {
    // The one-byte tags of field numbers 1 to 15 stay here, small enough to inline (see lengthEnd).
    const pos = this.pos;
    if (pos < this.len) {
      const b = this.buf[pos] as number;
      if (b < 0x80 && b >= 8) {
        this.pos = pos + 1;
        return b;
      }
    }
    const tag = this.tagSlow();
    if (tag >>> 3 === 0) throw new WireFormatError(`invalid field number 0 at byte ${pos}`);
    return tag;
  }

  private tagSlow(): number {
    const buf = this.buf;
    const start = this.pos;
    let pos = start;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= this.len) throw this.truncated('tag');
      const b = buf[pos++] as number;
      if (shift === 28 && b > 0x0f) break;
      result |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return result >>> 0;
      }
    }
    throw new WireFormatError(`a field tag at byte ${start} does not fit 32 bits`);
  }

  private advance(count: number, what: string): void {
    if (this.pos + count > this.len) throw this.truncated(what);
    this.pos += count;
  }

  private truncated(what: string): WireFormatError {
    return new WireFormatError(`payload truncated: a ${what} at byte ${this.pos} runs past the end (${this.len} bytes)`);
  }
}
// Its hidden class outlives every instance (see v8-shapes.ts).
pinHiddenClass(new WireReader(new Uint8Array(0)));

/**
 * Node's native string makers of a Buffer, called directly. `buffer.toString(encoding, start, end)` is a JS
 * wrapper that checks and normalises its arguments and looks the encoding up on every call before reaching these;
 * a decoder that makes a string for most values it reads pays that for each of them. They are methods of every
 * Buffer (`Buffer.prototype.utf8Slice`), not declared in Node's typings.
 */
export interface NativeSlices {
  /** The UTF-8 text of bytes `[start, end)` (invalid sequences become U+FFFD, as with `toString('utf8')`). */
  utf8Slice(start: number, end: number): string;
  /** One character per byte of `[start, end)`; for ASCII text such as numbers and hex ids. */
  latin1Slice(start: number, end: number): string;
}

/** A Buffer over the same memory as `bytes` (no copy), seen through its native slicers. */
export function nativeSlices(bytes: Uint8Array): NativeSlices {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as NativeSlices;
}

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
  /** Lower-case hex of bytes `[start, end)`, as one flat string (trace and span ids). */
  hexSlice(start: number, end: number): string;
}

/** Whether this Node's Buffers have the native slicers; they are internal, so a later Node may not. */
const hasNativeSlices = ((): boolean => {
  const prototype = Buffer.prototype as unknown as Partial<NativeSlices>;
  return typeof prototype.utf8Slice === 'function' && typeof prototype.latin1Slice === 'function' && typeof prototype.hexSlice === 'function';
})();

/** The same slicers through Buffer's public `toString`: slower per call, same strings. */
export function portableSlices(buffer: Buffer): NativeSlices {
  return {
    utf8Slice: (start, end) => buffer.toString('utf8', start, end),
    latin1Slice: (start, end) => buffer.toString('latin1', start, end),
    hexSlice: (start, end) => buffer.toString('hex', start, end),
  };
}

/** A Buffer over the same memory as `bytes` (no copy), seen through its native slicers (or {@link portableSlices}). */
export function nativeSlices(bytes: Uint8Array): NativeSlices {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return hasNativeSlices ? (buffer as unknown as NativeSlices) : portableSlices(buffer);
}

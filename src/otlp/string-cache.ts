/**
 * A direct-mapped cache of short UTF-8 strings by their bytes. Attribute keys, span names, service names and
 * many attribute values repeat across spans and requests; looking them up by bytes avoids creating a new string
 * for each, and makes every span share one copy (less retained heap per stored span).
 */

import type { NativeSlices } from './native-slices.ts';

/** Strings longer than this (in bytes) are decoded directly: long values are rarely repeated. */
export const MAX_CACHED_STRING_BYTES = 64;
const SLOTS = 4096;

/**
 * A hash of a short string's bytes from its length and four of its bytes, without a pass over all of them.
 * Known keys are few and differ in these; for cached values a collision only costs a cache miss (the
 * candidate is always compared byte for byte), and the trailing bytes catch counters like `/item/17`.
 */
export function sampleHash(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length === 0) return 0;
  const h =
    Math.imul(length, 0x9e3779b1) ^
    Math.imul(bytes[start] as number, 0x85ebca6b) ^
    Math.imul(bytes[end - 1] as number, 0xc2b2ae35) ^
    Math.imul(bytes[start + (length >> 1)] as number, 0x27d4eb2f) ^
    Math.imul(bytes[end - 2 >= start ? end - 2 : start] as number, 0x165667b1);
  return h ^ (h >>> 15);
}

/** A direct-mapped cache of short strings by their UTF-8 bytes, 4096 slots; a new string replaces its slot's last one. */
export class Utf8StringCache {
  private readonly strings: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);
  private readonly keys: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(SLOTS).fill(undefined);

  /**
   * The string for `bytes[start, end)` (at most {@link MAX_CACHED_STRING_BYTES} bytes), from the cache when the
   * same bytes were seen before, otherwise decoded and remembered (replacing the slot's last entry). `source` is
   * the native slicers of a Buffer over the same memory as `bytes`, for Node's UTF-8 decoding (a plain argument rather than a
   * per-request closure keeps the call site monomorphic).
   */
  get(bytes: Uint8Array, start: number, end: number, source: NativeSlices): string {
    return this.getHashed(bytes, start, end, sampleHash(bytes, start, end), source);
  }

  /** {@link get} for a caller that already has a hash of the bytes ({@link sampleHash} or any other). */
  getHashed(bytes: Uint8Array, start: number, end: number, hash: number, source: NativeSlices): string {
    const slot = (hash ^ (hash >>> 16)) & (SLOTS - 1);
    const key = this.keys[slot];
    if (key !== undefined && key.length === end - start) {
      let same = true;
      for (let i = 0; i < key.length; i++) {
        if (key[i] !== bytes[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return this.strings[slot] as string;
    }
    const text = source.utf8Slice(start, end);
    this.keys[slot] = bytes.slice(start, end);
    this.strings[slot] = text;
    return text;
  }
}

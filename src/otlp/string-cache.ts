/**
 * A direct-mapped cache of short UTF-8 strings by their bytes. Attribute keys, span names, service names and
 * many attribute values repeat across spans and requests; looking them up by bytes avoids creating a new string
 * for each, and makes every span share one copy (less retained heap per stored span).
 */

/** Strings longer than this (in bytes) are decoded directly: long values are rarely repeated. */
export const MAX_CACHED_STRING_BYTES = 40;
const SLOTS = 4096;

/** FNV-1a offset basis and prime: a cheap hash that spreads short keys well. */
export const FNV_OFFSET = 0x811c9dc5;
export const FNV_PRIME = 0x01000193;

/** FNV-1a of `bytes[start, end)`. */
export function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let hash = FNV_OFFSET;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ (bytes[i] as number), FNV_PRIME);
  return hash;
}

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

/**
 * A fixed table from known key names (as UTF-8 bytes) to small integer codes, so a decoder can switch on
 * integers instead of creating and comparing a string for every key it reads. Unknown keys give 0.
 */
export class KeyTable {
  private readonly size: number;
  private readonly slotKeys: (Uint8Array | undefined)[];
  private readonly slotCodes: Int32Array;
  private readonly byText = new Map<string, number>();

  constructor(codes: Readonly<Record<string, number>>) {
    const names = Object.keys(codes);
    this.size = 1 << Math.ceil(Math.log2(names.length * 4 + 1));
    this.slotKeys = new Array<Uint8Array | undefined>(this.size).fill(undefined);
    this.slotCodes = new Int32Array(this.size);
    const utf8 = new TextEncoder();
    for (const name of names) {
      const bytes = utf8.encode(name);
      const code = codes[name] as number;
      this.byText.set(name, code);
      let slot = this.slotOf(sampleHash(bytes, 0, bytes.length));
      while (this.slotKeys[slot] !== undefined) slot = (slot + 1) & (this.size - 1);
      this.slotKeys[slot] = bytes;
      this.slotCodes[slot] = code;
    }
  }

  private slotOf(hash: number): number {
    return (hash ^ (hash >>> 16)) & (this.size - 1);
  }

  /** The code of the key in `bytes[start, end)`, or 0 when it is not a known key. */
  lookup(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const hash = sampleHash(bytes, start, end);
    for (let slot = this.slotOf(hash); ; slot = (slot + 1) & (this.size - 1)) {
      const key = this.slotKeys[slot];
      if (key === undefined) return 0;
      if (key.length !== length) continue;
      let i = 0;
      while (i < length && key[i] === bytes[start + i]) i++;
      if (i === length) return this.slotCodes[slot] as number;
    }
  }

  /** The code of a key given as text (keys written with escapes take this path), or 0. */
  lookupText(text: string): number {
    return this.byText.get(text) ?? 0;
  }
}

export class Utf8StringCache {
  private readonly strings: (string | undefined)[] = new Array<string | undefined>(SLOTS).fill(undefined);
  private readonly keys: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(SLOTS).fill(undefined);

  /**
   * The string for `bytes[start, end)` (at most {@link MAX_CACHED_STRING_BYTES} bytes), from the cache when the
   * same bytes were seen before, otherwise decoded with `decode` and remembered (replacing the slot's last entry).
   */
  get(bytes: Uint8Array, start: number, end: number, decode: (start: number, end: number) => string): string {
    return this.getHashed(bytes, start, end, fnv1a(bytes, start, end), decode);
  }

  /** {@link get} for a caller that computed {@link fnv1a} of the bytes while scanning them. */
  getHashed(bytes: Uint8Array, start: number, end: number, hash: number, decode: (start: number, end: number) => string): string {
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
    const text = decode(start, end);
    this.keys[slot] = bytes.slice(start, end);
    this.strings[slot] = text;
    return text;
  }
}

import { sampleHash } from './string-cache.ts';

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

import { describe, expect, it } from 'vitest';
import { nativeSlices } from '../../src/otlp/native-slices.ts';
import { Utf8StringCache } from '../../src/otlp/string-cache.ts';

const utf8 = new TextEncoder();

/** Looks `text` up through a fresh buffer (as each request brings its own body). */
function lookup(cache: Utf8StringCache, text: string, hash?: number): string {
  const bytes = utf8.encode(`"${text}"`);
  const end = bytes.length - 1;
  return hash === undefined ? cache.get(bytes, 1, end, nativeSlices(bytes)) : cache.getHashed(bytes, 1, end, hash, nativeSlices(bytes));
}

describe('Utf8StringCache', () => {
  it('returns the text of the bytes, ASCII or not', () => {
    const cache = new Utf8StringCache();
    for (const text of ['GET', 'Grüße', '日本語', 'emoji 😀', 'checkout.internal.example.com']) {
      expect(lookup(cache, text)).toBe(text);
      expect(lookup(cache, text)).toBe(text);
    }
  });

  it('never answers with another string that shares its slot', () => {
    const cache = new Utf8StringCache();
    // One forced slot for everything: every lookup either hits on equal bytes or replaces the entry.
    const texts = ['abc', 'abd', 'ab', '', 'äbc', 'é', 'e\u0301', 'a'.repeat(64), 'ä'.repeat(32)];
    for (let round = 0; round < 3; round++) {
      for (const text of texts) expect(lookup(cache, text, 7)).toBe(text);
    }
  });

  it('does not take invalid UTF-8 for the ASCII text that replaced it', () => {
    const cache = new Utf8StringCache();
    const invalid = new Uint8Array([0x61, 0xff, 0x62]);
    const decoded = cache.getHashed(invalid, 0, 3, 1, nativeSlices(invalid));
    expect(decoded).toBe('a\ufffdb');
    const ascii = utf8.encode('a?b');
    expect(cache.getHashed(ascii, 0, 3, 1, nativeSlices(ascii))).toBe('a?b');
    expect(cache.getHashed(invalid, 0, 3, 1, nativeSlices(invalid))).toBe('a\ufffdb');
  });
});

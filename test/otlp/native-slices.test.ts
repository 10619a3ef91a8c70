import { describe, expect, it } from 'vitest';
import { nativeSlices, portableSlices } from '../../src/otlp/native-slices.ts';

describe('string slicing for the decoders', () => {
  it('gives the same strings natively and through the portable fallback, invalid UTF-8 included', () => {
    // ASCII, multi-byte UTF-8 (é, 日本, an emoji), then a lone continuation byte and a truncated sequence.
    const bytes = new Uint8Array([...Buffer.from('id-00ff é 日本 🙂 '), 0x80, 0x41, 0xe6, 0x97]);
    const offset = new Uint8Array(bytes.length + 3);
    offset.set(bytes, 3);
    const view = offset.subarray(3);
    const native = nativeSlices(view);
    const portable = portableSlices(Buffer.from(view.buffer, view.byteOffset, view.byteLength));
    for (let start = 0; start < view.length; start += 3) {
      for (const end of [start, start + 1, start + 5, view.length]) {
        if (end > view.length) continue;
        expect(native.utf8Slice(start, end), `utf8 ${start}..${end}`).toBe(portable.utf8Slice(start, end));
        expect(native.latin1Slice(start, end), `latin1 ${start}..${end}`).toBe(portable.latin1Slice(start, end));
        expect(native.hexSlice(start, end), `hex ${start}..${end}`).toBe(portable.hexSlice(start, end));
      }
    }
    expect(native.utf8Slice(0, 5)).toBe('id-00');
    expect(native.hexSlice(view.length - 4, view.length)).toBe('8041e697');
    expect(native.utf8Slice(view.length - 4, view.length)).toBe('\uFFFDA\uFFFD');
  });
});

import { LineCounter, parseDocument, isMap, isScalar } from 'yaml';
import { describe, expect, it } from 'vitest';
import { mapScalarOffset, type ScalarStyle } from '../../src/language/scalar-offsets.ts';

/** Parses `v: <scalar>` and returns, for the character `needle` of the value, its line:col in the text. */
function columnOf(text: string, needle: string): string {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  const pair = isMap(doc.contents) ? doc.contents.items[0] : undefined;
  const node = pair?.value;
  if (!isScalar(node) || typeof node.value !== 'string' || !node.range) throw new Error('no string scalar');
  const offset = node.value.indexOf(needle);
  expect(offset, `"${needle}" in ${JSON.stringify(node.value)}`).toBeGreaterThanOrEqual(0);
  const at = mapScalarOffset(text, node.range[0], node.range[1], node.type as ScalarStyle, node.value, offset);
  const { line, col } = lines.linePos(at);
  return `${line}:${col}`;
}

describe('mapScalarOffset', () => {
  it.each([
    ['plain', 'v: ab cd X\n', '1:10'],
    ['plain, folded over lines', 'v: ab\n  cd\n  X\n', '3:3'],
    ['single quotes with a doubled quote', "v: 'it''s X'\n", '1:11'],
    ['double quotes with escapes', 'v: "\\"a\\" \\u00e9 X"\n', '1:18'],
    ['double quotes with a line continuation', 'v: "ab\\\n   X"\n', '2:4'],
    ['literal block', 'v: |\n  one\n  two X\n', '3:7'],
    ['folded block, kept indentation', 'v: >-\n    one\n    two X\n', '3:9'],
    ['after an anchor and a tag', 'v: &a !!str ab X\n', '1:16'],
  ] as const)('%s', (_style, text, position) => {
    expect(columnOf(text, 'X')).toBe(position);
  });

  it('maps an offset past the end to just after the last character', () => {
    const text = 'v: "abc"\n';
    const doc = parseDocument(text);
    const node = isMap(doc.contents) ? doc.contents.items[0]?.value : undefined;
    if (!isScalar(node) || !node.range) throw new Error('no scalar');
    expect(mapScalarOffset(text, node.range[0], node.range[1], 'QUOTE_DOUBLE', 'abc', 3)).toBe(7);
  });
});

/** How a YAML scalar was written (the `type` of a `yaml` Scalar node). */
export type ScalarStyle = 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE' | 'BLOCK_LITERAL' | 'BLOCK_FOLDED';

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/** Length of a YAML double-quoted escape starting at a backslash (YAML 1.2 §5.7): `\xXX`, `\uXXXX`, `\UXXXXXXXX`. */
function escapeLength(next: string | undefined): number {
  if (next === 'x') return 4;
  if (next === 'u') return 6;
  if (next === 'U') return 10;
  return 2;
}

/**
 * Maps an offset in a scalar's parsed value to the offset of the character in the source text that produced it,
 * so an error inside a selector string points at the exact column of the file.
 *
 * The value and the source are walked together: each value character comes from one source character or escape;
 * what YAML drops or folds (quotes, block headers, indentation, line breaks folded to spaces, `\` line
 * continuations, `''` in single quotes) is skipped. An offset at or past the end maps to just after the last
 * character.
 *
 * @param text the whole source file
 * @param start offset where the scalar starts (its node's `range[0]`, after any anchor or tag)
 * @param end offset where the scalar's value ends (`range[1]`)
 */
export function mapScalarOffset(
  text: string,
  start: number,
  end: number,
  style: ScalarStyle,
  value: string,
  offset: number,
): number {
  let j = start;
  if (style === 'QUOTE_DOUBLE' || style === 'QUOTE_SINGLE') j++;
  if (style === 'BLOCK_LITERAL' || style === 'BLOCK_FOLDED') {
    const header = text.indexOf('\n', start);
    if (header < 0 || header >= end) return start;
    j = header + 1;
  }
  const double = style === 'QUOTE_DOUBLE';
  const target = Math.min(Math.max(offset, 0), value.length);
  for (let i = 0; i < value.length && j < end; i++) {
    const v = value[i];
    for (;;) {
      if (double && text[j] === '\\' && (text[j + 1] === '\n' || text[j + 1] === '\r')) {
        j += 2;
        while (j < end && isSpace(text[j])) j++;
        continue;
      }
      if (!isSpace(v) && isSpace(text[j]) && j < end) {
        j++;
        continue;
      }
      break;
    }
    const origin = j;
    if (double && text[j] === '\\') j += escapeLength(text[j + 1]);
    else if (style === 'QUOTE_SINGLE' && text[j] === "'" && text[j + 1] === "'") j += 2;
    else j++;
    if (i === target) return origin;
  }
  return Math.min(j, end);
}

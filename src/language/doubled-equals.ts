/**
 * `==`, `===` and `!==`: the equality of most programming languages, which neither TraceQL nor tracecheck has. The
 * selector lexer reads `==` as `=` and a stray `=`; these find the habit in the written text and rewrite the whole
 * selector, so the parser and the spec validator can say "use = for equality" and show what to write.
 */

/** The message for `==` and its kin; the hint gives the selector rewritten. */
export function doubledEqualsMessage(written: string, meant: string): string {
  return `"${written}" is not an operator: use ${meant} for ${meant === '=' ? 'equality' : 'inequality'}`;
}

/** A run of `=` after `=` or `!=` outside strings: the `==` / `===` / `!==` of other languages. */
export interface DoubledEquals {
  /** Offset and length of the whole operator as written, e.g. the `==` of `status == error`. */
  readonly offset: number;
  readonly length: number;
  /** The operator meant: `=` or `!=`. */
  readonly meant: '=' | '!=';
  /** The whole selector with every such operator written as the one meant. */
  readonly rewritten: string;
}

/**
 * Finds the first `==`, `===` or `!==` outside quoted strings, and rewrites every one of them. Works on the text as
 * written, `${...}` references included, so a hint can show the selector the user should write.
 */
export function findDoubledEquals(source: string): DoubledEquals | undefined {
  let first: Omit<DoubledEquals, 'rewritten'> | undefined;
  let out = '';
  let last = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === '`') {
      for (i += 1; i < source.length && source[i] !== c; i++) if (c === '"' && source[i] === '\\') i += 1;
      continue;
    }
    const meant = source.startsWith('!=', i) ? '!=' : c === '=' && source[i - 1] !== '<' && source[i - 1] !== '>' ? '=' : undefined;
    if (meant === undefined || source[i + meant.length] !== '=') continue;
    let end = i + meant.length;
    while (source[end] === '=') end += 1;
    first ??= { offset: i, length: end - i, meant };
    out += source.slice(last, i) + meant;
    last = end;
    i = end - 1;
  }
  return first === undefined ? undefined : { ...first, rewritten: out + source.slice(last) };
}

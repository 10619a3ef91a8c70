import { err, ok, type Result } from '../result.ts';
import type { SelectorSyntaxError } from './selector-ast.ts';

/** One token of a selector. Offsets are 0-based into the selector string. */
export type SelectorToken =
  | { readonly type: 'punct'; readonly value: '{' | '}' | '(' | ')' | '[' | ']' | ','; readonly offset: number; readonly length: number }
  | { readonly type: 'op'; readonly value: string; readonly offset: number; readonly length: number }
  /** A quoted string, `"..."` with escapes or a raw backtick string; `value` is unescaped, `raw` as written. */
  | { readonly type: 'string'; readonly value: string; readonly raw: string; readonly offset: number; readonly length: number }
  /** A number, possibly followed directly by a unit (`300ms`): `raw` as written. */
  | { readonly type: 'number'; readonly raw: string; readonly offset: number; readonly length: number }
  /** A name: a keyword, a field path such as `span.http.method` or `.user_id`, or a kind/status keyword. */
  | { readonly type: 'ident'; readonly value: string; readonly offset: number; readonly length: number }
  | { readonly type: 'end'; readonly offset: number; readonly length: 0 };

/** Operators, longest first so that `!>>` wins over `!>` and `!=` over `!`. */
const OPERATORS = ['!>>', '!<<', '&&', '||', '!=', '<=', '>=', '=~', '!~', '>>', '<<', '!>', '!<', '=', '<', '>', '~', '!'];

const PUNCTUATION = new Set(['{', '}', '(', ')', '[', ']', ',']);

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  n: '\n',
  t: '\t',
  r: '\r',
  b: '\b',
  f: '\f',
};

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '.';
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9') || c === '-';
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/**
 * Splits a selector into tokens. Never throws; an unterminated string or a stray character is an error with
 * its position.
 */
export function tokenizeSelector(source: string): Result<SelectorToken[], SelectorSyntaxError> {
  const tokens: SelectorToken[] = [];
  let i = 0;
  outer: while (i < source.length) {
    const c = source[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i += 1;
      continue;
    }
    if (PUNCTUATION.has(c)) {
      tokens.push({ type: 'punct', value: c as '{', offset: i, length: 1 });
      i += 1;
      continue;
    }
    if (c === '"') {
      const string = readQuoted(source, i);
      if (!string.ok) return string;
      tokens.push(string.value);
      i += string.value.length;
      continue;
    }
    if (c === '`') {
      const close = source.indexOf('`', i + 1);
      if (close < 0) {
        return err({ message: 'unterminated string', offset: i, length: source.length - i, hint: 'close it with a backtick (`)' });
      }
      tokens.push({ type: 'string', value: source.slice(i + 1, close), raw: source.slice(i, close + 1), offset: i, length: close + 1 - i });
      i = close + 1;
      continue;
    }
    if (isDigit(c) || ((c === '-' || c === '+') && isDigit(source[i + 1])) || (c === '.' && isDigit(source[i + 1]))) {
      let j = i + 1;
      while (j < source.length && (isDigit(source[j]) || source[j] === '.')) j += 1;
      if ((source[j] === 'e' || source[j] === 'E') && (isDigit(source[j + 1]) || ((source[j + 1] === '-' || source[j + 1] === '+') && isDigit(source[j + 2])))) {
        j += 2;
        while (isDigit(source[j])) j += 1;
      }
      // A unit written right after the number (`300ms`, `2µs`) belongs to it.
      while (j < source.length && /[a-zA-Zµ]/u.test(source[j] as string)) j += 1;
      tokens.push({ type: 'number', raw: source.slice(i, j), offset: i, length: j - i });
      i = j;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < source.length && isIdentPart(source[j] as string)) j += 1;
      tokens.push({ type: 'ident', value: source.slice(i, j), offset: i, length: j - i });
      i = j;
      continue;
    }
    for (const op of OPERATORS) {
      if (source.startsWith(op, i)) {
        tokens.push({ type: 'op', value: op, offset: i, length: op.length });
        i += op.length;
        continue outer;
      }
    }
    if (c === "'") {
      return err({ message: 'strings use double quotes', offset: i, length: 1, hint: 'write "text" (or `text` for a raw string)' });
    }
    const previous = tokens[tokens.length - 1];
    if (previous?.type === 'ident' && previous.offset + previous.length === i) {
      const dot = previous.value.indexOf('.');
      const prefix = dot >= 0 ? previous.value.slice(0, dot + 1) : 'span.';
      const key = previous.value.slice(dot + 1);
      return err({ message: `unexpected character "${c}" in "${previous.value}${c}"`, offset: i, length: 1, hint: `quote unusual attribute keys: ${prefix}"${key}${c}..."` });
    }
    return err({ message: `unexpected character "${c}"`, offset: i, length: 1 });
  }
  tokens.push({ type: 'end', offset: source.length, length: 0 });
  return ok(tokens);
}

/** Reads a double-quoted string with JSON-style escapes starting at `start`. */
function readQuoted(source: string, start: number): Result<SelectorToken & { type: 'string' }, SelectorSyntaxError> {
  let value = '';
  let i = start + 1;
  while (i < source.length) {
    const c = source[i] as string;
    if (c === '"') {
      return ok({ type: 'string', value, raw: source.slice(start, i + 1), offset: start, length: i + 1 - start });
    }
    if (c !== '\\') {
      value += c;
      i += 1;
      continue;
    }
    const e = source[i + 1];
    if (e === undefined) break;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      value += simple;
      i += 2;
      continue;
    }
    if (e === 'u' && /^[0-9a-fA-F]{4}$/u.test(source.slice(i + 2, i + 6))) {
      value += String.fromCharCode(Number.parseInt(source.slice(i + 2, i + 6), 16));
      i += 6;
      continue;
    }
    return err({
      message: `unknown escape "\\${e}" in a string`,
      offset: i,
      length: 2,
      hint: `write "\\\\${e}" for a backslash, or use a backtick string for regular expressions: \`...\\${e}...\``,
    });
  }
  return err({ message: 'unterminated string', offset: start, length: source.length - start, hint: 'close it with a double quote (")' });
}

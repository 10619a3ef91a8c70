// Over 400 lines on purpose: one cursor over the bytes of an OTLP/JSON body, with every JSON token it reads (strings
// with escapes and a cache of repeated ones, numbers exactly as int64 or double, hex and base64 ids) beside the
// others, because they share the position and the error path. It is ours, not JSON.parse, for speed: it decodes
// straight into the model without an intermediate object tree (bench/ingest.ts shows the rate against JSON.parse).
import { MAX_CACHED_STRING_BYTES, Utf8StringCache, sampleHash } from './string-cache.ts';
import type { KeyTable } from './key-table.ts';
import { nativeSlices } from './native-slices.ts';
import type { NativeSlices } from './native-slices.ts';
import { pinHiddenClass } from '../v8-shapes.ts';
import { smallBigInt } from './shared-values.ts';

/**
 * A problem in an OTLP/JSON body: bad syntax or a value of the wrong shape. `path` locates it
 * (`resourceSpans[0].scopeSpans[1].spans[3].startTimeUnixNano`); segments are added while the error unwinds,
 * so no path is built unless something is wrong.
 */
export class JsonShapeError extends Error {
  path: string;
  readonly problem: string;

  constructor(path: string, problem: string) {
    super(problem);
    this.path = path;
    this.problem = problem;
  }

  /** Prepends an object key or an `[index]` segment to the path. */
  within(segment: string): JsonShapeError {
    this.path = this.path === '' ? segment : this.path.startsWith('[') ? `${segment}${this.path}` : `${segment}.${this.path}`;
    return this;
  }

  /** `path: problem`, or the problem alone at the top level. */
  describe(): string {
    return this.path === '' ? this.problem : `${this.path}: ${this.problem}`;
  }
}

/** Adds `segment` to a {@link JsonShapeError}'s path while it propagates; other errors pass through untouched. */
export function within(error: unknown, segment: string): unknown {
  return error instanceof JsonShapeError ? error.within(segment) : error;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const LOWER_A = 0x61;
const LOWER_F = 0x66;
const UPPER_E = 0x45;

const stringCache = new Utf8StringCache();

/**
 * A cursor over OTLP/JSON bytes that reads values straight into what the decoder needs, without building the
 * generic object tree `JSON.parse` would (which the decoder would then walk and throw away). Numbers are read
 * from their source text, so 64-bit integers keep every digit. Unknown values are skipped by scanning.
 */
export class JsonCursor {

  readonly buf: Uint8Array;
  pos = 0;
  readonly len: number;
  private readonly nodeBuf: NativeSlices;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.len = buf.length;
    this.nodeBuf = nativeSlices(buf);
  }

  /** Skips whitespace; returns the next byte, or -1 at the end. */
  peek(): number {
    const buf = this.buf;
    let p = this.pos;
    while (p < this.len) {
      const c = buf[p] as number;
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
    return p < this.len ? (buf[p] as number) : -1;
  }

  /** Fails unless only whitespace is left. */
  expectEnd(): void {
    if (this.peek() !== -1) throw this.syntax('unexpected data after the request object');
  }

  /** Consumes `null` if it comes next. */
  nullNext(): boolean {
    if (this.peek() === 0x6e && this.buf[this.pos + 1] === 0x75 && this.buf[this.pos + 2] === 0x6c && this.buf[this.pos + 3] === 0x6c) {
      this.pos += 4;
      return true;
    }
    return false;
  }

  /** Starts an object: true after `{`, false after `null` (an absent message); anything else is a shape error. */
  beginObject(): boolean {
    const c = this.peek();
    if (c === OPEN_BRACE) {
      this.pos++;
      return true;
    }
    if (this.nullNext()) return false;
    if (c === -1) throw this.syntax('unexpected end');
    throw this.shape('an object');
  }

  /** Starts an array: true after `[`, false after `null` (an empty repeated field). */
  beginArray(): boolean {
    const c = this.peek();
    if (c === OPEN_BRACKET) {
      this.pos++;
      return true;
    }
    if (this.nullNext()) return false;
    if (c === -1) throw this.syntax('unexpected end');
    throw this.shape('an array');
  }

  /** After `{` or a member's value: the next key (its `:` consumed), or `undefined` after the closing `}`. */
  nextKey(first: boolean): string | undefined {
    let c = this.peek();
    if (c === CLOSE_BRACE) {
      this.pos++;
      return undefined;
    }
    if (!first) {
      if (c !== COMMA) throw this.syntax('expected "," or "}" in an object');
      this.pos++;
      c = this.peek();
    }
    if (c !== QUOTE) throw this.syntax('expected a quoted key');
    const key = this.stringLiteral(true);
    if (this.peek() !== COLON) throw this.syntax('expected ":" after a key');
    this.pos++;
    return key;
  }

  /**
   * Like {@link nextKey}, but returns the key's code in `table` (0 for an unknown key) and -1 after the closing
   * `}`: no string is made for the key. The key's text stays available as {@link lastKey} for error paths.
   */
  nextKeyCode(first: boolean, table: KeyTable): number {
    let c = this.peek();
    if (c === CLOSE_BRACE) {
      this.pos++;
      return -1;
    }
    if (!first) {
      if (c !== COMMA) throw this.syntax('expected "," or "}" in an object');
      this.pos++;
      c = this.peek();
    }
    if (c !== QUOTE) throw this.syntax('expected a quoted key');
    const buf = this.buf;
    const start = this.pos + 1;
    const len = this.len;
    let p = start;
    let b = 0;
    while (p < len) {
      b = buf[p] as number;
      if (b === QUOTE || b === BACKSLASH) break;
      p++;
    }
    let code: number;
    if (p >= len) throw this.syntax('unterminated string');
    if (b === QUOTE) {
      this.pos = p + 1;
      this.keyStart = start;
      this.keyEnd = p;
      code = table.lookup(buf, start, p);
    } else {
      const text = this.escapedString(start);
      this.keyStart = -1;
      this.escapedKey = text;
      code = table.lookupText(text);
    }
    if (this.peek() !== COLON) throw this.syntax('expected ":" after a key');
    this.pos++;
    return code;
  }

  private keyStart = 0;
  private keyEnd = 0;
  private escapedKey = '';

  /** The text of the key last read by {@link nextKeyCode} (for error paths). */
  lastKey(): string {
    return this.keyStart === -1 ? this.escapedKey : this.nodeBuf.utf8Slice(this.keyStart, this.keyEnd);
  }

  /** After `[` or an element: true when another element follows, false after the closing `]`. */
  nextElement(first: boolean): boolean {
    const c = this.peek();
    if (c === CLOSE_BRACKET) {
      this.pos++;
      return false;
    }
    if (!first) {
      if (c !== COMMA) throw this.syntax('expected "," or "]" in an array');
      this.pos++;
    }
    return true;
  }

  /** A string value (`null` reads as `''`). Short strings come from a shared cache when `cache` is true. */
  string(cache = true): string {
    const c = this.peek();
    if (c === QUOTE) return this.stringLiteral(cache);
    if (this.nullNext()) return '';
    throw this.shape('a string');
  }

  /** A string value if one comes next, else `undefined` (nothing consumed). */
  stringIfNext(): string | undefined {
    return this.peek() === QUOTE ? this.stringLiteral(false) : undefined;
  }

  /**
   * A string of lower-case hex digits (the form every SDK writes ids in; `""` too), consumed; `undefined`
   * (nothing consumed) for anything else, which the caller reads and checks the general way. Such text needs no
   * normalising, and one character per byte makes the string directly. When the text equals `previous`,
   * `previous` itself is returned (no new string).
   */
  lowerHexString(previous: string): string | undefined {
    if (this.peek() !== QUOTE) return undefined;
    const buf = this.buf;
    const start = this.pos + 1;
    const len = this.len;
    let p = start;
    while (p < len) {
      const c = buf[p] as number;
      if ((c >= ZERO && c <= NINE) || (c >= LOWER_A && c <= LOWER_F)) p++;
      else break;
    }
    if (p >= len || buf[p] !== QUOTE) return undefined;
    this.pos = p + 1;
    const n = p - start;
    if (n === 0) return '';
    if (previous.length === n) {
      let i = 0;
      while (i < n && previous.charCodeAt(i) === buf[start + i]) i++;
      if (i === n) return previous;
    }
    return this.nodeBuf.latin1Slice(start, p);
  }

  private stringLiteral(cache: boolean): string {
    const buf = this.buf;
    const start = this.pos + 1;
    const len = this.len;
    let p = start;
    let c = 0;
    while (p < len) {
      c = buf[p] as number;
      if (c === QUOTE || c === BACKSLASH) break;
      p++;
    }
    if (p >= len) throw this.syntax('unterminated string');
    if (c === BACKSLASH) return this.escapedString(start);
    this.pos = p + 1;
    if (p === start) return '';
    if (cache && p - start <= MAX_CACHED_STRING_BYTES) return stringCache.getHashed(buf, start, p, sampleHash(buf, start, p), this.nodeBuf);
    return this.nodeBuf.utf8Slice(start, p);
  }

  private escapedString(start: number): string {
    const buf = this.buf;
    let p = start;
    while (p < this.len) {
      const c = buf[p] as number;
      if (c === BACKSLASH) p += 2;
      else if (c === QUOTE) break;
      else p++;
    }
    if (p >= this.len) throw this.syntax('unterminated string');
    const literal = this.nodeBuf.utf8Slice(start - 1, p + 1);
    this.pos = p + 1;
    try {
      // Escapes (\n, \uXXXX, surrogate pairs) are rare in telemetry: let the native parser handle them exactly.
      return JSON.parse(literal) as string;
    } catch {
      throw new JsonShapeError('', `invalid string literal ${literal.slice(0, 40)} at byte ${start - 1}`);
    }
  }

  /** The source text of a number literal, consumed; `undefined` (nothing consumed) when no number comes next. */
  numberText(): string | undefined {
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    let c = buf[p];
    if (c === MINUS) c = buf[++p];
    if (c === undefined || c < ZERO || c > NINE) return undefined;
    while (p < this.len) {
      c = buf[p] as number;
      if ((c >= ZERO && c <= NINE) || c === DOT || c === LOWER_E || c === UPPER_E || c === MINUS || c === PLUS) p++;
      else break;
    }
    this.pos = p;
    return this.nodeBuf.latin1Slice(start, p);
  }

  /**
   * An integer written as a JSON number or a decimal string (`42`, `"1700000000000000000"`, `-7`), read from
   * its digits without making a string; `undefined` (nothing consumed) when the next value is anything else,
   * including numbers with a fraction or exponent, more than `maxDigits` digits (at most 19), or a minus sign
   * when `signed` is false, so the caller can take its general path. Bounding the digits lets the caller skip
   * its range check (bigint compares cost decode-only OTLP/JSON ~3%): 18 digits always fit an int64, 19
   * unsigned digits a fixed64.
   */
  integer(maxDigits: number, signed: boolean): bigint | undefined {
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    const quoted = buf[p] === QUOTE;
    if (quoted) p++;
    const negative = buf[p] === MINUS;
    if (negative) {
      if (!signed) return undefined;
      p++;
    }
    const digitsStart = p;
    while (p < this.len && (buf[p] as number) >= ZERO && (buf[p] as number) <= NINE) p++;
    const digits = p - digitsStart;
    if (digits === 0 || digits > maxDigits) return undefined;
    const next = buf[p];
    if (quoted ? next !== QUOTE : next === DOT || next === LOWER_E || next === UPPER_E) return undefined;
    this.pos = quoted ? p + 1 : p;
    let value: bigint;
    if (digits <= 15) {
      // Up to 15 decimal digits are exact in a double.
      let n = 0;
      for (let i = digitsStart; i < p; i++) n = n * 10 + ((buf[i] as number) - ZERO);
      value = smallBigInt(n);
    } else {
      // Nanosecond timestamps have 19 digits: split them so each half is exact in a double.
      const split = p - 9;
      let hi = 0;
      for (let i = digitsStart; i < split; i++) hi = hi * 10 + ((buf[i] as number) - ZERO);
      let lo = 0;
      for (let i = split; i < p; i++) lo = lo * 10 + ((buf[i] as number) - ZERO);
      value = BigInt(hi) * 1_000_000_000n + BigInt(lo);
    }
    return negative ? -value : value;
  }

  /** A small non-negative integer (counts, flags, enums) as a JSON number; `undefined` (nothing consumed) otherwise. */
  smallInteger(): number | undefined {
    const buf = this.buf;
    let p = this.pos;
    const start = p;
    let n = 0;
    while (p < this.len && (buf[p] as number) >= ZERO && (buf[p] as number) <= NINE) n = n * 10 + ((buf[p++] as number) - ZERO);
    const next = buf[p];
    if (p === start || p - start > 10 || next === DOT || next === LOWER_E || next === UPPER_E) return undefined;
    this.pos = p;
    return n;
  }

  /**
   * Consumes `literal` (exact bytes, no whitespace) if it comes next. Lets the decoder take the compact layout
   * every SDK exporter writes (`{"key":"…","value":{…}}`) without a key lookup per member; anything else falls
   * back to the general path.
   */
  literal(literal: Uint8Array): boolean {
    const buf = this.buf;
    const p = this.pos;
    const n = literal.length;
    if (p + n > this.len) return false;
    for (let i = 0; i < n; i++) if (buf[p + i] !== literal[i]) return false;
    this.pos = p + n;
    return true;
  }

  /** A `true`/`false` literal, or `undefined` (nothing consumed). */
  boolIfNext(): boolean | undefined {
    const buf = this.buf;
    const p = this.pos;
    if (buf[p] === 0x74 && buf[p + 1] === 0x72 && buf[p + 2] === 0x75 && buf[p + 3] === 0x65) {
      this.pos = p + 4;
      return true;
    }
    if (buf[p] === 0x66 && buf[p + 1] === 0x61 && buf[p + 2] === 0x6c && buf[p + 3] === 0x73 && buf[p + 4] === 0x65) {
      this.pos = p + 5;
      return false;
    }
    return undefined;
  }

  /** Skips any value (unknown fields are ignored): strings honour escapes, containers are matched by depth. */
  skipValue(): void {
    const c = this.peek();
    const buf = this.buf;
    if (c === QUOTE) {
      this.string(false);
      return;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      let depth = 0;
      let p = this.pos;
      while (p < this.len) {
        const b = buf[p] as number;
        if (b === QUOTE) {
          this.pos = p;
          this.stringLiteral(false);
          p = this.pos;
          continue;
        }
        if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
        else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
          depth--;
          if (depth === 0) {
            this.pos = p + 1;
            return;
          }
        }
        p++;
      }
      throw this.syntax('unterminated object or array');
    }
    if (this.nullNext() || this.boolIfNext() !== undefined || this.numberText() !== undefined) return;
    throw this.syntax('expected a value');
  }

  /** A shape error for the value at the cursor, saying what was expected and what is there. */
  shape(expected: string): JsonShapeError {
    return new JsonShapeError('', `expected ${expected}, got ${this.describeNext()}`);
  }

  /** A syntax error at the cursor. */
  syntax(problem: string): JsonShapeError {
    const c = this.peek();
    const got = c === -1 ? 'the end of the body' : `"${String.fromCharCode(c)}"`;
    return new JsonShapeError('', `${problem}, got ${got} at byte ${this.pos} (not valid JSON)`);
  }

  private describeNext(): string {
    const c = this.peek();
    if (c === OPEN_BRACE) return 'an object';
    if (c === OPEN_BRACKET) return 'an array';
    const save = this.pos;
    try {
      if (c === QUOTE) {
        const s = this.stringLiteral(false);
        return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}...` : s);
      }
      if (this.nullNext()) return 'null';
      const b = this.boolIfNext();
      if (b !== undefined) return String(b);
      return this.numberText() ?? (c === -1 ? 'the end of the body' : `"${String.fromCharCode(c)}"`);
    } catch {
      return 'invalid JSON';
    } finally {
      this.pos = save;
    }
  }
}
// Its hidden class outlives every instance (see v8-shapes.ts).
pinHiddenClass(new JsonCursor(new Uint8Array(0)));

// Over 400 lines on purpose: a recursive-descent parser for the whole selector grammar (docs/selectors.md), one
// method per rule in precedence order, with the checks that make a mistake fail at load time with where it is and
// how to fix it. Split by rule, the grammar would no longer read top to bottom. The lexer is selector-lexer.ts.
import { err, ok, type Result } from '../result.ts';
import type {
  ComparisonOperator,
  FieldRef,
  IntrinsicName,
  Literal,
  SelectorAst,
  SelectorSyntaxError,
  StructuralRelation,
} from './selector-ast.ts';
import {
  ATTRIBUTE_PREFIXES,
  INTRINSIC_FIELDS,
  KIND_KEYWORDS,
  OPTIONAL_INTRINSICS,
  STATUS_KEYWORDS,
  closestName,
} from './selector-fields.ts';
import { tokenizeSelector, type SelectorToken } from './selector-lexer.ts';
import { doubledEqualsMessage, findDoubledEquals } from './doubled-equals.ts';
import { regexProblem } from './spec-regex.ts';
import { NANOS_PER_UNIT } from './values.ts';

/** Thrown only inside this module to unwind the recursive descent; {@link parseSelector} turns it into a result. */
class SyntaxFailure {
  readonly error: SelectorSyntaxError;
  constructor(error: SelectorSyntaxError) {
    this.error = error;
  }
}

const STRUCTURAL_OPERATORS: ReadonlySet<string> = new Set(['>', '>>', '<', '<<', '~', '!>', '!>>', '!<', '!<<', '!~']);
const COMPARISON_OPERATORS: ReadonlySet<string> = new Set(['=', '!=', '<', '<=', '>', '>=', '=~', '!~']);
const ORDERING_OPERATORS: ReadonlySet<string> = new Set(['<', '<=', '>', '>=']);


/** Units people write out of habit, and the unit they mean. */
const UNIT_ALIASES: Readonly<Record<string, string>> = {
  sec: 's',
  secs: 's',
  second: 's',
  seconds: 's',
  msec: 'ms',
  msecs: 'ms',
  millis: 'ms',
  usec: 'us',
  micros: 'us',
  nsec: 'ns',
  nanos: 'ns',
  min: 'm',
  mins: 'm',
  minute: 'm',
  minutes: 'm',
  hr: 'h',
  hour: 'h',
  hours: 'h',
};

const FIELD_SUGGESTIONS = [...Object.keys(INTRINSIC_FIELDS), 'exists'];

function fail(message: string, at: { offset: number; length: number }, hint?: string): never {
  throw new SyntaxFailure(hint === undefined ? { message, offset: at.offset, length: at.length } : { message, offset: at.offset, length: at.length, hint });
}

/** The text of a token as a message quotes it. */
function describe(token: SelectorToken): string {
  switch (token.type) {
    case 'end':
      return 'the end of the selector';
    case 'string':
      return token.raw;
    case 'number':
      return token.raw;
    default:
      return `"${token.value}"`;
  }
}

/** Spans from the start of `first` to the end of `last`. */
function cover(first: { offset: number }, last: { offset: number; length: number }): { offset: number; length: number } {
  return { offset: first.offset, length: last.offset + last.length - first.offset };
}

class Parser {
  private readonly tokens: readonly SelectorToken[];
  private readonly source: string;
  private index = 0;

  constructor(tokens: readonly SelectorToken[], source: string) {
    this.tokens = tokens;
    this.source = source;
  }

  private peek(ahead = 0): SelectorToken {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)] as SelectorToken;
  }

  private next(): SelectorToken {
    const token = this.peek();
    if (this.index < this.tokens.length - 1) this.index += 1;
    return token;
  }

  private isOp(value: string): boolean {
    const token = this.peek();
    return token.type === 'op' && token.value === value;
  }

  private isPunct(value: string): boolean {
    const token = this.peek();
    return token.type === 'punct' && token.value === value;
  }

  private isWord(value: string): boolean {
    const token = this.peek();
    return token.type === 'ident' && token.value === value;
  }

  parseSelector(): SelectorAst {
    const first = this.peek();
    if (first.type === 'end') fail('empty selector', { offset: 0, length: 0 }, 'write { } to select every span');
    const ast = this.parseStructural();
    const rest = this.peek();
    if (rest.type !== 'end') this.unexpected(rest);
    return ast;
  }

  /** Structural operators bind loosest and associate to the left: `{A} > {B} > {C}` is `({A} > {B}) > {C}`. */
  private parseStructural(): SelectorAst {
    let left = this.parseOr();
    for (;;) {
      const token = this.peek();
      if (token.type !== 'op' || !STRUCTURAL_OPERATORS.has(token.value)) return left;
      this.next();
      if (this.peek().type === 'end') fail(`expected a span set after "${token.value}"`, token, 'e.g. { kind = server }');
      const right = this.parseOr();
      const negated = token.value.startsWith('!');
      const relation = (negated ? token.value.slice(1) : token.value) as StructuralRelation;
      left = { type: 'structural', relation, negated, left, right, ...cover(left, right) };
    }
  }

  private parseOr(): SelectorAst {
    const first = this.parseAnd();
    if (!this.isOp('||')) return first;
    const operands = [first];
    while (this.isOp('||')) {
      const op = this.next();
      if (this.peek().type === 'end') fail('expected a condition after "||"', op);
      operands.push(this.parseAnd());
    }
    return { type: 'or', operands, ...cover(first, operands[operands.length - 1] as SelectorAst) };
  }

  private parseAnd(): SelectorAst {
    const first = this.parseUnary();
    if (!this.isOp('&&')) return first;
    const operands = [first];
    while (this.isOp('&&')) {
      const op = this.next();
      if (this.peek().type === 'end') fail('expected a condition after "&&"', op);
      operands.push(this.parseUnary());
    }
    return { type: 'and', operands, ...cover(first, operands[operands.length - 1] as SelectorAst) };
  }

  private parseUnary(): SelectorAst {
    const token = this.peek();
    if (token.type === 'op' && token.value === '!') {
      this.next();
      if (this.peek().type === 'end') fail('expected a condition after "!"', token);
      const operand = this.parseUnary();
      return { type: 'not', operand, ...cover(token, operand) };
    }
    return this.parsePrimary();
  }

  private parsePrimary(): SelectorAst {
    const token = this.peek();
    if (token.type === 'punct' && (token.value === '{' || token.value === '(')) {
      const brace = token.value === '{';
      const close = brace ? '}' : ')';
      this.next();
      if (brace && this.isPunct('}')) {
        const end = this.next();
        return { type: 'all', ...cover(token, end) };
      }
      if (this.isPunct(close)) fail(`empty "( )"`, cover(token, this.peek()), 'put a condition inside, or use { } for every span');
      const inner = this.parseStructural();
      const end = this.peek();
      if (end.type !== 'punct' || end.value !== close) {
        if (end.type === 'end') fail(`expected "${close}" to close the "${token.value}" at offset ${token.offset}`, token);
        fail(`expected "${close}" to close the "${token.value}" at offset ${token.offset}, found ${describe(end)}`, end);
      }
      this.next();
      return { type: 'group', brace, inner, ...cover(token, end) };
    }
    if (token.type === 'ident' && token.value === 'exists' && this.peek(1).type === 'punct' && (this.peek(1) as { value: string }).value === '(') {
      this.next();
      this.next();
      const field = this.parseField();
      const end = this.peek();
      if (end.type !== 'punct' || end.value !== ')') fail(`expected ")" after the field of exists(...), found ${describe(end)}`, end);
      this.next();
      return { type: 'exists', field, ...cover(token, end) };
    }
    if (token.type === 'ident') return this.parseCondition();
    if (token.type === 'end') fail('expected a condition', token, 'e.g. kind = server');
    return this.unexpected(token);
  }

  private unexpected(token: SelectorToken): never {
    if (token.type === 'punct' && (token.value === '}' || token.value === ')')) {
      fail(`unexpected "${token.value}" with nothing open to close`, token);
    }
    if (token.type === 'ident' && (token.value === 'and' || token.value === 'or' || token.value === 'not')) {
      const symbol = token.value === 'and' ? '&&' : token.value === 'or' ? '||' : '!';
      fail(`unexpected "${token.value}"`, token, `write ${symbol}`);
    }
    if (token.type === 'op' && token.value === '!') {
      fail('unexpected "!" between two conditions', token, 'join conditions with && or ||; "!" negates the condition after it');
    }
    if (token.type === 'ident' || token.type === 'punct' || token.type === 'string' || token.type === 'number') {
      fail(`unexpected ${describe(token)}`, token, 'join conditions with && or ||, and span sets with a structural operator such as >');
    }
    fail(`unexpected ${describe(token)}`, token);
  }

  /** A field reference: an intrinsic, `span.x`, `resource.x`, `scope.x`, `event.x`, `.x`, with `"quoted"` keys. */
  private parseField(): FieldRef {
    const token = this.peek();
    if (token.type !== 'ident') {
      if (token.type === 'end') fail('expected a field', token, 'e.g. name, kind, span.http.route');
      fail(`expected a field, found ${describe(token)}`, token, 'e.g. name, kind, span.http.route');
    }
    this.next();
    const word = token.value;
    // `scope.name` reads as naturally as `scope`; an attribute called "name" is written scope."name".
    if (word === 'scope.name') return { type: 'intrinsic', name: 'scope', offset: token.offset, length: token.length };
    if (Object.hasOwn(INTRINSIC_FIELDS, word)) {
      return { type: 'intrinsic', name: word as IntrinsicName, offset: token.offset, length: token.length };
    }
    const prefix = word === '.' || (word.startsWith('.') && !word.startsWith('..')) ? '.' : ATTRIBUTE_PREFIXES.find((p) => word.startsWith(p));
    if (prefix !== undefined) {
      const scope = prefix === '.' ? 'any' : (prefix.slice(0, -1) as 'span' | 'resource' | 'scope' | 'event' | 'link');
      let key = word.slice(prefix.length);
      let quoted = false;
      let end: { offset: number; length: number } = token;
      const after = this.peek();
      // A quoted key follows the prefix directly: span."weird key".
      if (key === '' && after.type === 'string' && after.offset === token.offset + token.length) {
        this.next();
        key = after.value;
        quoted = true;
        end = after;
      }
      if (key === '') fail(`expected an attribute key after "${word}"`, token, `e.g. ${prefix === '.' ? '' : prefix.slice(0, -1)}.http.route, or ${word}"quoted key"`);
      if (!quoted && key.endsWith('.')) fail(`attribute key "${key}" ends with "."`, token, `quote unusual keys: ${word.slice(0, prefix.length)}"${key}"`);
      return { type: 'attribute', scope, key, quoted, ...cover(token, end) };
    }
    const suggestion = closestName(word, FIELD_SUGGESTIONS);
    if (suggestion !== undefined) fail(`unknown field "${word}"`, token, `did you mean "${suggestion}"?`);
    if (word === 'and' || word === 'or' || word === 'not') this.unexpected(token);
    fail(`unknown field "${word}"`, token, `attributes need a scope: span.${word}, resource.${word}, or .${word} (span, else resource)`);
  }

  private parseCondition(): SelectorAst {
    const field = this.parseField();
    const token = this.peek();
    if (token.type === 'op' && COMPARISON_OPERATORS.has(token.value)) {
      this.next();
      if (token.value === '=' || token.value === '!=') this.refuseDoubledEquals(token);
      const value = this.parseValue(field, token.value);
      return this.checkComparison({ type: 'comparison', field, op: token.value as ComparisonOperator, value, ...cover(field, value) });
    }
    if (token.type === 'ident' && token.value === 'contains') {
      this.next();
      const value = this.parseValue(field, 'contains');
      return this.checkComparison({ type: 'comparison', field, op: 'contains', value, ...cover(field, value) });
    }
    if (token.type === 'ident' && (token.value === 'in' || (token.value === 'not' && this.peek(1).type === 'ident' && (this.peek(1) as { value: string }).value === 'in'))) {
      const negated = token.value === 'not';
      this.next();
      const inWord = negated ? this.next() : token;
      const open = this.peek();
      if (open.type !== 'punct' || open.value !== '[') fail(`expected "[" after "${negated ? 'not in' : 'in'}"`, open.type === 'end' ? inWord : open, 'e.g. kind in [server, consumer]');
      this.next();
      const values: Literal[] = [];
      while (!this.isPunct(']')) {
        values.push(this.parseValue(field, '='));
        const value = values[values.length - 1] as Literal;
        if (value.type === 'nil') fail('nil cannot be in a list', value, `test presence with exists(...) instead`);
        if (this.isPunct(',')) {
          this.next();
          continue;
        }
        const sep = this.peek();
        if (sep.type !== 'punct' || sep.value !== ']') fail(`expected "," or "]" in the list, found ${describe(sep)}`, sep);
      }
      const close = this.next();
      if (values.length === 0) fail('the list is empty', cover(open, close), `"${negated ? 'not in' : 'in'} []" is always ${negated ? 'true' : 'false'}; list at least one value`);
      return { type: 'membership', field, negated, values, ...cover(field, close) };
    }
    if (field.type === 'intrinsic' && INTRINSIC_FIELDS[field.name].type === 'bool') {
      return { type: 'flag', field, offset: field.offset, length: field.length };
    }
    const fieldText = field.type === 'intrinsic' ? field.name : 'the field';
    if (token.type === 'op' && STRUCTURAL_OPERATORS.has(token.value)) {
      fail(`"${token.value}" is not a comparison operator`, token, `compare with = != < <= > >= =~ !~; "${token.value}" relates span sets`);
    }
    if (token.type === 'end') fail(`expected an operator after ${field.type === 'intrinsic' ? `"${fieldText}"` : 'the attribute'}`, field, 'e.g. = "value", or exists(...) to test presence');
    if (token.type === 'ident' && closestName(token.value, ['contains', 'in']) !== undefined && token.value !== 'not') {
      fail(`unknown operator "${token.value}"`, token, `did you mean "${closestName(token.value, ['contains', 'in']) ?? ''}"?`);
    }
    fail(`expected an operator after ${field.type === 'intrinsic' ? `"${fieldText}"` : 'the attribute'}, found ${describe(token)}`, token, 'use = != < <= > >= =~ !~ contains in, or exists(...)');
  }

  /**
   * `==` (and `!==`, `===`) are the equality of most programming languages, and TraceQL has none of them: the lexer
   * reads `==` as `=` followed by a stray `=`. Name the habit and give the selector rewritten.
   */
  private refuseDoubledEquals(op: SelectorToken & { type: 'op' }): void {
    const extra = this.peek();
    if (extra.type !== 'op' || extra.value !== '=' || extra.offset !== op.offset + op.length) return;
    const doubled = findDoubledEquals(this.source.slice(op.offset));
    const length = doubled?.length ?? op.length + extra.length;
    fail(doubledEqualsMessage(this.source.slice(op.offset, op.offset + length), op.value), { offset: op.offset, length }, `write ${findDoubledEquals(this.source)?.rewritten ?? this.source}`);
  }

  /** Reads one value and checks that it suits the field. `op` is only for messages and the nil/regex rules. */
  private parseValue(field: FieldRef, op: string): Literal {
    const token = this.peek();
    const opText = op === 'contains' ? 'contains' : op;
    if (token.type === 'end' || (token.type === 'punct' && token.value !== '[') || token.type === 'op') {
      fail(`expected a value after "${opText}"`, token.type === 'end' ? { offset: token.offset, length: 0 } : token, valueHint(field));
    }
    if (token.type === 'punct') fail(`a list needs "in": write "in [...]"`, token);
    this.next();
    const at = { offset: token.offset, length: token.length };
    const intrinsic = field.type === 'intrinsic' ? INTRINSIC_FIELDS[field.name].type : undefined;
    if (intrinsic === 'kind' || intrinsic === 'status') {
      const keywords = intrinsic === 'kind' ? KIND_KEYWORDS : STATUS_KEYWORDS;
      const word = token.type === 'ident' || token.type === 'string' ? token.value : undefined;
      const value = word === undefined ? undefined : keywords[word.toLowerCase()];
      if (word !== undefined && value !== undefined && Object.hasOwn(keywords, word.toLowerCase())) {
        return { type: intrinsic, value, raw: token.type === 'string' ? token.raw : word, ...at };
      }
      const names = Object.keys(keywords);
      const suggestion = word === undefined ? undefined : closestName(word, names);
      const shown = word ?? (token.type === 'number' ? token.raw : '');
      fail(`unknown ${intrinsic} "${shown}"`, token, suggestion === undefined ? `use one of ${names.join(', ')}` : `did you mean "${suggestion}"?`);
    }
    if (token.type === 'string') return { type: 'string', value: token.value, raw: token.raw, ...at };
    if (token.type === 'number') return parseNumber(token.raw, at);
    if (token.type === 'ident') {
      if (token.value === 'true' || token.value === 'false') return { type: 'bool', value: token.value === 'true', ...at };
      if (token.value === 'nil') return { type: 'nil', ...at };
      const kind = closestName(token.value, [...Object.keys(KIND_KEYWORDS), ...Object.keys(STATUS_KEYWORDS)]);
      if (Object.hasOwn(KIND_KEYWORDS, token.value) || Object.hasOwn(STATUS_KEYWORDS, token.value) || kind !== undefined) {
        fail(`"${token.value}" is a kind or status keyword, not a value of this field`, token, `quote text: "${token.value}"`);
      }
      fail(`unknown value ${token.value}`, token, `quote text: "${token.value}"; other values are numbers, durations (300ms), true, false, nil`);
    }
    return this.unexpected(token);
  }

  /** Checks that the operator and the value suit the field, so mistakes surface when the spec loads. */
  private checkComparison<T extends SelectorAst & { type: 'comparison' }>(node: T): T {
    const { field, op, value } = node;
    const intrinsic = field.type === 'intrinsic' ? INTRINSIC_FIELDS[field.name].type : undefined;
    const name = field.type === 'intrinsic' ? field.name : 'an attribute';
    if (value.type === 'nil') {
      if (op !== '=' && op !== '!=') fail(`nil can only be compared with = or !=`, value, 'x = nil is true when x is absent');
      if (field.type === 'intrinsic' && !OPTIONAL_INTRINSICS.has(field.name)) {
        fail(`${field.name} is never absent, so comparing it with nil is always ${op === '=' ? 'false' : 'true'}`, node);
      }
      return node;
    }
    if (op === '=~' || op === '!~') {
      if (value.type !== 'string') fail(`"${op}" needs a regular expression in a string`, value, 'e.g. name =~ "^GET /"');
      if (intrinsic !== undefined && intrinsic !== 'string' && intrinsic !== 'id') fail(`${name} cannot be matched with a regular expression`, node);
      const problem = regexProblem(value.value);
      if (problem !== undefined) {
        const hint = problem.offset === undefined ? 'regular expressions use JavaScript syntax; a backtick string needs no escaping' : problem.hint;
        fail(`invalid regular expression: ${problem.reason}`, value, hint);
      }
      return node;
    }
    if (op === 'contains') {
      if (intrinsic !== undefined && intrinsic !== 'string' && intrinsic !== 'id') fail(`${name} does not hold text, so "contains" does not apply`, node);
      if (intrinsic !== undefined && value.type !== 'string') fail(`${name} holds text: compare with a string`, value);
      return node;
    }
    if (ORDERING_OPERATORS.has(op)) {
      if (value.type === 'bool' || value.type === 'kind' || value.type === 'status') fail(`"${op}" does not apply to ${value.type === 'bool' ? 'booleans' : `a ${value.type}`}`, node, 'use = or !=');
      if (intrinsic === 'bool') fail(`"${op}" does not apply to ${name}`, node, `use ${name} = true or ${name} = false`);
    }
    this.checkValueType(field, value);
    return node;
  }

  private checkValueType(field: FieldRef, value: Literal): void {
    if (field.type !== 'intrinsic') return;
    const type = INTRINSIC_FIELDS[field.name].type;
    if (type === 'duration' && value.type !== 'duration') {
      const hint = value.type === 'int' || value.type === 'double' ? `give a unit: ${value.raw}ms` : 'e.g. duration > 300ms';
      fail(`duration compares with a duration such as 300ms`, value, hint);
    }
    if (type === 'bool' && value.type !== 'bool') fail(`${field.name} is true or false`, value);
    if (type === 'count' && value.type !== 'int') fail(`${field.name} is a whole number`, value, `e.g. ${field.name} >= 1`);
    if ((type === 'string' || type === 'id') && value.type !== 'string') {
      const shown = value.type === 'int' || value.type === 'double' || value.type === 'duration' ? value.raw : String(value.type === 'bool' ? value.value : value.type);
      fail(`${field.name} holds text: compare with a string`, value, `write "${shown}"`);
    }
    if (type === 'id' && value.type === 'string' && !/^[0-9a-fA-F]*$/u.test(value.value)) {
      fail(`${field.name} is hex: "${value.value}" is not`, value, field.name.endsWith('traceId') ? '32 hex digits' : '16 hex digits');
    }
  }
}

function valueHint(field: FieldRef): string {
  if (field.type === 'attribute') return 'e.g. "text", 42, 1.5, true, nil';
  switch (INTRINSIC_FIELDS[field.name].type) {
    case 'kind':
      return `one of ${Object.keys(KIND_KEYWORDS).join(', ')}`;
    case 'status':
      return `one of ${Object.keys(STATUS_KEYWORDS).join(', ')}`;
    case 'duration':
      return 'e.g. 300ms, 1.5s';
    case 'bool':
      return 'true or false';
    case 'count':
      return 'a whole number, e.g. 2';
    default:
      return 'e.g. "text"';
  }
}

/** A numeric literal: int (bigint), double, or a duration when a unit follows. */
function parseNumber(raw: string, at: { offset: number; length: number }): Literal {
  const match = /^([-+]?)(\d*\.?\d*(?:[eE][-+]?\d+)?)([a-zA-Zµ]*)$/u.exec(raw);
  const sign = match?.[1] ?? '';
  const numeral = match?.[2] ?? '';
  const unit = match?.[3] ?? '';
  if (match === null || numeral === '' || numeral === '.' || (numeral.match(/\./gu)?.length ?? 0) > 1) fail(`"${raw}" is not a number`, at);
  if (unit !== '') {
    const scale = NANOS_PER_UNIT[unit];
    if (scale === undefined) {
      const suggestion = UNIT_ALIASES[unit.toLowerCase()] ?? closestName(unit, Object.keys(NANOS_PER_UNIT));
      fail(`unknown duration unit "${unit}"`, at, suggestion === undefined ? 'use ns, us, ms, s, m or h' : `did you mean "${numeral}${suggestion}"?`);
    }
    if (sign === '-') fail('a duration cannot be negative', at);
    const nanos = scaleDecimal(numeral, scale);
    if (nanos === undefined) fail(`duration ${raw} is finer than a nanosecond`, at);
    return { type: 'duration', nanos, raw, ...at };
  }
  if (/^\d+$/u.test(numeral)) return { type: 'int', value: BigInt(`${sign}${numeral}`), raw, ...at };
  return { type: 'double', value: Number(`${sign}${numeral}`), raw, ...at };
}

/** `numeral × scale` exactly, or `undefined` if it has a fraction; decimal digits avoid float rounding (`0.1s`). */
function scaleDecimal(numeral: string, scale: bigint): bigint | undefined {
  if (/[eE]/u.test(numeral)) {
    const value = Number(numeral) * Number(scale);
    return Number.isInteger(value) ? BigInt(value) : undefined;
  }
  const [whole = '', fraction = ''] = numeral.split('.');
  const scaled = BigInt(`${whole}${fraction}` || '0') * scale;
  const divisor = 10n ** BigInt(fraction.length);
  return scaled % divisor === 0n ? scaled / divisor : undefined;
}

/**
 * Parses a selector (see docs/selectors.md). Never throws: a mistake comes back as an error with a 0-based
 * `offset`/`length` into `source` and, where one can be given, a `hint`.
 *
 * @example
 * ```ts
 * const parsed = parseSelector('{ service = "orders" && kind = server } >> { status = error }');
 * if (!parsed.ok) console.error(`${parsed.error.offset}: ${parsed.error.message}`);
 *
 * parseSelector('sevice = "orders"');
 * // { ok: false, error: { message: 'unknown field "sevice"', hint: 'did you mean "service"?', offset: 0, length: 6 } }
 * ```
 */
export function parseSelector(source: string): Result<SelectorAst, SelectorSyntaxError> {
  const tokens = tokenizeSelector(source);
  if (!tokens.ok) return tokens;
  try {
    return ok(new Parser(tokens.value, source).parseSelector());
  } catch (error) {
    if (error instanceof SyntaxFailure) return err(error.error);
    // A bug here must not take the caller down; say so in terms the user can report.
    return err({ message: `internal error while parsing the selector: ${String(error)}`, offset: 0, length: source.length });
  }
}

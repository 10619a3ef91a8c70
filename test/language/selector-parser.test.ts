import { describe, expect, it } from 'vitest';
import type { SelectorAst, SelectorSyntaxError } from '../../src/language/selector-ast.ts';
import { formatSelector } from '../../src/language/selector-format.ts';
import { parseSelector } from '../../src/language/selector-parser.ts';

function parsed(source: string): SelectorAst {
  const result = parseSelector(source);
  if (!result.ok) throw new Error(`${source}: ${result.error.message} at ${result.error.offset}`);
  return result.value;
}

function failure(source: string): SelectorSyntaxError {
  const result = parseSelector(source);
  if (result.ok) throw new Error(`${source} parsed, but should not have: ${formatSelector(result.value)}`);
  return result.error;
}

/** The source text an error points at. */
function pointed(source: string): string {
  const error = failure(source);
  return source.slice(error.offset, error.offset + error.length);
}

describe('parseSelector: structure', () => {
  it('parses a braced filter into a group of a conjunction', () => {
    const ast = parsed('{ service = "orders" && kind = server }');
    expect(ast).toMatchObject({
      type: 'group',
      brace: true,
      offset: 0,
      length: 39,
      inner: {
        type: 'and',
        operands: [
          { type: 'comparison', field: { type: 'intrinsic', name: 'service' }, op: '=', value: { type: 'string', value: 'orders' } },
          { type: 'comparison', field: { type: 'intrinsic', name: 'kind' }, op: '=', value: { type: 'kind', value: 2 } },
        ],
      },
    });
  });

  it('gives && precedence over ||, and ! over both', () => {
    expect(parsed('a.b = 1 || !span.c = 2 && span.d = 3'.replace('a.b', 'span.a'))).toMatchObject({
      type: 'or',
      operands: [{ type: 'comparison' }, { type: 'and', operands: [{ type: 'not', operand: { type: 'comparison' } }, { type: 'comparison' }] }],
    });
  });

  it('parses every structural operator, negated ones too, left-associatively', () => {
    for (const op of ['>', '>>', '<', '<<', '~']) {
      expect(parsed(`{ kind = client } ${op} { kind = server }`)).toMatchObject({ type: 'structural', relation: op, negated: false });
      expect(parsed(`{ kind = client } !${op} { kind = server }`)).toMatchObject({ type: 'structural', relation: op, negated: true });
    }
    expect(parsed('{ root } > { kind = client } >> { status = error }')).toMatchObject({
      type: 'structural',
      relation: '>>',
      left: { type: 'structural', relation: '>' },
      right: { type: 'group' },
    });
  });

  it('tells comparison operators from structural ones by position', () => {
    expect(parsed('span.x > 5 > span.y < 3')).toMatchObject({
      type: 'structural',
      relation: '>',
      left: { type: 'comparison', op: '>' },
      right: { type: 'comparison', op: '<' },
    });
    expect(parsed('name !~ "x" !~ { }')).toMatchObject({ type: 'structural', relation: '~', negated: true, left: { op: '!~' } });
  });

  it('reads every field form', () => {
    expect(parsed('span.http.response.status_code = 200')).toMatchObject({ field: { type: 'attribute', scope: 'span', key: 'http.response.status_code' } });
    expect(parsed('resource.k8s.pod-name = "a"')).toMatchObject({ field: { scope: 'resource', key: 'k8s.pod-name' } });
    expect(parsed('scope.lib.flavour = "a"')).toMatchObject({ field: { scope: 'scope', key: 'lib.flavour' } });
    expect(parsed('event.exception.type = "E"')).toMatchObject({ field: { scope: 'event', key: 'exception.type' } });
    expect(parsed('.user_id = 7')).toMatchObject({ field: { scope: 'any', key: 'user_id' } });
    expect(parsed('span."weird key!" = 1')).toMatchObject({ field: { scope: 'span', key: 'weird key!', quoted: true } });
    expect(parsed('scope.name = "lib"')).toMatchObject({ field: { type: 'intrinsic', name: 'scope' } });
    expect(parsed('scope.version = "1"')).toMatchObject({ field: { type: 'intrinsic', name: 'scope.version' } });
    expect(parsed('event.name = "exception"')).toMatchObject({ field: { type: 'intrinsic', name: 'event.name' } });
    expect(parsed('link.traceId = "ab"')).toMatchObject({ field: { type: 'intrinsic', name: 'link.traceId' } });
    expect(parsed('link.spanId != nil')).toMatchObject({ field: { type: 'intrinsic', name: 'link.spanId' } });
    expect(parsed('link.messaging.batch = true')).toMatchObject({ field: { type: 'attribute', scope: 'link', key: 'messaging.batch' } });
    expect(parsed('event.name = nil')).toMatchObject({ value: { type: 'nil' } });
    expect(parsed('root')).toMatchObject({ type: 'flag', field: { name: 'root' } });
  });

  it('reads every kind of value', () => {
    const value = (source: string): unknown => (parsed(source) as { value: unknown }).value;
    expect(value('span.x = "a\\"b\\n\\u00e9"')).toMatchObject({ type: 'string', value: 'a"b\né' });
    expect(value('span.x = `^\\d+$`')).toMatchObject({ type: 'string', value: '^\\d+$' });
    expect(value('span.x = 9007199254740993')).toMatchObject({ type: 'int', value: 9007199254740993n });
    expect(value('span.x = -4')).toMatchObject({ type: 'int', value: -4n });
    expect(value('span.x = 1.5e3')).toMatchObject({ type: 'double', value: 1500 });
    expect(value('span.x = true')).toMatchObject({ type: 'bool', value: true });
    expect(value('span.x = nil')).toMatchObject({ type: 'nil' });
    expect(value('duration > 1.5s')).toMatchObject({ type: 'duration', nanos: 1_500_000_000n });
    expect(value('duration > 250us')).toMatchObject({ type: 'duration', nanos: 250_000n });
    expect(value('duration > 10ns')).toMatchObject({ type: 'duration', nanos: 10n });
    expect(value('duration > 2m')).toMatchObject({ type: 'duration', nanos: 120_000_000_000n });
    expect(value('duration > 0.1s')).toMatchObject({ type: 'duration', nanos: 100_000_000n });
    expect(value('status = error')).toMatchObject({ type: 'status', value: 2 });
    expect(value('kind = "consumer"')).toMatchObject({ type: 'kind', value: 5 });
    expect(parsed('kind not in [server, client]')).toMatchObject({ type: 'membership', negated: true, values: [{ value: 2 }, { value: 3 }] });
    expect(parsed('exists(span.a)')).toMatchObject({ type: 'exists', field: { key: 'a' } });
    expect(parsed('name contains "x"')).toMatchObject({ type: 'comparison', op: 'contains' });
    expect(parsed('{ }')).toMatchObject({ type: 'all' });
  });

  it('records offsets of nodes', () => {
    const ast = parsed('kind = server && name = "x"');
    expect(ast).toMatchObject({ offset: 0, length: 27, operands: [{ offset: 0, length: 13 }, { offset: 17, length: 10, value: { offset: 24, length: 3 } }] });
  });
});

describe('parseSelector: errors teach', () => {
  it('suggests the field meant', () => {
    expect(failure('sevice = "orders"')).toEqual({ message: 'unknown field "sevice"', hint: 'did you mean "service"?', offset: 0, length: 6 });
    expect(failure('kind = server && stauts = error')).toMatchObject({ message: 'unknown field "stauts"', hint: 'did you mean "status"?', offset: 17 });
    expect(failure('http.method = "GET"')).toMatchObject({ message: 'unknown field "http.method"', hint: expect.stringContaining('span.http.method') });
  });

  it('suggests the kind or status meant', () => {
    expect(failure('kind = sever')).toEqual({ message: 'unknown kind "sever"', hint: 'did you mean "server"?', offset: 7, length: 5 });
    expect(failure('status = eror')).toMatchObject({ message: 'unknown status "eror"', hint: 'did you mean "error"?' });
    expect(failure('kind = banana')).toMatchObject({ message: 'unknown kind "banana"', hint: expect.stringContaining('server, client') });
  });

  it('says a value is missing, and where', () => {
    expect(failure('name = ')).toMatchObject({ message: 'expected a value after "="', offset: 7, length: 0 });
    expect(failure('name = && kind = server')).toMatchObject({ message: 'expected a value after "="', offset: 7 });
    expect(failure('span.x')).toMatchObject({ message: 'expected an operator after the attribute', hint: expect.stringContaining('exists(') });
  });

  it('finds unterminated strings and bad escapes', () => {
    expect(failure('name = "abc')).toMatchObject({ message: 'unterminated string', offset: 7, length: 4 });
    expect(failure('name =~ `abc')).toMatchObject({ message: 'unterminated string', offset: 8 });
    expect(failure('name =~ "\\d+"')).toMatchObject({ message: 'unknown escape "\\d" in a string', offset: 9, length: 2, hint: expect.stringContaining('backtick') });
    expect(failure("name = 'x'")).toMatchObject({ message: 'strings use double quotes', offset: 7 });
    expect(failure('resource.über = 1')).toMatchObject({ message: 'unexpected character "ü" in "resource.ü"', offset: 9, hint: 'quote unusual attribute keys: resource."ü..."' });
    expect(parsed('resource."über" = 1')).toMatchObject({ field: { scope: 'resource', key: 'über', quoted: true } });
  });

  it('rejects invalid regular expressions when parsing', () => {
    const error = failure('name =~ "(unclosed"');
    expect(error.message).toMatch(/^invalid regular expression: /u);
    expect(error).toMatchObject({ offset: 8, length: 11 });
  });

  it('points at unbalanced braces and parentheses', () => {
    expect(failure('{ kind = server')).toMatchObject({ message: 'expected "}" to close the "{" at offset 0', offset: 0 });
    expect(failure('(kind = server }')).toMatchObject({ message: expect.stringContaining('expected ")"'), offset: 15 });
    expect(pointed('kind = server }')).toBe('}');
    expect(failure('{ kind = server } >')).toMatchObject({ message: 'expected a span set after ">"', offset: 18 });
  });

  it('checks values against fields', () => {
    expect(failure('duration > 300')).toMatchObject({ message: 'duration compares with a duration such as 300ms', hint: 'give a unit: 300ms', offset: 11 });
    expect(failure('duration > 300sec')).toMatchObject({ message: 'unknown duration unit "sec"', hint: 'did you mean "300s"?' });
    expect(failure('name = 5')).toMatchObject({ message: 'name holds text: compare with a string', hint: 'write "5"' });
    expect(failure('kind > server')).toMatchObject({ message: '">" does not apply to a kind' });
    expect(failure('name = nil')).toMatchObject({ message: expect.stringContaining('never absent') });
    expect(failure('span.x > nil')).toMatchObject({ message: 'nil can only be compared with = or !=' });
    expect(failure('span.x = orders')).toMatchObject({ message: 'unknown value orders', hint: expect.stringContaining('"orders"') });
    expect(failure('span.x in []')).toMatchObject({ message: 'the list is empty' });
    expect(failure('spanId = "xyz"')).toMatchObject({ message: 'spanId is hex: "xyz" is not' });
    expect(failure('kind = server > 5')).toMatchObject({ message: 'unexpected 5' });
  });

  it('explains words borrowed from other languages', () => {
    expect(failure('kind = server and name = "x"')).toMatchObject({ message: 'unexpected "and"', hint: 'write &&' });
    expect(failure('span.x cotains "a"')).toMatchObject({ message: 'unknown operator "cotains"', hint: 'did you mean "contains"?' });
    expect(failure('name == "x"')).toMatchObject({ message: '"==" is not an operator: use = for equality', hint: 'write name = "x"', offset: 5, length: 2 });
    expect(failure('kind === server && name !== "a==b"')).toMatchObject({ message: '"===" is not an operator: use = for equality', hint: 'write kind = server && name != "a==b"', offset: 5, length: 3 });
    expect(failure('span.x !== 1')).toMatchObject({ message: '"!==" is not an operator: use != for inequality', hint: 'write span.x != 1' });
    expect(parsed('span.x >= 1')).toMatchObject({ op: '>=' });
  });

  it('reads a leading (?i), TraceQL\'s inline flag, and explains the flags it does not read', () => {
    expect(parsed('name =~ "(?i)^get /"')).toMatchObject({ op: '=~', value: { value: '(?i)^get /' } });
    expect(failure('name =~ "(?U)get"')).toMatchObject({ message: 'invalid regular expression: the inline flag "U" of "(?U)" is not supported', offset: 8 });
    expect(failure('name =~ "get(?i)x"')).toMatchObject({ message: expect.stringContaining('read only at the very start'), hint: expect.stringContaining('"(?i)getx"') });
  });

  it('never throws, whatever the input', () => {
    const alphabet = ['{', '}', '(', ')', '[', ']', ',', '!', '>', '<', '~', '=', '&&', '||', '"a"', '`b`', '1', '2ms', 'kind', 'server', 'span.x', 'in', 'not', 'nil', 'exists', ' ', '.', '-', '"'];
    let seed = 7;
    for (let i = 0; i < 1500; i += 1) {
      let source = '';
      const length = (i % 12) + 1;
      for (let j = 0; j < length; j += 1) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        source += alphabet[seed % alphabet.length];
      }
      const result = parseSelector(source);
      if (!result.ok) {
        expect(result.error.message).not.toMatch(/internal error/u);
        expect(result.error.offset).toBeGreaterThanOrEqual(0);
        expect(result.error.offset + result.error.length).toBeLessThanOrEqual(source.length);
      }
    }
  });
});

describe('formatSelector', () => {
  it('prints canonical text that parses to the same selector', () => {
    const sources = [
      '{service="orders"&&kind=server}',
      'name =~ "^GET /inventory/.*" && span.http.response.status_code >= 500',
      '{ kind = client } !>> ({ kind = server } > { status = error })',
      '!(kind = server || kind = client) && root',
      'span."weird key" = 1 || .x != nil',
      'kind in [server, client] && status not in [error] && exists(resource.host.name)',
      'duration > 1.5s && scope.version = "2" && event.name contains "exc"',
      '(kind = server || kind = client) && name = "x"',
    ];
    for (const source of sources) {
      const once = formatSelector(parsed(source));
      expect(formatSelector(parsed(once))).toBe(once);
    }
    expect(formatSelector(parsed('{service="orders"&&kind=server}'))).toBe('{ service = "orders" && kind = server }');
    expect(formatSelector(parsed('(kind = server || kind = client) && name = "x"'))).toBe('(kind = server || kind = client) && name = "x"');
  });

  it('keeps grouping that changes meaning', () => {
    const ast = parsed('{ root } > ({ kind = client } > { kind = server })');
    expect(formatSelector(ast)).toBe('{ root } > ({ kind = client } > { kind = server })');
  });
});

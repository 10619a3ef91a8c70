import { describe, expect, it } from 'vitest';
import { formatSpecProblem } from '../../src/errors.ts';
import { loadSpecText } from '../../src/language/loader.ts';
import { parseSelector } from '../../src/language/selector-parser.ts';
import { interpolateSelector } from '../../src/language/selector-references.ts';

/** A value with everything a double-quoted selector string must escape, and an escape the lexer does not know. */
const AWKWARD = 'say "hi" \\ C:\\stuff';

describe('interpolateSelector', () => {
  it('writes a value inside a quoted string so that the string holds it exactly', () => {
    const filled = interpolateSelector('span.order.id = "${var:id}" && name = "a ${env:E} b"', { env: { E: AWKWARD }, vars: { id: AWKWARD } });
    if (!filled.ok) throw new Error(filled.error.message);
    const parsed = parseSelector(filled.value);
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.value).toMatchObject({
      type: 'and',
      operands: [{ value: { type: 'string', value: AWKWARD } }, { value: { type: 'string', value: `a ${AWKWARD} b` } }],
    });
  });

  it('writes values outside strings, and inside raw backtick strings, as they are', () => {
    const scope = { env: {}, vars: { code: 200, cond: 'kind = server', raw: 'a\\d"' } };
    expect(interpolateSelector('span.code = ${var:code} && ${var:cond} && name =~ `${var:raw}`', scope)).toEqual({
      ok: true,
      value: 'span.code = 200 && kind = server && name =~ `a\\d"`',
    });
  });

  it('tells strings apart by the written text: escaped quotes, backticks holding quotes, $${', () => {
    const scope = { env: {}, vars: { v: 'x"y' } };
    expect(interpolateSelector('name = "\\"${var:v}" && name = `"` && span.a = "${var:v}" && span.b = "$${var:v}"', scope)).toEqual({
      ok: true,
      value: 'name = "\\"x\\"y" && name = `"` && span.a = "x\\"y" && span.b = "${var:v}"',
    });
  });
});

describe('validate reads vars in quoted selector strings as values', () => {
  it('accepts a quote or a backslash in a value, in selectors of every kind and in traces', () => {
    const text = [
      'name: awkward values',
      'vars:',
      `  id: '${AWKWARD.replaceAll("'", "''")}'`,
      `  re: '^say "(hi|ho)" \\\\'`,
      'traces:',
      `  root: 'span.order.id = "\${var:id}"'`,
      'expect:',
      `  - spans: 'span.order.id = "\${var:id}" && name =~ "\${var:re}"'`,
      `    links: [{ to: 'span.order.id != "\${var:id}"' }]`,
      `  - order: { first: 'span.order.id = "\${var:id}"', then: 'span.order.id = "\${env:ID}"' }`,
      `  - sequence: ['span.order.id = "\${var:id}"', 'span.order.id = "\${var:id}"']`,
      `  - budget: { spans: 'span.order.id = "\${var:id}"', max: 1s }`,
      `  - noErrors: 'span.order.id = "\${var:id}"'`,
      `  - propagates: { from: 'span.order.id = "\${var:id}"', to: 'span.order.id = "\${var:id}"' }`,
      '',
    ].join('\n');
    const loaded = loadSpecText(text, 'specs/awkward.yaml', { env: { ID: AWKWARD } });
    expect(loaded.ok ? [] : loaded.error.map(formatSpecProblem)).toEqual([]);
  });

  it('still points at a mistake outside the value, at its column', () => {
    const loaded = loadSpecText(`name: n\nvars: { id: 'a"b' }\nexpect:\n  - spans: 'span.order.id = "\${var:id}" && sevice = "x"'\n`, 'specs/n.yaml');
    expect(loaded.ok ? [] : loaded.error.map(formatSpecProblem)).toEqual(['specs/n.yaml:4:44 unknown field "sevice" (did you mean "service"?)']);
  });
});

import { describe, expect, it } from 'vitest';
import { formatSpecProblem, type SpecProblem } from '../../src/errors.ts';
import { loadSpecText, type LoadOptions } from '../../src/language/loader.ts';

/**
 * The traps a new user hit in `tracecheck validate` (issue 9, item 7): each mistake gets its own message at its
 * file:line:col, with the fix, rather than passing silently or being explained by an unrelated message.
 */

/** Loads the text and returns its problems as `line:col message (hint)`, or `[]` when it loads. */
function problems(text: string, file = 'specs/case.yaml', options: LoadOptions = { env: {} }): string[] {
  const result = loadSpecText(text, file, options);
  return result.ok ? [] : result.error.map((p: SpecProblem) => formatSpecProblem(p).slice(`${file}:`.length));
}

const spec = (expectations: string): string => `name: case\nexpect:\n${expectations}`;

describe('a capture of a field that does not exist', () => {
  it('is refused where it is written, with a did-you-mean, instead of capturing nothing', () => {
    expect(problems(spec(`  - spans: '{ kind = server }'\n    capture: { sid: spanid }\n`))).toEqual([
      '4:21 unknown capture field "spanid" (did you mean "spanId"? For a span attribute of that name write "span.spanid")',
    ]);
    expect(problems(spec(`  - spans: '{ kind = server }'\n    capture:\n      trace: trace_id\n      svc: service.name\n`))).toEqual([
      '5:14 unknown capture field "trace_id" (did you mean "traceId"? For a span attribute of that name write "span.trace_id")',
      '6:12 unknown capture field "service.name" (did you mean "service"? For a span attribute of that name write "span.service.name")',
    ]);
  });

  it('refuses the selector-only ".x" and an attribute prefix without a key', () => {
    expect(problems(spec(`  - spans: '{ kind = server }'\n    capture: { a: .order.id, b: resource. }\n`))).toEqual([
      '4:19 capture field ".order.id" is selector syntax (a capture reads "span.order.id" (a span attribute) or "resource.order.id" (a resource attribute): write one of them)',
      '4:33 capture field "resource." has no attribute key (e.g. "resource.order.id")',
    ]);
  });

  it('still accepts every field and attribute form the engine reads', () => {
    const fields = ['name', 'service', 'traceId', 'spanId', 'parentSpanId', 'kind', 'status', 'statusMessage', 'duration', 'span.order.id', 'resource.host.name', 'scope.lib', 'order.id', 'retries'];
    const captures = fields.map((f, i) => `      c${i}: ${f}\n`).join('');
    expect(problems(spec(`  - spans: '{ kind = server }'\n    capture:\n${captures}`))).toEqual([]);
  });
});

describe('a JSON spec with a trailing comma', () => {
  it('is refused at the comma, with the fix, though YAML (which reads JSON files) would accept it', () => {
    const json = '{\n  "name": "json spec",\n  "expect": [\n    { "spans": "{ kind = server }", "count": { "min": 1 } },\n  ]\n}\n';
    expect(problems(json, 'specs/case.json')).toEqual([
      '4:60 trailing comma before "]": JSON allows no comma after the last entry of an array (remove this ",")',
    ]);
    expect(problems('{ "name": "x", "expect": [{ "connected": true }], }\n', 'specs/case.json')).toEqual([
      '1:49 trailing comma before "}": JSON allows no comma after the last entry of an object (remove this ",")',
    ]);
  });

  it('leaves commas inside strings, and YAML files, alone', () => {
    expect(problems('{ "name": "a,]", "expect": [{ "spans": "name = \\",}\\"" }] }\n', 'specs/case.json')).toEqual([]);
    expect(problems('{ name: x, expect: [{ connected: true },], }\n', 'specs/case.yaml')).toEqual([]);
  });
});

describe('inline regex flags, the TraceQL habit', () => {
  it('a leading (?i) is accepted in selectors and in "matches" (spec-regex.test.ts: it ignores case)', () => {
    expect(problems(spec(`  - spans: 'name =~ "(?i)^get /orders"'\n    attributes:\n      http.method: { matches: '(?i)^post$' }\n`))).toEqual([]);
  });

  it('explains flags JavaScript does not have, and flags that are not at the start', () => {
    expect(problems(spec(`  - spans: 'name =~ "(?x)get"'\n`))).toEqual([
      '3:21 invalid regular expression: the inline flag "x" of "(?x)" is not supported (a pattern may start with (?i) case-insensitive, (?s) "." matches line breaks, (?m) "^" and "$" match at line breaks; nothing else)',
    ]);
    expect(problems(spec(`  - spans: '{ kind = server }'\n    attributes:\n      route: { matches: '^/orders(?i)/x' }\n`))).toEqual([
      '5:34 invalid regular expression "^/orders(?i)/x": inline flags such as "(?i)" are read only at the very start of the pattern, for all of it (JavaScript has no flags for part of a pattern; move "(?i)" to the start: "(?i)^/orders/x")',
    ]);
  });
});

describe('an unquoted selector starting with "!"', () => {
  it('is reported as a YAML tag, with the value quoted, and not as the "unexpected =" it leaves behind', () => {
    expect(problems(spec(`  - spans: !(status = error)\n`))).toEqual([
      `3:12 the value starts with "!", which YAML reads as a tag ("!(status"), leaving "= error)" (quote it: '!(status = error)')`,
    ]);
    expect(problems(spec(`  - noErrors: !kind = client\n    exceptions: maybe\n`))).toEqual([
      `3:15 the value starts with "!", which YAML reads as a tag ("!kind"), leaving "= client" (quote it: '!kind = client')`,
      '4:17 "exceptions" must be true or false, got a string ("maybe")',
    ]);
  });
});

describe('"==" in a selector', () => {
  it('says to use = for equality and gives the selector rewritten, variables as written', () => {
    expect(problems(spec(`  - spans: '{ service == "orders" && status == error }'\n`))).toEqual([
      '3:23 "==" is not an operator: use = for equality (write { service = "orders" && status = error })',
    ]);
    expect(problems(spec(`  - spans: 'span.order.id !== "\${env:ORDER}"'\n`), 'specs/case.yaml', { env: { ORDER: 'o-1' } })).toEqual([
      '3:27 "!==" is not an operator: use != for inequality (write span.order.id != "${env:ORDER}")',
    ]);
  });
});

describe('an unset ${env:NAME}', () => {
  const text = spec(`  - spans: 'service = "\${env:TC_SERVICE}"'\n`);

  it('is an error by default, as run and check need the value', () => {
    expect(problems(text)).toEqual([
      '3:24 environment variable "TC_SERVICE" is not set (set it in the environment that runs tracecheck (an unset variable is an error, so a spec never silently checks an empty value))',
    ]);
  });

  it('is a warning with file:line:col when asked for, and the spec loads', () => {
    const warnings: SpecProblem[] = [];
    const result = loadSpecText(text, 'specs/case.yaml', { env: {}, unsetEnv: 'warning', onWarning: (w) => warnings.push(w) });
    expect(result.ok).toBe(true);
    expect(warnings.map(formatSpecProblem)).toEqual([
      'specs/case.yaml:3:24 environment variable "TC_SERVICE" is not set (checking the spec does not need its value, but judging does: set it where the tests run)',
    ]);
  });

  it('as a warning, leaves a variable built from it unknown rather than misread', () => {
    const warnings: SpecProblem[] = [];
    const text = `name: case\nvars:\n  svc: '\${env:TC_SERVICE}'\nexpect:\n  - spans: 'service = \${var:svc} && kind = server'\n`;
    const result = loadSpecText(text, 'specs/case.yaml', { env: {}, unsetEnv: 'warning', onWarning: (w) => warnings.push(w) });
    expect(result.ok ? [] : result.error.map(formatSpecProblem)).toEqual([]);
    expect(warnings.map((w) => `${w.line}:${w.col}`)).toEqual(['3:9']);
  });
});

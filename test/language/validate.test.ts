import { describe, expect, it } from 'vitest';
import { formatSpecProblem, type SpecProblem } from '../../src/errors.ts';
import { loadSpecText } from '../../src/language/loader.ts';
import { validateSpecObject } from '../../src/language/validate.ts';

const FILE = 'specs/case.yaml';

/** Loads YAML text that must fail and returns its problems as `line:col message (hint)`. */
function problems(text: string, env: Record<string, string> = {}): string[] {
  const result = loadSpecText(text, FILE, { env });
  expect(result.ok, 'the spec should have been rejected').toBe(false);
  if (result.ok) return [];
  return result.error.map((p: SpecProblem) => formatSpecProblem(p).slice(`${FILE}:`.length));
}

/** The wrapping every case shares: the mistake goes under `expect:` from line 3. */
const spec = (expectations: string): string => `name: case\nexpect:\n${expectations}`;

describe('each kind of mistake gets a message and its exact line:col', () => {
  it('unknown key, with a did-you-mean over the keys valid there', () => {
    expect(problems(spec(`  - slector: '{ service = "orders" }'\n`))).toEqual([
      '3:5 unknown key "slector" in an expectation (did you mean "spans"?)',
    ]);
    expect(problems(spec(`  - spans: '{ kind = server }'\n    stauts: error\n`))).toEqual([
      '4:5 unknown key "stauts" to a "spans" expectation (did you mean "status"?)',
    ]);
  });

  it('a key that belongs to another kind of expectation', () => {
    expect(problems(spec(`  - order: { first: '{ kind = client }', then: '{ kind = server }' }\n    count: 1\n`))).toEqual([
      '4:5 key "count" does not apply to a "order" expectation ("count" belongs with "spans")',
    ]);
  });

  it('missing name and missing expect', () => {
    expect(problems(`expect:\n  - connected: true\n`)).toEqual([
      '1:1 the spec has no "name" (add "name: <what this spec checks>"; names identify results)',
    ]);
    expect(problems(`description: x\nname: lonely\n`)).toEqual([
      '1:1 the spec "lonely" has no "expect" (add "expect:" with a list of expectations, e.g. "- spans: \'{ kind = server }\'")',
    ]);
  });

  it('wrong type: a list expected, a string given', () => {
    expect(problems(`name: x\nexpect: '{ kind = server }'\n`)).toEqual([
      '2:9 "expect" must be a list, got a string ("{ kind = server }") (write each expectation as a "- " item under "expect:")',
    ]);
  });

  it('an expectation with no kind key, and one with two', () => {
    expect(problems(spec(`  - name: nothing to check\n    count: 1\n`))).toEqual([
      '4:5 key "count" does not apply in an expectation ("count" belongs to a "spans" expectation, which needs "spans:" too)',
      '3:5 the expectation has no kind (add one of "spans", "order", "sequence", "budget", "noErrors", "connected", "complete", "propagates", "shape")',
    ]);
    expect(problems(spec(`  - spans: '{ kind = server }'\n    order: { first: a, then: b }\n`))).toEqual([
      '4:5 an expectation has both "spans" and "order" (each expectation checks one thing: split it into two "- " items)',
    ]);
  });

  it('invalid selector syntax points at the offending character in plain, quoted and block scalars', () => {
    expect(problems(spec(`  - spans: '{ kind = sever }'\n`))).toEqual([
      '3:22 unknown kind "sever" (did you mean "server"?)',
    ]);
    expect(problems(spec(`  - spans: kind = sever\n`))).toEqual(['3:19 unknown kind "sever" (did you mean "server"?)']);
    // In double quotes, the escaped quotes before the mistake each take two source characters.
    expect(problems(spec(`  - spans: "{ name = \\"a\\" && sevice = \\"x\\" }"\n`))).toEqual([
      '3:31 unknown field "sevice" (did you mean "service"?)',
    ]);
    expect(problems(spec(`  - spans: |\n      { kind = server }\n      >> { sevice = "x" }\n`))).toEqual([
      '5:12 unknown field "sevice" (did you mean "service"?)',
    ]);
    expect(problems(spec(`  - spans: >-\n      { kind = server &&\n        name = = }\n`))).toEqual([
      '5:16 expected a value after "=" (e.g. "text")',
    ]);
  });

  it('bad duration unit', () => {
    expect(problems(spec(`  - budget: { spans: '{ kind = server }', p95: 300 msec }\n`))).toEqual([
      '3:48 budget p95: unknown duration unit "msec" in "300 msec" (use ns, us, ms, s, m or h, e.g. "300ms" or "1.5s")',
    ]);
  });

  it('negative and non-integer counts, and min > max', () => {
    expect(problems(spec(`  - spans: '{ kind = server }'\n    count: -1\n`))).toEqual([
      '4:12 count must be a non-negative whole number, got -1 (a count is a number (exactly), "none", or { min, max } / { exactly })',
    ]);
    expect(problems(spec(`  - spans: '{ kind = server }'\n    count: { min: 1.5 }\n`))).toEqual([
      '4:19 count min must be a non-negative whole number, got 1.5',
    ]);
    expect(problems(spec(`  - spans: '{ kind = server }'\n    count:\n      min: 3\n      max: 1\n`))).toEqual([
      '5:7 count min 3 is greater than max 1 (a count is a number (exactly), "none", or { min, max } / { exactly })',
    ]);
  });

  it('unknown status name in a matcher, and unknown kind name in a selector', () => {
    expect(problems(spec(`  - spans: '{ kind = server }'\n    status: { not: errror }\n`))).toEqual([
      '4:20 unknown status "errror" (did you mean "error"? Valid: "unset", "ok", "error")',
    ]);
    expect(problems(spec(`  - spans: '{ kind = consumr }'\n`))).toEqual(['3:22 unknown kind "consumr" (did you mean "consumer"?)']);
  });

  it('invalid regex in matches', () => {
    expect(problems(spec(`  - spans: '{ kind = server }'\n    attributes:\n      http.route: { matches: "^/orders/(" }\n`))).toEqual([
      '5:30 invalid regular expression "^/orders/(": Unterminated group (JavaScript regex syntax; escape special characters such as ( [ . with a backslash)',
    ]);
  });

  it('invalid JSONPath', () => {
    const found = problems(spec(`  - spans: '{ kind = server }'\n    attributes:\n      order.items: { jsonpath: "$.items[0", value: 1 }\n`));
    expect(found).toEqual(['5:40 invalid JSONPath "$.items[0": unbalanced "[" (JSONPath starts at $, e.g. "$.items[*].sku" or "$.items[?(@.qty > 1)]")']);
    expect(problems(spec(`  - spans: '{ kind = server }'\n    attributes:\n      order.items: { jsonpath: "$.items[?(@.qty >)]" }\n`))[0]).toMatch(
      /^5:32 invalid JSONPath "\$\.items\[\?\(@\.qty >\)\]": Expected expression after >/u,
    );
    expect(problems(spec(`  - spans: '{ kind = server }'\n    attributes:\n      order.items: { jsonpath: "items[0]" }\n`))[0]).toMatch(
      /^5:32 invalid JSONPath "items\[0\]": it must start with "\$"/u,
    );
  });

  it('unknown attribute type name in type:', () => {
    expect(problems(spec(`  - spans: '{ kind = server }'\n    attributes:\n      retries: { type: integer }\n`))).toEqual([
      '5:24 unknown attribute type "integer" (did you mean "int"? Valid: "string", "bool", "int", "double", "bytes", "array", "kvlist")',
    ]);
  });

  it('${var:NAME} used before any capture defines it; a capture in an earlier expectation defines it', () => {
    const text = spec(
      `  - spans: '{ span.order.id = "\${var:orderId}" }'\n` +
        `  - spans: '{ service = "orders" }'\n    capture: { orderId: span.order.id }\n` +
        `  - spans: '{ span.order.id = "\${var:orderId}" && span.sku = "\${var:skew}" }'\n`,
    );
    expect(problems(text)).toEqual([
      '3:32 variable "orderId" is used before it is defined (define it under "vars:" or with "capture:" in an earlier expectation of this spec)',
      '6:63 variable "skew" is used before it is defined (define it under "vars:" or with "capture:" in an earlier expectation of this spec)',
    ]);
    const withVars = `name: v\nvars: { sku: ABC }\nexpect:\n  - spans: '{ span.sku = "\${var:skus}" }'\n`;
    expect(problems(withVars)).toEqual(['4:27 variable "skus" is used before it is defined (did you mean "sku"?)']);
  });

  it('${env:NAME} that is not set is an error; set, it is fine', () => {
    const text = spec(`  - spans: '{ service = "\${env:ORDERS_SERVICE}" }'\n`);
    expect(problems(text)).toEqual([
      '3:26 environment variable "ORDERS_SERVICE" is not set (set it in the environment that runs tracecheck (an unset variable is an error, so a spec never silently checks an empty value))',
    ]);
    expect(loadSpecText(text, FILE, { env: { ORDERS_SERVICE: 'orders' } }).ok).toBe(true);
  });

  it('malformed ${...} references', () => {
    expect(problems(spec(`  - spans: '{ service = "\${ORDERS}" }'\n`))).toEqual([
      '3:26 malformed reference "${ORDERS}" (write ${env:NAME} or ${var:NAME}; write $${ for a literal ${)',
    ]);
  });

  it('duplicate spec names in one file, also across documents', () => {
    expect(problems(`specs:\n  - name: a\n    expect: [{ connected: true }]\n  - name: a\n    expect: [{ connected: true }]\n`)).toEqual([
      '4:11 duplicate spec name "a" (first used on line 2) (spec names identify results: make each unique)',
    ]);
    expect(problems(`name: a\nexpect: [{ connected: true }]\n---\nname: a\nexpect: [{ connected: true }]\n`)).toEqual([
      '4:7 duplicate spec name "a" (first used on line 1) (spec names identify results: make each unique)',
    ]);
  });

  it('empty expect', () => {
    expect(problems(`name: x\nexpect: []\n`)).toEqual(['2:9 "expect" is empty: the spec would check nothing (add at least one expectation)']);
  });

  it('a budget without percentiles or max', () => {
    expect(problems(spec(`  - budget: { over: traces }\n`))).toEqual([
      '3:13 the budget has no limit (add "max", "p50", "p95" or "p99", e.g. "p95: 300ms")',
    ]);
  });

  it('order missing first/then, and a sequence of fewer than 2 steps', () => {
    expect(problems(spec(`  - order:\n      then: '{ kind = server }'\n`))).toEqual([
      '4:7 "order" is missing "first" (order needs "first:" and "then:" selectors)',
    ]);
    expect(problems(spec(`  - sequence: ['{ kind = client }']\n`))).toEqual([
      '3:15 a sequence needs at least 2 steps, got 1 (for one step use a "spans" expectation)',
    ]);
  });

  it('quantifier not all/any', () => {
    expect(problems(spec(`  - spans: '{ kind = server }'\n    quantifier: every\n`))).toEqual([
      '4:17 unknown quantifier "every" (use one of "all", "any")',
    ]);
  });

  it('YAML syntax errors carry the parser position', () => {
    // The yaml parser places an unclosed quote where the input ends.
    const found = problems(`name: x\nexpect:\n  - spans: '{ kind = server }\n`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^4:1 YAML syntax error: Missing closing 'quote/u);
    expect(problems(`name: x\nname: y\nexpect: [{ connected: true }]\n`)).toEqual([
      '2:1 YAML syntax error: Map keys must be unique (each key may appear once per mapping)',
    ]);
  });

  it('a misspelt "specs" at the top of a file', () => {
    expect(problems(`# checks\nspec:\n  - name: a\n    expect: [{ connected: true }]\n`)).toEqual([
      '2:1 unknown key "spec" at the top of a spec file (did you mean "specs"?)',
    ]);
  });

  it('a file that is not a mapping or list', () => {
    expect(problems(`just some words\n`)).toEqual([
      '1:1 a spec file must hold a mapping (one spec, or "specs: [...]") or a list of specs, got a string ("just some words") (start the file with "name:" and "expect:", or with "specs:")',
    ]);
    expect(problems(`# only a comment\n`)).toEqual(['1:1 the file holds no spec (a spec file starts with "name:" and "expect:", or with "specs:")']);
  });

  it('more: status/connected/noErrors values, event and link conditions, a budget over traces with spans', () => {
    const text = spec(
      `  - connected: yes please\n` +
        `  - noErrors: false\n` +
        `  - spans: '{ kind = server }'\n    events: [{ absent: true }]\n    links: [{ attributes: {} }]\n` +
        `  - budget: { over: traces, spans: '{ kind = server }', max: 1s }\n`,
    );
    expect(problems(text)).toEqual([
      '3:16 "connected" must be true, got a string ("yes please") (write "connected: true")',
      '4:15 "noErrors: false" checks nothing (write "noErrors: true" (every span) or a selector, or remove the expectation)',
      '6:14 the event condition has no "name" (add "name: <event name>", e.g. "name: exception")',
      '7:13 the link condition has no "to" (add "to:" with a selector for the linked span)',
      '8:29 "spans" does not apply to a budget over traces (remove "spans", or use "over: spans" to budget each matched span)',
    ]);
  });

  it('collects every problem of a file, not just the first', () => {
    const text = `name: many\ntimeout: 10 sec\nexpect:\n  - slector: x\n  - spans: '{ kind = sever }'\n    quantifier: most\n`;
    expect(problems(text)).toHaveLength(4);
  });
});

describe('validateSpecObject on objects from code', () => {
  it('names the path when there is no file position', () => {
    const result = validateSpecObject({ name: 'inline', expect: [{ spans: '{ kind = server }', count: { min: 2, max: 1 } }] }, undefined, undefined, { env: {} });
    expect(result).toEqual({
      ok: false,
      error: [
        expect.objectContaining({
          file: '<inline spec>',
          line: 0,
          col: 0,
          message: 'at expect[0].count: count min 2 is greater than max 1',
        }),
      ],
    });
  });

  it('accepts a valid object and returns it unchanged', () => {
    const definition = {
      name: 'checkout',
      traces: { root: 'name = "POST /checkout"', count: { min: 1 } },
      expect: [
        { name: 'orders is called', spans: '{ service = "orders" && kind = server }', count: 1 },
        { name: 'fast enough', budget: { over: 'traces', max: '1s' } },
      ],
    };
    expect(validateSpecObject(definition)).toEqual({ ok: true, value: [definition] });
  });
});

describe('matcher details the engine relies on', () => {
  it('"value", "every", "some" and "count" need a jsonpath', () => {
    expect(problems(spec(`  - spans: '{ kind = server }'\n    attributes:\n      items: { count: 2 }\n`))).toEqual([
      '5:16 "count" applies to the results of a "jsonpath" (add "jsonpath: $..." to say which part of the value it checks)',
    ]);
  });

  it('regexes are checked with the u flag, as the engine compiles them', () => {
    expect(problems(spec(`  - spans: '{ kind = server }'\n    attributes:\n      route: { matches: '\\-x' }\n`))[0]).toMatch(
      /^5:25 invalid regular expression "\\-x": Invalid escape/u,
    );
  });
});

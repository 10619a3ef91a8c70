import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadSpecText } from '../../src/language/loader.ts';

const schema = JSON.parse(readFileSync('schema/tracecheck-spec.schema.json', 'utf8')) as object;
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validate = ajv.compile(schema);

function specFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && ['.yaml', '.yml', '.json'].includes(extname(e.name)))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** The JSON value of each document of a YAML/JSON file, as an editor's schema check sees it. */
function documents(text: string): unknown[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((v) => v !== null);
}

const shipped = [
  ...specFiles('specs'),
  ...specFiles('examples').filter((f) => f.split('/').includes('specs')),
  ...specFiles('test/language/fixtures/valid'),
];

describe('the JSON Schema of spec files', () => {
  it('has valid spec files to check', () => {
    expect(shipped.length).toBeGreaterThanOrEqual(4);
  });

  it.each(shipped)('accepts %s', (file) => {
    for (const value of documents(readFileSync(file, 'utf8'))) {
      expect(validate(value), ajv.errorsText(validate.errors)).toBe(true);
    }
  });

  const invalid: [string, string][] = [
    ['a missing name', 'expect: [{ connected: true }]'],
    ['a misspelt key', 'name: x\nexpect: [{ slector: "{ kind = server }" }]'],
    ['two kind keys', 'name: x\nexpect: [{ spans: "{ kind = server }", order: { first: a, then: b } }]'],
    ['a bad duration unit', 'name: x\nexpect: [{ budget: { p95: 300 msec } }]'],
    ['a negative count', 'name: x\nexpect: [{ spans: "{ kind = server }", count: -1 }]'],
    ['a budget without a limit', 'name: x\nexpect: [{ budget: { over: traces } }]'],
    ['a one-step sequence', 'name: x\nexpect: [{ sequence: ["{ kind = server }"] }]'],
    ['an unknown quantifier', 'name: x\nexpect: [{ spans: "{ kind = server }", quantifier: some }]'],
    ['an unknown status', 'name: x\nexpect: [{ spans: "{ kind = server }", status: errror }]'],
    ['an unknown attribute type', 'name: x\nexpect: [{ spans: "{ kind = server }", attributes: { a: { type: integer } } }]'],
    ['empty expect', 'name: x\nexpect: []'],
    ['order without then', 'name: x\nexpect: [{ order: { first: a } }]'],
    ['a scalar file', 'just words'],
    ['every without a jsonpath', 'name: x\nexpect: [{ spans: "{ kind = server }", attributes: { a: { every: 1 } } }]'],
  ];

  it.each(['1h', '1.5h', '2m', '300 ms', '85µs'])('accepts the duration %s, as the validator does', (duration) => {
    const text = `name: x\nexpect: [{ budget: { max: ${duration} } }]`;
    const [value] = documents(text);
    expect(validate(value), ajv.errorsText(validate.errors)).toBe(true);
    expect(loadSpecText(text, 'x.yaml', { env: {} }).ok).toBe(true);
  });

  it.each(invalid)('rejects %s, as the validator does', (_what, text) => {
    const [value] = documents(text);
    expect(validate(value)).toBe(false);
    expect(loadSpecText(text, 'x.yaml', { env: {} }).ok).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { formatSpecProblem } from '../../src/errors.ts';
import { loadSpecText } from '../../src/language/loader.ts';

const FILE = 'specs/shape.yaml';

function problems(text: string): string[] {
  const result = loadSpecText(text, FILE);
  if (result.ok) return [];
  return result.error.map((p) => formatSpecProblem(p).slice(`${FILE}:`.length));
}

describe('a shape expectation is validated node by node', () => {
  it('accepts a tree with every key of a node', () => {
    expect(problems([
      'name: checkout',
      'expect:',
      '  - shape:',
      '      service: gateway',
      '      name: POST /checkout',
      '      kind: server',
      '      status: unset',
      '      attributes: { http.route: /checkout, http.response.status_code: 200 }',
      '      children:',
      '        - { service: orders, name: POST /orders, kind: client, count: 2 }',
      '        - { service: orders, name: GET, kind: client, count: { min: 1, max: 3 } }',
      '    mode: any-order',
      '',
    ].join('\n'))).toEqual([]);
  });

  it('names each mistake with its line:col and a fix', () => {
    expect(problems([
      'name: checkout',
      'expect:',
      '  - shape:',
      '      service: gateway',
      '      kind: sever',
      '      children:',
      '        - name: POST /orders',
      '          count: 0',
      '          chidlren: []',
      '          attributes: { a: { equals: 1 } }',
      '    mode: unordered',
      '',
    ].join('\n'))).toEqual([
      '11:11 unknown shape mode "unordered" (did you mean "any-order"? Valid: "exact", "any-order", "subset")',
      '4:7 the shape node has no "name" (add "name: <span name>")',
      '5:13 unknown span kind "sever" (did you mean "server"? Valid: "internal", "server", "client", "producer", "consumer")',
      '9:11 unknown key "chidlren" in a shape node (did you mean "children"?)',
      '8:18 a shape node\'s count must allow at least 1 span (the count is how many identical sibling spans the node stands for; to allow none, leave the node out and use mode: subset)',
      '10:28 a shape attribute must be a string, number, boolean or null, got a mapping (shapes compare attribute values for equality; use a "spans" expectation for conditions)',
    ]);
  });
});

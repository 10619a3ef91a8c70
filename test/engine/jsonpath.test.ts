// The simple-path walker must return what jsonpath-plus returns, on JSON documents and on kvlist/array attributes.
import { JSONPath } from 'jsonpath-plus';
import { describe, expect, it } from 'vitest';
import { evaluateJsonPath } from '../../src/engine/json-path.ts';
import { emptyAttributes } from '../../src/model/attribute-value.ts';

const kvlist = Object.assign(emptyAttributes(), {
  sku: 'SKU-1',
  qty: 2n,
  tags: ['a', 'b'],
  nested: Object.assign(emptyAttributes(), { deep: true, list: [1n, 2n, Object.assign(emptyAttributes(), { x: 'y' })] }),
});
const DOCS: unknown[] = [
  JSON.parse('{"items":[{"sku":"A","qty":1},{"sku":"B","qty":2,"extra":null}],"total":3,"0":"zero","a":{"b":{"c":[10,20]}}}'),
  JSON.parse('[{"qty":1},{"qty":"x"},3,null,[1,2]]'),
  JSON.parse('{"items":{"first":{"qty":5},"second":{"qty":6}}}'),
  kvlist,
  [kvlist, 'text', 7n],
];
const SIMPLE_PATHS = [
  '$', '$.items', '$.items[*]', '$.items[*].qty', '$.items[0].sku', '$.items[1].extra', '$.items[5]', '$.items.length',
  '$[*]', '$.*', '$[*].qty', '$[0]', '$.0', '$.a.b.c', '$.a.b.c[1]', '$.missing', '$.missing[*].x', '$.total', '$.sku',
  '$.tags[*]', '$.nested.list[*]', '$.nested.list[2].x', '$.nested.*', '$.*.*',
];

describe('JSONPath evaluation', () => {
  it('walks simple paths exactly as jsonpath-plus evaluates them', () => {
    let nonEmpty = 0;
    for (const doc of DOCS) {
      for (const path of SIMPLE_PATHS) {
        const expected = JSONPath({ path, json: doc as object, wrap: true, eval: 'safe' }) as unknown[];
        expect(evaluateJsonPath(path, doc), `${path} on ${JSON.stringify(doc, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`).toEqual(expected);
        if (expected.length > 0) nonEmpty++;
      }
    }
    expect(nonEmpty).toBeGreaterThan(40);
  });

  it('leaves every other path to jsonpath-plus: descent, filters, slices, unions, quoted names', () => {
    const doc = DOCS[0];
    for (const path of ['$..qty', '$.items[?(@.qty > 1)].sku', '$.items[0:1]', '$.items[0,1].sku', "$['items'][*]['sku']", '$.items[-1:]']) {
      expect(evaluateJsonPath(path, doc), path).toEqual(JSONPath({ path, json: doc as object, wrap: true, eval: 'safe' }));
    }
  });
});

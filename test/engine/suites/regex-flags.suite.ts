import { beforeAll, describe, expect, it } from 'vitest';
import type { Trace } from '../../../src/model/trace.ts';
import { makeTrace } from '../../support/sdk-traces.ts';
import { assemble } from '../checkout-trace.ts';
import type { Implementation } from './implementations.ts';

/** The tests of regex-flags, run against one implementation. */
export function runRegexFlagsSuite(impl: Implementation): void {
  describe(impl.name, () => {
  let traces: readonly Trace[];
  beforeAll(async () => {
    traces = assemble(await makeTrace([{ name: 'GET /items', kind: 'server', service: 'catalog', attributes: { 'http.route': '/Items' } }]));
  });

  describe('(?i) end to end', () => {
    it('selector and matches ignore case; without it they do not', () => {
      for (const [sel, route, pass] of [
        ['name =~ "(?i)^get /ITEMS"', '(?i)^/items$', true],
        ['name =~ "^get /items"', '(?i)^/items$', false],
        ['name =~ "(?i)^get /ITEMS"', '^/items$', false],
      ] as const) {
        const r = impl.evaluateNow([{ name: 'm', expect: [{ spans: sel, attributes: { 'http.route': { matches: route } } }] }], traces);
        expect(r.specs[0]?.passed, JSON.stringify(r.specs[0]?.expectations.map((e) => e.message))).toBe(pass);
      }
    });
    it('the generated-code tier too (after 512 spans)', () => {
      const many = Array.from({ length: 600 }, () => traces).flat();
      const r = impl.evaluateNow([{ name: 'm', expect: [{ spans: 'name =~ "(?i)^get /ITEMS"', count: 600 }] }], many);
      expect(r.specs[0]?.passed, JSON.stringify(r.specs[0]?.expectations.map((e) => e.message))).toBe(true);
    });
  });

  });
}

import { describe, expect, it } from 'vitest';
import { loadSpecText } from '../../src/language/loader.ts';
import type { SpecDefinition } from '../../src/language/types.ts';
import { writeSpecFile } from '../../src/language/write-specs.ts';

describe('writeSpecFile', () => {
  const definitions: SpecDefinition[] = [
    {
      name: 'shape of gateway: POST /checkout (server)',
      traces: { root: 'service = "gateway" && name = "POST /checkout"', count: { min: 1 } },
      expect: [{ shape: { service: 'gateway', name: 'POST /checkout', kind: 'server', attributes: { 'http.route': '/checkout' }, children: [{ name: 'GET', count: { min: 1, max: 2 } }] } }],
    },
    { name: 'quoted: "names" and # hashes', expect: [{ connected: true }] },
  ];

  it('writes specs that load back as the same definitions, with the comments as # lines', () => {
    const text = writeSpecFile(definitions.map((definition, i) => ({ definition, comment: [`spec ${i + 1}`] })), ['header line']);
    expect(text.startsWith('# header line\n')).toBe(true);
    expect(text).toContain('  # spec 1\n  - name: "shape of gateway');
    expect(text).toContain('attributes: { http.route: /checkout }');
    expect(text).toContain('count: { min: 1, max: 2 }');
    const loaded = loadSpecText(text, 'written.yaml');
    expect(loaded.ok ? loaded.value.map((s) => s.definition) : loaded.error).toEqual(definitions);
  });
});

import { describe, expect, it } from 'vitest';
import { attributeTypeOf } from '../src/model/index.ts';

describe('runtime', () => {
  it('runs on the supported Node range', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(major).toBeGreaterThanOrEqual(22);
  });
  it('types int64 attributes as bigint', () => {
    expect(attributeTypeOf(5n)).toBe('int');
    expect(attributeTypeOf(5.5)).toBe('double');
  });
});

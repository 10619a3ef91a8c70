import * as crypto from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';

// The comparison must go through crypto.timingSafeEqual on equal-length digests; the spy sees every call.
vi.mock('node:crypto', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:crypto')>();
  return { ...original, timingSafeEqual: vi.fn(original.timingSafeEqual) };
});

const { bearerMatches, secretsEqual } = await import('../../src/receiver/bearer-token.ts');

afterEach(() => {
  vi.mocked(crypto.timingSafeEqual).mockClear();
});

describe('bearer tokens are compared in constant time', () => {
  it('compares SHA-256 digests of equal length with timingSafeEqual, whatever the lengths given', () => {
    expect(secretsEqual('t', 'a-much-longer-expected-token-of-40-chars!')).toBe(false);
    expect(secretsEqual('', 'tok')).toBe(false);
    expect(secretsEqual('tok', 'tok')).toBe(true);
    const calls = vi.mocked(crypto.timingSafeEqual).mock.calls;
    expect(calls).toHaveLength(3);
    for (const [a, b] of calls) {
      expect((a as Buffer).byteLength).toBe(32);
      expect((b as Buffer).byteLength).toBe(32);
    }
  });

  it('reads "Bearer <token>" with a case-insensitive scheme, and runs the comparison even for a malformed header', () => {
    expect(bearerMatches('Bearer s3cret', 's3cret')).toBe(true);
    expect(bearerMatches('bearer s3cret', 's3cret')).toBe(true);
    expect(bearerMatches('Bearer s3cre', 's3cret')).toBe(false);
    expect(bearerMatches('Basic s3cret', 's3cret')).toBe(false);
    expect(bearerMatches('s3cret', 's3cret')).toBe(false);
    expect(bearerMatches(undefined, 's3cret')).toBe(false);
    // Every header that was present went through the constant-time comparison.
    expect(vi.mocked(crypto.timingSafeEqual).mock.calls).toHaveLength(5);
  });

  it('the receiver and the query API use nothing else: no token is compared with === or !== in src/', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const root = new URL('../../src/', import.meta.url).pathname;
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    // The two shapes the old checks had: a header compared with a built `Bearer ...` string, or with a token.
    const compared = /(===|!==)\s*`Bearer |`Bearer \$\{[^}]*\}`\s*(===|!==)|authorization'?\]?\s*(===|!==)\s*(?!undefined)[\w`'"]/u;
    const offenders = files.filter((file) => compared.test(readFileSync(join(root, file), 'utf8')));
    expect(offenders).toEqual([]);
  });
});

import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether two secrets are equal, in time that does not depend on where they differ or on the given one's length:
 * both are hashed to SHA-256 digests (32 bytes each, whatever the inputs), which `crypto.timingSafeEqual` compares.
 * `===` returns at the first differing character, which lets a client find a token character by character by timing.
 *
 * @example
 * ```ts
 * secretsEqual('tok', 'tok'); // true
 * secretsEqual('t', 'tok'); // false, in the same time as any other wrong token
 * ```
 */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** `Bearer` and one space, the RFC 6750 §2.1 credentials prefix; the scheme name is case-insensitive (RFC 9110 §11.1). */
const BEARER_PREFIX = /^bearer +/iu;

/**
 * Whether an `Authorization` header (or gRPC metadata) value carries `token` as its bearer token, compared with
 * {@link secretsEqual}.
 *
 * @example
 * ```ts
 * bearerMatches('Bearer s3cret', 's3cret'); // true
 * bearerMatches(undefined, 's3cret'); // false
 * ```
 */
export function bearerMatches(authorization: string | undefined, token: string): boolean {
  if (authorization === undefined) return false;
  const prefix = BEARER_PREFIX.exec(authorization);
  // The comparison runs even without the prefix, so a malformed header costs the same time as a wrong token.
  const given = prefix === null ? '' : authorization.slice(prefix[0].length);
  return secretsEqual(given, token) && prefix !== null;
}

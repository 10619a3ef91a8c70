import type { SpanEvent, SpanLink, SpanStatus } from '../model/index.ts';

/**
 * Values shared by every span that has no events, no links, or an unset status. Most spans have none of
 * these, and sharing one frozen object saves an allocation (and retained heap) per span.
 */
export const NO_EVENTS: readonly SpanEvent[] = Object.freeze([]);
/** See {@link NO_EVENTS}. */
export const NO_LINKS: readonly SpanLink[] = Object.freeze([]);
/** An unset status with no message: what an absent `Span.status` means. */
export const UNSET_STATUS: SpanStatus = Object.freeze({ code: 0, message: '' });

/** How deep `array_value`/`kvlist_value` may nest before a request is refused (guards the call stack). */
export const MAX_ANY_VALUE_DEPTH = 64;

const BIGINT_SLOTS = 1024;
const bigIntKeys = new Float64Array(BIGINT_SLOTS).fill(-1);
const bigIntValues: bigint[] = new Array<bigint>(BIGINT_SLOTS).fill(0n);

/**
 * `BigInt(n)` for a non-negative integer `n` (exact in a double), from a direct-mapped cache: integer attributes
 * repeat (status codes, ports, counts), a bigint is an immutable value, so every span can share one. Both decoders
 * use it: in protobuf the bench span's two int attributes (status code, port) were 48 of its 823 retained bytes
 * (24 bytes a bigint) until it did (2026-12-03, heap snapshot of bench/ingest.ts's store).
 */
export function smallBigInt(n: number): bigint {
  const slot = n & (BIGINT_SLOTS - 1);
  if (bigIntKeys[slot] === n) return bigIntValues[slot] as bigint;
  const value = BigInt(n);
  bigIntKeys[slot] = n;
  bigIntValues[slot] = value;
  return value;
}

/**
 * `values` in a backing store of exactly its length. An array that grew by `push` from empty has room for 17
 * elements (V8 grows by half plus 16), 152 bytes for the bench span's 2-string array attribute where 32 do; a copy
 * made by `slice` has no slack. The bench span kept 120 bytes less over protobuf once its arrays were compacted
 * (2026-12-03, heap snapshot of bench/ingest.ts's store). Empty and one-element arrays are returned as they are.
 */
export function compactArray<T>(values: T[]): T[] {
  return values.length < 2 ? values : values.slice();
}

import type { Span } from './span.ts';

/**
 * The index of the first span of `byStart` (sorted by start time) that started at or after `from`: where a search
 * for the spans running at a moment begins.
 *
 * @example
 * ```ts
 * const i = firstStartingFrom(spansByStart, at - longestNanos);
 * ```
 */
export function firstStartingFrom(byStart: readonly Span[], from: bigint): number {
  let low = 0;
  let high = byStart.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((byStart[mid] as Span).startTimeUnixNano < from) low = mid + 1;
    else high = mid;
  }
  return low;
}

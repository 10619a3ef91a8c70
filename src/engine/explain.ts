import type { Span, Trace } from '../model/index.ts';
import { traceOf, type JudgeUnit } from './judge.ts';
import type { NearMiss } from './results.ts';
import type { SelectorHandle } from './selector-cache.ts';
import { describeSpan } from './span-description.ts';

/** How many near misses a failure lists. */
export const NEAR_MISS_LIMIT = 3;
/** How many spans a message names before saying "and N more". */
export const LISTED_SPANS_LIMIT = 3;

/** Names a few spans for a message: `orders: POST /orders; orders → inventory: GET /x (and 4 more)`. */
export function listSpans(spans: readonly Span[], unit: JudgeUnit, limit = LISTED_SPANS_LIMIT): string {
  const shown = spans.slice(0, limit).map((s) => describeSpan(s, traceOf(s, unit)));
  const more = spans.length > limit ? ` (and ${spans.length - limit} more)` : '';
  return `${shown.join('; ')}${more}`;
}

/** Near misses for a selector that picked nothing in the unit, from its traces in order. */
export function nearMissesIn(selector: SelectorHandle, unit: JudgeUnit, limit = NEAR_MISS_LIMIT): NearMiss[] {
  const out: NearMiss[] = [];
  for (const trace of unit.traces) {
    if (out.length >= limit) break;
    out.push(...selector.explain(trace.spans, trace, limit - out.length));
  }
  return out;
}

/** Marks each span with the same note. */
export function markAll(spans: readonly Span[], note: string, into = new Map<string, string>()): Map<string, string> {
  for (const span of spans) into.set(span.spanId, note);
  return into;
}

/** The unit's traces, counted for messages: `in 3 traces` / `in trace 4bf92f35`. */
export function whereText(unit: JudgeUnit): string {
  if (unit.traces.length === 1) return `in trace ${shortId((unit.traces[0] as Trace).traceId)}`;
  return `in ${unit.traces.length} traces`;
}

/** The first 8 hex digits of an id: enough to tell traces apart in a message. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

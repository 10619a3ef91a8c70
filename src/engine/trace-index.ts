import type { Span } from '../model/span.ts';
import type { Trace } from '../model/trace.ts';

/**
 * A trace's tree as arrays of span positions (positions in `trace.spans`), so that structural selection runs
 * over typed arrays instead of maps and objects. Built once per trace object and shared by every selector.
 */
export interface TraceIndex {
  readonly spans: readonly Span[];
  /** Position of each span's parent node, or -1 for roots and orphans. */
  readonly parent: Int32Array;
  readonly positionBySpanId: ReadonlyMap<string, number>;
}

// Traces are immutable snapshots (the store builds a new object when a trace changes), so the object is the key.
const indexes = new WeakMap<Trace, TraceIndex>();

/** The {@link TraceIndex} of a trace, built on first use. */
export function indexTrace(trace: Trace): TraceIndex {
  const cached = indexes.get(trace);
  if (cached !== undefined) return cached;
  const spans = trace.spans;
  const positionBySpanId = new Map<string, number>();
  for (let i = 0; i < spans.length; i += 1) positionBySpanId.set((spans[i] as Span).spanId, i);
  const parent = new Int32Array(spans.length).fill(-1);
  for (let i = 0; i < spans.length; i += 1) {
    // The node's parent, not the span's parentSpanId: an orphan names a parent that never arrived.
    const parentSpan = trace.nodesBySpanId.get((spans[i] as Span).spanId)?.parent?.span;
    if (parentSpan !== undefined) parent[i] = positionBySpanId.get(parentSpan.spanId) ?? -1;
  }
  const index: TraceIndex = { spans, parent, positionBySpanId };
  indexes.set(trace, index);
  return index;
}

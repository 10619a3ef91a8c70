import type { Span, Trace } from '../model/index.ts';

/**
 * A trace's tree as arrays of span positions (positions in `trace.spans`), so that structural selection runs
 * over typed arrays instead of maps and objects. Built once per trace object and shared by every selector.
 */
export interface TraceIndex {
  readonly spans: readonly Span[];
  /** Position of each span's parent node, or -1 for roots and orphans. */
  readonly parent: Int32Array;
  readonly positionBySpanId: ReadonlyMap<string, number>;
  /** Every position, parents before their children (breadth-first from roots and orphans). */
  readonly topDown: Int32Array;
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
  const parent = new Int32Array(spans.length);
  for (let i = 0; i < spans.length; i += 1) {
    const parentSpanId = (spans[i] as Span).parentSpanId;
    parent[i] = parentSpanId === undefined ? -1 : (positionBySpanId.get(parentSpanId) ?? -1);
  }
  // The tree's parent, not the span's parentSpanId: an orphan has none, whatever its id names (a parent that never
  // arrived, itself, or a span of a cycle the assembly broke there). Every other span's parent node is the span
  // its parentSpanId names.
  for (const orphan of trace.orphans) {
    const position = positionBySpanId.get(orphan.span.spanId);
    if (position !== undefined) parent[position] = -1;
  }
  const index: TraceIndex = { spans, parent, positionBySpanId, topDown: topDownOrder(parent) };
  indexes.set(trace, index);
  return index;
}

/**
 * Positions ordered so that every parent comes before its children. Start-time order usually is such an order,
 * but clock skew between services can make a child start before its parent, so the order is derived from the tree.
 */
export function topDownOrder(parent: Int32Array): Int32Array {
  const n = parent.length;
  // Children as one flat list per parent (compressed rows): counts, then offsets, then fill.
  const firstChild = new Int32Array(n + 1);
  for (let i = 0; i < n; i += 1) {
    const p = parent[i] as number;
    if (p >= 0) firstChild[p + 1] = (firstChild[p + 1] as number) + 1;
  }
  for (let i = 0; i < n; i += 1) firstChild[i + 1] = (firstChild[i + 1] as number) + (firstChild[i] as number);
  const fill = firstChild.slice(0, n);
  const children = new Int32Array(n);
  for (let i = 0; i < n; i += 1) {
    const p = parent[i] as number;
    if (p >= 0) {
      children[fill[p] as number] = i;
      fill[p] = (fill[p] as number) + 1;
    }
  }
  const order = new Int32Array(n);
  const placed = new Uint8Array(n);
  let length = 0;
  for (let i = 0; i < n; i += 1) {
    if (parent[i] === -1) {
      order[length] = i;
      placed[i] = 1;
      length += 1;
    }
  }
  for (let head = 0; head < length; head += 1) {
    const p = order[head] as number;
    for (let c = firstChild[p] as number; c < (firstChild[p + 1] as number); c += 1) {
      const child = children[c] as number;
      if (placed[child] === 0) {
        order[length] = child;
        placed[child] = 1;
        length += 1;
      }
    }
  }
  // A parent cycle would leave spans unreached; the store breaks cycles, but never lose a span here either.
  for (let i = 0; i < n && length < n; i += 1) {
    if (placed[i] === 0) {
      order[length] = i;
      length += 1;
    }
  }
  return order;
}

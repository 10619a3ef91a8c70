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
  /** Positions of the spans with no parent span id (the trace's roots), in start order. */
  readonly roots: Int32Array;
  /**
   * Positions of the spans whose parent never arrived or that a broken parent cycle left without one (the trace's
   * orphans), in start order.
   */
  readonly orphans: Int32Array;
}

/**
 * The one shape of every index (one hidden class for the engine's hot reads), with the span id → position map
 * built on first use: an index derived from another by reordering (see {@link reorderTraceIndex}) needs none
 * until a span is looked up by id, which judging rarely does.
 */
class BuiltIndex implements TraceIndex {
  readonly spans: readonly Span[];
  readonly parent: Int32Array;
  readonly topDown: Int32Array;
  readonly roots: Int32Array;
  readonly orphans: Int32Array;
  #positionBySpanId: ReadonlyMap<string, number> | undefined;

  constructor(spans: readonly Span[], parent: Int32Array, topDown: Int32Array, roots: Int32Array, orphans: Int32Array, positionBySpanId: ReadonlyMap<string, number> | undefined) {
    this.spans = spans;
    this.parent = parent;
    this.topDown = topDown;
    this.roots = roots;
    this.orphans = orphans;
    this.#positionBySpanId = positionBySpanId;
  }

  get positionBySpanId(): ReadonlyMap<string, number> {
    if (this.#positionBySpanId === undefined) this.#positionBySpanId = positionsOf(this.spans);
    return this.#positionBySpanId;
  }
}

function positionsOf(spans: readonly Span[]): Map<string, number> {
  const positionBySpanId = new Map<string, number>();
  for (let i = 0; i < spans.length; i += 1) positionBySpanId.set((spans[i] as Span).spanId, i);
  return positionBySpanId;
}

// Traces are immutable snapshots (the store builds a new object when a trace changes), so the object is the key.
const indexes = new WeakMap<Trace, TraceIndex>();

/** The {@link TraceIndex} of a trace, built on first use. */
export function indexTrace(trace: Trace): TraceIndex {
  const cached = indexes.get(trace);
  if (cached !== undefined) return cached;
  const index = buildTraceIndex(trace);
  indexes.set(trace, index);
  return index;
}

/**
 * The index of a trace that is kept nowhere, or the kept one if there is one: clock-skew correction reads the
 * source trace's tree once and keeps an index only for the trace it returns (see {@link keepTraceIndex}).
 */
export function transientTraceIndex(trace: Trace): TraceIndex {
  return indexes.get(trace) ?? buildTraceIndex(trace);
}

/** Keeps `index` as the index of `trace` (one {@link transientTraceIndex} gave for it). */
export function keepTraceIndex(trace: Trace, index: TraceIndex): void {
  indexes.set(trace, index);
}

function buildTraceIndex(trace: Trace): TraceIndex {
  const spans = trace.spans;
  const positionBySpanId = positionsOf(spans);
  const parent = new Int32Array(spans.length);
  for (let i = 0; i < spans.length; i += 1) {
    const parentSpanId = (spans[i] as Span).parentSpanId;
    const p = parentSpanId === undefined ? -1 : (positionBySpanId.get(parentSpanId) ?? -1);
    // A span naming itself as its parent is an orphan, as the store's tree has it.
    parent[i] = p === i ? -1 : p;
  }
  // Breaking parent cycles sets their parents to -1, so the roots and orphans are read after it.
  const topDown = topDownOrder(parent);
  const { roots, orphans } = topsOf(spans, parent);
  return new BuiltIndex(spans, parent, topDown, roots, orphans, positionBySpanId);
}

/** A one-span tree, for judging a span that is not part of the trace it was asked about. */
export function loneSpanIndex(span: Span): TraceIndex {
  const top = new Int32Array([0]);
  const none = new Int32Array(0);
  const isRoot = span.parentSpanId === undefined;
  return new BuiltIndex([span], new Int32Array([-1]), top, isRoot ? top : none, isRoot ? none : top, undefined);
}

/**
 * Gives `derived`, a trace of the same spans as `source`'s index (some replaced by copies, as a clock-skew
 * adjusted trace has them), the same tree: `order[j]` is the position in the source of the span at position j of
 * `derived.spans`, and no order means the same positions. The tree arrays are permuted instead of rebuilt from
 * span ids, so each trace's tree is worked out once.
 */
export function reorderTraceIndex(derived: Trace, source: TraceIndex, order: ArrayLike<number> | undefined): void {
  if (order === undefined) {
    // The source's span id map is not kept: the source index may go, and lookups by id are rare.
    indexes.set(derived, new BuiltIndex(derived.spans, source.parent, source.topDown, source.roots, source.orphans, undefined));
    return;
  }
  const n = order.length;
  const positionOfSource = new Int32Array(n);
  for (let j = 0; j < n; j += 1) positionOfSource[order[j] as number] = j;
  const parent = new Int32Array(n);
  for (let j = 0; j < n; j += 1) {
    const p = source.parent[order[j] as number] as number;
    parent[j] = p === -1 ? -1 : (positionOfSource[p] as number);
  }
  const moved = (positions: Int32Array): Int32Array => positions.map((i) => positionOfSource[i] as number).sort();
  indexes.set(derived, new BuiltIndex(derived.spans, parent, source.topDown.map((i) => positionOfSource[i] as number), moved(source.roots), moved(source.orphans), undefined));
}

/** Roots and orphans: the positions without a parent node, split by whether the span names a parent. */
function topsOf(spans: readonly Span[], parent: Int32Array): { roots: Int32Array; orphans: Int32Array } {
  let rootCount = 0;
  let orphanCount = 0;
  for (let i = 0; i < parent.length; i += 1) {
    if (parent[i] !== -1) continue;
    if ((spans[i] as Span).parentSpanId === undefined) rootCount += 1;
    else orphanCount += 1;
  }
  const roots = new Int32Array(rootCount);
  const orphans = new Int32Array(orphanCount);
  rootCount = 0;
  orphanCount = 0;
  for (let i = 0; i < parent.length; i += 1) {
    if (parent[i] !== -1) continue;
    if ((spans[i] as Span).parentSpanId === undefined) roots[rootCount++] = i;
    else orphans[orphanCount++] = i;
  }
  return { roots, orphans };
}

/** A trace's first root span (in start order), read from its index so that no tree is built for it. */
export function firstRootSpan(trace: Trace): Span | undefined {
  const index = indexTrace(trace);
  const first = index.roots[0];
  return first === undefined ? undefined : index.spans[first];
}

/**
 * Positions ordered so that every parent comes before its children. Start-time order usually is such an order,
 * but clock skew between services can make a child start before its parent, so the order is derived from the tree.
 *
 * A parent chain that loops back on itself (bad instrumentation) reaches no root. Each such cycle is broken at its
 * earliest span, whose parent becomes -1 in `parent`, as the store's trace assembly breaks it (making that span an
 * orphan), so the index agrees with the tree without reading it.
 */
function topDownOrder(parent: Int32Array): Int32Array {
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
  let head = 0;
  const reach = (): void => {
    for (; head < length; head += 1) {
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
  };
  reach();
  for (let i = 0; i < n && length < n; i += 1) {
    if (placed[i] !== 0) continue;
    parent[i] = -1;
    order[length] = i;
    placed[i] = 1;
    length += 1;
    reach();
  }
  return order;
}

import type { Span, SpanNode, Trace } from '../model/index.ts';

/**
 * A trace's tree as arrays of span positions (positions in `trace.spans`), so that structural selection runs
 * over arrays of numbers instead of maps and objects. Built once per trace object and shared by every selector.
 * The arrays are plain ones, not `Int32Array`s: a typed array of more than 16 numbers keeps its memory outside
 * V8's heap, and making one cost about 1.9 µs against 0.1 to 0.3 µs for a plain array of the same numbers (node
 * 24, 2026-12-03), several a trace on its first look.
 */
export interface TraceIndex {
  readonly spans: readonly Span[];
  /** Position of each span's parent node, or -1 for roots and orphans. */
  readonly parent: readonly number[];
  readonly positionBySpanId: ReadonlyMap<string, number>;
  /** Every position, parents before their children (breadth-first from roots and orphans). */
  readonly topDown: readonly number[];
  /** Positions of the spans with no parent span id (the trace's roots), in start order. */
  readonly roots: readonly number[];
  /**
   * Positions of the spans whose parent never arrived or that a broken parent cycle left without one (the trace's
   * orphans), in start order.
   */
  readonly orphans: readonly number[];
}

/**
 * The one shape of every index (one hidden class for the engine's hot reads), with the span id → position map
 * built on first use: an index derived from another by reordering (see {@link reorderTraceIndex}) needs none
 * until a span is looked up by id, which judging rarely does.
 */
class BuiltIndex implements TraceIndex {
  readonly spans: readonly Span[];
  readonly parent: readonly number[];
  readonly topDown: readonly number[];
  readonly roots: readonly number[];
  readonly orphans: readonly number[];
  #positionBySpanId: ReadonlyMap<string, number> | undefined;

  constructor(spans: readonly Span[], parent: readonly number[], topDown: readonly number[], roots: readonly number[], orphans: readonly number[], positionBySpanId: ReadonlyMap<string, number> | undefined) {
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

/**
 * The index of a trace, read off the tree the store assembled (`Trace.roots`, `.orphans`, each node's children
 * and position): the store has already found every span's parent by id and broken parent cycles (making the
 * cycle's earliest span an orphan), so the index costs one walk over the nodes, with no span id hashed again.
 * Working the tree out anew from span ids (a map per trace, then children lists) was most of a trace's first look
 * in bench/evaluate.ts (45 of 92 ms of the clock-skew correction's first pass over 1,000 traces of 100 spans, in
 * warm code; 2026-12-03).
 */
function buildTraceIndex(trace: Trace): TraceIndex {
  const spans = trace.spans;
  const n = spans.length;
  const parent = new Array<number>(n);
  const topDown = new Array<number>(n);
  const roots = positionsIn(trace.roots);
  const orphans = positionsIn(trace.orphans).sort(ascending);
  // Breadth-first from the roots and orphans in trace order (orphans made by breaking a parent cycle come last in
  // the store's list); children lists are in trace order already.
  const tops = orphans.length === 0 ? trace.roots : trace.roots.concat(trace.orphans).sort(byPosition);
  // The queue holds every node once: made at its full size, it never grows (growing it copied it several times a
  // trace, garbage the first evaluation of a large run then collected).
  const queue = new Array<SpanNode>(Math.max(n, tops.length));
  let tail = 0;
  for (let top = 0; top < tops.length; top++) {
    const node = tops[top] as SpanNode;
    parent[node.position] = -1;
    queue[tail++] = node;
  }
  for (let head = 0; head < tail; head++) {
    const node = queue[head] as SpanNode;
    topDown[head] = node.position;
    const children = node.children;
    for (let c = 0; c < children.length; c++) {
      const child = children[c] as SpanNode;
      parent[child.position] = node.position;
      queue[tail++] = child;
    }
  }
  return new BuiltIndex(spans, parent, topDown, roots, orphans, undefined);
}

function positionsIn(nodes: readonly SpanNode[]): number[] {
  const positions = new Array<number>(nodes.length);
  for (let i = 0; i < nodes.length; i++) positions[i] = (nodes[i] as SpanNode).position;
  return positions;
}

function byPosition(a: SpanNode, b: SpanNode): number {
  return a.position - b.position;
}

function ascending(a: number, b: number): number {
  return a - b;
}

/** A one-span tree, for judging a span that is not part of the trace it was asked about. */
export function loneSpanIndex(span: Span): TraceIndex {
  const top = [0];
  const none: number[] = [];
  const isRoot = span.parentSpanId === undefined;
  return new BuiltIndex([span], [-1], top, isRoot ? top : none, isRoot ? none : top, undefined);
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
  const positionOfSource = new Array<number>(n);
  for (let j = 0; j < n; j += 1) positionOfSource[order[j] as number] = j;
  const parent = new Array<number>(n);
  for (let j = 0; j < n; j += 1) {
    const p = source.parent[order[j] as number] as number;
    parent[j] = p === -1 ? -1 : (positionOfSource[p] as number);
  }
  indexes.set(derived, new BuiltIndex(derived.spans, parent, mapped(source.topDown, positionOfSource), mapped(source.roots, positionOfSource).sort(ascending), mapped(source.orphans, positionOfSource).sort(ascending), undefined));
}

/** `positions` with each one replaced by `to[position]`. */
function mapped(positions: readonly number[], to: readonly number[]): number[] {
  const out = new Array<number>(positions.length);
  for (let k = 0; k < positions.length; k += 1) out[k] = to[positions[k] as number] as number;
  return out;
}

/** A trace's first root span (in start order), read from its index so that no tree is built for it. */
export function firstRootSpan(trace: Trace): Span | undefined {
  const index = indexTrace(trace);
  const first = index.roots[0];
  return first === undefined ? undefined : index.spans[first];
}

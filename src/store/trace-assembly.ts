import type { Span, SpanNode, Trace } from '../model/index.ts';
import { pinHiddenClass } from '../v8-shapes.ts';
import { sharedPartsBytes, spanRetainedBytes, TRACE_RECORD_BYTES } from './retained-size.ts';

/** A {@link SpanNode} while it is being built; exposed read-only through the model type. */
interface MutableNode {
  span: Span;
  parent: MutableNode | undefined;
  children: MutableNode[];
  depth: number;
  readonly position: number;
}

/** What adding one span did, so owners can keep their counters without rescanning. */
export interface AddOutcome {
  /** False when the span id was already stored (the new copy is dropped and counted). */
  readonly added: boolean;
  /** Change in the number of spans waiting for a parent that has not arrived (may be negative). */
  readonly orphanDelta: number;
  /** Growth of {@link TraceAssembly.retainedBytes} (0 for a duplicate). */
  readonly addedBytes: number;
}

/**
 * The spans received so far for one trace id, and the model {@link Trace} built from them on demand.
 *
 * Spans are kept once per span id; later copies are counted as duplicates (exporters retry, and an exporter may
 * resend a batch the receiver already took). The number of spans waiting for a missing parent is kept
 * incrementally, so settling can ask for it on every arrival. The built trace is cached until the next change:
 * the engine asks for traces on every change of the run, and most traces of a run do not change between asks.
 */
export class TraceAssembly {
  readonly traceId: string;
  private readonly spansById = new Map<string, Span>();
  /**
   * Parent span id → how many received spans name it while it has not arrived; `undefined` while none wait.
   * Made on demand and dropped once empty: a Map that was used keeps its table after its last delete, and an
   * always-present one cost each trace 184 bytes (23 a span of the bench's 8-span traces; 2026-12-03, heap
   * snapshot of bench/ingest.ts's store), most traces having no span waiting once their root arrived.
   */
  private waitingByParentId: Map<string, number> | undefined;
  private orphans = 0;
  private duplicates = 0;
  private cached: Trace | undefined;
  private bytes = TRACE_RECORD_BYTES;
  /** The resource and scope last counted: spans of one request share them, so each is counted once per run of spans. */
  private lastResource: object | undefined;
  private lastScope: object | undefined;

  constructor(traceId: string) {
    this.traceId = traceId;
  }

  /** Estimated heap this trace keeps alive (see retained-size.ts): its record, its spans, their resources and scopes. */
  get retainedBytes(): number {
    return this.bytes;
  }

  /** Distinct spans held. */
  get spanCount(): number {
    return this.spansById.size;
  }

  /** Spans whose parent span id names a span not (yet) received. */
  get orphanCount(): number {
    return this.orphans;
  }

  /** Copies of an already-held span id that arrived and were dropped. */
  get duplicateSpanCount(): number {
    return this.duplicates;
  }

  /** Whether a span with this id is held. */
  has(spanId: string): boolean {
    return this.spansById.has(spanId);
  }

  /** Every held span, in arrival order. */
  heldSpans(): IterableIterator<Span> {
    return this.spansById.values();
  }

  /** Adds one span of this trace (the caller checks the trace id). */
  add(span: Span): AddOutcome {
    const spanId = span.spanId;
    if (this.spansById.has(spanId)) {
      this.duplicates++;
      this.cached = undefined;
      return { added: false, orphanDelta: 0, addedBytes: 0 };
    }
    this.spansById.set(spanId, span);
    this.cached = undefined;
    const bytesBefore = this.bytes;
    this.bytes += spanRetainedBytes(span);
    if (span.resource !== this.lastResource || span.scope !== this.lastScope) {
      const shared = sharedPartsBytes(span);
      if (span.resource !== this.lastResource) this.bytes += shared.resourceBytes;
      if (span.scope !== this.lastScope) this.bytes += shared.scopeBytes;
      this.lastResource = span.resource;
      this.lastScope = span.scope;
    }
    let delta = 0;
    const parentId = span.parentSpanId;
    if (parentId !== undefined && !this.spansById.has(parentId)) {
      const waiting = (this.waitingByParentId ??= new Map<string, number>());
      waiting.set(parentId, (waiting.get(parentId) ?? 0) + 1);
      delta++;
    }
    const waiting = this.waitingByParentId;
    if (waiting !== undefined) {
      const waitingForThis = waiting.get(spanId);
      if (waitingForThis !== undefined) {
        waiting.delete(spanId);
        delta -= waitingForThis;
        if (waiting.size === 0) this.waitingByParentId = undefined;
      }
    }
    this.orphans += delta;
    return { added: true, orphanDelta: delta, addedBytes: this.bytes - bytesBefore };
  }

  /** The trace as the model shows it; rebuilt only when a span arrived since the last call. */
  build(): Trace {
    if (this.cached === undefined) this.cached = this.assemble();
    return this.cached;
  }

  private assemble(): Trace {
    const spans = [...this.spansById.values()].sort(compareSpans);
    const nodes = new Map<string, MutableNode>();
    for (let position = 0; position < spans.length; position++) {
      const span = spans[position] as Span;
      nodes.set(span.spanId, { span, parent: undefined, children: [], depth: 0, position });
    }

    const roots: MutableNode[] = [];
    const orphans: MutableNode[] = [];
    let start: bigint | undefined;
    let end: bigint | undefined;
    // Spans are visited in start order, so every children array ends up ordered by start time, then span id.
    for (const span of spans) {
      const node = nodes.get(span.spanId) as MutableNode;
      const parentId = span.parentSpanId;
      const parent = parentId === undefined || parentId === span.spanId ? undefined : nodes.get(parentId);
      if (parentId === undefined) roots.push(node);
      else if (parent === undefined) orphans.push(node);
      else {
        node.parent = parent;
        parent.children.push(node);
      }
      if (start === undefined || span.startTimeUnixNano < start) start = span.startTimeUnixNano;
      if (end === undefined || span.endTimeUnixNano > end) end = span.endTimeUnixNano;
    }

    const reached = new Set<MutableNode>();
    for (const top of [...roots, ...orphans]) setDepths(top, reached);
    // A parent chain that loops back on itself (bad instrumentation) reaches no root; each such cycle is broken
    // at its earliest span, which is reported as an orphan so nothing is silently lost.
    if (reached.size < spans.length) {
      for (const span of spans) {
        const node = nodes.get(span.spanId) as MutableNode;
        if (reached.has(node)) continue;
        const parent = node.parent;
        if (parent !== undefined) parent.children.splice(parent.children.indexOf(node), 1);
        node.parent = undefined;
        orphans.push(node);
        setDepths(node, reached);
      }
    }

    return {
      traceId: this.traceId,
      spans,
      roots,
      orphans,
      nodesBySpanId: nodes as ReadonlyMap<string, SpanNode>,
      duplicateSpanCount: this.duplicates,
      startTimeUnixNano: start ?? 0n,
      endTimeUnixNano: end ?? 0n,
    };
  }
}
// Its hidden class outlives every instance (see v8-shapes.ts).
pinHiddenClass(new TraceAssembly(''));

/** Orders spans by start time, then span id, as the model promises. */
export function compareSpans(a: Span, b: Span): number {
  if (a.startTimeUnixNano !== b.startTimeUnixNano) return a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1;
  return a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0;
}

/** Sets depths below `top` iteratively (deep traces must not overflow the stack). */
function setDepths(top: MutableNode, reached: Set<MutableNode>): void {
  top.depth = 0;
  reached.add(top);
  const stack: MutableNode[] = [top];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    for (const child of node.children) {
      if (reached.has(child)) continue;
      child.depth = node.depth + 1;
      reached.add(child);
      stack.push(child);
    }
  }
}

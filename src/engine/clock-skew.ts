import { SpanKind, serviceNameOf, type Span } from '../model/span.ts';
import type { SpanNode, Trace } from '../model/trace.ts';

/**
 * The shifts of each adjusted trace's moved spans (span id → nanoseconds), read by the trace drawing: one map per
 * adjusted trace, where a weak map entry per moved span cost more than moving it.
 */
const shiftsOfTrace = new WeakMap<Trace, ReadonlyMap<string, bigint>>();
/** Adjusted trace per original trace: built traces are cached by the store until they change. */
const adjustedTraces = new WeakMap<Trace, Trace>();

/** One adjusted hop of a trace: a span shifted by another amount than its parent (the root of a moved subtree). */
interface AdjustedHop {
  readonly span: Span;
  readonly parent: Span;
  readonly shift: bigint;
  readonly caller: string;
  readonly callee: string;
  /** caller and callee services together: the hop's note is one per key. */
  readonly key: string;
}

/**
 * The hops of each adjusted trace, in tree order, found while it was rebuilt: {@link skewNotes} runs on every
 * evaluation and then reads a short list per adjusted trace instead of looking up every span of the run.
 */
const hopsOfTrace = new WeakMap<Trace, readonly AdjustedHop[]>();

/**
 * The clock-skew shift applied to a span of an adjusted trace (one {@link adjustClockSkew} returned), in
 * nanoseconds (positive: moved later), or undefined when the span was not moved or the trace is not an adjusted one.
 *
 * @example
 * ```ts
 * const adjusted = adjustClockSkew(trace);
 * for (const span of adjusted.spans) console.log(span.name, skewAdjustmentOf(span, adjusted) ?? 0n);
 * ```
 */
export function skewAdjustmentOf(span: Span, trace: Trace): bigint | undefined {
  return shiftsOfTrace.get(trace)?.get(span.spanId);
}

/**
 * Corrects clock skew between services, the way Jaeger's and Zipkin's UIs do: when a SERVER span whose parent is
 * a CLIENT span of another service does not lie within that client span, the server span and its whole subtree
 * are shifted so the server span is centred inside the client span (the network latency is taken to be the same
 * both ways). When the server span is longer than the client span it cannot fit; its start is aligned with the
 * client's start instead. Deeper hops are checked again with the shifted times, so each service's offset is
 * corrected relative to its caller.
 *
 * Only cross-service CLIENT → SERVER hops are adjusted: spans within one service share one clock, so their
 * relative times are evidence, not skew. Durations never change.
 *
 * Returns the trace itself when nothing needed adjusting, else a new trace of copied spans (the originals are
 * untouched); {@link skewAdjustmentOf} tells the shift of each copied span.
 *
 * @example
 * ```ts
 * const adjusted = adjustClockSkew(trace);
 * for (const span of adjusted.spans) console.log(span.name, skewAdjustmentOf(span, adjusted) ?? 0n);
 * ```
 */
export function adjustClockSkew(trace: Trace): Trace {
  const cached = adjustedTraces.get(trace);
  if (cached !== undefined) return cached;
  const shifts = new Map<string, bigint>();
  const visit = (node: SpanNode, inherited: bigint): void => {
    let shift = inherited;
    const parent = node.parent;
    if (parent !== undefined && node.span.kind === SpanKind.SERVER && parent.span.kind === SpanKind.CLIENT && serviceNameOf(node.span) !== serviceNameOf(parent.span)) {
      const parentShift = shifts.get(parent.span.spanId) ?? 0n;
      const parentStart = parent.span.startTimeUnixNano + parentShift;
      const parentEnd = parent.span.endTimeUnixNano + parentShift;
      const start = node.span.startTimeUnixNano + shift;
      const end = node.span.endTimeUnixNano + shift;
      if (start < parentStart || end > parentEnd) {
        const parentDuration = parentEnd - parentStart;
        const duration = end - start;
        const target = duration <= parentDuration ? parentStart + (parentDuration - duration) / 2n : parentStart;
        shift += target - start;
      }
    }
    if (shift !== 0n) shifts.set(node.span.spanId, shift);
    for (const child of node.children) visit(child, shift);
  };
  for (const root of trace.roots) visit(root, 0n);
  for (const orphan of trace.orphans) visit(orphan, 0n);
  const adjusted = shifts.size === 0 ? trace : rebuild(trace, shifts);
  adjustedTraces.set(trace, adjusted);
  return adjusted;
}

interface MutableNode {
  span: Span;
  parent: MutableNode | undefined;
  children: MutableNode[];
  depth: number;
}

function rebuild(trace: Trace, shifts: ReadonlyMap<string, bigint>): Trace {
  const nodesBySpanId = new Map<string, MutableNode>();
  const hops: AdjustedHop[] = [];
  // The moved spans and their copies, in pairs: a few of a trace's spans.
  const moved: Span[] = [];
  const copies: Span[] = [];
  const copy = (node: SpanNode, parent: MutableNode | undefined, parentShift: bigint): MutableNode => {
    const shift = shifts.get(node.span.spanId);
    let span = node.span;
    if (shift !== undefined) {
      span = { ...span, startTimeUnixNano: span.startTimeUnixNano + shift, endTimeUnixNano: span.endTimeUnixNano + shift };
      moved.push(node.span);
      copies.push(span);
      if (parent !== undefined && parentShift !== shift) {
        const callee = serviceNameOf(span) ?? '?';
        const caller = serviceNameOf(parent.span) ?? '?';
        hops.push({ span, parent: parent.span, shift, caller, callee, key: `${caller}\u0000${callee}` });
      }
    }
    const out: MutableNode = { span, parent, children: [], depth: node.depth };
    nodesBySpanId.set(span.spanId, out);
    const children: MutableNode[] = [];
    for (const child of node.children) children.push(copy(child, out, shift ?? 0n));
    out.children = sortedByStart(children);
    return out;
  };
  const roots = trace.roots.map((root) => copy(root, undefined, 0n));
  const orphans = trace.orphans.map((orphan) => copy(orphan, undefined, 0n));
  // The trace's order with the copies in place of the moved spans, sorted again only if a move broke it: the
  // other neighbours are as they were, in order, so only the copies' neighbours need comparing.
  const spans = trace.spans.slice();
  const places = moved.map((span, i) => {
    const place = spans.indexOf(span);
    spans[place] = copies[i] as Span;
    return place;
  });
  const outOfOrder = (i: number): boolean => i > 0 && i < spans.length && compareSpans(spans[i - 1] as Span, spans[i] as Span) > 0;
  if (places.some((place) => outOfOrder(place) || outOfOrder(place + 1))) spans.sort(compareSpans);
  let startTimeUnixNano = trace.startTimeUnixNano;
  let endTimeUnixNano = trace.endTimeUnixNano;
  if (spans.length > 0) {
    startTimeUnixNano = spans[0]?.startTimeUnixNano ?? startTimeUnixNano;
    endTimeUnixNano = spans.reduce((max, span) => (span.endTimeUnixNano > max ? span.endTimeUnixNano : max), spans[0]?.endTimeUnixNano ?? endTimeUnixNano);
  }
  const adjusted: Trace = {
    traceId: trace.traceId,
    spans,
    roots: sortedByStart(roots),
    orphans: sortedByStart(orphans),
    nodesBySpanId,
    duplicateSpanCount: trace.duplicateSpanCount,
    startTimeUnixNano,
    endTimeUnixNano,
  };
  hopsOfTrace.set(adjusted, hops);
  shiftsOfTrace.set(adjusted, shifts);
  return adjusted;
}

/** Nodes in start order; most sibling lists already are (shifts move whole subtrees), and checking costs less than sorting. */
function sortedByStart(nodes: MutableNode[]): MutableNode[] {
  for (let i = 1; i < nodes.length; i++) if (byStart(nodes[i - 1] as MutableNode, nodes[i] as MutableNode) > 0) return nodes.sort(byStart);
  return nodes;
}

function byStart(a: MutableNode, b: MutableNode): number {
  return compareSpans(a.span, b.span);
}

function compareSpans(a: Span, b: Span): number {
  if (a.startTimeUnixNano !== b.startTimeUnixNano) return a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1;
  return a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0;
}

/**
 * One note per adjusted hop (caller service → callee service): which service's spans were shifted, by how much,
 * to fit inside which caller's client spans. Hops adjusted in several traces share one note, with the range of
 * shifts, so a run of many requests between two slightly skewed hosts reads as one finding, not one per request.
 */
export function skewNotes(traces: readonly Trace[]): string[] {
  type Hop = { callee: string; caller: string; spanName: string; clientName: string; traceId: string; shifts: bigint[] };
  const hops = new Map<string, Hop>();
  // The same hop mostly repeats trace after trace (one skewed host): its note is found without a hash lookup.
  let lastKey: string | undefined;
  let lastHop: Hop | undefined;
  for (const trace of traces) {
    // Only traces rebuilt by adjustClockSkew have hops; any other trace has no adjusted span.
    for (const { span, parent, shift, caller, callee, key } of hopsOfTrace.get(trace) ?? []) {
      let hop = key === lastKey ? lastHop : hops.get(key);
      if (hop === undefined) {
        hop = { callee, caller, spanName: span.name, clientName: parent.name, traceId: trace.traceId, shifts: [shift] };
        hops.set(key, hop);
      } else {
        hop.shifts.push(shift);
      }
      lastKey = key;
      lastHop = hop;
    }
  }
  const notes: string[] = [];
  for (const hop of hops.values()) {
    if (hop.shifts.length === 1) {
      notes.push(
        `clock skew: ${hop.callee}'s span "${hop.spanName}" and its subtree were shifted ${formatShift(hop.shifts[0] as bigint)} ` +
          `to fit inside ${hop.caller}'s client span "${hop.clientName}" (trace ${hop.traceId.slice(0, 8)}); ordering and latency checks used the adjusted times`,
      );
      continue;
    }
    let least = hop.shifts[0] as bigint;
    let most = least;
    for (const shift of hop.shifts) {
      if (shift < least) least = shift;
      if (shift > most) most = shift;
    }
    notes.push(
      `clock skew: ${hop.callee}'s spans and their subtrees were shifted ${hop.shifts.length} times, by ${formatShift(least)} to ${formatShift(most)}, ` +
        `to fit inside ${hop.caller}'s client spans; ordering and latency checks used the adjusted times`,
    );
  }
  return notes;
}

function formatShift(shiftNanos: bigint): string {
  const ms = Number(shiftNanos) / 1e6;
  return `${ms >= 0 ? '+' : ''}${ms.toFixed(3)}ms`;
}

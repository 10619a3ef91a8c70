// Over 400 lines on purpose: clock-skew correction in one place, in the order it runs. A hop's evidence (how far a
// server span lies outside its client span, against the two clocks' precision), the adjusted trace rebuilt with
// its moved spans, and the run notes that name the worst hop. Split up, the rule that decides a move and the words
// that report it would drift apart. The clock precisions themselves are in span-clock.ts.
import { serviceNameOf, SpanKind, spanWithTimes } from '../model/index.ts';
import type { Span, SpanNode, Trace } from '../model/index.ts';
import { formatDurationNanos } from '../language/index.ts';
import { compareSpans } from '../store/index.ts';
import type { RunNote, RunNoteDiagnostic } from './results.ts';
import { clockRelationOf, deriveClockPrecisions, startPrecisionBoundNanosOf, startPrecisionNanosOf, type ClockRelation } from './span-clock.ts';
import { keepTraceIndex, reorderTraceIndex, transientTraceIndex, type TraceIndex } from './trace-index.ts';

/**
 * The shifts of each adjusted trace's moved spans (span id → nanoseconds), read by the trace drawing: one map per
 * adjusted trace, where a weak map entry per moved span cost more than moving it.
 */
const shiftsOfTrace = new WeakMap<Trace, ReadonlyMap<string, bigint>>();
/** Adjusted trace per original trace: built traces are cached by the store until they change. */
const adjustedTraces = new WeakMap<Trace, Trace>();

/**
 * How a server span lay outside its client span. On one clock a server span starts within its client span
 * (`started-before` and `started-after-end` break causality), but may end after it: the server's end is stamped
 * when its event loop gets to it, after the response bytes left, and the client may have read them first (runs of
 * the three-service example on one machine show server spans ending 0.2 to 19 ms after their client spans).
 */
type Violation = 'started-before' | 'started-after-end' | 'ended-after';

/**
 * Why a server span was moved: how far it lay outside its client span, by at least the coarser start-time precision
 * of the two spans' clocks (a smaller violation is rounding, not skew). The precision itself is worked out for the
 * notes, of the worst hop only (see {@link skewNotes}).
 */
interface SkewEvidence {
  readonly violation: Violation;
  /** How far the server span lay outside its client span that way, in nanoseconds. */
  readonly violationNanos: bigint;
}

/** One adjusted hop of a trace: a span shifted by another amount than its parent (the root of a moved subtree). */
interface AdjustedHop extends SkewEvidence {
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
 * What counts as evidence of skew (see {@link skewEvidenceOf}):
 * - nothing smaller than the timestamps can resolve: the coarser start-time precision of the two spans' clocks
 *   (see {@link startPrecisionNanosOf}). The OpenTelemetry JS SDK stamps starts in whole milliseconds and ends as
 *   start plus a precise duration, so on one clock a server span may seem to end up to 1 ms after its client span;
 *   moving the callee's subtree for that made orderings between the two services flaky;
 * - a server span that starts before its client span, or after it ended, by at least that precision: impossible
 *   on one clock, so it is corrected whatever the hosts (the note says when they are one host or process);
 * - a server span that only ends after its client span, by at least that precision, and only when the two run on
 *   different hosts (or the resources do not say): on one host that is a late-stamped end, not skew.
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
  // Parents before children, over the index's arrays: each span's shift is its parent's, corrected at a skewed hop.
  // The source's index is kept only if the trace needs no adjusting: else the adjusted trace's is.
  const index = transientTraceIndex(trace);
  const { spans, parent, topDown } = index;
  // Shifts by position, allocated at the first shift: most traces have none.
  let shifts: bigint[] | undefined;
  let evidence: Map<number, SkewEvidence> | undefined;
  for (let k = 0; k < topDown.length; k += 1) {
    const i = topDown[k] as number;
    const p = parent[i] as number;
    if (p === -1) continue;
    let shift = shifts === undefined ? 0n : (shifts[p] as bigint);
    const span = spans[i] as Span;
    const parentSpan = spans[p] as Span;
    if (span.kind === SpanKind.SERVER && parentSpan.kind === SpanKind.CLIENT && serviceNameOf(span) !== serviceNameOf(parentSpan)) {
      // The span and its parent share the shift of their ancestors; most hops have none to add.
      const parentStart = shift === 0n ? parentSpan.startTimeUnixNano : parentSpan.startTimeUnixNano + shift;
      const parentEnd = shift === 0n ? parentSpan.endTimeUnixNano : parentSpan.endTimeUnixNano + shift;
      const start = shift === 0n ? span.startTimeUnixNano : span.startTimeUnixNano + shift;
      const end = shift === 0n ? span.endTimeUnixNano : span.endTimeUnixNano + shift;
      if (start < parentStart || end > parentEnd) {
        const found = skewEvidenceOf(parentSpan, span, trace, start - parentStart, end - parentEnd, start - parentEnd);
        if (found !== undefined) {
          const parentDuration = parentEnd - parentStart;
          const duration = end - start;
          const target = duration <= parentDuration ? parentStart + (parentDuration - duration) / 2n : parentStart;
          shift += target - start;
          (evidence ??= new Map()).set(i, found);
        }
      }
    }
    if (shift !== 0n) {
      shifts ??= new Array<bigint>(spans.length).fill(0n);
      shifts[i] = shift;
    }
  }
  if (shifts === undefined) keepTraceIndex(trace, index);
  const adjusted = shifts === undefined ? trace : rebuild(trace, index, shifts, evidence ?? new Map());
  adjustedTraces.set(trace, adjusted);
  return adjusted;
}

/**
 * The evidence that a server span lying outside its client span (by the offsets given, with any shifts of its
 * ancestors applied) is skew, or undefined when it is not: the violation must reach the coarser start-time
 * precision of the two spans' clocks, and a server span that only ends late counts only across hosts.
 */
function skewEvidenceOf(client: Span, server: Span, trace: Trace, startOffset: bigint, endOffset: bigint, startAfterEnd: bigint): SkewEvidence | undefined {
  // A violation that reaches the bound the two starts set reaches the precision; only a smaller one needs the
  // precision itself, which walks the trace's starts (once per trace).
  const bound = coarser(startPrecisionBoundNanosOf(server), startPrecisionBoundNanosOf(client));
  let precisionNanos: bigint | undefined;
  const reaches = (nanos: bigint): boolean => nanos >= bound || (nanos > 0n && nanos >= (precisionNanos ??= hopPrecisionNanos(client, server, trace)));
  if (reaches(-startOffset)) return { violation: 'started-before', violationNanos: -startOffset };
  if (reaches(startAfterEnd)) return { violation: 'started-after-end', violationNanos: startAfterEnd };
  if (!reaches(endOffset)) return undefined;
  // How the hosts relate is read only here, and for the notes (of the worst hop of each).
  const clocks = clockRelationOf(client.resource, server.resource).kind;
  if (clocks === 'same-host' || clocks === 'same-process') return undefined;
  return { violation: 'ended-after', violationNanos: endOffset };
}

function coarser(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** The coarser start-time precision of a hop's two spans' clocks in `trace` (see {@link startPrecisionNanosOf}). */
function hopPrecisionNanos(client: Span, server: Span, trace: Trace): bigint {
  return coarser(startPrecisionNanosOf(server, trace), startPrecisionNanosOf(client, trace));
}

interface MutableNode {
  span: Span;
  parent: MutableNode | undefined;
  children: MutableNode[];
  depth: number;
  position: number;
}

/**
 * A trace with some spans replaced by shifted copies. Its span list is built at once; its tree (roots, orphans,
 * nodes by span id) only when something asks for it, from the source trace's tree: the engine's hot paths read
 * the trace index instead (see {@link indexTrace}), and copying every node of every adjusted trace was most of
 * the clock-skew correction's cost in the first evaluation of a run (measured in bench/evaluate.ts: about 100 of
 * the 130 ms that correction took over 1,000 adjusted traces of 100 spans).
 */
class AdjustedTrace implements Trace {
  readonly traceId: string;
  readonly spans: readonly Span[];
  readonly duplicateSpanCount: number;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly #source: Trace;
  /** The copy of each moved span, by span id. */
  readonly #copies: ReadonlyMap<string, Span>;
  #tree: { roots: readonly SpanNode[]; orphans: readonly SpanNode[]; nodesBySpanId: ReadonlyMap<string, SpanNode> } | undefined;

  constructor(source: Trace, spans: readonly Span[], copies: ReadonlyMap<string, Span>, startTimeUnixNano: bigint, endTimeUnixNano: bigint) {
    this.traceId = source.traceId;
    this.spans = spans;
    this.duplicateSpanCount = source.duplicateSpanCount;
    this.startTimeUnixNano = startTimeUnixNano;
    this.endTimeUnixNano = endTimeUnixNano;
    this.#source = source;
    this.#copies = copies;
  }

  get roots(): readonly SpanNode[] {
    return this.#built().roots;
  }

  get orphans(): readonly SpanNode[] {
    return this.#built().orphans;
  }

  get nodesBySpanId(): ReadonlyMap<string, SpanNode> {
    return this.#built().nodesBySpanId;
  }

  #built(): { roots: readonly SpanNode[]; orphans: readonly SpanNode[]; nodesBySpanId: ReadonlyMap<string, SpanNode> } {
    if (this.#tree !== undefined) return this.#tree;
    const nodesBySpanId = new Map<string, MutableNode>();
    const copies = this.#copies;
    // Moves may have reordered the spans; a tree is rarely asked of an adjusted trace, so positions are looked up.
    const positionOf = new Map<Span, number>();
    for (let i = 0; i < this.spans.length; i++) positionOf.set(this.spans[i] as Span, i);
    const copy = (node: SpanNode, parent: MutableNode | undefined): MutableNode => {
      const span = copies.get(node.span.spanId) ?? node.span;
      const out: MutableNode = { span, parent, children: [], depth: node.depth, position: positionOf.get(span) as number };
      nodesBySpanId.set(span.spanId, out);
      const children: MutableNode[] = [];
      for (const child of node.children) children.push(copy(child, out));
      out.children = sortedByStart(children);
      return out;
    };
    const roots = sortedByStart(this.#source.roots.map((root) => copy(root, undefined)));
    const orphans = sortedByStart(this.#source.orphans.map((orphan) => copy(orphan, undefined)));
    this.#tree = { roots, orphans, nodesBySpanId };
    return this.#tree;
  }
}

function rebuild(trace: Trace, index: TraceIndex, shiftAt: readonly bigint[], evidence: ReadonlyMap<number, SkewEvidence>): Trace {
  const { parent } = index;
  const hops: AdjustedHop[] = [];
  const shifts = new Map<string, bigint>();
  const copies = new Map<string, Span>();
  // The trace's order with the copies in place of the moved spans, sorted again only if a move broke it: the
  // other neighbours are as they were, in order, so only the copies' neighbours need comparing.
  const spans = trace.spans.slice();
  const places: number[] = [];
  for (let i = 0; i < spans.length; i += 1) {
    const shift = shiftAt[i] as bigint;
    if (shift === 0n) continue;
    const original = spans[i] as Span;
    const span = spanWithTimes(original, original.startTimeUnixNano + shift, original.endTimeUnixNano + shift);
    spans[i] = span;
    copies.set(span.spanId, span);
    shifts.set(span.spanId, shift);
    places.push(i);
  }
  // The hops in tree order (the evidence was found in it): the moved spans whose shift differs from their parent's.
  for (const [i, found] of evidence) {
    const p = parent[i] as number;
    if (shiftAt[i] === shiftAt[p]) continue;
    const span = spans[i] as Span;
    const parentSpan = spans[p] as Span;
    const callee = serviceNameOf(span) ?? '?';
    const caller = serviceNameOf(parentSpan) ?? '?';
    hops.push({ span, parent: parentSpan, shift: shiftAt[i] as bigint, caller, callee, key: `${caller}\u0000${callee}`, ...found });
  }
  // The source position of each span of the adjusted order: the same but where a move broke the order.
  let order: number[] | undefined;
  if (movesBreakOrder(spans, places)) {
    order = mergedOrder(spans, places);
    const unsorted = spans.slice();
    for (let j = 0; j < order.length; j += 1) spans[j] = unsorted[order[j] as number] as Span;
  }
  let startTimeUnixNano = trace.startTimeUnixNano;
  let endTimeUnixNano = trace.endTimeUnixNano;
  if (spans.length > 0) {
    startTimeUnixNano = (spans[0] as Span).startTimeUnixNano;
    endTimeUnixNano = (spans[0] as Span).endTimeUnixNano;
    for (let i = 1; i < spans.length; i += 1) if ((spans[i] as Span).endTimeUnixNano > endTimeUnixNano) endTimeUnixNano = (spans[i] as Span).endTimeUnixNano;
  }
  const adjusted = new AdjustedTrace(trace, spans, copies, startTimeUnixNano, endTimeUnixNano);
  // The same tree over the same spans: the source's tree arrays, reordered where the order changed.
  reorderTraceIndex(adjusted, index, order);
  hopsOfTrace.set(adjusted, hops);
  shiftsOfTrace.set(adjusted, shifts);
  deriveClockPrecisions(adjusted, trace);
  return adjusted;
}

/** Whether a span at one of the `moved` positions is out of start order with a neighbour. */
function movesBreakOrder(spans: readonly Span[], moved: readonly number[]): boolean {
  for (let m = 0; m < moved.length; m += 1) {
    const i = moved[m] as number;
    if (i > 0 && compareSpans(spans[i - 1] as Span, spans[i] as Span) > 0) return true;
    if (i + 1 < spans.length && compareSpans(spans[i] as Span, spans[i + 1] as Span) > 0) return true;
  }
  return false;
}

/**
 * The positions of `spans` in start order, when only the spans at `moved` (ascending positions) may be out of it:
 * the others keep their relative order, so the few moved ones are sorted and merged in, instead of sorting all.
 */
function mergedOrder(spans: readonly Span[], moved: readonly number[]): number[] {
  const movedOrder = moved.slice().sort((a, b) => compareSpans(spans[a] as Span, spans[b] as Span));
  // Made at its full size: every position goes in once.
  const order = new Array<number>(spans.length);
  let k = 0;
  let m = 0;
  let next = 0;
  for (let i = 0; i < spans.length; i += 1) {
    if (i === moved[next]) {
      next += 1;
      continue;
    }
    while (m < movedOrder.length && compareSpans(spans[movedOrder[m] as number] as Span, spans[i] as Span) < 0) order[k++] = movedOrder[m++] as number;
    order[k++] = i;
  }
  while (m < movedOrder.length) order[k++] = movedOrder[m++] as number;
  return order;
}

/** Nodes in start order; most sibling lists already are (shifts move whole subtrees), and checking costs less than sorting. */
function sortedByStart(nodes: MutableNode[]): MutableNode[] {
  for (let i = 1; i < nodes.length; i++) if (byStart(nodes[i - 1] as MutableNode, nodes[i] as MutableNode) > 0) return nodes.sort(byStart);
  return nodes;
}

function byStart(a: MutableNode, b: MutableNode): number {
  return compareSpans(a.span, b.span);
}

/**
 * One note per adjusted hop (caller service → callee service): which service's spans were shifted, by how much,
 * to fit inside which caller's client spans, and the evidence for it: how far the spans lay outside their client
 * spans against the precision of their start times, and whether the hosts differ. Hops adjusted in several
 * traces share one note, with the range of shifts, so a run of many requests between two slightly skewed hosts
 * reads as one finding, not one per request.
 */
export function skewNotes(traces: readonly Trace[]): RunNote[] {
  type Hop = { callee: string; caller: string; spanName: string; clientName: string; traceId: string; shifts: bigint[]; worst: AdjustedHop; worstTrace: Trace };
  const hops = new Map<string, Hop>();
  // The same hop mostly repeats trace after trace (one skewed host): its note is found without a hash lookup.
  let lastKey: string | undefined;
  let lastHop: Hop | undefined;
  // Indexed loops: this runs once per evaluation, the first one in code V8 has not optimised yet, where each
  // `for…of` step is an iterator call allocating its result.
  for (let t = 0; t < traces.length; t++) {
    const trace = traces[t] as Trace;
    // Only traces rebuilt by adjustClockSkew have hops; any other trace has no adjusted span.
    const adjustedHops = hopsOfTrace.get(trace);
    if (adjustedHops === undefined) continue;
    for (let h = 0; h < adjustedHops.length; h++) {
      const adjusted = adjustedHops[h] as AdjustedHop;
      const { span, parent, shift, caller, callee, key } = adjusted;
      let hop = key === lastKey ? lastHop : hops.get(key);
      if (hop === undefined) {
        hop = { callee, caller, spanName: span.name, clientName: parent.name, traceId: trace.traceId, shifts: [shift], worst: adjusted, worstTrace: trace };
        hops.set(key, hop);
      } else {
        hop.shifts.push(shift);
        if (adjusted.violationNanos > hop.worst.violationNanos) {
          hop.worst = adjusted;
          hop.worstTrace = trace;
        }
      }
      lastKey = key;
      lastHop = hop;
    }
  }
  const notes: RunNote[] = [];
  for (const hop of hops.values()) {
    const name = `hop ${hop.caller} → ${hop.callee}`;
    const { worst } = hop;
    const [least, most] = rangeOf(hop.shifts);
    // The worst hop's precision alone: each hop's violation reached its own (that is why it moved), and working out
    // every adjusted trace's precisions for a range in the note walked every start of every one of them.
    const precision = formatDurationNanos(hopPrecisionNanos(worst.parent, worst.span, hop.worstTrace));
    const diagnostic: RunNoteDiagnostic = {
      traceId: worst.span.traceId,
      spanIds: [worst.parent.spanId, worst.span.spanId],
      callerService: hop.caller,
      calleeService: hop.callee,
      offsetNanos: { min: String(least), max: String(most) },
      count: hop.shifts.length,
    };
    const note = (message: string): void => {
      notes.push({ code: 'clock-skew', message, diagnostic });
    };
    if (hop.shifts.length === 1) {
      note(
        `clock skew: ${hop.callee}'s span "${hop.spanName}" and its subtree were shifted ${formatShift(hop.shifts[0] as bigint)} ` +
          `to fit inside ${hop.caller}'s client span "${hop.clientName}" (${name}, trace ${hop.traceId.slice(0, 8)}); ` +
          `evidence: it ${violationText(worst)}, beyond the ${precision} precision of the two spans' start times, ` +
          `and ${clocksText(clockRelationOf(worst.parent.resource, worst.span.resource))}; ordering and latency checks used the adjusted times`,
      );
      continue;
    }
    note(
      `clock skew: ${hop.callee}'s spans and their subtrees were shifted ${hop.shifts.length} times, by ${formatShift(least)} to ${formatShift(most)}, ` +
        `to fit inside ${hop.caller}'s client spans (${name}); evidence: each lay outside its client span beyond the precision of the spans' start times, ` +
        `the most in trace ${worst.span.traceId.slice(0, 8)}, where ${hop.callee}'s span ${violationText(worst)}, beyond the ${precision} precision of the two spans' start times, ` +
        `and ${clocksText(clockRelationOf(worst.parent.resource, worst.span.resource))}; ordering and latency checks used the adjusted times`,
    );
  }
  return notes;
}

/** How a moved server span lay outside its client span, as a note says it. */
function violationText(evidence: SkewEvidence): string {
  const by = formatDurationNanos(evidence.violationNanos);
  switch (evidence.violation) {
    case 'started-before':
      return `started ${by} before the client span`;
    case 'started-after-end':
      return `started ${by} after the client span ended`;
    case 'ended-after':
      return `ended ${by} after the client span`;
  }
}

/** What the resources say of the two clocks, as the second half of a note's evidence. */
function clocksText(clocks: ClockRelation): string {
  switch (clocks.kind) {
    case 'different-hosts':
      return `the two run on different hosts (${clocks.callerHost}, ${clocks.calleeHost})`;
    case 'same-host':
      return `this although both run on one host (${clocks.host}), whose clock they should share`;
    case 'same-process':
      return `this although both come from one process (process.pid ${clocks.pid} on ${clocks.host}), which has one clock`;
    case 'unknown':
      return 'the resources name no host (host.id or host.name) to compare';
  }
}

function rangeOf(values: readonly bigint[]): [bigint, bigint] {
  let least = values[0] as bigint;
  let most = least;
  for (let i = 1; i < values.length; i++) {
    const value = values[i] as bigint;
    if (value < least) least = value;
    if (value > most) most = value;
  }
  return [least, most];
}

function formatShift(shiftNanos: bigint): string {
  const ms = Number(shiftNanos) / 1e6;
  return `${ms >= 0 ? '+' : ''}${ms.toFixed(3)}ms`;
}

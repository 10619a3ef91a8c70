import { SpanKind, serviceNameOf, type Span } from '../model/span.ts';
import type { SpanNode, Trace } from '../model/trace.ts';

/** Shift applied to each adjusted span (the adjusted copy), in nanoseconds; read by the trace drawing. */
const adjustments = new WeakMap<Span, bigint>();
/** Adjusted trace per original trace: built traces are cached by the store until they change. */
const adjustedTraces = new WeakMap<Trace, Trace>();

/**
 * The clock-skew shift applied to a span of an adjusted trace, in nanoseconds (positive: moved later), or
 * undefined when the span was not moved.
 */
export function skewAdjustmentOf(span: Span): bigint | undefined {
  return adjustments.get(span);
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
 * for (const span of adjusted.spans) console.log(span.name, skewAdjustmentOf(span) ?? 0n);
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
  const copy = (node: SpanNode, parent: MutableNode | undefined): MutableNode => {
    const shift = shifts.get(node.span.spanId);
    let span = node.span;
    if (shift !== undefined) {
      span = { ...span, startTimeUnixNano: span.startTimeUnixNano + shift, endTimeUnixNano: span.endTimeUnixNano + shift };
      adjustments.set(span, shift);
    }
    const out: MutableNode = { span, parent, children: [], depth: node.depth };
    nodesBySpanId.set(span.spanId, out);
    out.children = node.children.map((child) => copy(child, out)).sort(byStart);
    return out;
  };
  const roots = trace.roots.map((root) => copy(root, undefined));
  const orphans = trace.orphans.map((orphan) => copy(orphan, undefined));
  const spans = [...nodesBySpanId.values()].map((node) => node.span).sort(compareSpans);
  let startTimeUnixNano = trace.startTimeUnixNano;
  let endTimeUnixNano = trace.endTimeUnixNano;
  if (spans.length > 0) {
    startTimeUnixNano = spans[0]?.startTimeUnixNano ?? startTimeUnixNano;
    endTimeUnixNano = spans.reduce((max, span) => (span.endTimeUnixNano > max ? span.endTimeUnixNano : max), spans[0]?.endTimeUnixNano ?? endTimeUnixNano);
  }
  return {
    traceId: trace.traceId,
    spans,
    roots: roots.sort(byStart),
    orphans: orphans.sort(byStart),
    nodesBySpanId,
    duplicateSpanCount: trace.duplicateSpanCount,
    startTimeUnixNano,
    endTimeUnixNano,
  };
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
  const hops = new Map<string, { callee: string; caller: string; spanName: string; clientName: string; traceId: string; shifts: bigint[] }>();
  for (const trace of traces) {
    for (const node of trace.nodesBySpanId.values()) {
      const shift = adjustments.get(node.span);
      const parent = node.parent;
      if (shift === undefined || parent === undefined || (adjustments.get(parent.span) ?? 0n) === shift) continue;
      const callee = serviceNameOf(node.span) ?? '?';
      const caller = serviceNameOf(parent.span) ?? '?';
      const key = `${caller}\u0000${callee}`;
      const hop = hops.get(key);
      if (hop === undefined) {
        hops.set(key, { callee, caller, spanName: node.span.name, clientName: parent.span.name, traceId: trace.traceId, shifts: [shift] });
      } else {
        hop.shifts.push(shift);
      }
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
    const sorted = [...hop.shifts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    notes.push(
      `clock skew: ${hop.callee}'s spans and their subtrees were shifted ${hop.shifts.length} times, by ${formatShift(sorted[0] as bigint)} to ${formatShift(sorted[sorted.length - 1] as bigint)}, ` +
        `to fit inside ${hop.caller}'s client spans; ordering and latency checks used the adjusted times`,
    );
  }
  return notes;
}

function formatShift(shiftNanos: bigint): string {
  const ms = Number(shiftNanos) / 1e6;
  return `${ms >= 0 ? '+' : ''}${ms.toFixed(3)}ms`;
}

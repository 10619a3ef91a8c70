import type { Span } from './span.ts';

/** A node of a reconstructed trace tree. */
export interface SpanNode {
  readonly span: Span;
  /** The parent node, or `undefined` for a root or an orphan. */
  readonly parent: SpanNode | undefined;
  /** Children ordered by start time, then span id. */
  readonly children: readonly SpanNode[];
  /** Depth below its root (roots and orphans are 0). */
  readonly depth: number;
  /** Where its span sits in its trace's {@link Trace.spans}. */
  readonly position: number;
}

/**
 * A trace reconstructed from every span received for one trace id, across exports, transports and services.
 */
export interface Trace {
  /** 32 lower-case hex digits. */
  readonly traceId: string;
  /** Every distinct span, ordered by start time, then span id. */
  readonly spans: readonly Span[];
  /** Spans with no parent span id. */
  readonly roots: readonly SpanNode[];
  /** Spans whose parent span id names a span that was never received. */
  readonly orphans: readonly SpanNode[];
  /** Node of each span, by span id. */
  readonly nodesBySpanId: ReadonlyMap<string, SpanNode>;
  /** How many spans arrived again with a span id already stored (kept once). */
  readonly duplicateSpanCount: number;
  /** Earliest start of any span. */
  readonly startTimeUnixNano: bigint;
  /** Latest end of any span. */
  readonly endTimeUnixNano: bigint;
}

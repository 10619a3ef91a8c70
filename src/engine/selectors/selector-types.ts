import type { Span } from '../../model/index.ts';
import type { Trace } from '../../model/index.ts';
import type { SelectorAst } from '../../language/index.ts';

/** Whether one span satisfies a condition. Compiled once per selector. */
export type SpanPredicate = (span: Span) => boolean;

/**
 * A selector ready to run against traces: what the reference implementation and every accelerated one compile
 * to. Compile once, use on every trace.
 */
export interface CompiledSelector {
  readonly ast: SelectorAst;
  /** The selector as canonical source text. */
  readonly text: string;
  /** Whether it uses structural operators (`>`, `>>`, ...), and so judges spans by their place in the tree. */
  readonly structural: boolean;
  /** The spans of `trace` the selector picks, in trace order (start time, then span id). Read it, do not change it. */
  select(trace: Trace): readonly Span[];
  /** Whether `span` (a span of `trace`) is in the selected set. A span not in `trace` is judged as a lone span. */
  matchesSpan(span: Span, trace: Trace): boolean;
}

/** A condition (no structural operators) compiled three ways over a list of spans. */
export interface SpanFilter {
  readonly matches: SpanPredicate;
  /**
   * The spans that match, in the given order. Allocates nothing when none or all match (the shared empty array, or
   * `spans` itself), else an array of exactly the matches.
   */
  select(spans: readonly Span[]): readonly Span[];
  /** A membership mask (1 = matches) by position; written into `into` when given (zeroed, as long as `spans`). */
  mask(spans: readonly Span[], into?: Uint8Array): Uint8Array;
}

/** The selection of nothing, shared: selections are read, never written. */
export const NO_SPANS: readonly Span[] = Object.freeze([]);

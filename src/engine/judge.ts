import type { RunWindow, Span, Trace } from '../model/index.ts';
import type { SpecScalar } from '../language/index.ts';
import type { PropagationDiagnostic } from './diagnosis/propagation.ts';
import type { NearMiss, ShapeDiff } from './results.ts';
import type { SelectorCache } from './selector-cache.ts';

/**
 * What one expectation is judged over: one selected trace (`scope: trace`), or every selected trace together
 * (`scope: run`), with the variables known there.
 */
export interface JudgeUnit {
  readonly traces: readonly Trace[];
  /** Spec `vars` plus values captured by earlier expectations of the spec in this unit. */
  readonly vars: Map<string, SpecScalar>;
  /** Traces by id, covering at least the unit's traces (the run's, in practice). */
  readonly traceById: ReadonlyMap<string, Trace>;
  /**
   * Set when only whether the expectation holds matters: it already failed in an earlier trace, whose failure is
   * the one reported, so a failure here is counted but never explained. A judge may then answer
   * {@link BRIEF_FAILURE} instead of writing messages, drawing near misses and naming spans.
   */
  readonly brief?: boolean;
}

/** The failure a judge may answer to a {@link JudgeUnit} marked `brief`: counted, never shown. */
export const BRIEF_FAILURE: Verdict = Object.freeze({ passed: false, message: 'failed (explained in an earlier trace)', expected: '', actual: 'failed', spans: Object.freeze([]) });

/** Things an evaluation pass shares between expectations. */
export interface JudgeContext {
  /** Every trace of the run by trace id: span links may point anywhere in the run. */
  readonly traceById: ReadonlyMap<string, Trace>;
  readonly selectors: SelectorCache;
  /**
   * The run's propagation diagnostics (computed on first call, then kept for the pass), when the run source
   * provides them: `connected` and `propagates` name the broken hop with them.
   */
  readonly propagation?: () => readonly PropagationDiagnostic[];
  /** When the run began and its last export arrived, when the source knows (see `RunSource.window`). */
  readonly runWindow?: RunWindow;
}

/** The engine-internal finding of one expectation in one unit; becomes a public ExpectationResult later. */
export interface Verdict {
  readonly passed: boolean;
  readonly message: string;
  readonly expected: string;
  readonly actual: string;
  /** The spans the verdict is about: the offending ones for a failure. */
  readonly spans: readonly Span[];
  /** Notes beside spans in the drawn trace (span id → note); marks them. */
  readonly marks?: ReadonlyMap<string, string>;
  /** The trace to draw; defaults to the trace of the first span, else the unit's first trace. */
  readonly trace?: Trace;
  readonly nearMisses?: readonly NearMiss[];
  /** A failed shape: how the trace differs from it. */
  readonly shapeDiff?: ShapeDiff;
  /** Values for `${var:NAME}` in later expectations of the same unit. */
  readonly captures?: ReadonlyMap<string, SpecScalar>;
}

/** A compiled expectation, ready to judge units. */
export interface Judge {
  judge(unit: JudgeUnit, context: JudgeContext): Verdict;
}

/** The trace a span belongs to, among the unit's traces. */
export function traceOf(span: Span, unit: JudgeUnit): Trace | undefined {
  if (unit.traces.length === 1) {
    const only = unit.traces[0] as Trace;
    return only.traceId === span.traceId ? only : undefined;
  }
  return unit.traceById.get(span.traceId);
}

/** Concatenates a selector's picks over every trace of a unit, trace by trace. */
export function selectIn(unit: JudgeUnit, select: (trace: Trace) => readonly Span[]): readonly Span[] {
  if (unit.traces.length === 1) return select(unit.traces[0] as Trace);
  // Indexed loops: a run-scoped expectation gathers every span of the run here, in its first pass still in code
  // V8 has not optimised, where each `for…of` step is an iterator call allocating its result.
  const out: Span[] = [];
  const traces = unit.traces;
  for (let t = 0; t < traces.length; t++) {
    const spans = select(traces[t] as Trace);
    for (let i = 0; i < spans.length; i++) out.push(spans[i] as Span);
  }
  return out;
}

/** The texts of a passing verdict, written on demand by {@link passedLazily}. */
export interface PassTexts {
  readonly message: string;
  readonly actual: string;
}

class LazyPass implements Verdict {
  readonly passed = true;
  #expected: string | (() => string);
  readonly spans: readonly Span[];
  readonly captures: ReadonlyMap<string, SpecScalar> | undefined;
  #write: (() => PassTexts) | undefined;
  #texts: PassTexts | undefined;

  constructor(expected: string | (() => string), write: () => PassTexts, spans: readonly Span[], captures: ReadonlyMap<string, SpecScalar> | undefined) {
    this.#expected = expected;
    this.spans = spans;
    this.captures = captures;
    this.#write = write;
  }

  #written(): PassTexts {
    if (this.#texts === undefined) {
      this.#texts = (this.#write as () => PassTexts)();
      this.#write = undefined;
    }
    return this.#texts;
  }

  get expected(): string {
    if (typeof this.#expected !== 'string') this.#expected = this.#expected();
    return this.#expected;
  }

  get message(): string {
    return this.#written().message;
  }

  get actual(): string {
    return this.#written().actual;
  }
}

/**
 * A passing verdict whose `message` and `actual` are written only when read. An expectation judged per trace
 * passes in most traces of a run and reports only the first of them, so the texts of the others (durations
 * formatted, counts spelled out) would be written for nothing. `expected` may be written on demand too.
 */
export function passedLazily(expected: string | (() => string), write: () => PassTexts, spans: readonly Span[] = [], captures?: ReadonlyMap<string, SpecScalar>): Verdict {
  return new LazyPass(expected, write, spans, captures);
}

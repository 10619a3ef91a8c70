import type { Span, Trace } from '../../model/index.ts';
import { err, ok, type Result } from '../../result.ts';
import { formatDurationNanos } from '../../language/index.ts';
import type { OrderExpectation, SequenceExpectation } from '../../language/index.ts';
import { nearMissesIn, whereText } from '../explain.ts';
import { BRIEF_FAILURE, passedLazily, selectIn, traceOf, type Judge, type JudgeUnit, type Verdict } from '../judge.ts';
import type { SelectorCache, SelectorHandle } from '../selector-cache.ts';
import { startPrecisionNanosOf } from '../span-clock.ts';
import { describeSpan, offsetMillisText } from '../span-description.ts';

type Relation = 'ends-before-start' | 'starts-before';

/**
 * Judges one step of an order: every `first` span ends before (or, `starts-before`, starts before) every
 * `then` span starts. Spans may come from different services; their clocks are taken as they are (after
 * clock-skew correction), to within the precision they stamp starts with.
 * Both allow equality: a synchronous child may start in the nanosecond its caller's work ended. And a pair is
 * out of order only when the `first` edge lies after the `then` start by at least the coarser start-time
 * precision of the two spans' clocks (see {@link startPrecisionNanosOf}): the OpenTelemetry JS SDK stamps starts
 * in whole milliseconds, so a gap under 1 ms between its spans says nothing about their order. A failure is a
 * `then` span that demonstrably began first.
 */
function judgeStep(first: SelectorHandle, then: SelectorHandle, relation: Relation, unit: JudgeUnit, step: string): Verdict | number {
  const firsts = unit.traces.length === 1 ? first.select(unit.traces[0] as Trace) : selectIn(unit, (t) => first.select(t));
  const thens = unit.traces.length === 1 ? then.select(unit.traces[0] as Trace) : selectIn(unit, (t) => then.select(t));
  // The common outcome, a step that holds, builds no text and no object: it answers the count of `then` spans.
  const endsFirst = relation === 'ends-before-start';
  let deciding: DecidingPair | undefined;
  if (firsts.length > 0 && thens.length > 0) {
    let latestEdge = endsFirst ? (firsts[0] as Span).endTimeUnixNano : (firsts[0] as Span).startTimeUnixNano;
    for (let i = 1; i < firsts.length; i++) {
      const s = firsts[i] as Span;
      const e = endsFirst ? s.endTimeUnixNano : s.startTimeUnixNano;
      if (e > latestEdge) latestEdge = e;
    }
    let earliestStart = (thens[0] as Span).startTimeUnixNano;
    for (let i = 1; i < thens.length; i++) {
      const start = (thens[i] as Span).startTimeUnixNano;
      if (start < earliestStart) earliestStart = start;
    }
    if (latestEdge <= earliestStart) return thens.length;
    // Past the exact comparison, each pair gets the precision of its clocks; the step fails only on a pair beyond it.
    deciding = pairBeyondPrecision(firsts, thens, relation, unit);
    if (deciding === undefined) return thens.length;
  }
  if (unit.brief === true) return BRIEF_FAILURE;
  const expected = `${step}every ${first.source} ${endsFirst ? 'ends before' : 'starts before'} every ${then.source} starts`;
  for (const [spans, handle] of [[firsts, first], [thens, then]] as const) {
    if (spans.length > 0) continue;
    const nearMisses = nearMissesIn(handle, unit);
    return {
      passed: false,
      expected,
      message: `${step}no span matched ${handle.source} ${whereText(unit)}, so the order cannot hold`,
      actual: `0 spans match ${handle.source}`,
      spans: [],
      nearMisses,
      marks: new Map(nearMisses.map((m) => [m.span.spanId, `near miss: ${m.missedClauses.join(', ')}`])),
    };
  }
  const { late, early, precisionNanos } = deciding as DecidingPair;
  const edge = (s: Span): bigint => (relation === 'ends-before-start' ? s.endTimeUnixNano : s.startTimeUnixNano);
  const lateTrace = traceOf(late, unit);
  const earlyTrace = traceOf(early, unit);
  const gap = edge(late) - early.startTimeUnixNano;
  const edgeWord = relation === 'ends-before-start' ? 'ended' : 'started';
  const at = (t: bigint, trace: typeof lateTrace): string => (trace === undefined ? `${t}ns` : offsetMillisText(t, trace));
  const message =
    `${step}${describeSpan(late, lateTrace)} ${edgeWord} at ${at(edge(late), lateTrace)}, ${formatDurationNanos(gap)} after ` +
    `${describeSpan(early, earlyTrace)} started at ${at(early.startTimeUnixNano, earlyTrace)}` +
    ` (${describeSpan(late, lateTrace)}: ${at(late.startTimeUnixNano, lateTrace)} to ${at(late.endTimeUnixNano, lateTrace)}; ` +
    `${describeSpan(early, earlyTrace)}: ${at(early.startTimeUnixNano, earlyTrace)} to ${at(early.endTimeUnixNano, earlyTrace)})` +
    (precisionNanos > 1n ? `, more than the ${formatDurationNanos(precisionNanos)} precision of their start times` : '');
  const marks = new Map<string, string>([
    [late.spanId, `${edgeWord} ${formatDurationNanos(gap)} after the next step started`],
    [early.spanId, `started ${formatDurationNanos(gap)} too early`],
  ]);
  return {
    passed: false,
    expected,
    message,
    actual: `${describeSpan(late, lateTrace)} ${edgeWord} ${formatDurationNanos(gap)} after ${describeSpan(early, earlyTrace)} started`,
    spans: [late, early],
    marks,
    ...(lateTrace === undefined ? {} : { trace: lateTrace }),
  };
}

/** The pair of spans that puts a step out of order: a first edge after a then start by at least their precision. */
interface DecidingPair {
  readonly late: Span;
  readonly early: Span;
  /** The coarser start-time precision of the two spans' clocks. */
  readonly precisionNanos: bigint;
}

/**
 * The pair of a `first` and a `then` span that lies out of order by the most beyond its precision, or undefined
 * when every pair is in order to within the precision of its clocks. Spans are grouped by precision (a run has a
 * few), so it compares the latest edge of each group of firsts with the earliest start of each group of thens.
 */
function pairBeyondPrecision(firsts: readonly Span[], thens: readonly Span[], relation: Relation, unit: JudgeUnit): DecidingPair | undefined {
  const edge = (s: Span): bigint => (relation === 'ends-before-start' ? s.endTimeUnixNano : s.startTimeUnixNano);
  const latest = new Map<bigint, Span>();
  for (const s of firsts) {
    const precision = startPrecisionNanosOf(s, traceOf(s, unit));
    const held = latest.get(precision);
    if (held === undefined || edge(s) > edge(held)) latest.set(precision, s);
  }
  const earliest = new Map<bigint, Span>();
  for (const s of thens) {
    const precision = startPrecisionNanosOf(s, traceOf(s, unit));
    const held = earliest.get(precision);
    if (held === undefined || s.startTimeUnixNano < held.startTimeUnixNano) earliest.set(precision, s);
  }
  let deciding: DecidingPair | undefined;
  let decidingExcess = 0n;
  for (const [firstPrecision, late] of latest) {
    for (const [thenPrecision, early] of earliest) {
      const precisionNanos = firstPrecision > thenPrecision ? firstPrecision : thenPrecision;
      const excess = edge(late) - early.startTimeUnixNano - precisionNanos;
      if (excess < 0n || (deciding !== undefined && excess <= decidingExcess)) continue;
      deciding = { late, early, precisionNanos };
      decidingExcess = excess;
    }
  }
  return deciding;
}

function relationOf(value: unknown): Result<Relation, string> {
  if (value === undefined) return ok('ends-before-start');
  if (value === 'ends-before-start' || value === 'starts-before') return ok(value);
  return err(`relation must be "ends-before-start" or "starts-before", got ${JSON.stringify(value)}`);
}

/** Compiles `order: { first, then, relation }`. */
export function compileOrderExpectation(expectation: OrderExpectation, selectors: SelectorCache): Result<Judge, string> {
  const { first, then } = expectation.order;
  return compileSteps([first, then], expectation.order.relation, selectors);
}

/** Compiles `sequence: [a, b, c, ...]`: each step follows the one before it. */
export function compileSequenceExpectation(expectation: SequenceExpectation, selectors: SelectorCache): Result<Judge, string> {
  if (expectation.sequence.length < 2) return err('a sequence needs at least 2 steps');
  return compileSteps(expectation.sequence, expectation.relation, selectors);
}

function compileSteps(sources: readonly string[], relationSource: unknown, selectors: SelectorCache): Result<Judge, string> {
  const relation = relationOf(relationSource);
  if (!relation.ok) return relation;
  const handles: SelectorHandle[] = [];
  for (const source of sources) {
    const handle = selectors.get(source);
    if (!handle.ok) return handle;
    handles.push(handle.value);
  }
  const isSequence = handles.length > 2;
  const steps = handles.slice(1).map((_, i) => (isSequence ? `step ${i + 1} → ${i + 2}: ` : ''));
  const chain = handles.map((h) => h.source).join(' → ');
  const expected = `${chain} in order (${relation.value})`;
  const word = relation.value === 'ends-before-start' ? 'each step ends before the next starts' : 'each step starts before the next';
  return ok({
    judge(unit: JudgeUnit): Verdict {
      let counts: number[] | undefined;
      for (let i = 0; i + 1 < handles.length; i++) {
        const verdict = judgeStep(handles[i] as SelectorHandle, handles[i + 1] as SelectorHandle, relation.value, unit, steps[i] as string);
        if (typeof verdict !== 'number') return verdict;
        (counts ??= []).push(verdict);
      }
      const held = counts as number[];
      return passedLazily(expected, () => {
        // The first step's spans are counted again here, only when the pass is reported.
        const firsts = selectIn(unit, (t) => (handles[0] as SelectorHandle).select(t)).length;
        return { message: `${chain}: ${word}`, actual: `in order (${[firsts, ...held].join(' → ')} spans)` };
      });
    },
  });
}

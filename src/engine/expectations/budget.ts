import type { Span, SpanNode, Trace } from '../../model/index.ts';
import { err, ok, type Result } from '../../result.ts';
import { formatDurationNanos, parseDuration } from '../../language/index.ts';
import type { BudgetExpectation } from '../../language/index.ts';
import { nearMissesIn, shortId, whereText } from '../explain.ts';
import { BRIEF_FAILURE, passedLazily, selectIn, traceOf, type Judge, type JudgeUnit, type PassTexts, type Verdict } from '../judge.ts';
import type { SelectorCache, SelectorHandle } from '../selector-cache.ts';
import { describeSpan } from '../span-description.ts';
import { firstRootSpan } from '../trace-index.ts';

type Limit = 'max' | 'p50' | 'p95' | 'p99';
const LIMITS: readonly Limit[] = ['max', 'p50', 'p95', 'p99'];
const PERCENT: Readonly<Record<Limit, number>> = { max: 100, p50: 50, p95: 95, p99: 99 };
const SLOWEST_SHOWN = 3;

/**
 * The nearest-rank percentile of sorted durations: the smallest value with at least p% of the values at or
 * below it (so p95 of 20 values is the 19th). No interpolation: the result is always a duration that happened.
 */
export function percentileOfSorted(sorted: ArrayLike<bigint>, percent: number): bigint {
  if (sorted.length === 0) return 0n;
  const rank = Math.max(1, Math.ceil((percent / 100) * sorted.length));
  return sorted[rank - 1] as bigint;
}

/** Writes the spans' durations into the first `spans.length` places of `into`. */
function spanDurations(spans: readonly Span[], into: BigInt64Array): BigInt64Array {
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i] as Span;
    // Truncated to 64 bits, as the typed array stores it anyway: optimised code then subtracts machine
    // integers instead of allocating a bigint per span. A negative duration counts as 0 (durationNanosOf).
    const nanos = BigInt.asIntN(64, span.endTimeUnixNano - span.startTimeUnixNano);
    into[i] = nanos > 0n ? nanos : 0n;
  }
  return into;
}

/**
 * Whether every limit holds, without sorting: the nearest-rank percentile p of n durations is within a bound
 * exactly when at least ceil(p% of n) of them are (see {@link percentileOfSorted}), so each limit is one count.
 * Reads the first `n` durations (of a scratch array longer than that: no view is made per judgement).
 */
function withinLimits(durations: BigInt64Array, n: number, limits: readonly { readonly limit: Limit; readonly nanos: bigint }[]): boolean {
  for (let l = 0; l < limits.length; l++) {
    const { limit, nanos } = limits[l] as { readonly limit: Limit; readonly nanos: bigint };
    const rank = Math.max(1, Math.ceil((PERCENT[limit] / 100) * n));
    let within = 0;
    for (let i = 0; i < n; i++) if ((durations[i] as bigint) <= nanos) within++;
    if (within < rank) return false;
  }
  return true;
}

/** Whether a budget is over traces: explicitly, or by default when it names no spans. */
export function budgetIsOverTraces(expectation: BudgetExpectation): boolean {
  return (expectation.budget.over ?? (expectation.budget.spans === undefined ? 'traces' : 'spans')) === 'traces';
}

interface Measured {
  readonly nanos: bigint;
  /** The span measured (over spans), or the trace's root (over traces). */
  readonly span: Span | undefined;
  readonly trace: Trace;
}

/** A trace's duration: its root's start to the end of its last span (earliest start when it has no root). */
function traceDurationNanos(trace: Trace): bigint {
  const d = trace.endTimeUnixNano - (firstRootSpan(trace)?.startTimeUnixNano ?? trace.startTimeUnixNano);
  return d > 0n ? d : 0n;
}

function traceDuration(trace: Trace): Measured {
  return { nanos: traceDurationNanos(trace), span: firstRootSpan(trace), trace };
}

/** Writes the traces' durations into the first `traces.length` places of `into`. */
function traceDurations(traces: readonly Trace[], into: BigInt64Array): BigInt64Array {
  for (let i = 0; i < traces.length; i++) into[i] = traceDurationNanos(traces[i] as Trace);
  return into;
}

/** A span's own time: its duration less the time some child of it was running (children clipped to it, overlaps once). */
function ownTimeNanos(node: SpanNode): bigint {
  const start = node.span.startTimeUnixNano;
  const end = node.span.endTimeUnixNano;
  if (end <= start) return 0n;
  const intervals = node.children
    .map((child) => [child.span.startTimeUnixNano > start ? child.span.startTimeUnixNano : start, child.span.endTimeUnixNano < end ? child.span.endTimeUnixNano : end] as const)
    .filter(([from, to]) => to > from)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let covered = 0n;
  let reach = start;
  for (const [from, to] of intervals) {
    if (to <= reach) continue;
    covered += to - (from > reach ? from : reach);
    reach = to;
  }
  return end - start - covered;
}

/**
 * Where the time of an over-budget span (or trace) went: the span of its subtree with the most time of its own
 * (duration less its children's), which is where the latency began rather than the outermost span that only
 * waited on it. `undefined` when the trace has no tree for it.
 */
export function latencyOrigin(span: Span | undefined, trace: Trace): { readonly span: Span; readonly ownNanos: bigint } | undefined {
  const roots = span === undefined ? [...trace.roots, ...trace.orphans] : [trace.nodesBySpanId.get(span.spanId)].filter((node): node is SpanNode => node !== undefined);
  let best: { span: Span; ownNanos: bigint } | undefined;
  const stack = [...roots];
  while (stack.length > 0) {
    const node = stack.pop() as SpanNode;
    const own = ownTimeNanos(node);
    if (best === undefined || own > best.ownNanos) best = { span: node.span, ownNanos: own };
    for (const child of node.children) stack.push(child);
  }
  return best;
}

/**
 * Compiles a latency budget: `max` bounds every span (or trace) on its own; `p50`/`p95`/`p99` bound the
 * percentile over all spans (or traces) of the unit, which with `scope: run` is the whole run.
 */
export function compileBudgetExpectation(expectation: BudgetExpectation, selectors: SelectorCache): Result<Judge, string> {
  const budget = expectation.budget;
  const overTraces = budgetIsOverTraces(expectation);
  const limits: { limit: Limit; nanos: bigint }[] = [];
  for (const limit of LIMITS) {
    const source = budget[limit];
    if (source === undefined) continue;
    const parsed = parseDuration(source);
    if (!parsed.ok) return err(`budget ${limit}: ${parsed.error}`);
    limits.push({ limit, nanos: parsed.value });
  }
  if (limits.length === 0) return err('a budget needs max, p50, p95 or p99');
  let handle: SelectorHandle | undefined;
  if (budget.spans !== undefined) {
    const selected = selectors.get(budget.spans);
    if (!selected.ok) return selected;
    handle = selected.value;
  }
  const subject = overTraces ? 'trace' : handle === undefined ? 'span' : `span matching ${handle.source}`;
  const expected = limits.map((l) => `${l.limit} ${subject} duration <= ${formatDurationNanos(l.nanos)}`).join(', ');

  // Durations of the judgement at hand, sorted in place; reused by every judgement of this budget, so a budget
  // judged per trace allocates no typed array (and no backing store) per trace.
  let scratch = new BigInt64Array(64);
  const passText = (ascending: BigInt64Array): PassTexts => {
    const actual = limits.map(({ limit }) => `${limit} = ${formatDurationNanos(percentileOfSorted(ascending, PERCENT[limit]))}`).join(', ');
    const count = ascending.length;
    return { message: `${count} ${overTraces ? 'trace' : 'span'}${count === 1 ? '' : 's'} within budget: ${actual}`, actual };
  };

  return ok({
    judge(unit: JudgeUnit): Verdict {
      // The common outcome first: within budget, judged on the scratch array, with texts written only if read.
      const spans = overTraces ? undefined : handle === undefined ? selectIn(unit, (t) => t.spans) : unit.traces.length === 1 ? handle.select(unit.traces[0] as Trace) : selectIn(unit, (t) => (handle as SelectorHandle).select(t));
      const n = spans === undefined ? unit.traces.length : spans.length;
      const measure = (into: BigInt64Array): BigInt64Array => (spans === undefined ? traceDurations(unit.traces, into) : spanDurations(spans, into));
      if (n > 0) {
        if (scratch.length < n) scratch = new BigInt64Array(Math.max(n, scratch.length * 2));
        if (withinLimits(measure(scratch), n, limits)) {
          // Over a whole run (one judgement, whose texts are read) the texts are written now from these
          // durations; per trace they wait to be read, and measure again then, the scratch being reused.
          if (unit.traces.length > 1) {
            const texts = passText(scratch.subarray(0, n).sort());
            return passedLazily(expected, () => texts);
          }
          return passedLazily(expected, () => passText(measure(new BigInt64Array(n)).sort()));
        }
      }
      if (unit.brief === true && !overTraces) return BRIEF_FAILURE;
      // Durations go into a typed array: its native numeric sort is far cheaper than sorting objects, and
      // the measured spans or traces are only turned into objects when a failure has to be explained.
      let durations: BigInt64Array;
      let measuredAt: (i: number) => Measured;
      if (overTraces) {
        const measuredTraces = unit.traces.map(traceDuration);
        durations = BigInt64Array.from(measuredTraces, (m) => m.nanos);
        measuredAt = (i) => measuredTraces[i] as Measured;
      } else {
        const picked = spans as readonly Span[];
        durations = spanDurations(picked, new BigInt64Array(picked.length));
        measuredAt = (i) => {
          const span = picked[i] as Span;
          return { nanos: durations[i] as bigint, span, trace: traceOf(span, unit) as Trace };
        };
      }
      const count = durations.length;
      if (count === 0) {
        const nearMisses = handle === undefined ? [] : nearMissesIn(handle, unit);
        return {
          passed: false,
          expected,
          message: `nothing to measure: no ${subject} ${whereText(unit)}`,
          actual: `0 ${overTraces ? 'traces' : 'spans'}`,
          spans: [],
          nearMisses,
        };
      }
      const ascending = durations.slice().sort();
      const slowest = (): Measured[] => {
        const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => ((durations[b] as bigint) > (durations[a] as bigint) ? 1 : (durations[b] as bigint) < (durations[a] as bigint) ? -1 : 0));
        return order.map(measuredAt);
      };
      const measured = { length: count };
      for (const { limit, nanos } of limits) {
        const value = percentileOfSorted(ascending, PERCENT[limit]);
        if (value <= nanos) continue;
        const slowestFirst: Measured[] = slowest();
        const over: Measured[] = limit === 'max' ? slowestFirst.filter((m) => m.nanos > nanos) : slowestFirst.slice(0, SLOWEST_SHOWN);
        const name = (m: Measured): string =>
          overTraces ? `trace ${shortId(m.trace.traceId)}${m.span === undefined ? '' : ` (${describeSpan(m.span, m.trace)})`}` : describeSpan(m.span as Span, m.trace);
        const first = over[0] as Measured;
        const slowestText = over.slice(0, SLOWEST_SHOWN).map((m) => `${name(m)} ${formatDurationNanos(m.nanos)}`).join('; ');
        const message =
          limit === 'max'
            ? `${name(first)} took ${formatDurationNanos(first.nanos)}, budget ${formatDurationNanos(nanos)}` +
              (over.length > 1 ? ` (${over.length} of ${measured.length} ${overTraces ? 'traces' : 'spans'} over budget; slowest: ${slowestText})` : '')
            : `${limit} of ${measured.length} ${overTraces ? 'trace' : 'span'} durations is ${formatDurationNanos(value)}, budget ${formatDurationNanos(nanos)}; slowest: ${slowestText}`;
        const marks = new Map<string, string>();
        for (const m of over.slice(0, 10)) if (m.span !== undefined) marks.set(m.span.spanId, `took ${formatDurationNanos(m.nanos)}, budget ${formatDurationNanos(nanos)}`);
        // Origin, not outermost: the span whose own time made the slowest one slow.
        const origin = latencyOrigin(first.span, first.trace);
        let originText = '';
        if (origin !== undefined && origin.ownNanos > 0n) {
          const own = formatDurationNanos(origin.ownNanos);
          originText = origin.span === first.span ? `; most of it its own time (${own})` : `; most of it in ${describeSpan(origin.span, first.trace)} (${own} of its own)`;
          if (origin.span !== first.span) marks.set(origin.span.spanId, `${own} of its own: where the time went`);
        }
        return {
          passed: false,
          expected,
          message: `${message}${originText}`,
          actual: `${limit} = ${formatDurationNanos(value)}`,
          spans: over.slice(0, 10).flatMap((m) => (m.span === undefined ? [] : [m.span])),
          marks,
          trace: first.trace,
        };
      }
      return passedLazily(expected, () => passText(ascending));
    },
  });
}

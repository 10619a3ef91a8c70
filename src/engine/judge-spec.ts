import type { Span, Trace } from '../model/index.ts';
import { countInRange, describeCount } from '../language/index.ts';
import type { SpecScalar } from '../language/index.ts';
import type { CompiledExpectation, CompiledSpec } from './compile-spec.ts';
import { shortId } from './explain.ts';
import type { JudgeContext, JudgeUnit, Verdict } from './judge.ts';
import type { ExpectationResult, NearMiss, SpecResult, TraceTree } from './results.ts';
import type { SelectorHandle } from './selector-cache.ts';
import { summarizeSpan } from './span-summary.ts';
import { indexTrace } from './trace-index.ts';
import { buildTraceTree } from './trace-tree.ts';

/** How many spans a result carries at most (a failure about 10,000 spans shows the first ones). */
const RESULT_SPANS_LIMIT = 20;

/** The circumstances of a judgement, which decide how results are worded. */
export interface JudgePhase {
  /** Whether the run had settled (always true offline). */
  readonly settled: boolean;
  /** Set when the deadline passed before the spec was decided: failures say so. */
  readonly timedOutAfterMillis?: number;
  readonly spanCount: number;
  readonly traceCount: number;
}

/** A spec's result plus what the waiting loop needs to know to decide whether it is final. */
export interface SpecJudgement {
  readonly result: SpecResult;
  /** Every expectation that holds as soon as it is true (presence, order, ...) holds now. */
  readonly positivesHold: boolean;
  /** Some expectation can only be judged on a settled run (absence, budgets, noErrors, connected, max counts). */
  readonly needsSettled: boolean;
}

function toResult(e: Pick<CompiledExpectation, 'name' | 'kind' | 'source' | 'severity'>, verdict: Verdict, fallbackTrace: Trace | undefined, durationMillis: number): ExpectationResult {
  const spans = verdict.spans.slice(0, RESULT_SPANS_LIMIT).map(summarizeSpan);
  let trace = verdict.trace;
  if (trace === undefined && !verdict.passed) trace = fallbackTrace;
  return {
    name: e.name,
    kind: e.kind,
    passed: verdict.passed,
    ...(e.severity === 'warn' ? { severity: 'warn' as const } : {}),
    message: verdict.message,
    expected: verdict.expected,
    actual: verdict.actual,
    spans,
    ...(verdict.nearMisses === undefined || verdict.nearMisses.length === 0 ? {} : { nearMisses: verdict.nearMisses }),
    ...(verdict.shapeDiff === undefined ? {} : { shapeDiff: verdict.shapeDiff }),
    ...(verdict.passed || trace === undefined ? {} : { trace: buildTraceTree(trace, verdict.marks ?? new Map(verdict.spans.map((s) => [s.spanId, '']))) }),
    ...(e.source === undefined ? {} : { source: e.source }),
    durationMillis,
  };
}

/** A verdict that no further span can change (an invalid spec or expectation): waiting for more is pointless. */
interface FinalVerdict extends Verdict {
  readonly final: true;
}

function failure(message: string, expected: string): FinalVerdict {
  return { passed: false, message, expected, actual: 'not judged', spans: [], final: true };
}

function isFinal(verdict: Verdict): boolean {
  return (verdict as Partial<FinalVerdict>).final === true;
}

/** Which traces a spec applies to: root selector on a root span, `where` selector on any span. */
function selectTraces(spec: CompiledSpec, traces: readonly Trace[], context: JudgeContext): { traces: Trace[]; problem?: string; root?: SelectorHandle; where?: SelectorHandle } {
  let root: SelectorHandle | undefined;
  let where: SelectorHandle | undefined;
  if (spec.traceRoot !== undefined) {
    const handle = context.selectors.get(spec.traceRoot);
    if (!handle.ok) return { traces: [], problem: `traces.root: ${handle.error}` };
    root = handle.value;
  }
  if (spec.traceWhere !== undefined) {
    const handle = context.selectors.get(spec.traceWhere);
    if (!handle.ok) return { traces: [], problem: `traces.where: ${handle.error}` };
    where = handle.value;
  }
  if (root === undefined && where === undefined) return { traces: [...traces] };
  const selected: Trace[] = [];
  for (const trace of traces) {
    if (root !== undefined && !hasRootIn(trace, root)) continue;
    if (where !== undefined && where.select(trace).length === 0) continue;
    selected.push(trace);
  }
  return { traces: selected, ...(root === undefined ? {} : { root }), ...(where === undefined ? {} : { where }) };
}

/** Whether a root span of the trace is selected by `root` (read from the trace index: no tree is built). */
function hasRootIn(trace: Trace, root: SelectorHandle): boolean {
  const { spans, roots } = indexTrace(trace);
  for (let k = 0; k < roots.length; k += 1) if (root.has(trace, spans[roots[k] as number] as Span)) return true;
  return false;
}

function describeSelection(spec: CompiledSpec): string {
  const parts: string[] = [];
  if (spec.traceRoot !== undefined) parts.push(`root ${spec.traceRoot}`);
  if (spec.traceWhere !== undefined) parts.push(`where ${spec.traceWhere}`);
  return parts.length === 0 ? 'any trace' : parts.join(' and ');
}

function timeoutNote(phase: JudgePhase, needsSettled: boolean): string {
  if (phase.timedOutAfterMillis === undefined) return '';
  const seen = `saw ${phase.spanCount} span${phase.spanCount === 1 ? '' : 's'} in ${phase.traceCount} trace${phase.traceCount === 1 ? '' : 's'}`;
  const settledNote = needsSettled && !phase.settled ? '; the run had not settled, so this is judged on what had arrived' : '';
  return ` (timed out after ${phase.timedOutAfterMillis}ms; ${seen}${settledNote})`;
}

function withTimeout(result: ExpectationResult, note: string): ExpectationResult {
  return note === '' || result.passed ? result : { ...result, message: `${result.message}${note}` };
}

/** A spec between its trace selection and its results: what {@link judgeSpecs} carries across its phases. */
interface SpecInProgress {
  readonly spec: CompiledSpec;
  readonly phase: JudgePhase;
  readonly results: ExpectationResult[];
  /** As judged so far (the `traces` result); the finish takes them on. */
  readonly positivesHold: boolean;
  readonly needsSettledAny: boolean;
  readonly selected: readonly Trace[];
  readonly selectionText: string;
  readonly problems: readonly string[];
  readonly tracesOk: boolean;
  /** A tally per expectation judged trace by trace; `undefined` for run-scoped ones (and for all when not judgeable). */
  readonly perTrace: readonly (PerTraceTally | undefined)[];
  /** Time spent on the spec outside the trace-by-trace pass (that is summed in its tallies). */
  readonly ownMillis: number;
}

/**
 * Judges compiled specs against a run's traces. For each spec: first which traces it applies to (a `traces`
 * result), then each expectation per selected trace (`scope: trace`) or over all of them (`scope: run`), in
 * order, so that values captured by one expectation are known to the later ones of the same trace.
 *
 * Expectations judged per trace go trace by trace, every expectation of every spec in a trace before the next
 * trace: the trace's spans then stay in the CPU cache across expectations and specs, where judging one
 * expectation (or one spec) over the whole run before the next would stream every span of the run from memory
 * once per expectation (or spec). Captures still flow in expectation order within each spec and trace, and
 * run-scoped expectations see only their spec's run variables.
 */
export function judgeSpecs(specs: readonly CompiledSpec[], runTraces: readonly Trace[], context: JudgeContext, phases: readonly JudgePhase[]): SpecJudgement[] {
  const states = specs.map((spec, i) => beginSpec(spec, runTraces, context, phases[i] as JudgePhase));
  judgeTraceMajor(states, runTraces, context);
  return states.map((state) => finishSpec(state, context));
}

/** Selects a spec's traces and judges how many there are: the spec's first result. */
function beginSpec(spec: CompiledSpec, runTraces: readonly Trace[], context: JudgeContext, phase: JudgePhase): SpecInProgress {
  const started = performance.now();
  const results: ExpectationResult[] = [];
  let positivesHold = true;
  let needsSettledAny = false;

  const selection = selectTraces(spec, runTraces, context);
  const selected = selection.traces;
  const selectionText = describeSelection(spec);
  const problems = [...spec.problems];
  if (selection.problem !== undefined) problems.push(selection.problem);
  if (!spec.traceCount.ok) problems.push(`traces.count: ${spec.traceCount.error}`);
  let tracesOk: boolean;
  if (problems.length > 0) {
    tracesOk = false;
    results.push({ name: `traces (${selectionText})`, kind: 'traces', passed: false, message: `the spec cannot be used: ${problems.join('; ')}`, expected: 'a valid spec', actual: 'invalid', spans: [], ...(spec.source === undefined ? {} : { source: spec.source }) });
  } else {
    const range = spec.traceCount.ok ? spec.traceCount.value : { min: 1, max: Infinity };
    tracesOk = countInRange(selected.length, range);
    if (range.max !== Infinity) needsSettledAny = true;
    else if (!tracesOk) positivesHold = false;
    const expected = `${describeCount(range, 'trace')} (${selectionText})`;
    const n = selected.length;
    let message = `${n} trace${n === 1 ? '' : 's'} matched ${selectionText}`;
    let nearMisses: NearMiss[] = [];
    const sample: Span[] = [];
    if (!tracesOk) {
      if (n === 0) {
        const handle = selection.root ?? selection.where;
        if (handle !== undefined) {
          for (const trace of runTraces) {
            if (nearMisses.length >= 3) break;
            const candidates = selection.root !== undefined ? trace.roots.map((r) => r.span) : trace.spans;
            nearMisses.push(...handle.explain(candidates, trace, 3 - nearMisses.length));
          }
        }
        message = `no trace matched ${selectionText} among ${runTraces.length} trace${runTraces.length === 1 ? '' : 's'} of the run`;
      } else {
        for (const t of selected.slice(0, 5)) {
          const root = t.roots[0]?.span;
          if (root !== undefined) sample.push(root);
        }
        message = `expected ${describeCount(range, 'trace')} matching ${selectionText}, found ${n}: ${selected.slice(0, 5).map((t) => shortId(t.traceId)).join(', ')}${n > 5 ? ', ...' : ''}`;
      }
    } else nearMisses = [];
    const note = timeoutNote(phase, range.max !== Infinity);
    results.push(withTimeout({
      name: `traces (${selectionText})`,
      kind: 'traces',
      passed: tracesOk,
      message,
      expected,
      actual: `${n} trace${n === 1 ? '' : 's'}`,
      spans: sample.map(summarizeSpan),
      ...(nearMisses.length === 0 ? {} : { nearMisses }),
      ...(tracesOk ? {} : selectionTree(nearMisses, selected, runTraces)),
      ...(spec.source === undefined ? {} : { source: spec.source }),
    }, note));
  }

  const judgeable = problems.length === 0 && selected.length > 0;
  const perTrace = judgeable ? spec.expectations.map((e) => (e.scope === 'run' ? undefined : new PerTraceTally())) : [];
  return { spec, phase, results, positivesHold, needsSettledAny, selected, selectionText, problems, tracesOk, perTrace, ownMillis: performance.now() - started };
}

/** Judges a spec's run-scoped expectations and turns every tally into a result. */
function finishSpec(state: SpecInProgress, context: JudgeContext): SpecJudgement {
  const started = performance.now();
  const { spec, phase, results, selected, selectionText, problems, tracesOk, perTrace } = state;
  let { positivesHold, needsSettledAny } = state;
  // Variables of the run scope: the spec's, then what its run-scoped expectations capture.
  const runVars = new Map<string, SpecScalar>(spec.vars);
  let traceMajorMillis = 0;
  spec.expectations.forEach((expectation, e) => {
    const t0 = performance.now();
    if (expectation.needsSettled) needsSettledAny = true;
    let verdict: Verdict;
    let fallbackTrace: Trace | undefined;
    let millis = 0;
    const tally = perTrace[e];
    if (problems.length > 0) {
      verdict = failure('not judged: the spec cannot be used (see its traces result)', expectation.name);
    } else if (selected.length === 0) {
      verdict = tracesOk
        ? { passed: true, message: 'no trace selected, so nothing to judge (the spec allows zero traces)', expected: expectation.name, actual: '0 traces', spans: [] }
        : failure(`not judged: no trace matched ${selectionText}`, expectation.name);
    } else if (tally === undefined) {
      const judge = expectation.judgeFor(runVars);
      if (!judge.ok) verdict = failure(`cannot be judged: ${judge.error}`, expectation.name);
      else {
        verdict = judge.value.judge({ traces: selected, vars: runVars, traceById: context.traceById }, context);
        if (verdict.captures !== undefined) for (const [k, v] of verdict.captures) runVars.set(k, v);
      }
      fallbackTrace = selected[0];
    } else {
      verdict = tally.verdict(selected.length);
      millis = tally.millis;
      traceMajorMillis += tally.millis;
      fallbackTrace = verdict.trace ?? (verdict.spans[0] === undefined ? selected[0] : selected.find((t) => t.traceId === verdict.spans[0]?.traceId));
    }
    if (!expectation.needsSettled && !verdict.passed && !isFinal(verdict) && problems.length === 0) positivesHold = false;
    const result = toResult(expectation, verdict, fallbackTrace, millis + performance.now() - t0);
    results.push(withTimeout(result, timeoutNote(phase, expectation.needsSettled)));
  });

  return {
    result: {
      name: spec.name,
      ...(spec.file === undefined ? {} : { file: spec.file }),
      ...(spec.source === undefined ? {} : { source: spec.source }),
      passed: results.every((r) => r.passed || r.severity === 'warn'),
      matchedTraceCount: selected.length,
      expectations: results,
      durationMillis: state.ownMillis + traceMajorMillis + performance.now() - started,
    },
    positivesHold,
    needsSettled: needsSettledAny,
  };
}

/**
 * The trace a failed trace selection draws: the one holding the closest near miss (marked with what it
 * missed), else the first selected trace when there were too many.
 */
function selectionTree(nearMisses: readonly NearMiss[], selected: readonly Trace[], runTraces: readonly Trace[]): { trace?: TraceTree } {
  const first = nearMisses[0];
  const trace = first === undefined ? selected[0] : runTraces.find((t) => t.traceId === first.span.traceId);
  if (trace === undefined) return {};
  const marks = new Map<string, string>();
  for (const miss of nearMisses) if (miss.span.traceId === trace.traceId) marks.set(miss.span.spanId, `near miss: ${miss.missedClauses.join(', ')}`);
  return { trace: buildTraceTree(trace, marks) };
}

/** What one per-trace expectation found over the selected traces: it holds when it holds in every one. */
class PerTraceTally {
  firstFailure: Verdict | undefined;
  firstFailureTrace: Trace | undefined;
  failed = 0;
  firstPass: Verdict | undefined;
  /** Time spent judging it, summed over the traces. */
  millis = 0;

  add(verdict: Verdict, trace: Trace): void {
    if (verdict.passed) {
      this.firstPass ??= verdict;
    } else {
      this.failed++;
      if (this.firstFailure === undefined) {
        this.firstFailure = verdict;
        this.firstFailureTrace = trace;
      }
    }
  }

  /** The expectation's verdict over `n` traces: the first failure, counted, or the first pass. */
  verdict(n: number): Verdict {
    const v = this.firstFailure;
    if (v === undefined) {
      const pass = this.firstPass as Verdict;
      // A lazy pass keeps its texts behind getters, which a spread does not copy: `expected` is read out by name.
      return n === 1 ? pass : { ...pass, expected: pass.expected, message: `${pass.message} (in each of ${n} traces)`, actual: `held in ${n} of ${n} traces`, spans: [] };
    }
    const trace = this.firstFailureTrace as Trace;
    const prefix = n === 1 ? '' : `trace ${shortId(trace.traceId)}: `;
    const suffix = n === 1 ? '' : ` (failed in ${this.failed} of ${n} traces)`;
    return { ...v, message: `${prefix}${v.message}${suffix}`, trace: v.trace ?? trace };
  }
}

/**
 * Judges the per-trace expectations (those with a tally) of every spec in each trace it selected, trace by trace
 * over the run (see {@link judgeSpecs}).
 */
function judgeTraceMajor(states: readonly SpecInProgress[], runTraces: readonly Trace[], context: JudgeContext): void {
  const active = states.filter((state) => state.perTrace.some((tally) => tally !== undefined));
  if (active.length === 0) return;
  // A spec's selected traces are in run order, so one cursor per spec tells whether it selected the trace at hand.
  const cursors = new Int32Array(active.length);
  // A spec's traces share one map of its variables, which nothing writes; a trace gets its own copy at its first
  // capture, so a run of 1000 traces without captures makes no map per trace.
  const shared = active.map((state) => new Map<string, SpecScalar>(state.spec.vars));
  // One clock reading per judgement: each one's end is the next one's start.
  let started = performance.now();
  for (let t = 0; t < runTraces.length; t++) {
    const trace = runTraces[t] as Trace;
    for (let k = 0; k < active.length; k++) {
      const state = active[k] as SpecInProgress;
      if (state.selected[cursors[k] as number] !== trace) continue;
      cursors[k] = (cursors[k] as number) + 1;
      const expectations = state.spec.expectations;
      const tallies = state.perTrace;
      let vars = shared[k] as Map<string, SpecScalar>;
      let unit: JudgeUnit = { traces: [trace], vars, traceById: context.traceById };
      // The same unit for expectations that already failed in an earlier trace: a failure here is counted, not
      // explained (see JudgeUnit.brief). Made when first needed.
      let briefUnit: JudgeUnit | undefined;
      for (let e = 0; e < expectations.length; e++) {
        const tally = tallies[e];
        if (tally === undefined) continue;
        const expectation = expectations[e] as CompiledExpectation;
        const judge = expectation.judgeFor(vars);
        const judgedUnit = tally.firstFailure === undefined ? unit : (briefUnit ??= { ...unit, brief: true });
        const verdict = judge.ok ? judge.value.judge(judgedUnit, context) : failure(`cannot be judged in trace ${shortId(trace.traceId)}: ${judge.error}`, expectation.name);
        if (verdict.captures !== undefined && verdict.captures.size > 0) {
          if (vars === shared[k]) {
            vars = new Map(vars);
            unit = { traces: unit.traces, vars, traceById: context.traceById };
            briefUnit = undefined;
          }
          for (const [name, value] of verdict.captures) vars.set(name, value);
        }
        tally.add(verdict, trace);
        const now = performance.now();
        tally.millis += now - started;
        started = now;
      }
    }
  }
}

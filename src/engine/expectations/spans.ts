import type { Span, Trace } from '../../model/index.ts';
import { err, ok, type Result } from '../../result.ts';
import { countInRange, describeCount, parseCount } from '../../language/index.ts';
import type { CountRange, SpansExpectation, SpecScalar } from '../../language/index.ts';
import { captureReader, type FieldReader } from '../capture.ts';
import { listSpans, markAll, nearMissesIn, whereText } from '../explain.ts';
import { BRIEF_FAILURE, passedLazily, selectIn, traceOf, type Judge, type JudgeContext, type JudgeUnit, type Verdict } from '../judge.ts';
import type { SelectorCache, SelectorHandle } from '../selector-cache.ts';
import { describeSpan } from '../span-description.ts';
import { compileConditionScan, type ConditionScan } from './condition-scan.ts';
import {
  compileAttributeConditions,
  compileDurationCondition,
  compileEventCondition,
  compileLinkCondition,
  compileStatusCondition,
  compileWithinRunCondition,
  type SpanCondition,
} from './span-conditions.ts';

/** The default count of a `spans` expectation: at least one. */
const AT_LEAST_ONE: CountRange = { min: 1, max: Infinity };

/** The count range a spans expectation asserts (default at least one). */
export function spansCountRange(expectation: Pick<SpansExpectation, 'count'>): Result<CountRange, string> {
  return expectation.count === undefined ? ok(AT_LEAST_ONE) : parseCount(expectation.count);
}

/**
 * Compiles a `spans` expectation: how many spans the selector picks, and what each (`quantifier: all`) or
 * one (`any`) of them must look like: attributes, duration, status, events, links. `capture` stores fields
 * of the first picked span for `${var:NAME}` later in the spec.
 */
export function compileSpansExpectation(expectation: SpansExpectation, selectors: SelectorCache): Result<Judge, string> {
  return prepareSpansExpectation(expectation, selectors)(expectation.spans);
}

/** Compiles a `spans` expectation for one selector: its text, or a handle bound already; see {@link prepareSpansExpectation}. */
export type SpansJudgeFactory = (selector: string | SelectorHandle) => Result<Judge, string>;

/**
 * Compiles everything of a `spans` expectation but its selector (count, conditions, captures), once, and returns
 * what completes it with a selector. A selector holding a captured value (`span.order.id = "${var:orderId}"`)
 * differs per trace; its conditions do not, so each distinct value then costs a selector and a closure, not a
 * whole compile. A bad selector is reported before any other problem, as a whole compile would.
 */
export function prepareSpansExpectation(expectation: Omit<SpansExpectation, 'spans'>, selectors: SelectorCache): SpansJudgeFactory {
  const prepared = prepareConditions(expectation, selectors);
  return (source) => {
    const selector = typeof source === 'string' ? selectors.get(source) : ok(source);
    if (!selector.ok) return selector;
    if (!prepared.ok) return prepared;
    return ok(spansJudge(prepared.value, selector.value));
  };
}

interface PreparedSpans {
  readonly range: CountRange;
  readonly conditions: readonly SpanCondition[];
  readonly captures: readonly [string, FieldReader, string][];
  readonly quantifier: 'all' | 'any';
  readonly countText: string;
  readonly conditionText: string;
  readonly scan: ConditionScan;
  readonly distinct: { readonly read: FieldReader; readonly of: string; readonly range: CountRange } | undefined;
}

function prepareConditions(expectation: Omit<SpansExpectation, 'spans'>, selectors: SelectorCache): Result<PreparedSpans, string> {
  const range = spansCountRange(expectation);
  if (!range.ok) return err(`count: ${range.error}`);
  const conditions: SpanCondition[] = [];
  if (expectation.attributes !== undefined) {
    const compiled = compileAttributeConditions(expectation.attributes);
    if (!compiled.ok) return compiled;
    conditions.push(...compiled.value);
  }
  if (expectation.duration !== undefined) {
    const compiled = compileDurationCondition(expectation.duration);
    if (!compiled.ok) return compiled;
    conditions.push(compiled.value);
  }
  if (expectation.withinRun !== undefined) {
    const compiled = compileWithinRunCondition(expectation.withinRun);
    if (!compiled.ok) return compiled;
    conditions.push(compiled.value);
  }
  if (expectation.status !== undefined) {
    const compiled = compileStatusCondition(expectation.status);
    if (!compiled.ok) return compiled;
    conditions.push(compiled.value);
  }
  for (const event of expectation.events ?? []) {
    const compiled = compileEventCondition(event);
    if (!compiled.ok) return compiled;
    conditions.push(compiled.value);
  }
  for (const link of expectation.links ?? []) {
    const compiled = compileLinkCondition(link, selectors);
    if (!compiled.ok) return compiled;
    conditions.push(compiled.value);
  }
  const captures: [string, FieldReader, string][] = Object.entries(expectation.capture ?? {}).map(([name, field]) => [name, captureReader(field), field]);
  let distinct: PreparedSpans['distinct'];
  if (expectation.distinct !== undefined) {
    const distinctRange = parseCount(expectation.distinct.count);
    if (!distinctRange.ok) return err(`distinct.count: ${distinctRange.error}`);
    distinct = { read: captureReader(expectation.distinct.of), of: expectation.distinct.of, range: distinctRange.value };
  }
  const quantifier = expectation.quantifier ?? 'all';
  if (quantifier !== 'all' && quantifier !== 'any') return err(`quantifier must be "all" or "any", got "${String(quantifier)}"`);
  const countText = describeCount(range.value, 'span');
  const conditionText = conditions.map((c) => c.description).join(', ');
  // One scan for every selector the conditions are completed with: it then reaches generated code over the whole
  // run, not per captured value.
  return ok({ range: range.value, conditions, captures, quantifier, countText, conditionText, scan: compileConditionScan(conditions, selectors.accelerators), distinct });
}

function spansJudge(prepared: PreparedSpans, handle: SelectorHandle): Judge {
  const { conditions, captures, quantifier, countText, conditionText, scan } = prepared;
  const range = { value: prepared.range };
  // Written when first read: a judge made per captured value mostly passes, and its texts are then never read.
  let expectedText: string | undefined;
  const expected = (): string =>
    (expectedText ??=
      conditions.length === 0 ? `${countText} matching ${handle.source}` : `${countText} matching ${handle.source}; ${quantifier === 'all' ? 'each' : 'at least one'} with ${conditionText}`);

  return {
    judge(unit: JudgeUnit, context: JudgeContext): Verdict {
      const spans = unit.traces.length === 1 ? handle.select(unit.traces[0] as Trace) : selectIn(unit, (trace) => handle.select(trace));
      const n = spans.length;
      if (!countInRange(n, range.value)) {
        if (unit.brief === true) return BRIEF_FAILURE;
        if (n === 0) {
          const nearMisses = nearMissesIn(handle, unit);
          return {
            expected: expected(),
            passed: false,
            message: `no span matched ${handle.source} ${whereText(unit)}`,
            actual: '0 spans',
            spans: [],
            nearMisses,
            marks: new Map(nearMisses.map((m) => [m.span.spanId, `near miss: ${m.missedClauses.join(', ')}`])),
          };
        }
        const tooMany = n > range.value.max;
        return {
          expected: expected(),
          passed: false,
          message: `expected ${countText} matching ${handle.source} ${whereText(unit)}, found ${n}: ${listSpans(spans, unit)}`,
          actual: `${n} span${n === 1 ? '' : 's'}`,
          spans,
          marks: markAll(spans, tooMany ? 'unexpected' : 'matched'),
        };
      }
      if (prepared.distinct !== undefined) {
        const failure = distinctFailure(prepared.distinct, spans, unit, expected);
        if (failure !== undefined) return unit.brief === true ? BRIEF_FAILURE : failure;
      }
      const captured = capture(spans, captures);
      if (conditions.length === 0 || n === 0) {
        return passedLazily(expected, () => ({ message: `${n} span${n === 1 ? '' : 's'} matched ${handle.source}`, actual: `${n} span${n === 1 ? '' : 's'}` }), spans, captured);
      }
      // Allocated at the first failure: most judgements find none.
      let failures: { span: Span; why: string }[] | undefined;
      let passing = 0;
      // Trace by trace, so each span's trace is known without a lookup (this loop runs over every matched span).
      traces: for (let t = 0; t < unit.traces.length; t++) {
        const trace = unit.traces[t] as Trace;
        const picked = handle.select(trace);
        if (quantifier === 'all') {
          // Conforming spans are skipped inside the scan's own loop; only failures come back here.
          if (unit.brief === true) {
            if (scan.firstFailingSpan(picked, 0, trace, context) >= 0) return BRIEF_FAILURE;
            continue;
          }
          for (let s = scan.firstFailingSpan(picked, 0, trace, context); s >= 0; s = scan.firstFailingSpan(picked, s + 1, trace, context)) {
            const span = picked[s] as Span;
            const failing = scan.failing(span, trace, context);
            (failures ??= []).push({ span, why: (conditions[failing] as SpanCondition | undefined)?.check(span, trace, context) ?? 'fails' });
            if (failures.length >= 10) break traces;
          }
          continue;
        }
        for (let s = 0; s < picked.length; s++) {
          const span = picked[s] as Span;
          const failing = scan.failing(span, trace, context);
          if (failing < 0) {
            passing++;
            break traces;
          }
          if (unit.brief === true) continue;
          (failures ??= []).push({ span, why: (conditions[failing] as SpanCondition).check(span, trace, context) ?? 'fails' });
        }
      }
      const passed = quantifier === 'all' ? failures === undefined : passing > 0;
      if (passed) {
        return passedLazily(
          expected,
          () => ({
            message: `${n} span${n === 1 ? '' : 's'} matched ${handle.source}; ${quantifier === 'all' ? 'all' : 'at least one'} with ${conditionText}`,
            actual: quantifier === 'all' ? `${n} of ${n} conform` : 'at least 1 conforms',
          }),
          spans,
          captured,
        );
      }
      // Not passed: every span judged so far failed, and there was at least one.
      if (unit.brief === true) return BRIEF_FAILURE;
      const failed = failures ?? [];
      const first = failed[0] as { span: Span; why: string };
      const firstName = describeSpan(first.span, traceOf(first.span, unit));
      const message =
        quantifier === 'all'
          ? `${firstName}: ${first.why}${failed.length > 1 ? ` (and ${failed.length - 1} more span${failed.length === 2 ? '' : 's'} fail)` : ''}`
          : `none of ${n} span${n === 1 ? '' : 's'} matching ${handle.source} has ${conditionText}; ${firstName}: ${first.why}`;
      const marks = new Map<string, string>();
      for (const f of failed) marks.set(f.span.spanId, f.why);
      return {
        expected: expected(),
        passed: false,
        message,
        actual: quantifier === 'all' ? `${failed.length} of ${n} fail: ${first.why}` : `0 of ${n} conform`,
        spans: failed.map((f) => f.span),
        marks,
        trace: traceOf(first.span, unit),
      };
    },
  };
}

/** A failed `distinct` count: the values found (a span for each of the first ones), or `undefined` when it holds. */
function distinctFailure(distinct: NonNullable<PreparedSpans['distinct']>, spans: readonly Span[], unit: JudgeUnit, expected: () => string): Verdict | undefined {
  const firstByValue = new Map<string, Span>();
  for (const span of spans) {
    const key = String(distinct.read(span) ?? '(absent)');
    if (!firstByValue.has(key)) firstByValue.set(key, span);
  }
  const n = firstByValue.size;
  if (countInRange(n, distinct.range)) return undefined;
  const shown = [...firstByValue.keys()].slice(0, 5).map((v) => JSON.stringify(v)).join(', ');
  const examples = [...firstByValue.values()];
  return {
    expected: `${expected()}; ${describeCount(distinct.range, `distinct ${distinct.of}`)}`,
    passed: false,
    message: `${spans.length} spans took ${n} distinct values of ${distinct.of} ${whereText(unit)}, expected ${describeCount(distinct.range, 'value')}: ${shown}${n > 5 ? ', ...' : ''}`,
    actual: `${n} distinct ${distinct.of}`,
    spans: examples,
    marks: markAll(examples.slice(0, 20), `distinct ${distinct.of}`),
  };
}

function capture(spans: readonly Span[], captures: readonly [string, FieldReader, string][]): Map<string, SpecScalar> | undefined {
  const first = spans[0];
  if (captures.length === 0 || first === undefined) return undefined;
  const out = new Map<string, SpecScalar>();
  for (const [name, read] of captures) {
    const value = read(first);
    if (value !== undefined) out.set(name, value);
  }
  return out;
}

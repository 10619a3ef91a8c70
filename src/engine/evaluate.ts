import type { RunWindow, Trace } from '../model/index.ts';
import type { RunSource, SettleOutcome } from '../store/index.ts';
import { adjustClockSkew, skewNotes } from './clock-skew.ts';
import { diagnoseRun } from './diagnosis/propagation.ts';
import type { PropagationDiagnostic } from './diagnosis/propagation.ts';
import { compileSpec, type CompiledSpec, type EnvSource, type SpecInput } from './compile-spec.ts';
import type { JudgeContext } from './judge.ts';
import { judgeSpecs, type JudgePhase } from './judge-spec.ts';
import type { RunNote, RunResult, SpecResult } from './results.ts';
import { SelectorCache } from './selector-cache.ts';
import { resolveAccelerators, type Accelerators } from './selectors/accelerators.ts';
import { acceleratorsForRunOf } from './selectors/generated.ts';
import { TracecheckError } from '../errors.ts';

/** Default deadline of {@link evaluateSpecs}, as for `RunSource.settled`. */
export const DEFAULT_EVALUATE_TIMEOUT_MILLIS = 10_000;

/** Options of {@link evaluateSpecsNow}. */
export interface EvaluateNowOptions {
  /** Values of `${env:NAME}`; default `process.env`. */
  readonly env?: EnvSource;
  /** The run id the result names; default `offline`. */
  readonly runId?: string;
  /**
   * The accelerators to judge with: `true` all (the default), `false` none (the reference implementation
   * alone), or some by name. Unset, `TRACECHECK_ACCELERATORS` decides (`on`, `off`, or a comma-separated list).
   * Verdicts never depend on it; only speed does.
   */
  readonly accelerators?: boolean | Partial<Accelerators>;
  /**
   * When the run began and its last export arrived (a live run's `window()`), for expectations that judge span
   * timestamps against it (`withinRun`); unset, they hold without judging (saved traces have no arrival times).
   */
  readonly runWindow?: RunWindow;
}

/** Options of {@link evaluateSpecs}. */
export interface EvaluateOptions {
  /**
   * How long to wait, at most, for the run to satisfy the specs (and to settle); a spec's own `timeout`
   * overrides it for that spec. Default 10000.
   */
  readonly timeoutMillis?: number;
  /** How long the run must be quiet to count as settled (see `RunSource.settled`). Default: the source's. */
  readonly quietMillis?: number;
  /** Values of `${env:NAME}`; default `process.env`. */
  readonly env?: EnvSource;
  /**
   * Nothing more will be sent once the run settles (the command under test has exited, or the traces were saved):
   * judge every spec as soon as the run has settled instead of waiting for its deadline. Default false, since
   * long-lived services may still be working on a test's requests after a quiet moment.
   */
  readonly finalOnceSettled?: boolean;
  /**
   * The accelerators to judge with: `true` all (the default), `false` none (the reference implementation
   * alone), or some by name. Unset, `TRACECHECK_ACCELERATORS` decides (`on`, `off`, or a comma-separated list).
   * Verdicts never depend on it; only speed does.
   */
  readonly accelerators?: boolean | Partial<Accelerators>;
}

function contextFor(traces: readonly Trace[], selectors: SelectorCache, source?: RunSource, window: RunWindow | undefined = source?.window?.()): JudgeContext {
  const traceById = new Map<string, Trace>();
  for (const trace of traces) traceById.set(trace.traceId, trace);
  const runWindow = window === undefined ? {} : { runWindow: window };
  if (source?.unclaimedTraces === undefined) return { traceById, selectors, ...runWindow };
  // Diagnosing scans the unclaimed traces: only a failing `connected`, `complete` or `propagates` asks, once per pass.
  let diagnostics: readonly PropagationDiagnostic[] | undefined;
  return { traceById, selectors, ...runWindow, propagation: () => (diagnostics ??= diagnoseRun(source)) };
}

/** The run's traces with clock skew between services corrected (see {@link adjustClockSkew}). */
function adjusted(traces: readonly Trace[]): readonly Trace[] {
  return traces.map(adjustClockSkew);
}

function countSpans(traces: readonly Trace[]): number {
  let n = 0;
  for (const trace of traces) n += trace.spans.length;
  return n;
}

/**
 * Compiles the specs. `knownSpanCount` is the run's size when it is known before judging (one pass over saved
 * traces): a large run skips the closure tier (see {@link acceleratorsForRunOf}).
 */
function compileAll(specs: readonly SpecInput[], env: EnvSource, passes: 'one' | 'many', option: boolean | Partial<Accelerators> | undefined, knownSpanCount = 0): { compiled: CompiledSpec[]; selectors: SelectorCache } {
  const accelerators = resolveAccelerators(option);
  // A misspelt setting is a usage error, said at once, not a silent fallback to some other choice.
  if (!accelerators.ok) throw new TracecheckError('TC_OPTION_INVALID', accelerators.error);
  const selectors = new SelectorCache({ acrossPasses: passes === 'many', accelerators: acceleratorsForRunOf(accelerators.value, knownSpanCount) });
  return { compiled: specs.map((spec) => compileSpec(spec, env, selectors)), selectors };
}

/**
 * Judges specs against traces as they are, synchronously: no waiting, the traces are taken to be complete
 * (as for the offline `check` command over saved traces). Failed expectations are results, never exceptions.
 *
 * @example
 * ```ts
 * const result = evaluateSpecsNow([{ name: 'orders answers', expect: [{ spans: 'service = "orders" && kind = server' }] }], traces);
 * if (!result.passed) console.log(result.specs[0]?.expectations.find((e) => !e.passed)?.message);
 * ```
 */
export function evaluateSpecsNow(specs: readonly SpecInput[], runTraces: readonly Trace[], options: EvaluateNowOptions = {}): RunResult {
  const started = performance.now();
  const { compiled, selectors } = compileAll(specs, options.env ?? process.env, 'one', options.accelerators, countSpans(runTraces));
  const traces = adjusted(runTraces);
  const context = contextFor(traces, selectors, undefined, options.runWindow);
  const spanCount = countSpans(traces);
  const phase: JudgePhase = { settled: true, spanCount, traceCount: traces.length };
  const results = judgeSpecs(compiled, traces, context, compiled.map(() => phase)).map((judgement) => judgement.result);
  return {
    runId: options.runId ?? 'offline',
    passed: results.every((r) => r.passed),
    specs: results,
    spanCount,
    traceCount: traces.length,
    settled: true,
    notes: skewNotes(traces),
    durationMillis: performance.now() - started,
  };
}

/**
 * Judges specs against a live run, waiting as little as possible.
 *
 * - It re-judges whenever spans arrive (`source.onChange`), at most once per event-loop turn however many
 *   exports land together; there is no polling timer.
 * - A spec whose expectations are all positive (presence, order, attributes of present spans, sequences,
 *   propagation) is decided the moment they all hold.
 * - A spec with expectations that more spans could still break (absence, counts with a maximum, budgets,
 *   `noErrors`, `connected`) is decided only once the run has settled (`source.settled({ quietMillis })`) and
 *   its positive expectations hold.
 * - At the deadline (`timeoutMillis`, or the spec's own `timeout`) an undecided spec is judged on what did
 *   arrive, and each failure says that it timed out and what was seen.
 *
 * @example
 * ```ts
 * const collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
 * const run = collector.run();
 * // ... run the system under test with run.env ...
 * const result = await evaluateSpecs(specs, run, { timeoutMillis: 5000 });
 * console.log(result.passed, result.settled);
 * ```
 */
export async function evaluateSpecs(specs: readonly SpecInput[], source: RunSource, options: EvaluateOptions = {}): Promise<RunResult> {
  const started = performance.now();
  const env = options.env ?? process.env;
  const { compiled, selectors } = compileAll(specs, env, 'many', options.accelerators);
  const defaultTimeout = options.timeoutMillis ?? DEFAULT_EVALUATE_TIMEOUT_MILLIS;
  const deadlines = compiled.map((spec) => started + (spec.timeoutMillis ?? defaultTimeout));
  const lastDeadline = Math.max(started, ...deadlines);
  const decided: (SpecResult | undefined)[] = compiled.map(() => undefined);
  const notes: RunNote[] = [];

  let settled = false;
  let settling = false;
  let lastOutcome: SettleOutcome | undefined;
  let terminal = false;
  let finish: (() => void) | undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });

  let scheduled = false;
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    // One evaluation per event-loop turn: a burst of exports handled in one turn costs one pass.
    setImmediate(() => {
      scheduled = false;
      pass();
    });
  };

  const startSettling = (): void => {
    if (settling || terminal) return;
    settling = true;
    const remaining = Math.max(0, lastDeadline - performance.now());
    const settleOptions = options.quietMillis === undefined ? { timeoutMillis: remaining } : { quietMillis: options.quietMillis, timeoutMillis: remaining };
    void source.settled(settleOptions).then((outcome) => {
      settling = false;
      lastOutcome = outcome;
      settled = outcome.settled;
      if (outcome.reason === 'evicted' || outcome.reason === 'closed') {
        terminal = true;
        notes.push(outcome.reason === 'evicted'
          ? { code: 'run-evicted', message: `the run was evicted from the store (span cap reached) after ${outcome.spanCount} spans; judged on what had arrived`, diagnostic: { count: outcome.spanCount } }
          : { code: 'collector-closed', message: 'the collector closed before the run settled; judged on what had arrived' });
      }
      schedule();
    });
  };

  // Deadlines are events too: one timer per distinct deadline wakes the loop to judge what arrived.
  // A timer may fire a fraction of a millisecond before performance.now() reaches its deadline, so the timer
  // itself marks the deadline as reached rather than leaving it to a clock comparison that could miss it.
  const reached = new Set<number>();
  const timers = [...new Set(deadlines)].map((deadline) =>
    setTimeout(() => {
      reached.add(deadline);
      schedule();
    }, Math.max(0, deadline - performance.now())),
  );

  // The last pass's judging context, and whether the run changed since: its diagnosis, if a spec asked for it,
  // then serves the run's notes too instead of diagnosing the same run a second time.
  let lastContext: JudgeContext | undefined;
  let changedSinceLastPass = false;
  const unsubscribe = source.onChange(() => {
    changedSinceLastPass = true;
    // Arrivals of background work (a timer's traces in a tagged process) do not unsettle the run: the source's
    // settled() does not wait for them either, and quietNow() says so by the same definition.
    settled = source.quietNow?.(options.quietMillis) ?? false;
    if (!settled) startSettling();
    schedule();
  });

  let traces: readonly Trace[] = [];
  const pass = (): void => {
    if (finish === undefined) return;
    traces = adjusted(source.traces());
    const now = performance.now();
    const context = contextFor(traces, selectors, source);
    lastContext = context;
    changedSinceLastPass = false;
    const spanCount = countSpans(traces);
    // The undecided specs are judged together, trace by trace (see judgeSpecs).
    const open = compiled.flatMap((spec, i) => (decided[i] === undefined ? [i] : []));
    const expiredAt = open.map((i) => {
      const deadline = deadlines[i] as number;
      return now >= deadline || reached.has(deadline) || terminal;
    });
    // A timer may fire a fraction of a millisecond early (see above): the spec waited its whole timeout all the same.
    // (A run evicted or closed before the deadline reports the time it did wait.)
    const waitedMillis = (i: number): number => {
      const deadline = deadlines[i] as number;
      return Math.round((reached.has(deadline) ? Math.max(now, deadline) : now) - started);
    };
    const phases = open.map((i, k): JudgePhase =>
      expiredAt[k] === true
        ? { settled, spanCount, traceCount: traces.length, timedOutAfterMillis: waitedMillis(i) }
        : { settled, spanCount, traceCount: traces.length },
    );
    const judgements = judgeSpecs(open.map((i) => compiled[i] as CompiledSpec), traces, context, phases);
    judgements.forEach((judgement, k) => {
      const final = expiredAt[k] === true || (settled && options.finalOnceSettled === true) || (judgement.positivesHold && (!judgement.needsSettled || settled));
      if (final) decided[open[k] as number] = judgement.result;
    });
    if (decided.every((r) => r !== undefined)) {
      const resolve = finish;
      finish = undefined;
      resolve();
    }
  };

  startSettling();
  schedule();
  try {
    await done;
  } finally {
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
  }
  const results = decided as SpecResult[];
  const spanCount = countSpans(traces);
  notes.push(...skewNotes(traces));
  // Broken hops are reported whether or not a spec asked about propagation: they are what a run cannot show.
  const diagnostics = (!changedSinceLastPass ? lastContext?.propagation?.() : undefined) ?? diagnoseRun(source);
  for (const diagnostic of diagnostics) notes.push(propagationNote(diagnostic));
  if (lastOutcome !== undefined && lastOutcome.orphanCount > 0) {
    const count = lastOutcome.orphanCount;
    notes.push({ code: 'trace-incomplete', message: `${count} span${count === 1 ? '' : 's'} still waited for a parent that never arrived`, diagnostic: { count } });
  }
  return {
    runId: source.id,
    passed: results.every((r) => r.passed),
    specs: results,
    spanCount,
    traceCount: traces.length,
    settled,
    notes,
    durationMillis: performance.now() - started,
  };
}

const NOTE_CODE_OF_DIAGNOSTIC = {
  'new-trace': 'propagation-broken',
  'context-lost': 'context-lost',
  'baggage-dropped': 'baggage-dropped',
  'link-missing': 'link-missing',
} as const satisfies Record<PropagationDiagnostic['kind'], RunNote['code']>;

/** A propagation diagnostic as a run note: its message, and the hop's services, spans and cause as data. */
function propagationNote(diagnostic: PropagationDiagnostic): RunNote {
  const spans = diagnostic.kind === 'context-lost'
    ? [diagnostic.activeSpan, diagnostic.clientSpan, ...(diagnostic.serverSpan === undefined ? [] : [diagnostic.serverSpan])]
    : [diagnostic.clientSpan, diagnostic.serverSpan, ...(diagnostic.proxySpan === undefined ? [] : [diagnostic.proxySpan])];
  return {
    code: NOTE_CODE_OF_DIAGNOSTIC[diagnostic.kind],
    message: diagnostic.message,
    diagnostic: {
      traceId: diagnostic.anchorSpan.traceId,
      spanIds: spans.map((span) => span.spanId),
      ...(diagnostic.callerService === undefined ? {} : { callerService: diagnostic.callerService }),
      ...(diagnostic.calleeService === undefined ? {} : { calleeService: diagnostic.calleeService }),
      cause: diagnostic.cause,
      pairing: diagnostic.pairing,
      ...(diagnostic.kind === 'baggage-dropped' && diagnostic.missingBaggageKeys !== undefined ? { missingBaggageKeys: diagnostic.missingBaggageKeys } : {}),
    },
  };
}

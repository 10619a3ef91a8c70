import type { RunWindow, Span, Trace } from '../model/index.ts';
import type { RunSource, SettleOptions, SettleOutcome } from './run-source.ts';
import type { TraceAssembly } from './trace-assembly.ts';
import { pinHiddenClass } from '../v8-shapes.ts';
import { RUN_RECORD_BYTES, stringBytes } from './retained-size.ts';
import { BackgroundWork } from './background-work.ts';

/** Default quiet period of {@link LiveRun.settled}, in milliseconds. */
export const DEFAULT_QUIET_MILLIS = 200;
/** Default deadline of {@link LiveRun.settled}, in milliseconds. */
export const DEFAULT_SETTLE_TIMEOUT_MILLIS = 10_000;

/** Where a run stands: receiving, dropped by the memory bound, or its collector closed. */
export type RunState = 'live' | 'evicted' | 'closed';

/** How a run came to be. */
export interface LiveRunOptions {
  /**
   * The run was made by its first export (a sidecar's run that spans named before anyone asked for it), not before
   * the system under test started: when it began is not known, so its {@link LiveRun.window} has no start.
   */
  readonly begunByExport?: boolean;
}

/** One pending `settled()` call. */
interface SettleWaiter {
  readonly quietMillis: number;
  readonly startedAtMillis: number;
  quietTimer: ReturnType<typeof setTimeout> | undefined;
  readonly timeoutTimer: ReturnType<typeof setTimeout>;
  readonly resolve: (outcome: SettleOutcome) => void;
}

/**
 * The live view of one test run in the store: the traces that carry its run id or inherited it, as they arrive.
 *
 * Obtained from {@link SpanStore.run} (or `collector.run(id)`); the store feeds it. It is a {@link RunSource},
 * so the engine can evaluate specs against it while spans keep arriving.
 *
 * @example
 * ```ts
 * const run = store.run('run-42');
 * const outcome = await run.settled({ quietMillis: 200, timeoutMillis: 5000 });
 * if (!outcome.settled) console.warn(`run not settled: ${outcome.reason}`);
 * for (const trace of run.traces()) console.log(trace.traceId, trace.spans.length);
 * ```
 */
export class LiveRun implements RunSource {
  readonly id: string;
  /** When the store created the run (epoch milliseconds). */
  readonly createdAtMillis = Date.now();
  private readonly assemblies = new Map<string, TraceAssembly>();
  private readonly listeners = new Set<() => void>();
  private readonly endListeners = new Set<(state: RunState) => void>();
  private readonly waiters = new Set<SettleWaiter>();
  private readonly reportListenerError: (error: unknown) => void;
  private currentState: RunState = 'live';
  private spanTotal = 0;
  private orphanTotal = 0;
  /**
   * Monotonic time (performance.now()) of the last arrival that counts for settling (one to a trace that is not
   * background work) as far as the waits have looked; -Infinity before any.
   */
  private lastArrivalMillis = Number.NEGATIVE_INFINITY;
  /** Wall-clock time (epoch milliseconds) of the last arrival, background work included; undefined before any. */
  private lastArrivalUnixMillis: number | undefined;
  /** Traces that took spans since the last arrival, while someone waits for settling or listens for changes. */
  private readonly touched = new Set<string>();
  /** Trace id → its last arrival, for arrivals a wait has not yet counted (see {@link quietSince}). */
  private readonly uncounted = new Map<string, number>();
  private background = new BackgroundWork();
  /** The longest quiet period a wait or {@link quietNow} asked for: arrivals older than that decide nothing. */
  private longestQuietMillis = DEFAULT_QUIET_MILLIS;
  private tracesCache: readonly Trace[] | undefined;
  private spansCache: readonly Span[] | undefined;
  private evictedSpans = 0;
  /** Estimated heap held by the run's traces (0 while it holds none), see retained-size.ts. */
  private bytes = 0;
  private readonly unclaimed: (() => readonly Trace[]) | undefined;
  private readonly begunByExport: boolean;

  /**
   * Created by the store; `reportListenerError` receives what a change listener throws, `unclaimedTraces` reads
   * the store's traces that no run claimed (see {@link unclaimedTraces}).
   */
  constructor(id: string, reportListenerError: (error: unknown) => void, unclaimedTraces?: () => readonly Trace[], options: LiveRunOptions = {}) {
    this.id = id;
    this.begunByExport = options.begunByExport === true;
    this.reportListenerError = reportListenerError;
    this.unclaimed = unclaimedTraces;
  }

  /**
   * The store's traces that no run claimed at this moment (empty for a run made outside a store): where a callee
   * that started a new trace instead of continuing this run's sends its spans. The engine's `diagnoseRun` reads
   * them, with {@link traces}, to name such broken hops.
   */
  unclaimedTraces(): readonly Trace[] {
    return this.unclaimed === undefined ? [] : this.unclaimed();
  }

  /** `live`, `evicted` (the store's span cap dropped the whole run) or `closed`. */
  get state(): RunState {
    return this.currentState;
  }

  /** Distinct spans held (0 once evicted). */
  get spanCount(): number {
    return this.spanTotal;
  }

  /** Traces held. */
  get traceCount(): number {
    return this.assemblies.size;
  }

  /** Spans waiting for a parent that has not arrived. */
  get orphanCount(): number {
    return this.orphanTotal;
  }

  /**
   * Estimated bytes the run keeps alive: its record and id once it holds a trace, plus each trace's
   * `retainedBytes` (see retained-size.ts). 0 once evicted. What the store counts against `maxMemoryBytes`.
   */
  get retainedBytes(): number {
    return this.bytes;
  }

  /** How many spans the run held when it was evicted (0 unless evicted). */
  get evictedSpanCount(): number {
    return this.evictedSpans;
  }

  /** The run's reconstructed traces, ordered by start time then trace id. Cached until the next arrival. */
  traces(): readonly Trace[] {
    if (this.tracesCache === undefined) {
      const traces: Trace[] = [];
      for (const assembly of this.assemblies.values()) traces.push(assembly.build());
      traces.sort(compareTraces);
      this.tracesCache = traces;
    }
    return this.tracesCache;
  }

  /** One trace of the run, if held. */
  trace(traceId: string): Trace | undefined {
    return this.assemblies.get(traceId.toLowerCase())?.build();
  }

  /** Every span of the run, trace by trace (in {@link traces} order), each trace's spans by start time. */
  spans(): readonly Span[] {
    if (this.spansCache === undefined) this.spansCache = this.traces().flatMap((trace) => trace.spans);
    return this.spansCache;
  }

  /**
   * When the run began ({@link createdAtMillis}; unknown for a run its first export made) and when its last export
   * arrived, by this machine's wall clock; `undefined` before any export arrived.
   */
  window(): RunWindow | undefined {
    if (this.lastArrivalUnixMillis === undefined) return undefined;
    const endUnixNano = BigInt(this.lastArrivalUnixMillis) * 1_000_000n;
    return this.begunByExport ? { endUnixNano } : { startUnixNano: BigInt(this.createdAtMillis) * 1_000_000n, endUnixNano };
  }

  /** Calls `listener` after spans are added to the run; returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /**
   * Calls `listener` once when the run stops receiving (evicted, or its collector closed); at once if it already
   * has. Returns an unsubscribe function. Long-lived readers (the query API's run stream) end on it.
   */
  onEnd(listener: (state: RunState) => void): () => void {
    if (this.currentState !== 'live') {
      listener(this.currentState);
      return () => {};
    }
    this.endListeners.add(listener);
    return () => {
      this.endListeners.delete(listener);
    };
  }

  /**
   * Waits until the run has been quiet for `quietMillis` with no span waiting for its parent, or until
   * `timeoutMillis` passes. Never rejects: the outcome says how the wait ended.
   *
   * Quiet is measured from the later of the last arrival and the call. The quiet timer is a deadline re-armed
   * only when it fires early (an arrival moved the deadline), so a busy run costs one timer, not one per span.
   * While an orphan waits, no quiet deadline is armed: only its parent's arrival (or the timeout) can end the wait.
   *
   * Arrivals to background work do not count (see `BackgroundWork`): a trace whose root a service that serves the
   * run's requests started by itself (a CLIENT, PRODUCER or INTERNAL root with no links), of a shape that recurs
   * while that service serves none of them. A timer's traces in a tagged process keep arriving and would hold
   * the run open forever. Whether a trace is background is judged when the deadline comes, on what has arrived.
   */
  settled(options: SettleOptions = {}): Promise<SettleOutcome> {
    const quietMillis = nonNegative(options.quietMillis, DEFAULT_QUIET_MILLIS);
    const timeoutMillis = nonNegative(options.timeoutMillis, DEFAULT_SETTLE_TIMEOUT_MILLIS);
    const startedAtMillis = performance.now();
    if (this.currentState !== 'live') return Promise.resolve(this.outcome(this.currentState, startedAtMillis));
    return new Promise((resolve) => {
      if (quietMillis > this.longestQuietMillis) this.longestQuietMillis = quietMillis;
      const waiter: SettleWaiter = {
        quietMillis,
        startedAtMillis,
        quietTimer: undefined,
        timeoutTimer: setTimeout(() => this.finish(waiter, 'timeout'), timeoutMillis),
        resolve,
      };
      this.waiters.add(waiter);
      this.armQuiet(waiter);
    });
  }

  /**
   * Whether the run is settled at this moment, by the definition {@link settled} waits for: no span waits for its
   * parent, and no arrival that counts (one not to background work) came in the last `quietMillis`. Unlike a wait,
   * the quiet period runs from the last counted arrival, not from the call: a live evaluation asks it on each change.
   */
  quietNow(quietMillis: number = DEFAULT_QUIET_MILLIS): boolean {
    if (this.currentState !== 'live' || this.orphanTotal > 0) return false;
    if (quietMillis > this.longestQuietMillis) this.longestQuietMillis = quietMillis;
    return performance.now() - this.quietSince() >= quietMillis;
  }

  /** @internal Store use: takes over a trace (claimed, or first tagged span); returns the growth of {@link retainedBytes}. */
  adoptTrace(assembly: TraceAssembly): number {
    const before = this.bytes;
    if (this.assemblies.size === 0) this.bytes += RUN_RECORD_BYTES + stringBytes(this.id);
    this.assemblies.set(assembly.traceId, assembly);
    for (const span of assembly.heldSpans()) this.background.note(span);
    if (this.waiters.size > 0 || this.listeners.size > 0) this.touched.add(assembly.traceId);
    this.spanTotal += assembly.spanCount;
    this.orphanTotal += assembly.orphanCount;
    this.bytes += assembly.retainedBytes;
    this.invalidate();
    return this.bytes - before;
  }

  /** @internal Store use: the assembly holding a trace of this run. */
  assemblyOf(traceId: string): TraceAssembly | undefined {
    return this.assemblies.get(traceId);
  }

  /** @internal Store use: adds a span to one of the run's traces; returns the growth of {@link retainedBytes} (0: a duplicate). */
  addSpan(assembly: TraceAssembly, span: Span): number {
    const outcome = assembly.add(span);
    if (outcome.added) {
      this.spanTotal++;
      this.background.note(span);
      if (this.waiters.size > 0 || this.listeners.size > 0) this.touched.add(assembly.traceId);
    }
    this.orphanTotal += outcome.orphanDelta;
    this.bytes += outcome.addedBytes;
    this.invalidate();
    return outcome.addedBytes;
  }

  /** @internal Store use: spans arrived; re-arms settle deadlines, then tells listeners. */
  arrived(): void {
    const now = performance.now();
    this.lastArrivalUnixMillis = Date.now();
    // Nobody waiting or listening tracked the traces: every arrival counts.
    if (this.touched.size === 0) this.lastArrivalMillis = now;
    for (const traceId of this.touched) this.uncounted.set(traceId, now);
    this.touched.clear();
    this.pruneUncounted(now);
    for (const waiter of this.waiters) {
      if (waiter.quietTimer === undefined) this.armQuiet(waiter);
    }
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (error) {
        this.reportListenerError(error);
      }
    }
  }

  /** @internal Store use: drops every span; pending and later waits resolve with reason `evicted`. */
  evict(): TraceAssembly[] {
    const dropped = [...this.assemblies.values()];
    this.evictedSpans = this.spanTotal;
    this.end('evicted');
    this.assemblies.clear();
    this.background = new BackgroundWork();
    this.spanTotal = 0;
    this.orphanTotal = 0;
    this.bytes = 0;
    this.invalidate();
    return dropped;
  }

  /** @internal Store use: the collector closed; pending and later waits resolve with reason `closed`. */
  close(): void {
    if (this.currentState === 'live') this.end('closed');
  }

  private end(state: RunState): void {
    this.currentState = state;
    for (const waiter of [...this.waiters]) this.finish(waiter, state === 'evicted' ? 'evicted' : 'closed');
    const endListeners = [...this.endListeners];
    this.endListeners.clear();
    for (const listener of endListeners) {
      try {
        listener(state);
      } catch (error) {
        this.reportListenerError(error);
      }
    }
  }

  private invalidate(): void {
    this.tracesCache = undefined;
    this.spansCache = undefined;
  }

  private armQuiet(waiter: SettleWaiter): void {
    waiter.quietTimer = undefined;
    if (this.orphanTotal > 0) return;
    const quietSince = Math.max(this.quietSince(), waiter.startedAtMillis);
    const remaining = quietSince + waiter.quietMillis - performance.now();
    if (remaining <= 0) {
      this.finish(waiter, 'quiet');
      return;
    }
    waiter.quietTimer = setTimeout(() => this.armQuiet(waiter), Math.ceil(remaining));
  }

  /**
   * The last arrival that counts for settling: arrivals to traces that are not background work move it; those to
   * background work wait in `uncounted` (until a later count finds them not background, or a counted arrival
   * passes them).
   */
  private quietSince(): number {
    for (const [traceId, arrivedAtMillis] of this.uncounted) {
      if (!this.background.isBackground(traceId)) {
        if (arrivedAtMillis > this.lastArrivalMillis) this.lastArrivalMillis = arrivedAtMillis;
        this.uncounted.delete(traceId);
      }
    }
    this.pruneUncounted(performance.now());
    return this.lastArrivalMillis;
  }

  /** Drops what a counted arrival passed, or what is older than any quiet period asked for: it can decide nothing more. */
  private pruneUncounted(now: number): void {
    const decidesNothingBefore = Math.max(this.lastArrivalMillis, now - this.longestQuietMillis);
    for (const [traceId, arrivedAtMillis] of this.uncounted) if (arrivedAtMillis <= decidesNothingBefore) this.uncounted.delete(traceId);
  }

  private finish(waiter: SettleWaiter, reason: SettleOutcome['reason']): void {
    if (!this.waiters.delete(waiter)) return;
    clearTimeout(waiter.timeoutTimer);
    if (waiter.quietTimer !== undefined) clearTimeout(waiter.quietTimer);
    waiter.resolve(this.outcome(reason, waiter.startedAtMillis));
  }

  private outcome(reason: SettleOutcome['reason'], startedAtMillis: number): SettleOutcome {
    return {
      settled: reason === 'quiet',
      reason,
      spanCount: this.spanTotal,
      traceCount: this.assemblies.size,
      orphanCount: this.orphanTotal,
      waitedMillis: Math.round(performance.now() - startedAtMillis),
    };
  }
}
// Its hidden class outlives every instance (see v8-shapes.ts).
pinHiddenClass(new LiveRun('', () => undefined, () => []));

function compareTraces(a: Trace, b: Trace): number {
  if (a.startTimeUnixNano !== b.startTimeUnixNano) return a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1;
  return a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0;
}

function nonNegative(value: number | undefined, fallback: number): number {
  return value === undefined || !Number.isFinite(value) || value < 0 ? fallback : value;
}

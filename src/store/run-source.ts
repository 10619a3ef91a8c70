import type { RunWindow, Trace } from '../model/index.ts';

/** Options for waiting until a run has settled. */
export interface SettleOptions {
  /** How long the run must receive nothing (and have no orphan waiting for its parent). Default 200. */
  readonly quietMillis?: number;
  /** The deadline; the wait resolves (not rejects) with `settled: false` when it passes. Default 10000. */
  readonly timeoutMillis?: number;
}

/** How a wait for settling ended. */
export interface SettleOutcome {
  readonly settled: boolean;
  readonly reason: 'quiet' | 'timeout' | 'evicted' | 'closed';
  readonly spanCount: number;
  readonly traceCount: number;
  /** Spans still waiting for a parent that was never received. */
  readonly orphanCount: number;
  readonly waitedMillis: number;
}

/**
 * What the engine needs of a run: its traces now, a signal when they change, and a way to wait for settling.
 * The store's live runs implement it; so does a static set of traces loaded from files.
 */
export interface RunSource {
  readonly id: string;
  /** The run's reconstructed traces at this moment. */
  traces(): readonly Trace[];
  /** Calls `listener` after spans are added to the run; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
  settled(options?: SettleOptions): Promise<SettleOutcome>;
  /**
   * Whether the run is settled at this moment by the definition `settled()` waits for (no orphan, no counted
   * arrival within `quietMillis`), the quiet period running from the last counted arrival. Optional: a live
   * evaluation asks it on each change, so arrivals of background work do not unsettle a settled run.
   */
  quietNow?(quietMillis?: number): boolean;
  /**
   * The traces no run claimed at this moment: where a callee that started a new trace (instead of continuing the
   * run's) sends its spans. The engine reads them to diagnose broken hops the run's traces cannot show by
   * themselves. Optional: sources that cannot see beyond their own traces leave it out.
   */
  unclaimedTraces?(): readonly Trace[];
  /**
   * When the run began and when its last export arrived, by the collector's clock; `undefined` before any export.
   * Optional: saved traces have no arrival times.
   */
  window?(): RunWindow | undefined;
}

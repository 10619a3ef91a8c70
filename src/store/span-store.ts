// Over 400 lines: the store is one class whose caps (spans, bytes, unclaimed pool), eviction tombstones and watched
// runs all keep the same maps consistent (runsById, ownerByTraceId, unclaimed); splitting it would spread each
// invariant over files.
import { TracecheckError } from '../errors.ts';
import { checkRunId, DEFAULT_RUN_ID_ATTRIBUTE, isUsableRunId } from '../protocol/index.ts';
import type { Span, Trace } from '../model/index.ts';
import { LiveRun } from './live-run.ts';
import type { LiveRunOptions } from './live-run.ts';
import type { RunState } from './live-run.ts';
import { LinkIndex } from './link-correlation.ts';
import { linkedTraceCorrelator, runIdCarriedBy } from './run-correlation.ts';
import type { CorrelationLookup, SpanCorrelator } from './run-correlation.ts';
import type { IngestContext, IngestRejections, SpanSink } from './span-sink.ts';
import { TraceAssembly } from './trace-assembly.ts';
import { pinHiddenClass } from '../v8-shapes.ts';

/** Default cap on spans held by all runs together. */
export const DEFAULT_MAX_SPANS = 1_000_000;
/** Default cap on untagged spans of unknown traces held while waiting for a run to claim them. */
export const DEFAULT_MAX_UNCLAIMED_SPANS = 100_000;
/** Default cap on the estimated bytes all runs and the unclaimed pool keep alive: 512 MiB. */
export const DEFAULT_MAX_MEMORY_BYTES = 512 * 1024 * 1024;
/** Default number of evicted runs remembered (so their late spans are refused, not taken into a fresh run). */
export const DEFAULT_MAX_EVICTED_RUNS = 1_000;
/** The share of `maxMemoryBytes` the unclaimed pool may use, so untagged traffic cannot push test runs out. */
const UNCLAIMED_MEMORY_SHARE = 0.25;

/** A run dropped whole because the store went over its span cap or its memory cap. */
export interface RunEviction {
  readonly runId: string;
  /** Spans the run held when it was dropped. */
  readonly spanCount: number;
  readonly traceCount: number;
  /** Estimated bytes the run held when it was dropped (see `retainedBytes`). */
  readonly retainedBytes: number;
  /** Which cap was passed: `max-spans` (`maxSpans`) or `max-memory` (`maxMemoryBytes`). */
  readonly reason: 'max-spans' | 'max-memory';
}

/** Options of {@link SpanStore}. */
export interface SpanStoreOptions {
  /** Cap on spans held by all runs together; over it, the oldest run is dropped whole. Default 1,000,000. */
  readonly maxSpans?: number;
  /** Cap on untagged spans waiting in the unclaimed pool; over it, the oldest unclaimed trace is dropped. Default 100,000. */
  readonly maxUnclaimedSpans?: number;
  /**
   * Cap on the estimated bytes held by all runs and the unclaimed pool together (see retained-size.ts for the
   * estimate); over it, the oldest run is dropped whole. The unclaimed pool may use a quarter of it. Default 512 MiB.
   */
  readonly maxMemoryBytes?: number;
  /**
   * How many evicted runs are remembered, oldest forgotten first. A remembered run refuses its late spans (the
   * export's partial success says why); a forgotten one would start afresh. Default 1,000.
   */
  readonly maxEvictedRuns?: number;
  /** Resource or span attribute carrying the run id. Default `test.run.id`. */
  readonly runIdAttribute?: string;
  /**
   * Further rules that put spans of unowned traces into runs, tried in order after the span's own tags and trace
   * inheritance (e.g. {@link linkedTraceCorrelator}). Default none.
   */
  readonly correlators?: readonly SpanCorrelator[];
  /**
   * Whether a trace with a span link to a run's trace joins that run, in either arrival order (queue consumers
   * start new traces that link to their producer's). Default true.
   */
  readonly followLinks?: boolean;
  /** Called when a run is evicted (also available as {@link SpanStore.onEvict}). */
  readonly onEvict?: (eviction: RunEviction) => void;
  /** Receives what a change or eviction listener throws (the store itself carries on). Default: `console.error`. */
  readonly onListenerError?: (error: unknown) => void;
}

/** Counters describing what the store holds and what it dropped. */
export interface SpanStoreStats {
  /** Spans held by runs. */
  readonly spanCount: number;
  readonly runCount: number;
  /** Untagged spans of unknown traces, waiting to be claimed. */
  readonly unclaimedSpanCount: number;
  readonly unclaimedTraceCount: number;
  /** Unclaimed spans dropped by the unclaimed cap. */
  readonly droppedUnclaimedSpanCount: number;
  /** Spans that arrived for a run already evicted, and were dropped. */
  readonly droppedEvictedRunSpanCount: number;
  /** Spans refused because the run id they carry (attribute) is not usable (see `isUsableRunId`). */
  readonly rejectedInvalidRunIdSpanCount: number;
  readonly evictedRunCount: number;
  /** Estimated bytes held by runs and the unclaimed pool together (what `maxMemoryBytes` caps). */
  readonly retainedBytes: number;
  /** Estimated bytes held by the unclaimed pool alone. */
  readonly unclaimedRetainedBytes: number;
}

/**
 * The reading side of a {@link SpanStore}: what the collector hands out (`collector.store`). Runs are reached through
 * `collector.run(id)`, whose `live` view is read-only too; ingesting, claiming traces, evicting and closing stay
 * with the collector that owns the store.
 *
 * @example
 * ```ts
 * const { spanCount, unclaimedTraceCount } = collector.store.stats();
 * for (const trace of collector.store.unclaimedTraces()) console.log(trace.traceId, trace.spans.length);
 * ```
 */
export interface SpanStoreView {
  /** The run that owns the trace, if any. */
  ownerOfTrace(traceId: string): string | undefined;
  /** Traces no run has claimed (yet), e.g. the new trace a callee started when context was lost. */
  unclaimedTraces(): readonly Trace[];
  /** Called when a run is evicted by the span cap; returns the unsubscribe function. */
  onEvict(listener: (eviction: RunEviction) => void): () => void;
  stats(): SpanStoreStats;
}

/**
 * The store: the {@link SpanSink} receivers feed, sorting spans into test runs and assembling their traces.
 *
 * A span belongs to a run when it carries the run id (span attribute, resource attribute, or the request's run id:
 * see {@link runIdCarriedBy}), or when its trace already belongs to the run: once any span of a trace is tagged,
 * the whole trace is the run's, whichever service sent the other spans and whenever they arrive. Untagged spans of
 * traces no run owns wait in a bounded unclaimed pool, so a tagged span arriving later still brings its trace's
 * earlier spans along; what is never claimed stays queryable ({@link unclaimedTraces}) for diagnostics.
 *
 * A trace belongs to one run: the first claim wins, and a later span tagged with another run id follows the
 * trace's owner.
 *
 * Memory is bounded: when runs together hold more than `maxSpans` spans, or more than `maxMemoryBytes` estimated
 * bytes (see retained-size.ts), the oldest run (by its first trace) is evicted whole (its view reports
 * `state: 'evicted'` and its `settled()` resolves with reason `evicted`) and `onEvict` is told. Evicted runs are
 * remembered (up to `maxEvictedRuns`) so their late spans are refused; runs only waited on ({@link watchRun}) are
 * forgotten when the wait ends empty.
 *
 * @example
 * ```ts
 * const store = new SpanStore({ maxSpans: 100_000 });
 * store.ingest(spans, { transport: 'memory', runId: 'run-42' });
 * const run = store.run('run-42');
 * await run.settled({ quietMillis: 100 });
 * console.log(run.traces().length);
 * ```
 *
 * The library hands out {@link SpanStoreView}; the class is for the collector and tests.
 */
export class SpanStore implements SpanSink, CorrelationLookup, SpanStoreView {
  private readonly maxSpans: number;
  private readonly maxUnclaimedSpans: number;
  private readonly maxMemoryBytes: number;
  private readonly maxUnclaimedBytes: number;
  private readonly maxEvictedRuns: number;
  private readonly runIdAttribute: string;
  private readonly correlators: readonly SpanCorrelator[];
  private readonly reportListenerError: (error: unknown) => void;
  private readonly evictListeners = new Set<(eviction: RunEviction) => void>();
  /** Runs by id, in order of their first trace (eviction takes the oldest); the last `maxEvictedRuns` evicted stay as tombstones. */
  private readonly runsById = new Map<string, LiveRun>();
  /** Evicted runs still in `runsById`, oldest eviction first. */
  private readonly tombstones = new Set<string>();
  /**
   * Runs that only exist because someone waits on them (a settle query or stream for a run with no span yet), with
   * how many wait. When the last wait ends and the run still holds nothing, it is forgotten.
   */
  private readonly watchers = new Map<string, number>();
  /** Runs asked for through {@link run} (library use): kept even while empty. */
  private readonly pinned = new Set<string>();
  private readonly ownerByTraceId = new Map<string, LiveRun>();
  /** Traces no run owns yet, in order of first arrival (the oldest is dropped first). */
  private readonly unclaimed = new Map<string, TraceAssembly>();
  /** Waiting traces by the traces they link to; undefined when links are not followed. */
  private readonly links: LinkIndex | undefined;
  private runSpans = 0;
  private unclaimedSpans = 0;
  private runBytes = 0;
  private unclaimedBytes = 0;
  private droppedUnclaimed = 0;
  private droppedForEvictedRuns = 0;
  private rejectedInvalidRunIds = 0;
  private evictedRuns = 0;
  private closed = false;

  constructor(options: SpanStoreOptions = {}) {
    this.maxSpans = positiveInteger(options.maxSpans, DEFAULT_MAX_SPANS);
    this.maxUnclaimedSpans = positiveInteger(options.maxUnclaimedSpans, DEFAULT_MAX_UNCLAIMED_SPANS, true);
    this.maxMemoryBytes = positiveInteger(options.maxMemoryBytes, DEFAULT_MAX_MEMORY_BYTES);
    this.maxUnclaimedBytes = Math.floor(this.maxMemoryBytes * UNCLAIMED_MEMORY_SHARE);
    this.maxEvictedRuns = positiveInteger(options.maxEvictedRuns, DEFAULT_MAX_EVICTED_RUNS, true);
    this.runIdAttribute = options.runIdAttribute ?? DEFAULT_RUN_ID_ATTRIBUTE;
    this.correlators = options.correlators ?? [];
    this.links = options.followLinks === false ? undefined : new LinkIndex();
    if (this.links !== undefined && !this.correlators.includes(linkedTraceCorrelator)) this.correlators = [...this.correlators, linkedTraceCorrelator];
    this.reportListenerError = options.onListenerError ?? ((error) => console.error('tracecheck: a store listener threw', error));
    if (options.onEvict !== undefined) this.evictListeners.add(options.onEvict);
  }

  /**
   * Sorts spans into runs (or the unclaimed pool), then enforces the caps, then tells each touched run. Returns the
   * spans it refused: those of an evicted run, and those whose own run-id attribute is not a usable run id.
   */
  ingest(spans: readonly Span[], context: IngestContext): IngestRejections | undefined {
    if (spans.length === 0) return undefined;
    const touched = new Set<LiveRun>();
    let evictedRun: LiveRun | undefined;
    let forEvicted = 0;
    let invalidIds = 0;
    for (const span of spans) {
      const run = this.runOf(span, context);
      if (run === undefined) {
        this.holdUnclaimed(span);
        continue;
      }
      if (run === INVALID_RUN_ID) {
        invalidIds++;
        continue;
      }
      if (run.state === 'evicted') {
        forEvicted++;
        evictedRun ??= run;
        continue;
      }
      const assembly = run.assemblyOf(span.traceId) as TraceAssembly;
      const grown = run.addSpan(assembly, span);
      if (grown > 0) {
        this.runSpans++;
        this.runBytes += grown;
      }
      touched.add(run);
    }
    this.trimUnclaimed();
    this.evictOverCap();
    for (const run of touched) {
      if (run.state !== 'evicted') run.arrived();
    }
    this.droppedForEvictedRuns += forEvicted;
    this.rejectedInvalidRunIds += invalidIds;
    return forEvicted + invalidIds === 0 ? undefined : this.rejections(forEvicted, evictedRun, invalidIds);
  }

  /**
   * The run with this id, created empty if the store has not seen it (spans may arrive after the view is taken),
   * and kept while empty. An evicted run is returned as it is: its state says so. Throws `TC_RUN_ID_INVALID` for an
   * id that cannot be a run id.
   */
  run(runId: string): LiveRun {
    const run = this.runsById.get(runId) ?? this.create(checkRunId(runId));
    this.pinned.add(runId);
    return run;
  }

  /**
   * The run with this id for as long as the caller waits on it (a settle query, a stream), created empty if
   * needed; `release()` ends the wait, and a run that still holds nothing when its last wait ends is forgotten.
   * So queries for ids that never receive a span (typos) leave nothing behind. The caller validates the id.
   */
  watchRun(runId: string): { readonly run: LiveRun; release(): void } {
    const run = this.runsById.get(runId) ?? this.create(runId);
    this.watchers.set(runId, (this.watchers.get(runId) ?? 0) + 1);
    let released = false;
    return {
      run,
      release: () => {
        if (released) return;
        released = true;
        const left = (this.watchers.get(runId) ?? 1) - 1;
        if (left > 0) {
          this.watchers.set(runId, left);
          return;
        }
        this.watchers.delete(runId);
        if (this.runsById.get(runId) === run && run.traceCount === 0 && run.state !== 'evicted' && !this.pinned.has(runId)) this.runsById.delete(runId);
      },
    };
  }

  private create(runId: string, options?: LiveRunOptions): LiveRun {
    const run = new LiveRun(runId, this.reportListenerError, () => this.unclaimedTraces(), options);
    if (this.closed) run.close();
    this.runsById.set(runId, run);
    return run;
  }

  /** The run with this id, if the store has seen it; never creates one. */
  findRun(runId: string): LiveRun | undefined {
    return this.runsById.get(runId);
  }

  /** Every run, oldest first, evicted ones included. */
  runs(): readonly LiveRun[] {
    return [...this.runsById.values()];
  }

  /** The run that owns a trace, if one does. */
  ownerOfTrace(traceId: string): string | undefined {
    return this.ownerByTraceId.get(traceId.toLowerCase())?.id;
  }

  /**
   * Claims a trace for a run before (or after) its spans arrive: a test that generates its own trace id can
   * register it, so untagged spans of that trace join the run. Spans already waiting in the unclaimed pool move
   * into the run. Returns false when another run already owns the trace or the run was evicted.
   */
  claimTrace(traceId: string, runId: string): boolean {
    const id = traceId.toLowerCase();
    const owner = this.ownerByTraceId.get(id);
    if (owner !== undefined) return owner.id === runId;
    const run = this.run(runId);
    if (run.state === 'evicted') return false;
    const had = this.unclaimed.has(id);
    const spansBefore = run.spanCount;
    this.assign(id, run);
    // Waiting traces that link to this one come along too, even when none of its own spans waited.
    if (had || run.spanCount !== spansBefore) {
      this.evictOverCap();
      // Adopting the waiting spans may itself have pushed the store over its cap and evicted this run.
      if ((run.state as RunState) !== 'evicted') run.arrived();
    }
    return true;
  }

  /** Traces of untagged spans no run has claimed (yet), oldest first. */
  unclaimedTraces(): readonly Trace[] {
    return [...this.unclaimed.values()].map((assembly) => assembly.build());
  }

  /** Calls `listener` whenever a run is evicted; returns an unsubscribe function. */
  onEvict(listener: (eviction: RunEviction) => void): () => void {
    this.evictListeners.add(listener);
    return () => {
      this.evictListeners.delete(listener);
    };
  }

  /** What the store holds and what it dropped. */
  /** This store's reading side alone, as an object that has no other methods to reach. */
  view(): SpanStoreView {
    return Object.freeze({
      ownerOfTrace: (traceId: string) => this.ownerOfTrace(traceId),
      unclaimedTraces: () => this.unclaimedTraces(),
      onEvict: (listener: (eviction: RunEviction) => void) => this.onEvict(listener),
      stats: () => this.stats(),
    });
  }

  stats(): SpanStoreStats {
    return {
      spanCount: this.runSpans,
      runCount: this.runsById.size,
      unclaimedSpanCount: this.unclaimedSpans,
      unclaimedTraceCount: this.unclaimed.size,
      droppedUnclaimedSpanCount: this.droppedUnclaimed,
      droppedEvictedRunSpanCount: this.droppedForEvictedRuns,
      rejectedInvalidRunIdSpanCount: this.rejectedInvalidRunIds,
      evictedRunCount: this.evictedRuns,
      retainedBytes: this.runBytes + this.unclaimedBytes,
      unclaimedRetainedBytes: this.unclaimedBytes,
    };
  }

  /** Ends every pending settle wait with reason `closed`; spans already held stay readable. */
  close(): void {
    this.closed = true;
    for (const run of this.runsById.values()) run.close();
  }

  /**
   * The run a span goes to: its trace's owner, else its own tag, else a correlator's answer; claims on the way.
   * {@link INVALID_RUN_ID} when the span's own tag cannot be a run id (the request's is checked by the receiver).
   */
  private runOf(span: Span, context: IngestContext): LiveRun | typeof INVALID_RUN_ID | undefined {
    const owner = this.ownerByTraceId.get(span.traceId);
    if (owner !== undefined) return owner;
    let runId = runIdCarriedBy(span, context, this.runIdAttribute);
    for (let i = 0; runId === undefined && i < this.correlators.length; i++) {
      runId = (this.correlators[i] as SpanCorrelator)(span, this);
    }
    if (runId === undefined) return undefined;
    if (!isUsableRunId(runId)) return INVALID_RUN_ID;
    // Made by its first export: when the run began (before that span started) is not known.
    const run = this.runsById.get(runId) ?? this.create(runId, { begunByExport: true });
    if (run.state !== 'evicted') this.assign(span.traceId, run);
    return run;
  }

  /** The partial-success answer for spans refused by one ingest call. */
  private rejections(forEvicted: number, evictedRun: LiveRun | undefined, invalidIds: number): IngestRejections {
    const reasons: string[] = [];
    if (forEvicted > 0 && evictedRun !== undefined) {
      reasons.push(
        `${forEvicted} span(s) of run ${JSON.stringify(evictedRun.id)} refused: the run was evicted to stay under the collector's memory or span cap ` +
          `(it held ${evictedRun.evictedSpanCount} spans); raise the cap or start a new run id`,
      );
    }
    if (invalidIds > 0) {
      reasons.push(`${invalidIds} span(s) refused: the run id they carry (${this.runIdAttribute} attribute, or the request's) is not usable (TC_RUN_ID_INVALID: use 1-256 printable ASCII characters without spaces)`);
    }
    return { rejectedSpans: forEvicted + invalidIds, errorMessage: reasons.join('; ') };
  }

  /** Makes `run` the trace's owner, moving any unclaimed spans of the trace into it. */
  private assign(traceId: string, run: LiveRun): void {
    // Runs are evicted in order of their first trace, not of their creation: a run made early by a waiting query
    // (or `run(id)`) is not older than runs that received spans before it did.
    if (run.traceCount === 0 && this.runsById.get(run.id) === run) {
      this.runsById.delete(run.id);
      this.runsById.set(run.id, run);
    }
    this.ownerByTraceId.set(traceId, run);
    const waiting = this.unclaimed.get(traceId);
    if (waiting !== undefined) {
      this.unclaimed.delete(traceId);
      this.unclaimedSpans -= waiting.spanCount;
      this.unclaimedBytes -= waiting.retainedBytes;
      this.runSpans += waiting.spanCount;
      this.runBytes += run.adoptTrace(waiting);
    } else {
      this.runBytes += run.adoptTrace(new TraceAssembly(traceId));
    }
    if (this.links !== undefined) {
      this.links.forget(traceId);
      for (const linker of this.links.takeLinkersOf(traceId)) {
        if (!this.ownerByTraceId.has(linker) && this.unclaimed.has(linker)) this.assign(linker, run);
      }
    }
  }

  private holdUnclaimed(span: Span): void {
    let assembly = this.unclaimed.get(span.traceId);
    if (assembly === undefined) {
      assembly = new TraceAssembly(span.traceId);
      this.unclaimed.set(span.traceId, assembly);
      this.unclaimedBytes += assembly.retainedBytes;
    }
    const outcome = assembly.add(span);
    if (outcome.added) {
      this.unclaimedSpans++;
      this.unclaimedBytes += outcome.addedBytes;
      this.links?.noteWaitingSpan(span);
    }
  }

  private trimUnclaimed(): void {
    for (const [traceId, assembly] of this.unclaimed) {
      if (this.unclaimedSpans <= this.maxUnclaimedSpans && this.unclaimedBytes <= this.maxUnclaimedBytes) break;
      this.unclaimed.delete(traceId);
      this.links?.forget(traceId);
      this.unclaimedSpans -= assembly.spanCount;
      this.unclaimedBytes -= assembly.retainedBytes;
      this.droppedUnclaimed += assembly.spanCount;
    }
  }

  /** Which cap the store is over, if any. */
  private overCap(): RunEviction['reason'] | undefined {
    if (this.runSpans > this.maxSpans) return 'max-spans';
    if (this.runBytes + this.unclaimedBytes > this.maxMemoryBytes) return 'max-memory';
    return undefined;
  }

  private evictOverCap(): void {
    if (this.overCap() === undefined) return;
    for (const run of this.runsById.values()) {
      const reason = this.overCap();
      if (reason === undefined) break;
      if (run.state === 'evicted' || run.traceCount === 0) continue;
      const eviction: RunEviction = { runId: run.id, spanCount: run.spanCount, traceCount: run.traceCount, retainedBytes: run.retainedBytes, reason };
      this.runSpans -= run.spanCount;
      this.runBytes -= run.retainedBytes;
      for (const assembly of run.evict()) this.ownerByTraceId.delete(assembly.traceId);
      this.evictedRuns++;
      this.remember(run);
      for (const listener of this.evictListeners) {
        try {
          listener(eviction);
        } catch (error) {
          this.reportListenerError(error);
        }
      }
    }
  }

  /** Keeps an evicted run as a tombstone, forgetting the oldest beyond `maxEvictedRuns`. */
  private remember(run: LiveRun): void {
    this.tombstones.add(run.id);
    for (const id of this.tombstones) {
      if (this.tombstones.size <= this.maxEvictedRuns) break;
      this.tombstones.delete(id);
      this.runsById.delete(id);
      this.pinned.delete(id);
    }
  }
}
// Its hidden class outlives every instance (see v8-shapes.ts).
pinHiddenClass(new SpanStore());

/** What {@link SpanStore.runOf} answers for a span whose own run-id tag is unusable. */
const INVALID_RUN_ID = Symbol('invalid run id');

function positiveInteger(value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new TracecheckError('TC_OPTION_INVALID', `store caps must be ${allowZero ? 'non-negative' : 'positive'} integers, got ${String(value)}`);
  }
  return value;
}

import type { Span } from '../model/index.ts';
import { pinHiddenClass } from '../v8-shapes.ts';

/**
 * Which waiting (unclaimed) traces link to which other traces, so that claiming a trace can pull in the traces
 * that link to it: the second half of "a trace linked to a run's trace belongs to the run".
 *
 * A messaging consumer starts a new trace whose span links to the producer's span context (OTel messaging
 * semantic conventions). The consumer trace may reach the collector before the producer's trace is claimed (its
 * service exports sooner, or the producer's tagged span comes last); {@link linkedTraceCorrelator} covers the
 * other order, when the producer's trace is already owned.
 *
 * Entries are only kept for traces that are waiting in the unclaimed pool; the store forgets a trace's entries
 * when the trace is claimed or dropped, so the index is bounded by the pool.
 */
export class LinkIndex {
  /** Linked-to trace id → waiting trace ids whose spans link to it. */
  private readonly linkersByTarget = new Map<string, Set<string>>();
  /** Waiting trace id → the trace ids its spans link to (to forget it in O(links)). */
  private readonly targetsByLinker = new Map<string, Set<string>>();

  /** Records the links of a span of a waiting trace (links into its own trace are ignored). */
  noteWaitingSpan(span: Span): void {
    for (const link of span.links) {
      const target = link.traceId;
      if (target === span.traceId) continue;
      addTo(this.linkersByTarget, target, span.traceId);
      addTo(this.targetsByLinker, span.traceId, target);
    }
  }

  /**
   * The waiting traces that link to `traceId`, removed from the index (the caller claims them). A trace that
   * links to several traces is handed out once.
   */
  takeLinkersOf(traceId: string): readonly string[] {
    const linkers = this.linkersByTarget.get(traceId);
    if (linkers === undefined) return [];
    const out = [...linkers];
    for (const linker of out) this.forget(linker);
    return out;
  }

  /** Drops every entry of a waiting trace (it was claimed, or dropped from the pool). */
  forget(waitingTraceId: string): void {
    const targets = this.targetsByLinker.get(waitingTraceId);
    if (targets === undefined) return;
    this.targetsByLinker.delete(waitingTraceId);
    for (const target of targets) {
      const linkers = this.linkersByTarget.get(target);
      if (linkers === undefined) continue;
      linkers.delete(waitingTraceId);
      if (linkers.size === 0) this.linkersByTarget.delete(target);
    }
  }

  /** How many waiting traces have links recorded. */
  get size(): number {
    return this.targetsByLinker.size;
  }
}
// Its hidden class outlives every instance (see v8-shapes.ts).
pinHiddenClass(new LinkIndex());

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (set === undefined) {
    set = new Set();
    map.set(key, set);
  }
  set.add(value);
}

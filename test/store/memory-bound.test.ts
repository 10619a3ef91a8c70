import { describe, expect, it } from 'vitest';
import { emptyAttributes } from '../../src/model/attribute-value.ts';
import { spanRetainedBytes } from '../../src/store/index.ts';
import { SpanStore } from '../../src/store/span-store.ts';
import type { RunEviction } from '../../src/store/span-store.ts';
import { modelSpan, resourceOf, spanId, traceId } from './model-spans.ts';

const MiB = 1024 * 1024;

/** A span of trace `t` with one string attribute of `bytes` characters. */
function spanWith(t: number, s: number, bytes: number, runId?: string) {
  const attributes = emptyAttributes();
  attributes['payload'] = 'x'.repeat(bytes);
  if (runId !== undefined) attributes['test.run.id'] = runId;
  return modelSpan({ traceId: traceId(t), spanId: spanId(s), attributes });
}

describe('the memory bound (maxMemoryBytes)', () => {
  it('counts what a span holds: a 1 MiB attribute costs at least 1 MiB, a wide string twice its length', () => {
    const small = spanRetainedBytes(spanWith(1, 1, 10));
    const large = spanRetainedBytes(spanWith(1, 2, MiB));
    expect(small).toBeGreaterThan(300);
    expect(large).toBeGreaterThan(MiB);
    const wide = modelSpan({ traceId: traceId(1), spanId: spanId(3), attributes: Object.assign(emptyAttributes(), { text: '语'.repeat(MiB / 2) }) });
    expect(spanRetainedBytes(wide)).toBeGreaterThanOrEqual(MiB);
  });

  it('evicts the oldest runs whole when the estimated bytes pass the cap, whatever the span count', () => {
    const evictions: RunEviction[] = [];
    const store = new SpanStore({ maxMemoryBytes: 8 * MiB, onEvict: (e) => evictions.push(e) });
    for (let run = 0; run < 10; run++) {
      store.ingest([spanWith(run + 1, 1, 3 * MiB), spanWith(run + 1, 2, 100)], { transport: 'memory', runId: `run-${run}` });
      expect(store.stats().retainedBytes).toBeLessThanOrEqual(8 * MiB);
    }
    // Two 3 MiB runs fit under 8 MiB, a third does not: every older run went, oldest first, with the reason.
    expect(evictions.map((e) => e.runId)).toEqual(['run-0', 'run-1', 'run-2', 'run-3', 'run-4', 'run-5', 'run-6', 'run-7']);
    expect(evictions[0]).toMatchObject({ reason: 'max-memory', spanCount: 2, traceCount: 1 });
    expect(evictions[0]?.retainedBytes).toBeGreaterThan(3 * MiB);
    expect(store.run('run-9').spanCount).toBe(2);
    expect(store.run('run-0').state).toBe('evicted');
  });

  it('keeps --max-spans working beside it, and says which cap evicted', () => {
    const evictions: RunEviction[] = [];
    const store = new SpanStore({ maxSpans: 2, onEvict: (e) => evictions.push(e) });
    store.ingest([spanWith(1, 1, 1), spanWith(1, 2, 1)], { transport: 'memory', runId: 'a' });
    store.ingest([spanWith(2, 1, 1)], { transport: 'memory', runId: 'b' });
    expect(evictions.map((e) => [e.runId, e.reason])).toEqual([['a', 'max-spans']]);
  });

  it('gives the unclaimed pool a quarter of the cap, so untagged traffic cannot push runs out', () => {
    const evictions: RunEviction[] = [];
    const store = new SpanStore({ maxMemoryBytes: 8 * MiB, onEvict: (e) => evictions.push(e) });
    store.ingest([spanWith(1, 1, 3 * MiB, 'kept')], { transport: 'memory' });
    for (let t = 10; t < 30; t++) store.ingest([spanWith(t, 1, MiB)], { transport: 'memory' });
    expect(store.stats().unclaimedRetainedBytes).toBeLessThanOrEqual(2 * MiB);
    expect(store.stats().droppedUnclaimedSpanCount).toBeGreaterThan(15);
    expect(evictions).toEqual([]);
    expect(store.run('kept').spanCount).toBe(1);
  });

  it('refuses late spans of an evicted run with a reason, instead of taking them silently', () => {
    const store = new SpanStore({ maxSpans: 1 });
    store.ingest([spanWith(1, 1, 1)], { transport: 'memory', runId: 'old' });
    store.ingest([spanWith(2, 1, 1)], { transport: 'memory', runId: 'new' });
    const refused = store.ingest([spanWith(3, 1, 1), spanWith(3, 2, 1)], { transport: 'memory', runId: 'old' });
    expect(refused?.rejectedSpans).toBe(2);
    expect(refused?.errorMessage).toMatch(/2 span\(s\) of run "old" refused: the run was evicted .*held 1 spans.*new run id/);
    expect(store.stats().droppedEvictedRunSpanCount).toBe(2);
  });

  it('remembers at most maxEvictedRuns evicted runs, oldest forgotten first', () => {
    const store = new SpanStore({ maxSpans: 1, maxEvictedRuns: 3 });
    for (let i = 0; i < 50; i++) store.ingest([spanWith(i + 1, 1, 1)], { transport: 'memory', runId: `r${i}` });
    const ids = store.runs().map((run) => run.id);
    expect(ids).toEqual(['r46', 'r47', 'r48', 'r49']);
    expect(store.runs().filter((run) => run.state === 'evicted')).toHaveLength(3);
    expect(store.stats().evictedRunCount).toBe(49);
  });

  it('forgets a run only waited on once the last wait ends with nothing received', () => {
    const store = new SpanStore();
    for (let i = 0; i < 500; i++) {
      const watch = store.watchRun(`typo-${i}`);
      watch.release();
      watch.release();
    }
    expect(store.stats().runCount).toBe(0);
    const first = store.watchRun('busy');
    const second = store.watchRun('busy');
    first.release();
    expect(store.findRun('busy')).toBe(second.run);
    store.ingest([spanWith(1, 1, 1)], { transport: 'memory', runId: 'busy' });
    second.release();
    // It received a span: it is a run now, kept until evicted.
    expect(store.findRun('busy')?.spanCount).toBe(1);
    // A run the library asked for by id stays, empty or not.
    store.run('asked');
    store.watchRun('asked').release();
    expect(store.findRun('asked')).toBeDefined();
  });

  it('refuses spans whose own run-id attribute is not a usable run id, keeping the rest of the request', () => {
    const store = new SpanStore();
    const bad = modelSpan({ traceId: traceId(1), spanId: spanId(1), resource: resourceOf('svc', 'line\nforged') });
    const long = spanWith(2, 1, 1, 'x'.repeat(300));
    const good = spanWith(3, 1, 1, 'ok-1');
    const refused = store.ingest([bad, long, good], { transport: 'memory' });
    expect(refused).toEqual({ rejectedSpans: 2, errorMessage: expect.stringMatching(/2 span\(s\) refused: the run id they carry .*TC_RUN_ID_INVALID/) });
    expect(store.runs().map((run) => run.id)).toEqual(['ok-1']);
    expect(store.stats().rejectedInvalidRunIdSpanCount).toBe(2);
    expect(() => store.run('has space')).toThrow(/TC_RUN_ID_INVALID/);
  });
});

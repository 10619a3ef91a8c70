import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SpanStore } from '../../src/store/index.ts';
import type { RunEviction, SettleOutcome } from '../../src/store/index.ts';
import { modelSpan, spanId, traceId } from './model-spans.ts';

const T = traceId(0x5e771e);

/** Tracks a promise so a test can ask whether it has resolved yet, without waiting. */
function track<T>(promise: Promise<T>): { readonly value: T | undefined } {
  const box: { value: T | undefined } = { value: undefined };
  void promise.then((v) => (box.value = v));
  return box;
}

describe('settling on deadlines (virtual clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves once the run has been quiet for quietMillis, re-armed by each arrival', async () => {
    const store = new SpanStore();
    const run = store.run('r');
    const wait = track(run.settled({ quietMillis: 100, timeoutMillis: 10_000 }));
    await vi.advanceTimersByTimeAsync(80);
    store.ingest([modelSpan({ traceId: T, spanId: spanId(1) })], { transport: 'memory', runId: 'r' });
    await vi.advanceTimersByTimeAsync(80);
    expect(wait.value).toBeUndefined();
    store.ingest([modelSpan({ traceId: T, spanId: spanId(2), parentSpanId: spanId(1) })], { transport: 'memory', runId: 'r' });
    await vi.advanceTimersByTimeAsync(99);
    expect(wait.value).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(wait.value).toMatchObject({ settled: true, reason: 'quiet', spanCount: 2, traceCount: 1, orphanCount: 0, waitedMillis: 260 });
  });

  it("waits for an orphan's parent, then for quiet", async () => {
    const store = new SpanStore();
    const run = store.run('r');
    store.ingest([modelSpan({ traceId: T, spanId: spanId(2), parentSpanId: spanId(1) })], { transport: 'memory', runId: 'r' });
    const wait = track(run.settled({ quietMillis: 50, timeoutMillis: 10_000 }));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(wait.value).toBeUndefined();
    store.ingest([modelSpan({ traceId: T, spanId: spanId(1) })], { transport: 'memory', runId: 'r' });
    await vi.advanceTimersByTimeAsync(50);
    expect(wait.value).toMatchObject({ settled: true, reason: 'quiet', spanCount: 2, orphanCount: 0 });
  });

  it('resolves with settled:false at the deadline when an orphan never gets its parent', async () => {
    const store = new SpanStore();
    const run = store.run('r');
    store.ingest([modelSpan({ traceId: T, spanId: spanId(2), parentSpanId: spanId(1) })], { transport: 'memory', runId: 'r' });
    const wait = track(run.settled({ quietMillis: 50, timeoutMillis: 1_000 }));
    await vi.advanceTimersByTimeAsync(999);
    expect(wait.value).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(wait.value).toMatchObject({ settled: false, reason: 'timeout', orphanCount: 1, waitedMillis: 1_000 });
  });

  it('resolves with settled:false at the deadline while spans keep arriving', async () => {
    const store = new SpanStore();
    const run = store.run('r');
    const wait = track(run.settled({ quietMillis: 100, timeoutMillis: 500 }));
    for (let i = 1; i <= 10; i++) {
      store.ingest([modelSpan({ traceId: traceId(i), spanId: spanId(i) })], { transport: 'memory', runId: 'r' });
      await vi.advanceTimersByTimeAsync(60);
    }
    expect(wait.value).toMatchObject({ settled: false, reason: 'timeout' });
  });
});

describe('settling (real clock)', () => {
  it('resolves on quiet with the spans already there', async () => {
    const store = new SpanStore();
    store.ingest([modelSpan({ traceId: T, spanId: spanId(1) })], { transport: 'memory', runId: 'r' });
    const outcome = await store.run('r').settled({ quietMillis: 20, timeoutMillis: 10_000 });
    expect(outcome).toMatchObject({ settled: true, reason: 'quiet', spanCount: 1 });
  });

  it('ends pending waits with reason closed when the store closes', async () => {
    const store = new SpanStore();
    const pending = store.run('r').settled({ quietMillis: 60_000, timeoutMillis: 120_000 });
    store.close();
    expect(await pending).toMatchObject({ settled: false, reason: 'closed' });
    expect(await store.run('r').settled()).toMatchObject({ reason: 'closed' });
  });
});

describe('memory bound', () => {
  it('evicts the oldest run whole, reports it, and ends its waits with reason evicted', async () => {
    const evictions: RunEviction[] = [];
    const store = new SpanStore({ maxSpans: 5, onEvict: (e) => evictions.push(e) });
    const old = store.run('old');
    const pending = old.settled({ quietMillis: 60_000, timeoutMillis: 120_000 });
    store.ingest([1, 2, 3].map((i) => modelSpan({ traceId: traceId(1), spanId: spanId(i) })), { transport: 'memory', runId: 'old' });
    store.ingest([4, 5].map((i) => modelSpan({ traceId: traceId(2), spanId: spanId(i) })), { transport: 'memory', runId: 'new' });
    expect(evictions).toEqual([]);
    store.ingest([modelSpan({ traceId: traceId(2), spanId: spanId(6) })], { transport: 'memory', runId: 'new' });
    expect(evictions).toEqual([{ runId: 'old', spanCount: 3, traceCount: 1, retainedBytes: expect.any(Number), reason: 'max-spans' }]);
    const outcome: SettleOutcome = await pending;
    expect(outcome).toMatchObject({ settled: false, reason: 'evicted' });
    expect(old.state).toBe('evicted');
    expect(old.evictedSpanCount).toBe(3);
    expect(old.traces()).toEqual([]);
    expect(store.run('new').spanCount).toBe(3);
    expect(store.stats()).toMatchObject({ spanCount: 3, evictedRunCount: 1 });
    // Late spans of the evicted run are dropped and counted, not silently re-admitted into a fresh run.
    store.ingest([modelSpan({ traceId: traceId(3), spanId: spanId(7) })], { transport: 'memory', runId: 'old' });
    expect(store.stats().droppedEvictedRunSpanCount).toBe(1);
    expect(await old.settled()).toMatchObject({ reason: 'evicted' });
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SpanStore } from '../../src/store/index.ts';
import type { RunEviction, SettleOutcome } from '../../src/store/index.ts';
import { SpanKind } from '../../src/model/index.ts';
import { modelSpan, resourceOf, spanId, traceId } from './model-spans.ts';

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

describe('settling beside background work (virtual clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const BASE = 1_700_000_000_000_000_000n;
  const MS = 1_000_000n;
  const tagged = { transport: 'memory', runId: 'r' } as const;
  const url = { 'url.full': 'http://127.0.0.1:9/refresh' } as never;

  /** A request cart served: a SERVER root from `startMs` to `endMs` (span time, from BASE). */
  const request = (n: number, startMs: bigint, endMs: bigint): ReturnType<typeof modelSpan> =>
    modelSpan({ traceId: traceId(n), spanId: spanId(n), kind: SpanKind.SERVER, name: 'POST /checkout', start: BASE + startMs * MS, end: BASE + endMs * MS, resource: resourceOf('cart') });
  /** A root call `service` made by itself (no parent, no link), as a timer's does, at `startMs`. */
  const rootCall = (n: number, service: string, startMs: bigint): ReturnType<typeof modelSpan> =>
    modelSpan({ traceId: traceId(n), spanId: spanId(n), kind: SpanKind.CLIENT, name: 'POST', start: BASE + startMs * MS, attributes: url, resource: resourceOf(service) });

  it("settles by its quiet period while a timer's traces keep arriving from a service that serves the run's requests", async () => {
    const store = new SpanStore();
    const run = store.run('r');
    store.ingest([request(1, 0n, 50n)], tagged);
    const wait = track(run.settled({ quietMillis: 100, timeoutMillis: 2_000 }));
    // The timer fires every 60 ms, between requests, for longer than the deadline.
    for (let i = 1; i <= 40; i++) {
      await vi.advanceTimersByTimeAsync(60);
      store.ingest([rootCall(100 + i, 'cart', 100n * BigInt(i))], tagged);
    }
    // The first timer trace counted (one root call says nothing yet); from the second on the shape recurs while
    // cart serves no request, and its traces are background work.
    expect(wait.value).toMatchObject({ settled: true, reason: 'quiet', waitedMillis: 160 });
    expect(run.traceCount).toBeGreaterThan(2);
  });

  it("is held open by recurring root calls of a process that serves no request of the run (the test's own requests)", async () => {
    const store = new SpanStore();
    const run = store.run('r');
    store.ingest([request(1, 0n, 50n)], tagged);
    const wait = track(run.settled({ quietMillis: 100, timeoutMillis: 1_000 }));
    for (let i = 1; i <= 20; i++) {
      await vi.advanceTimersByTimeAsync(60);
      store.ingest([rootCall(100 + i, 'tracecheck-test', 100n * BigInt(i))], tagged);
    }
    expect(wait.value).toMatchObject({ settled: false, reason: 'timeout' });
  });

  it('is held open by root calls made while their service served a request (a worker that lost the context)', async () => {
    const store = new SpanStore();
    const run = store.run('r');
    const wait = track(run.settled({ quietMillis: 100, timeoutMillis: 1_000 }));
    for (let i = 1; i <= 20; i++) {
      await vi.advanceTimersByTimeAsync(60);
      // Each request's call became a root of its own, made while the request ran; the request's span arrives after.
      store.ingest([rootCall(100 + i, 'cart', 100n * BigInt(i) + 10n)], tagged);
      store.ingest([request(i, 100n * BigInt(i), 100n * BigInt(i) + 50n)], tagged);
    }
    expect(wait.value).toMatchObject({ settled: false, reason: 'timeout' });
  });

  it('quietNow: a timer\'s arrival leaves a quiet run settled, a request\'s does not', async () => {
    const store = new SpanStore();
    const run = store.run('r');
    const unsubscribe = run.onChange(() => undefined);
    store.ingest([request(1, 0n, 50n)], tagged);
    expect(run.quietNow(100)).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(run.quietNow(100)).toBe(true);
    for (let i = 1; i <= 3; i++) {
      store.ingest([rootCall(100 + i, 'cart', 100n * BigInt(i))], tagged);
      await vi.advanceTimersByTimeAsync(60);
    }
    // Judged now, the three root calls recur while cart serves no request: background work, none of them counts.
    expect(run.quietNow(100)).toBe(true);
    store.ingest([request(2, 1_000n, 1_050n)], tagged);
    expect(run.quietNow(100)).toBe(false);
    unsubscribe();
  });

  it('is held open by a long request trace whose spans keep arriving', async () => {
    const store = new SpanStore();
    const run = store.run('r');
    store.ingest([request(1, 0n, 5_000n)], tagged);
    const wait = track(run.settled({ quietMillis: 100, timeoutMillis: 1_000 }));
    for (let i = 1; i <= 20; i++) {
      await vi.advanceTimersByTimeAsync(60);
      const child = modelSpan({ traceId: traceId(1), spanId: spanId(1000 + i), parentSpanId: spanId(1), start: BASE + BigInt(i) * 100n * MS, resource: resourceOf('cart') });
      store.ingest([child, rootCall(100 + i, 'cart', 6_000n + 100n * BigInt(i))], tagged);
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

// Continuous verification's settling: a live trace is judged once it has been quiet, once, by the specs that pick it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLiveVerifier } from '../../src/server/index.ts';
import type { TraceVerdict } from '../../src/server/index.ts';
import { makeTrace } from '../support/sdk-traces.ts';

const SPECS = [
  { name: 'checkout answers', traces: { root: '{ name = "GET /checkout" }' }, expect: [{ name: 'a server span', spans: '{ kind = server }' }] },
  { name: 'checkout charges', traces: { root: '{ name = "GET /checkout" }' }, expect: [{ name: 'charged', spans: '{ name = "charge card" }' }] },
  { name: 'about the run', expect: [{ spans: '{ kind = server }' }] },
];

describe('createLiveVerifier', () => {
  // Deadlines on a fake clock, turned on once the SDK has recorded the traces (it needs real timers).
  const fakeClock = (): void => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  };
  afterEach(() => {
    vi.useRealTimers();
  });

  it('judges a trace once it has been quiet, re-arming when a late span arrives, and only with the specs that pick it', async () => {
    const [root, child] = await makeTrace([{ ref: 'r', name: 'GET /checkout', kind: 'server' }, { parent: 'r', name: 'charge card' }]);
    const [other] = await makeTrace([{ name: 'GET /health', kind: 'server' }]);
    fakeClock();
    const verdicts: TraceVerdict[] = [];
    const verifier = createLiveVerifier({ specs: SPECS, traceQuietMillis: 100, onVerdict: (v) => verdicts.push(v) });
    verifier.noteSpans([root!, other!]);
    vi.advanceTimersByTime(60);
    verifier.noteSpans([child!]);
    vi.advanceTimersByTime(60);
    // 120 ms after the root, but only 60 after the child: not yet.
    expect(verdicts).toEqual([]);
    vi.advanceTimersByTime(40);
    expect(verdicts.map((v) => [v.spec, v.passed])).toEqual([
      ['checkout answers', true],
      ['checkout charges', true],
    ]);
    expect(verdicts[0]?.traceId).toBe(root?.traceId);
    // Judged once: nothing more, and the health check trace (picked by no spec) gives no verdict.
    vi.advanceTimersByTime(1000);
    verifier.close();
    expect(verdicts).toHaveLength(2);
  });

  it('judges the oldest waiting trace at once past maxPendingTraces, and what still waits on close', async () => {
    const traces = await Promise.all([1, 2, 3].map(() => makeTrace([{ name: 'GET /checkout', kind: 'server' }])));
    fakeClock();
    const verdicts: TraceVerdict[] = [];
    const verifier = createLiveVerifier({ specs: SPECS, traceQuietMillis: 60_000, maxPendingTraces: 2, onVerdict: (v) => verdicts.push(v) });
    for (const trace of traces) verifier.noteSpans(trace);
    expect(verdicts.filter((v) => v.spec === 'checkout charges').map((v) => [v.traceId, v.passed])).toEqual([[traces[0]?.[0]?.traceId, false]]);
    verifier.close();
    expect(verdicts.filter((v) => v.spec === 'checkout charges')).toHaveLength(3);
    expect(verdicts.find((v) => !v.passed)?.expectations[0]?.message).toMatch(/charge card/);
  });
});

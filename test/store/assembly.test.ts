import { describe, expect, it } from 'vitest';
import { SpanStore } from '../../src/store/index.ts';
import { modelSpan, spanId, traceId } from './model-spans.ts';

const T = traceId(0xabc);
const at = (ms: number) => 1_700_000_000_000_000_000n + BigInt(ms) * 1_000_000n;

describe('trace reconstruction', () => {
  it('builds the tree with children ordered by start time and depths', () => {
    const store = new SpanStore();
    store.ingest(
      [
        modelSpan({ traceId: T, spanId: spanId(3), parentSpanId: spanId(1), start: at(20) }),
        modelSpan({ traceId: T, spanId: spanId(1), start: at(0) }),
        modelSpan({ traceId: T, spanId: spanId(2), parentSpanId: spanId(1), start: at(10) }),
        modelSpan({ traceId: T, spanId: spanId(4), parentSpanId: spanId(2), start: at(11) }),
      ],
      { transport: 'memory', runId: 'r' },
    );
    const trace = store.run('r').trace(T);
    expect(trace?.spans.map((s) => s.spanId)).toEqual([spanId(1), spanId(2), spanId(4), spanId(3)]);
    const root = trace?.roots[0];
    expect(root?.children.map((c) => c.span.spanId)).toEqual([spanId(2), spanId(3)]);
    expect(trace?.nodesBySpanId.get(spanId(4))?.depth).toBe(2);
    expect(trace?.nodesBySpanId.get(spanId(4))?.parent?.span.spanId).toBe(spanId(2));
    expect(trace?.startTimeUnixNano).toBe(at(0));
    expect(trace?.endTimeUnixNano).toBe(at(20) + 1_000_000n);
    expect(trace?.orphans).toEqual([]);
  });

  it('reports orphans, and adopts them when the parent arrives in a later export', () => {
    const store = new SpanStore();
    const run = store.run('r');
    store.ingest([modelSpan({ traceId: T, spanId: spanId(2), parentSpanId: spanId(1), start: at(5) })], { transport: 'grpc', runId: 'r' });
    expect(run.orphanCount).toBe(1);
    expect(run.traces()[0]?.orphans.map((n) => n.span.spanId)).toEqual([spanId(2)]);
    expect(run.traces()[0]?.roots).toEqual([]);
    store.ingest([modelSpan({ traceId: T, spanId: spanId(1), start: at(0) })], { transport: 'http', runId: 'r' });
    expect(run.orphanCount).toBe(0);
    const trace = run.traces()[0];
    expect(trace?.orphans).toEqual([]);
    expect(trace?.roots[0]?.children.map((c) => c.span.spanId)).toEqual([spanId(2)]);
  });

  it('keeps a duplicate span id once and counts it', () => {
    const store = new SpanStore();
    const first = modelSpan({ traceId: T, spanId: spanId(1), name: 'first copy' });
    store.ingest([first], { transport: 'http', runId: 'r' });
    store.ingest([modelSpan({ traceId: T, spanId: spanId(1), name: 'retried copy' })], { transport: 'http', runId: 'r' });
    const trace = store.run('r').traces()[0];
    expect(trace?.spans).toHaveLength(1);
    expect(trace?.spans[0]?.name).toBe('first copy');
    expect(trace?.duplicateSpanCount).toBe(1);
    expect(store.run('r').spanCount).toBe(1);
    expect(store.stats().spanCount).toBe(1);
  });

  it('breaks a parent cycle instead of losing its spans', () => {
    const store = new SpanStore();
    store.ingest(
      [
        modelSpan({ traceId: T, spanId: spanId(1), parentSpanId: spanId(2), start: at(0) }),
        modelSpan({ traceId: T, spanId: spanId(2), parentSpanId: spanId(1), start: at(1) }),
      ],
      { transport: 'memory', runId: 'r' },
    );
    const trace = store.run('r').traces()[0];
    expect(trace?.orphans.map((n) => n.span.spanId)).toEqual([spanId(1)]);
    expect(trace?.orphans[0]?.children.map((n) => n.span.spanId)).toEqual([spanId(2)]);
  });

  it('returns the same traces until something changes, and rebuilds only the changed trace', () => {
    const store = new SpanStore();
    const run = store.run('r');
    store.ingest([modelSpan({ traceId: traceId(1), spanId: spanId(1) }), modelSpan({ traceId: traceId(2), spanId: spanId(2), start: at(1) })], { transport: 'memory', runId: 'r' });
    const before = run.traces();
    expect(run.traces()).toBe(before);
    expect(run.spans()).toBe(run.spans());
    store.ingest([modelSpan({ traceId: traceId(2), spanId: spanId(3), parentSpanId: spanId(2), start: at(2) })], { transport: 'memory', runId: 'r' });
    const after = run.traces();
    expect(after).not.toBe(before);
    expect(after[0]).toBe(before[0]);
    expect(after[1]).not.toBe(before[1]);
    expect(after[1]?.spans).toHaveLength(2);
  });

  it('tells change listeners once per export, after the spans are in', () => {
    const store = new SpanStore();
    const run = store.run('r');
    const seen: number[] = [];
    const stop = run.onChange(() => seen.push(run.spanCount));
    store.ingest([modelSpan({ traceId: T, spanId: spanId(1) }), modelSpan({ traceId: T, spanId: spanId(2) })], { transport: 'memory', runId: 'r' });
    store.ingest([modelSpan({ traceId: traceId(77), spanId: spanId(3) })], { transport: 'memory', runId: 'other' });
    stop();
    store.ingest([modelSpan({ traceId: T, spanId: spanId(4) })], { transport: 'memory', runId: 'r' });
    expect(seen).toEqual([2]);
  });

  it('survives a throwing listener and reports it', () => {
    const errors: unknown[] = [];
    const store = new SpanStore({ onListenerError: (e) => errors.push(e) });
    const run = store.run('r');
    run.onChange(() => {
      throw new Error('listener bug');
    });
    let called = false;
    run.onChange(() => (called = true));
    store.ingest([modelSpan({ traceId: T, spanId: spanId(1) })], { transport: 'memory', runId: 'r' });
    expect(called).toBe(true);
    expect(errors).toHaveLength(1);
    expect(run.spanCount).toBe(1);
  });
});

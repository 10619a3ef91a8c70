import { describe, expect, it } from 'vitest';
import { emptyAttributes } from '../../src/model/attribute-value.ts';
import { SpanStore, linkedTraceCorrelator } from '../../src/store/index.ts';
import { modelSpan, resourceOf, spanId, traceId } from './model-spans.ts';

const tagged = (runId: string) => {
  const attributes = emptyAttributes();
  attributes['test.run.id'] = runId;
  return attributes;
};

describe('run correlation', () => {
  it('puts a span in a run by its resource attribute', () => {
    const store = new SpanStore();
    store.ingest([modelSpan({ traceId: traceId(1), spanId: spanId(1), resource: resourceOf('a', 'run-r') })], { transport: 'memory' });
    expect(store.run('run-r').spans().map((s) => s.spanId)).toEqual([spanId(1)]);
    expect(store.stats().unclaimedSpanCount).toBe(0);
  });

  it('puts a span in a run by its span attribute', () => {
    const store = new SpanStore();
    store.ingest([modelSpan({ traceId: traceId(1), spanId: spanId(1), attributes: tagged('run-s') })], { transport: 'memory' });
    expect(store.run('run-s').spanCount).toBe(1);
  });

  it("puts a span in a run by the request's run id", () => {
    const store = new SpanStore();
    store.ingest([modelSpan({ traceId: traceId(1), spanId: spanId(1) })], { transport: 'http', runId: 'run-h' });
    expect(store.run('run-h').spanCount).toBe(1);
  });

  it('prefers the most specific tag: span, then resource, then request', () => {
    const store = new SpanStore();
    store.ingest(
      [
        modelSpan({ traceId: traceId(1), spanId: spanId(1), attributes: tagged('span-run'), resource: resourceOf('a', 'res-run') }),
        modelSpan({ traceId: traceId(2), spanId: spanId(2), resource: resourceOf('a', 'res-run') }),
        modelSpan({ traceId: traceId(3), spanId: spanId(3) }),
      ],
      { transport: 'http', runId: 'req-run' },
    );
    expect(store.run('span-run').traces().map((t) => t.traceId)).toEqual([traceId(1)]);
    expect(store.run('res-run').traces().map((t) => t.traceId)).toEqual([traceId(2)]);
    expect(store.run('req-run').traces().map((t) => t.traceId)).toEqual([traceId(3)]);
  });

  it('honours a configured run id attribute', () => {
    const store = new SpanStore({ runIdAttribute: 'ci.job' });
    const attributes = emptyAttributes();
    attributes['ci.job'] = 'job-7';
    store.ingest([modelSpan({ traceId: traceId(1), spanId: spanId(1), attributes })], { transport: 'memory' });
    store.ingest([modelSpan({ traceId: traceId(2), spanId: spanId(2), attributes: tagged('ignored') })], { transport: 'memory' });
    expect(store.run('job-7').spanCount).toBe(1);
    expect(store.findRun('ignored')).toBeUndefined();
    expect(store.unclaimedTraces().map((t) => t.traceId)).toEqual([traceId(2)]);
  });

  it('keeps two runs apart', () => {
    const store = new SpanStore();
    store.ingest([modelSpan({ traceId: traceId(1), spanId: spanId(1) })], { transport: 'http', runId: 'one' });
    store.ingest([modelSpan({ traceId: traceId(2), spanId: spanId(2) })], { transport: 'grpc', runId: 'two' });
    store.ingest([modelSpan({ traceId: traceId(1), spanId: spanId(3), parentSpanId: spanId(1) })], { transport: 'memory' });
    expect(store.run('one').spans().map((s) => s.spanId)).toEqual([spanId(1), spanId(3)]);
    expect(store.run('two').spans().map((s) => s.spanId)).toEqual([spanId(2)]);
  });
});

describe('trace inheritance', () => {
  it('claims untagged spans that arrived earlier from other services', () => {
    const store = new SpanStore();
    // The downstream services export first and carry no tag; the tagged root arrives last.
    store.ingest([modelSpan({ traceId: traceId(9), spanId: spanId(2), parentSpanId: spanId(1), resource: resourceOf('orders') })], { transport: 'grpc' });
    store.ingest([modelSpan({ traceId: traceId(9), spanId: spanId(3), parentSpanId: spanId(2), resource: resourceOf('payments') })], { transport: 'http' });
    expect(store.unclaimedTraces()).toHaveLength(1);
    expect(store.unclaimedTraces()[0]?.orphans).toHaveLength(1);
    store.ingest([modelSpan({ traceId: traceId(9), spanId: spanId(1), resource: resourceOf('gateway', 'run-x') })], { transport: 'http' });
    const run = store.run('run-x');
    expect(run.spanCount).toBe(3);
    expect(run.orphanCount).toBe(0);
    expect(store.unclaimedTraces()).toHaveLength(0);
    const [trace] = run.traces();
    expect(trace?.roots.map((n) => n.span.spanId)).toEqual([spanId(1)]);
    expect(trace?.roots[0]?.children[0]?.children[0]?.span.resource.attributes['service.name']).toBe('payments');
  });

  it('claims untagged spans that arrive later, whatever service sends them', () => {
    const store = new SpanStore();
    store.ingest([modelSpan({ traceId: traceId(5), spanId: spanId(1), attributes: tagged('run-y') })], { transport: 'memory' });
    store.ingest([modelSpan({ traceId: traceId(5), spanId: spanId(2), parentSpanId: spanId(1), resource: resourceOf('other') })], { transport: 'grpc' });
    expect(store.run('run-y').spanCount).toBe(2);
    expect(store.stats().unclaimedSpanCount).toBe(0);
  });

  it('keeps the first owner when a later span of the trace carries another run id', () => {
    const store = new SpanStore();
    store.ingest([modelSpan({ traceId: traceId(5), spanId: spanId(1) })], { transport: 'http', runId: 'first' });
    store.ingest([modelSpan({ traceId: traceId(5), spanId: spanId(2), parentSpanId: spanId(1) })], { transport: 'http', runId: 'second' });
    expect(store.run('first').spanCount).toBe(2);
    expect(store.run('second').spanCount).toBe(0);
  });

  it('claims a pre-registered trace id, before and after its spans arrive', () => {
    const store = new SpanStore();
    store.ingest([modelSpan({ traceId: traceId(7), spanId: spanId(1) })], { transport: 'http' });
    expect(store.claimTrace(traceId(7), 'run-z')).toBe(true);
    expect(store.claimTrace(traceId(8).toUpperCase(), 'run-z')).toBe(true);
    store.ingest([modelSpan({ traceId: traceId(8), spanId: spanId(2) })], { transport: 'http' });
    expect(store.run('run-z').traces().map((t) => t.traceId)).toEqual([traceId(7), traceId(8)]);
    expect(store.claimTrace(traceId(7), 'another')).toBe(false);
    expect(store.ownerOfTrace(traceId(7))).toBe('run-z');
  });

  it('lets a correlator pull a linked trace into the run', () => {
    const store = new SpanStore({ correlators: [linkedTraceCorrelator] });
    store.ingest([modelSpan({ traceId: traceId(1), spanId: spanId(1), name: 'publish' })], { transport: 'http', runId: 'run-l' });
    store.ingest([modelSpan({ traceId: traceId(2), spanId: spanId(2), name: 'consume', links: [{ traceId: traceId(1), spanId: spanId(1) }] })], { transport: 'http' });
    store.ingest([modelSpan({ traceId: traceId(2), spanId: spanId(3), parentSpanId: spanId(2) })], { transport: 'http' });
    expect(store.run('run-l').traces().map((t) => t.spans.length)).toEqual([1, 2]);
  });

  it('bounds the unclaimed pool, dropping the oldest traces first', () => {
    const store = new SpanStore({ maxUnclaimedSpans: 3 });
    for (let i = 1; i <= 5; i++) store.ingest([modelSpan({ traceId: traceId(i), spanId: spanId(i) })], { transport: 'http' });
    expect(store.unclaimedTraces().map((t) => t.traceId)).toEqual([traceId(3), traceId(4), traceId(5)]);
    expect(store.stats().droppedUnclaimedSpanCount).toBe(2);
  });
});

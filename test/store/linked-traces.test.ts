// Linked traces join the run: a consumer trace whose span links to a producer span of the run, in either order.
import { describe, expect, it } from 'vitest';
import { serviceNameOf } from '../../src/model/index.ts';
import { SpanStore } from '../../src/store/index.ts';
import { makeTrace } from '../support/sdk-traces.ts';

async function producerAndConsumer() {
  const spans = await makeTrace([
    { ref: 'edge', name: 'POST /publish', kind: 'server', service: 'producer', attributes: { 'test.run.id': 'run-q' } },
    { ref: 'send', parent: 'edge', name: 'orders publish', kind: 'producer', service: 'producer' },
    // The consumer starts a NEW trace (no parent) and links back to the message's producer span.
    { ref: 'receive', name: 'orders process', kind: 'consumer', service: 'consumer', links: [{ to: 'send' }] },
    { parent: 'receive', name: 'reserve stock', kind: 'internal', service: 'consumer' },
  ]);
  const producer = spans.filter((s) => serviceNameOf(s) === 'producer');
  const consumer = spans.filter((s) => serviceNameOf(s) === 'consumer');
  expect(consumer[0]?.traceId).not.toBe(producer[0]?.traceId);
  return { producer, consumer };
}

describe('linked traces', () => {
  it('pulls a consumer trace that arrives after its producer trace was claimed', async () => {
    const { producer, consumer } = await producerAndConsumer();
    const store = new SpanStore();
    const run = store.run('run-q');
    store.ingest(producer, { transport: 'memory' });
    store.ingest(consumer, { transport: 'memory' });
    expect(run.traces().map((t) => t.spans.length).sort()).toEqual([2, 2]);
    expect(store.unclaimedTraces()).toEqual([]);
  });

  it('pulls a consumer trace that arrived first and waited unclaimed', async () => {
    const { producer, consumer } = await producerAndConsumer();
    const store = new SpanStore();
    const run = store.run('run-q');
    let changes = 0;
    run.onChange(() => changes++);
    store.ingest(consumer, { transport: 'memory' });
    expect(store.unclaimedTraces()).toHaveLength(1);
    store.ingest(producer, { transport: 'memory' });
    expect(run.traces().map((t) => t.spans.length).sort()).toEqual([2, 2]);
    expect(run.spanCount).toBe(4);
    expect(store.stats()).toMatchObject({ spanCount: 4, unclaimedSpanCount: 0, unclaimedTraceCount: 0 });
    expect(changes).toBe(1);
  });

  it('pulls a waiting consumer trace when the producer trace is claimed by id', async () => {
    const { producer, consumer } = await producerAndConsumer();
    const untagged = producer.map((s) => ({ ...s, attributes: {} }));
    const store = new SpanStore();
    const run = store.run('run-q');
    store.ingest(consumer, { transport: 'memory' });
    expect(store.claimTrace(untagged[0]!.traceId, 'run-q')).toBe(true);
    expect(run.spanCount).toBe(2);
    expect(run.spans().map((s) => s.name)).toContain('orders process');
  });

  it('leaves linked traces alone when followLinks is false', async () => {
    const { producer, consumer } = await producerAndConsumer();
    const store = new SpanStore({ followLinks: false });
    const run = store.run('run-q');
    store.ingest(consumer, { transport: 'memory' });
    store.ingest(producer, { transport: 'memory' });
    expect(run.spanCount).toBe(2);
    expect(store.unclaimedTraces()).toHaveLength(1);
  });
});

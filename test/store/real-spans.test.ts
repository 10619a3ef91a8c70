// The store fed with spans the real SDK recorded, serialised by the real OTLP serializers and decoded by ours.
import { describe, expect, it } from 'vitest';
import { SpanStore } from '../../src/store/index.ts';
import { makeTrace } from '../support/sdk-traces.ts';

describe('store with real SDK spans', () => {
  it('assembles a three-service trace exported per service in reverse order, tagged only by the edge service', async () => {
    const spans = await makeTrace([
      { ref: 'edge', name: 'POST /checkout', kind: 'server', service: 'gateway' },
      { ref: 'to-orders', parent: 'edge', name: 'POST /orders', kind: 'client', service: 'gateway' },
      { ref: 'orders', parent: 'to-orders', name: 'POST /orders', kind: 'server', service: 'orders' },
      { ref: 'to-stock', parent: 'orders', name: 'GET /stock', kind: 'client', service: 'orders' },
      { parent: 'to-stock', name: 'GET /stock', kind: 'server', service: 'inventory' },
    ]);
    const byService = (name: string) => spans.filter((s) => s.resource.attributes['service.name'] === name);
    const store = new SpanStore();
    const run = store.run('real');
    store.ingest(byService('inventory'), { transport: 'grpc' });
    store.ingest(byService('orders'), { transport: 'http' });
    expect(store.unclaimedTraces()[0]?.orphans).toHaveLength(1);
    expect(run.spanCount).toBe(0);
    store.ingest(byService('gateway'), { transport: 'http', runId: 'real' });
    // A retried export of the same spans is kept once.
    store.ingest(byService('orders'), { transport: 'http' });
    const [trace] = run.traces();
    expect(trace?.spans).toHaveLength(5);
    expect(trace?.duplicateSpanCount).toBe(2);
    expect(trace?.orphans).toEqual([]);
    const names: string[] = [];
    for (let node = trace?.roots[0]; node !== undefined; node = node.children[0]) {
      names.push(`${String(node.span.resource.attributes['service.name'])} ${node.span.name}@${node.depth}`);
    }
    expect(names).toEqual(['gateway POST /checkout@0', 'gateway POST /orders@1', 'orders POST /orders@2', 'orders GET /stock@3', 'inventory GET /stock@4']);
    expect(await run.settled({ quietMillis: 10 })).toMatchObject({ settled: true, spanCount: 5, orphanCount: 0 });
  });
});

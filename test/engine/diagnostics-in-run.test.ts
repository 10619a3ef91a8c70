// Broken hops whose new traces are themselves in the run (every process tagged, as under `tracecheck run`).
import { describe, expect, it } from 'vitest';
import { serviceNameOf } from '../../src/model/index.ts';
import { diagnosePropagation, diagnoseRun } from '../../src/engine/index.ts';
import { SpanStore } from '../../src/store/index.ts';
import { BASE_TIME_MILLIS, makeTrace } from '../support/sdk-traces.ts';

const t = (ms: number) => BASE_TIME_MILLIS + ms;

describe('context lost inside a service', () => {
  it('names the running span, the call that started a new trace and its callee; links and later work are not losses', async () => {
    const spans = await makeTrace([
      { ref: 'edge', name: 'POST /orders', kind: 'server', service: 'orders', start: t(0), end: t(100) },
      { ref: 'place', parent: 'edge', name: 'orders.place', service: 'orders', start: t(5), end: t(90) },
      // The call ran outside the active context: its client span is a new root, and inventory continues that trace.
      { ref: 'lost', name: 'GET', kind: 'client', service: 'orders', start: t(20), end: t(40) },
      { parent: 'lost', name: 'GET /inventory/:sku', kind: 'server', service: 'inventory', start: t(22), end: t(38) },
      // A deliberate new trace for async work links to its cause.
      { name: 'publish audit', kind: 'producer', service: 'orders', start: t(30), end: t(31), links: [{ to: 'place' }] },
      // A call after the request finished is new work, not a lost context.
      { name: 'GET', kind: 'client', service: 'orders', start: t(200), end: t(210) },
    ]);
    const store = new SpanStore();
    store.ingest(spans, { transport: 'memory', runId: 'r' });
    const diagnostics = diagnosePropagation(store.run('r').traces(), store.unclaimedTraces());
    expect(diagnostics).toHaveLength(1);
    const [lost] = diagnostics;
    if (lost?.kind !== 'context-lost') throw new Error(`expected a context-lost diagnostic, got ${lost?.kind}`);
    expect(lost.cause).toBe('context-lost-in-process');
    expect(lost.activeSpan.name).toBe('orders.place');
    expect(lost.anchorSpan).toBe(lost.activeSpan);
    expect(lost.clientSpan.startTimeUnixNano).toBe(BigInt(t(20)) * 1_000_000n);
    expect(lost.clientSpan.parentSpanId).toBeUndefined();
    expect(lost.serverSpan && serviceNameOf(lost.serverSpan)).toBe('inventory');
    expect(lost.message).toMatch(/^orders → inventory: orders lost its trace context before the call \(client span "GET" [0-9a-f]{8} is the root of trace/);
    expect(lost.message).toContain('started while "orders.place"');
  });
});

describe('a lost hop whose callee is tagged into the run too', () => {
  const hop = (withAddresses: boolean) =>
    makeTrace([
      { ref: 'edge', name: 'POST /checkout', kind: 'server', service: 'gateway', start: t(0), end: t(100) },
      {
        parent: 'edge',
        name: 'POST',
        kind: 'client',
        service: 'gateway',
        start: t(10),
        end: t(90),
        attributes: withAddresses ? { 'url.full': 'http://127.0.0.1:8082/orders', 'server.port': 8082 } : {},
      },
      // orders did not continue the trace: its server span is the root of a trace of its own.
      { name: 'POST', kind: 'server', service: 'orders', start: t(20), end: t(80), attributes: withAddresses ? { 'url.path': '/orders', 'server.port': 8082 } : {} },
    ]);

  it("is diagnosed when the callee's port and path agree with the call", async () => {
    const store = new SpanStore();
    store.ingest(await hop(true), { transport: 'memory', runId: 'r' });
    const [diagnostic, ...rest] = diagnosePropagation(store.run('r').traces(), store.unclaimedTraces());
    expect(rest).toEqual([]);
    expect(diagnostic).toMatchObject({ kind: 'new-trace', callerService: 'gateway', calleeService: 'orders' });
    expect(diagnostic?.message).toMatch(/^gateway → orders: orders started a new trace/);
  });

  it("is not guessed from timing alone, since a run's own roots are mostly its entry requests", async () => {
    const store = new SpanStore();
    store.ingest(await hop(false), { transport: 'memory', runId: 'r' });
    expect(diagnosePropagation(store.run('r').traces(), store.unclaimedTraces())).toEqual([]);
  });
});

describe('pairing a lost hop by the propagation header its callee recorded', () => {
  // Two requests at once: each gateway call's callee started a new trace. By start time alone each call would pair
  // with the other request's server span (11 ms is closer to the call at 10 ms than 14 ms is).
  const concurrent = async (header: 'traceparent' | 'b3' | 'x-b3-spanid' | undefined) => {
    const spans = await makeTrace([
      { ref: 'edge-a', name: 'POST /checkout', kind: 'server', service: 'gateway', start: t(0), end: t(100) },
      { ref: 'call-a', parent: 'edge-a', name: 'POST a', kind: 'client', service: 'gateway', start: t(10), end: t(90) },
      { ref: 'edge-b', name: 'POST /checkout', kind: 'server', service: 'gateway', start: t(1), end: t(100) },
      { ref: 'call-b', parent: 'edge-b', name: 'POST b', kind: 'client', service: 'gateway', start: t(12), end: t(90) },
      { ref: 'server-a', name: 'POST handles a', kind: 'server', service: 'orders', start: t(14), end: t(80) },
      { ref: 'server-b', name: 'POST handles b', kind: 'server', service: 'orders', start: t(11), end: t(80) },
    ]);
    const byName = (name: string) => spans.find((span) => span.name === name) as (typeof spans)[number];
    const recorded = (server: string, client: string) => {
      const span = byName(server);
      const id = byName(client).spanId;
      const value = header === 'traceparent' ? `00-${'ab'.repeat(16)}-${id.toUpperCase()}-01` : header === 'b3' ? `${'ab'.repeat(16)}-${id}-1` : id;
      return header === undefined ? span : { ...span, attributes: { ...span.attributes, [`http.request.header.${header}`]: [value] } };
    };
    const store = new SpanStore();
    store.ingest(spans.filter((span) => !span.name.startsWith('POST handles')), { transport: 'memory', runId: 'r' });
    store.ingest([recorded('POST handles a', 'POST a'), recorded('POST handles b', 'POST b')], { transport: 'memory' });
    return diagnosePropagation(store.run('r').traces(), store.unclaimedTraces());
  };

  for (const header of ['traceparent', 'b3', 'x-b3-spanid'] as const) {
    it(`pairs each call with the server span whose recorded ${header} names it, for certain, whatever the timing`, async () => {
      const diagnostics = await concurrent(header);
      const pairs = diagnostics.map((d) => (d.kind === 'context-lost' ? '' : `${d.clientSpan.name} → ${d.serverSpan.name} (${d.pairing.evidence}, ${d.pairing.confidence})`));
      expect(pairs.sort()).toEqual([`POST a → POST handles a (${header}, certain)`, `POST b → POST handles b (${header}, certain)`]);
      expect(diagnostics[0]?.message).toContain(`paired for certain: the ${header}`);
    });
  }

  it('pairs by time alone only without that evidence, and says it is only possible', async () => {
    const diagnostics = await concurrent(undefined);
    const pairs = diagnostics.map((d) => (d.kind === 'context-lost' ? '' : `${d.clientSpan.name} → ${d.serverSpan.name} (${d.pairing.confidence})`));
    // The closest start wins, which here is the other request's server span: the report says how weak that is.
    expect(pairs.sort()).toEqual(['POST a → POST handles b (possible)', 'POST b → POST handles a (possible)']);
    expect(diagnostics[0]?.message).toContain('paired as possible: by time alone');
  });
});

describe('background work is not a lost context', () => {
  it('leaves a timer job alone when one of its runs started while the service was idle, and still finds a real loss', async () => {
    const spans = await makeTrace([
      { ref: 'edge', name: 'POST /orders', kind: 'server', service: 'orders', start: t(100), end: t(200) },
      // A cache refresh on a timer, every 80 ms, in traces of its own: two runs overlap the request, one does not.
      { name: 'GET /prices', kind: 'client', service: 'orders', start: t(20), end: t(25) },
      { name: 'GET /prices', kind: 'client', service: 'orders', start: t(110), end: t(115) },
      { name: 'GET /prices', kind: 'client', service: 'orders', start: t(190), end: t(195) },
      // A call that did lose the request's context: its shape is never seen while orders is idle.
      { name: 'GET /stock', kind: 'client', service: 'orders', start: t(150), end: t(160) },
    ]);
    const store = new SpanStore();
    store.ingest(spans, { transport: 'memory', runId: 'r' });
    const diagnostics = diagnosePropagation(store.run('r').traces(), store.unclaimedTraces());
    expect(diagnostics.map((d) => `${d.kind} ${d.clientSpan.name}`)).toEqual(['context-lost GET /stock']);
  });
});

describe('a trace header stripped in transit', () => {
  it('is told from no propagator by the baggage the callee did receive, and the hop is paired by address', async () => {
    const spans = await makeTrace([
      { ref: 'edge', name: 'POST /checkout', kind: 'server', service: 'web', start: t(0), end: t(100) },
      { parent: 'edge', name: 'POST', kind: 'client', service: 'web', start: t(10), end: t(90), attributes: { 'url.full': 'http://cart:8080/cart', 'server.port': 8080 } },
    ]);
    const [server] = await makeTrace([{ name: 'POST /cart', kind: 'server', service: 'cart', start: t(20), end: t(80), attributes: { 'url.path': '/cart', 'server.port': 8080 } }]);
    const recorded = (headers: Record<string, string>) => ({
      ...(server as (typeof spans)[number]),
      attributes: { ...(server as (typeof spans)[number]).attributes, ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [`http.request.header.${k}`, [v]])) },
    });
    const diagnose = (headers: Record<string, string>) => {
      const store = new SpanStore();
      store.ingest(spans, { transport: 'memory', runId: 'r' });
      store.ingest([recorded(headers)], { transport: 'memory' });
      return diagnosePropagation(store.run('r').traces(), store.unclaimedTraces());
    };
    const [stripped] = diagnose({ host: 'cart:8080', baggage: 'tenant=acme' });
    expect(stripped).toMatchObject({ kind: 'new-trace', cause: 'stripped-in-transit', pairing: { evidence: 'address', confidence: 'likely' } });
    expect(stripped?.message).toContain('cart received the baggage web sent ("tenant=acme") but no traceparent or b3');
    const [nothing] = diagnose({ host: 'cart:8080' });
    expect(nothing).toMatchObject({ cause: 'no-propagator' });
  });
});

describe('a consumer that forgot its span link', () => {
  const flow = async (linked: boolean) => {
    const spans = await makeTrace([
      { ref: 'edge', name: 'POST /orders', kind: 'server', service: 'orders', start: t(0), end: t(50) },
      { ref: 'publish', parent: 'edge', name: 'orders publish', kind: 'producer', service: 'orders', start: t(10), end: t(12), attributes: { 'messaging.message.id': 'm-42' } },
    ]);
    const consumerTrace = await makeTrace([
      { ref: 'consume', name: 'orders process', kind: 'consumer', service: 'stock', start: t(60), end: t(80), attributes: { 'messaging.message.id': 'm-42' } },
      { parent: 'consume', name: 'reserve', service: 'stock', start: t(62), end: t(78) },
    ]);
    const publish = spans.find((span) => span.name === 'orders publish') as (typeof spans)[number];
    const consumer = consumerTrace.map((span) =>
      linked && span.name === 'orders process' ? { ...span, links: [{ traceId: publish.traceId, spanId: publish.spanId, traceState: '', attributes: span.attributes, droppedAttributesCount: 0, flags: 0 }] } : span,
    );
    const store = new SpanStore();
    store.ingest(spans, { transport: 'memory', runId: 'r' });
    // Untagged, as a consumer that is not told the run id sends it.
    store.ingest(consumer, { transport: 'memory' });
    return diagnosePropagation(store.run('r').traces(), store.unclaimedTraces());
  };

  it('is found by the message id both sides record, naming the producer and the consumer span', async () => {
    const [missing, ...rest] = await flow(false);
    expect(rest).toEqual([]);
    expect(missing).toMatchObject({ kind: 'link-missing', cause: 'consumer-link-missing', callerService: 'orders', calleeService: 'stock', pairing: { evidence: 'message-id', confidence: 'certain' } });
    expect(missing?.clientSpan.name).toBe('orders publish');
    expect(missing?.serverSpan?.name).toBe('orders process');
    expect(missing?.message).toMatch(/^orders → stock: the consumer's trace has no link to its producer \(consumer span "orders process" [0-9a-f]{8} of stock handled message "m-42"/u);
  });

  it('is not reported when the consumer links to its producer', async () => {
    expect(await flow(true)).toEqual([]);
  });
});

describe('two runs sharing services', () => {
  it("never take each other's callees when the callees recorded the run id in their baggage", async () => {
    const call = (run: string, start: number) =>
      makeTrace([
        { ref: 'edge', name: `POST /checkout ${run}`, kind: 'server', service: 'web', start: t(start - 10), end: t(start + 90) },
        { parent: 'edge', name: `POST cart ${run}`, kind: 'client', service: 'web', start: t(start), end: t(start + 80) },
      ]);
    const callee = async (run: string, start: number) => {
      const [span] = await makeTrace([{ name: `POST /cart for ${run}`, kind: 'server', service: 'cart', start: t(start), end: t(start + 60) }]);
      const server = span as NonNullable<typeof span>;
      return { ...server, attributes: { ...server.attributes, 'http.request.header.baggage': [`test.run.id=${run},tenant=acme`] } };
    };
    const store = new SpanStore();
    store.ingest(await call('r1', 10), { transport: 'memory', runId: 'r1' });
    store.ingest(await call('r2', 12), { transport: 'memory', runId: 'r2' });
    // By start time each call is closer to the other run's callee (11 ms against 14 ms for r1's call at 10 ms).
    store.ingest([await callee('r1', 14), await callee('r2', 11)], { transport: 'memory' });
    const pairs = (run: string) =>
      diagnoseRun(store.run(run)).map((d) => (d.kind === 'context-lost' ? d.kind : `${d.clientSpan.name} → ${d.serverSpan.name} (${d.pairing.evidence})`));
    expect(pairs('r1')).toEqual(['POST cart r1 → POST /cart for r1 (run-id)']);
    expect(pairs('r2')).toEqual(['POST cart r2 → POST /cart for r2 (run-id)']);
  });
});

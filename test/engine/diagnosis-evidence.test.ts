// What the diagnosis reads beyond the hop itself: the format a callee's own calls carry (which format it reads),
// the correlation id that ties a lost context to one request, the run tag of a tagged callee, and `complete: true`.
// Real SDK spans (test/support/sdk-traces.ts) through the store; test/examples/diagnosis-matrix.test.ts runs the
// same on real services.
import { describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/index.ts';
import { diagnosePropagation, evaluateSpecs } from '../../src/engine/index.ts';
import { SpanStore } from '../../src/store/index.ts';
import { BASE_TIME_MILLIS, makeTrace } from '../support/sdk-traces.ts';

const t = (ms: number) => BASE_TIME_MILLIS + ms;
const header = (name: string) => `http.request.header.${name}`;

function byName(spans: readonly Span[], name: string): Span {
  const span = spans.find((s) => s.name === name);
  if (span === undefined) throw new Error(`no span ${name}`);
  return span;
}

/** cart calls pricing; pricing received `received` headers, started a new trace and called tax, which recorded `taxReceived`. */
async function hopWithDownstream(received: Record<string, string>, taxReceived: Record<string, string> | 'no tax') {
  const run = await makeTrace([
    { ref: 'edge', name: 'POST /cart', kind: 'server', service: 'cart', start: t(0), end: t(100) },
    { parent: 'edge', name: 'cart call', kind: 'client', service: 'cart', start: t(10), end: t(90), attributes: { 'url.full': 'http://127.0.0.1:8082/pricing', 'server.port': 8082 } },
  ]);
  const client = byName(run, 'cart call');
  const headers = Object.fromEntries(Object.entries(received).map(([name, value]) => [header(name), value.replace('CLIENT', client.spanId)]));
  const downstream = await makeTrace([
    { ref: 'pricing', name: 'POST /pricing', kind: 'server', service: 'pricing', start: t(20), end: t(80), attributes: { 'url.path': '/pricing', 'server.port': 8082, [header('host')]: 'pricing', ...headers } },
    { ref: 'call', parent: 'pricing', name: 'pricing call', kind: 'client', service: 'pricing', start: t(30), end: t(70), attributes: { 'url.full': 'http://127.0.0.1:8083/tax', 'server.port': 8083 } },
    ...(taxReceived === 'no tax'
      ? []
      : [{ parent: 'call', name: 'POST /tax', kind: 'server' as const, service: 'tax', start: t(35), end: t(65), attributes: { [header('host')]: 'tax', ...Object.fromEntries(Object.entries(taxReceived).map(([n, v]) => [header(n), v])) } }]),
  ]);
  const store = new SpanStore();
  store.ingest(run, { transport: 'memory', runId: 'r' });
  store.ingest(downstream, { transport: 'memory' });
  return diagnosePropagation(store.run('r').traces(), store.unclaimedTraces(), { runId: 'r' });
}

const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-CLIENT-01';

describe('which format a callee reads, from what its own calls carry', () => {
  it('W3C caller, B3 callee: a format mismatch, not "not extracted"', async () => {
    const [d, ...rest] = await hopWithDownstream({ traceparent: TRACEPARENT }, { b3: '0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1' });
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ kind: 'new-trace', cause: 'format-mismatch', pairing: { evidence: 'traceparent', confidence: 'certain' } });
    expect(d?.message).toContain('likely cause: propagation format mismatch: cart sends W3C trace context (traceparent), pricing reads the B3 single header (b3)');
  });

  it('B3 single caller, B3 multi callee: a format mismatch naming both encodings', async () => {
    const [d] = await hopWithDownstream({ b3: '0af7651916cd43dd8448eb211c80319c-CLIENT-1' }, { 'x-b3-traceid': '0af7651916cd43dd8448eb211c80319c', 'x-b3-spanid': 'b7ad6b7169203331' });
    expect(d).toMatchObject({ cause: 'format-mismatch', pairing: { evidence: 'b3' } });
    expect(d?.message).toContain('cart sends the B3 single header (b3), pricing reads the B3 multi headers (x-b3-*)');
  });

  it('a callee that injects the format it received did not extract it', async () => {
    const [d] = await hopWithDownstream({ traceparent: TRACEPARENT }, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    expect(d).toMatchObject({ cause: 'context-not-extracted' });
    expect(d?.evidence).toContain('in the format its own calls carry');
  });

  it('a callee whose own calls carry no trace header has no propagator', async () => {
    const [d] = await hopWithDownstream({ traceparent: TRACEPARENT }, {});
    expect(d).toMatchObject({ cause: 'no-propagator', calleeService: 'pricing' });
    expect(d?.message).toContain('likely cause: no propagator on pricing: it neither extracted the trace context it received nor injected any into its own calls');
  });

  it('without a downstream call the format it reads is unknown: not extracted, as before', async () => {
    const [d] = await hopWithDownstream({ traceparent: TRACEPARENT }, 'no tax');
    expect(d).toMatchObject({ cause: 'context-not-extracted' });
  });

  it("a callee's recorded baggage header is not baggage it had when it started a new trace", async () => {
    const diagnostics = await hopWithDownstream({ traceparent: TRACEPARENT, baggage: 'tenant=acme' }, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    expect(diagnostics.map((d) => d.kind)).toEqual(['new-trace']);
  });
});

describe('context lost, tied to one request', () => {
  /** Two requests of cart at once; a call made outside the context while both ran, carrying `requestId`. */
  async function twoRequests(lostRequestId: string | undefined) {
    const spans = await makeTrace([
      { ref: 'a', name: 'POST /cart a', kind: 'server', service: 'cart', start: t(0), end: t(100), attributes: { [header('x-request-id')]: ['req-a'] } },
      { ref: 'b', name: 'POST /cart b', kind: 'server', service: 'cart', start: t(5), end: t(100), attributes: { [header('x-request-id')]: ['req-b'] } },
      { ref: 'lost', name: 'POST', kind: 'client', service: 'cart', start: t(20), end: t(40), attributes: lostRequestId === undefined ? {} : { [header('x-request-id')]: [lostRequestId] } },
      { parent: 'lost', name: 'POST /pricing', kind: 'server', service: 'pricing', start: t(22), end: t(38) },
    ]);
    const store = new SpanStore();
    const lost = byName(spans, 'POST');
    store.ingest(spans.filter((s) => s.traceId !== lost.traceId), { transport: 'memory', runId: 'r' });
    store.ingest(spans.filter((s) => s.traceId === lost.traceId), { transport: 'memory' });
    return diagnosePropagation(store.run('r').traces(), store.unclaimedTraces(), { runId: 'r' });
  }

  it('by the request id the lost call carried: certain, and the right request even when another started later', async () => {
    const [d, ...rest] = await twoRequests('req-a');
    expect(rest).toEqual([]);
    if (d?.kind !== 'context-lost') throw new Error(`expected context-lost, got ${d?.kind}`);
    expect(d.activeSpan.name).toBe('POST /cart a');
    expect(d.pairing).toEqual({ evidence: 'request-header', confidence: 'certain' });
    expect(d.message).toContain('tied for certain: the call carried a request header value that the running request received too');
  });

  it("a call carrying a request id no request of the run recorded is another run's", async () => {
    expect(await twoRequests('req-of-another-run')).toEqual([]);
  });

  it('without a request id: the latest request, by time alone, said to be possible', async () => {
    const [d] = await twoRequests(undefined);
    if (d?.kind !== 'context-lost') throw new Error(`expected context-lost, got ${d?.kind}`);
    expect(d.activeSpan.name).toBe('POST /cart b');
    expect(d.pairing).toEqual({ evidence: 'time', confidence: 'possible' });
    expect(d.message).toContain('by time alone, cart was handling 2 requests of the run');
  });
});

describe("a fresh process's timer call during its first request", () => {
  /** cart serves one request, whose call to pricing forwards its request id; meanwhile a root call without one goes to `lostPath`. */
  async function firstRequestWithRootCall(lostPath: string) {
    const spans = await makeTrace([
      { ref: 'a', name: 'POST /cart', kind: 'server', service: 'cart', start: t(0), end: t(100), attributes: { [header('x-request-id')]: ['req-a'] } },
      { ref: 'call', parent: 'a', name: 'POST', kind: 'client', service: 'cart', start: t(50), end: t(90), attributes: { 'url.full': 'http://127.0.0.1:8082/pricing/checkout', [header('x-request-id')]: ['req-a'] } },
      { parent: 'call', name: 'POST /pricing/checkout', kind: 'server', service: 'pricing', start: t(52), end: t(88), attributes: { [header('x-request-id')]: ['req-a'] } },
      { ref: 'root', name: 'POST', kind: 'client', service: 'cart', start: t(20), end: t(40), attributes: { 'url.full': `http://127.0.0.1:8082${lostPath}` } },
      { parent: 'root', name: `POST ${lostPath}`, kind: 'server', service: 'pricing', start: t(22), end: t(38), attributes: { [header('host')]: ['pricing'] } },
    ]);
    const store = new SpanStore();
    const root = spans.find((s) => s.name === 'POST' && s.parentSpanId === undefined) as Span;
    store.ingest(spans.filter((s) => s.traceId !== root.traceId), { transport: 'memory', runId: 'r' });
    store.ingest(spans.filter((s) => s.traceId === root.traceId), { transport: 'memory' });
    return diagnosePropagation(store.run('r').traces(), store.unclaimedTraces(), { runId: 'r' });
  }

  it('is not the request\'s lost context: no request id, where the requests\' calls carry one, and a path none of them calls', async () => {
    expect(await firstRequestWithRootCall('/refresh')).toEqual([]);
  });

  it('a call without a request id to where the requests call is still the request\'s lost context (an id kept in the lost context)', async () => {
    const [d, ...rest] = await firstRequestWithRootCall('/pricing/checkout');
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ kind: 'context-lost', pairing: { evidence: 'only-candidate', confidence: 'likely' } });
  });
});

describe('a tagged callee behind a proxy that rewrites Host', () => {
  async function tagged(tag: string | undefined) {
    const run = await makeTrace([
      { ref: 'edge', name: 'POST /cart', kind: 'server', service: 'cart', start: t(0), end: t(100), attributes: { 'url.path': '/cart', 'server.port': 8081 } },
      { parent: 'edge', name: 'cart call', kind: 'client', service: 'cart', start: t(10), end: t(90), attributes: { 'url.full': 'http://127.0.0.1:9000/pricing', 'server.port': 9000 } },
    ]);
    // The proxy listened on 9000; pricing saw its own port, 8082, and no trace header.
    const callee = await makeTrace(
      [{ name: 'POST /pricing', kind: 'server', service: 'pricing', start: t(20), end: t(80), attributes: { 'url.path': '/pricing', 'server.port': 8082, [header('host')]: ['127.0.0.1:8082'] } }],
      tag === undefined ? {} : { resourceAttributes: { 'test.run.id': tag } },
    );
    const store = new SpanStore();
    store.ingest(run, { transport: 'memory', runId: 'r' });
    store.ingest(callee, { transport: 'memory', runId: 'r' });
    return diagnosePropagation(store.run('r').traces(), store.unclaimedTraces(), { runId: 'r' });
  }

  it('is paired by the run tag on its resource (the path agrees, the port does not)', async () => {
    const [d, ...rest] = await tagged('r');
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ kind: 'new-trace', callerService: 'cart', calleeService: 'pricing', pairing: { evidence: 'run-id', confidence: 'likely' } });
  });

  it("is not taken when the run's root carries no run tag: it could be an entry request", async () => {
    expect(await tagged(undefined)).toEqual([]);
  });
});

describe('a stripped hop paired by the request id both sides recorded', () => {
  it('pairs each call with its own request\'s callee, though the other started closer in time', async () => {
    const id = (value: string) => ({ [header('x-request-id')]: [value] });
    const target = { 'url.full': 'http://127.0.0.1:9000/pricing', 'server.port': 9000 };
    const run = await makeTrace([
      { ref: 'a', name: 'POST /cart a', kind: 'server', service: 'cart', start: t(0), end: t(100) },
      { parent: 'a', name: 'call a', kind: 'client', service: 'cart', start: t(10), end: t(90), attributes: { ...target, ...id('req-a') } },
      { ref: 'b', name: 'POST /cart b', kind: 'server', service: 'cart', start: t(1), end: t(100) },
      { parent: 'b', name: 'call b', kind: 'client', service: 'cart', start: t(20), end: t(90), attributes: { ...target, ...id('req-b') } },
    ]);
    // A proxy stripped the trace headers; each callee recorded the request id it was forwarded.
    const callees = await makeTrace([
      { name: 'pricing for a', kind: 'server', service: 'pricing', start: t(21), end: t(80), attributes: { 'url.path': '/pricing', 'server.port': 8082, [header('baggage')]: 'tenant=acme', ...id('req-a') } },
      { name: 'pricing for b', kind: 'server', service: 'pricing', start: t(12), end: t(80), attributes: { 'url.path': '/pricing', 'server.port': 8082, [header('baggage')]: 'tenant=acme', ...id('req-b') } },
    ]);
    const store = new SpanStore();
    store.ingest(run, { transport: 'memory', runId: 'r' });
    store.ingest(callees, { transport: 'memory' });
    const diagnostics = diagnosePropagation(store.run('r').traces(), store.unclaimedTraces(), { runId: 'r' });
    expect(diagnostics.map((d) => [d.clientSpan.name, d.kind === 'context-lost' ? undefined : d.serverSpan.name, d.cause])).toEqual([
      ['call a', 'pricing for a', 'stripped-in-transit'],
      ['call b', 'pricing for b', 'stripped-in-transit'],
    ]);
    expect(diagnostics.every((d) => d.pairing.evidence === 'request-header' && d.pairing.confidence === 'likely')).toBe(true);
  });
});

describe('complete: true', () => {
  async function checkout(lost: boolean) {
    const spans = await makeTrace([
      { ref: 'edge', name: 'POST /checkout', kind: 'server', service: 'web', start: t(0), end: t(100) },
      { parent: 'edge', name: 'POST', kind: 'client', service: 'web', start: t(10), end: t(90), attributes: { 'url.full': 'http://127.0.0.1:8081/cart', 'server.port': 8081 } },
      // A third-party API nobody instruments: a client span with no server anywhere.
      { parent: 'edge', name: 'GET rates', kind: 'client', service: 'web', start: t(91), end: t(99), attributes: { 'url.full': 'https://api.example.com/rates', 'server.port': 443 } },
    ]);
    const client = byName(spans, 'POST');
    const cart = await makeTrace([
      {
        name: 'POST /cart',
        kind: 'server',
        service: 'cart',
        start: t(20),
        end: t(80),
        ...(lost ? {} : { parent: { traceId: client.traceId, spanId: client.spanId, traceFlags: 1 } }),
        attributes: { 'url.path': '/cart', 'server.port': 8081 },
      },
    ]);
    const store = new SpanStore();
    store.ingest(spans, { transport: 'memory', runId: 'r' });
    store.ingest(cart, { transport: 'memory' });
    return evaluateSpecs([{ name: 'whole', expect: [{ complete: true }, { connected: true }] }], store.run('r'), { quietMillis: 10, timeoutMillis: 5000, finalOnceSettled: true });
  }

  it('fails when a call continued in a trace outside, naming the hop', async () => {
    const result = await checkout(true);
    const [complete, connected] = result.specs[0]!.expectations.filter((e) => e.kind === 'complete' || e.kind === 'connected');
    expect(complete?.passed).toBe(false);
    expect(complete?.message).toMatch(/^trace [0-9a-f]{8} is not complete: 1 call continued outside it: web → cart: cart started a new trace/u);
    expect(connected?.passed).toBe(false);
  });

  it('passes when every instrumented callee continued the trace; the uninstrumented API does not count', async () => {
    const result = await checkout(false);
    expect(result.passed, result.specs[0]!.expectations.map((e) => e.message).join('\n')).toBe(true);
    expect(result.specs[0]!.expectations.find((e) => e.kind === 'complete')?.message).toBe('1 trace is complete');
  });
});

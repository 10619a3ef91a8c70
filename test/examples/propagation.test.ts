/**
 * Propagation diagnostics on real instrumented services (examples/propagation): each broken hop produces the
 * diagnostic with the right client span, server span and cause; a queue consumer's linked trace joins the run;
 * a service with an offset clock is adjusted for.
 *
 * Services are stopped (SIGTERM flushes their SDK) before the run is judged: every span has then been exported,
 * so no test waits on time.
 */
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { SpanKind, serviceNameOf } from '../../src/model/index.ts';
import { evaluateSpecs } from '../../src/engine/index.ts';
import { createPrettyReporter } from '../../src/report/index.ts';
import { startCollector, type Collector, type CollectorRun } from '../../src/server/index.ts';
import { startService, type RunningService, type ServiceOptions } from '../../examples/propagation/start-service.ts';
import { startStrippingProxy } from '../support/stripping-proxy.ts';

const startupMillis = 120_000;
let collector: Collector;
let running: RunningService[] = [];

beforeAll(async () => {
  collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null });
});
afterAll(async () => {
  await collector?.close();
});
afterEach(async () => {
  await Promise.all(running.map((s) => s.stop()));
  running = [];
});

async function start(options: Omit<ServiceOptions, 'otelEnv'>): Promise<RunningService> {
  const service = await startService({ ...options, otelEnv: collector.env });
  running.push(service);
  return service;
}

/** Sends the test's entry request, tagged with the run id and carrying baggage, and waits for the answer. */
function work(url: string, run: CollectorRun): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/work`, { method: 'POST', headers: { 'x-test-run-id': run.id, baggage: 'tenant=acme' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Stops every service: their SDKs flush on SIGTERM, so all spans are in the collector afterwards. */
async function stopAll(): Promise<void> {
  await Promise.all(running.map((s) => s.stop()));
}

/** A two-service call gateway → orders with the given propagators, judged after both flushed. */
async function brokenHop(caller: ServiceOptions['propagation'], callee: ServiceOptions['propagation']) {
  const orders = await start({ name: 'orders', propagation: callee });
  const gateway = await start({ name: 'gateway', propagation: caller, callUrl: orders.url });
  const run = collector.run();
  expect(await work(gateway.url, run)).toBe(200);
  await stopAll();
  await run.settled({ quietMillis: 50, timeoutMillis: 10_000 });
  return { run, orders };
}

const propagatesSpec = {
  name: 'gateway reaches orders',
  expect: [{ propagates: { from: 'service = "gateway" && kind = client', to: 'service = "orders" && kind = server' } }, { connected: true as const }],
};

describe('propagation diagnostics on real services', () => {
  it('names the hop when the caller has no propagator', async () => {
    const { run } = await brokenHop('none', 'w3c');
    const [diagnostic, ...rest] = run.diagnostics();
    expect(rest).toEqual([]);
    expect(diagnostic).toMatchObject({ kind: 'new-trace', cause: 'no-propagator', callerService: 'gateway', calleeService: 'orders' });
    expect(diagnostic?.clientSpan.kind).toBe(SpanKind.CLIENT);
    expect(serviceNameOf(diagnostic!.clientSpan)).toBe('gateway');
    expect(diagnostic?.serverSpan?.kind).toBe(SpanKind.SERVER);
    expect(diagnostic?.serverSpan?.parentSpanId).toBeUndefined();
    expect(diagnostic?.serverSpan?.traceId).not.toBe(diagnostic?.clientSpan.traceId);
    // The run holds only gateway's trace; orders' trace is kept unclaimed for diagnosis.
    expect(run.spans().every((s) => serviceNameOf(s) === 'gateway')).toBe(true);
    expect(collector.store.unclaimedTraces().some((t) => t.traceId === diagnostic?.serverSpan?.traceId)).toBe(true);

    const result = await evaluateSpecs([propagatesSpec], run, { timeoutMillis: 5000 });
    expect(result.passed).toBe(false);
    const propagates = result.specs[0]!.expectations.find((e) => e.kind === 'propagates');
    const connected = result.specs[0]!.expectations.find((e) => e.kind === 'connected');
    expect(propagates?.message).toContain('gateway → orders: orders started a new trace');
    expect(propagates?.message).toContain('likely cause: no propagator on gateway');
    expect(connected?.passed).toBe(false);
    expect(connected?.message).toContain('gateway → orders');
    expect(result.notes.some((n) => n.code === 'propagation-broken' && n.message.startsWith('gateway → orders: orders started a new trace'))).toBe(true);
    const text = createPrettyReporter({ color: false }).render(result);
    expect(text).toContain('gateway → orders: orders started a new trace (');
    expect(text).toContain('likely cause: no propagator on gateway');
  }, startupMillis);

  it('names a B3 caller calling a W3C-only callee as a format mismatch', async () => {
    const { run } = await brokenHop('b3', 'w3c');
    const [diagnostic, ...rest] = run.diagnostics();
    expect(rest).toEqual([]);
    expect(diagnostic).toMatchObject({ kind: 'new-trace', cause: 'format-mismatch', callerService: 'gateway', calleeService: 'orders' });
    expect(diagnostic?.evidence).toBe('orders received b3 but no traceparent');
    expect(diagnostic?.serverSpan?.attributes['http.request.header.b3']).toBeDefined();
    expect(diagnostic?.clientSpan.spanId).toBe(run.spans().find((s) => s.kind === SpanKind.CLIENT)?.spanId);
    const result = await evaluateSpecs([propagatesSpec], run, { timeoutMillis: 5000 });
    expect(result.specs[0]?.expectations.find((e) => e.kind === 'propagates')?.message).toContain('likely cause: propagation format mismatch: gateway sends B3, orders reads W3C trace context');
  }, startupMillis);

  const concurrentCases = [
    { caller: 'b3', callee: 'w3c', header: 'b3', cause: 'format-mismatch', runs: 1, perRun: 4 },
    { caller: 'b3', callee: 'w3c', header: 'b3', cause: 'format-mismatch', runs: 1, perRun: 16 },
    { caller: 'b3', callee: 'w3c', header: 'b3', cause: 'format-mismatch', runs: 2, perRun: 4 },
    { caller: 'w3c', callee: 'b3', header: 'traceparent', cause: 'context-not-extracted', runs: 1, perRun: 16 },
  ] as const;
  for (const { caller, callee, header, cause, runs, perRun } of concurrentCases) {
    it(`pairs each of ${perRun} concurrent ${caller} → ${callee} calls${runs > 1 ? ` in each of ${runs} runs sharing the services` : ''} with its own callee by the ${header} header the callee recorded`, async () => {
      const orders = await start({ name: 'orders', propagation: callee });
      const gateway = await start({ name: 'gateway', propagation: caller, callUrl: orders.url });
      const started = Array.from({ length: runs }, () => collector.run());
      const answers = await Promise.all(started.flatMap((run) => Array.from({ length: perRun }, () => work(gateway.url, run))));
      expect(answers.every((status) => status === 200)).toBe(true);
      await stopAll();
      const servers = new Set<string>();
      for (const run of started) {
        await run.settled({ quietMillis: 50, timeoutMillis: 10_000 });
        const diagnostics = run.diagnostics();
        expect(diagnostics).toHaveLength(perRun);
        for (const d of diagnostics) {
          if (d.kind === 'context-lost') throw new Error(`unexpected ${d.message}`);
          expect(d).toMatchObject({ kind: 'new-trace', cause, pairing: { evidence: header, confidence: 'certain' } });
          // The header the callee received names the very client span it is paired with, a span of this run.
          expect(String(d.serverSpan.attributes[`http.request.header.${header}`])).toContain(d.clientSpan.spanId);
          expect(run.spans().some((span) => span.spanId === d.clientSpan.spanId)).toBe(true);
          // No server span is named twice, within a run or across the runs.
          expect(servers.has(d.serverSpan.spanId)).toBe(false);
          servers.add(d.serverSpan.spanId);
        }
      }
      expect(servers.size).toBe(runs * perRun);
    }, startupMillis);
  }

  for (const rewriteHost of [false, true]) {
    it(`names a trace header stripped by a proxy that ${rewriteHost ? 'rewrites' : 'keeps'} Host`, async () => {
      const orders = await start({ name: 'orders', propagation: 'w3c' });
      const proxy = await startStrippingProxy(orders.url, rewriteHost);
      try {
        const gateway = await start({ name: 'gateway', propagation: 'w3c', callUrl: proxy.url });
        const run = collector.run();
        expect(await work(gateway.url, run)).toBe(200);
        await stopAll();
        await run.settled({ quietMillis: 50, timeoutMillis: 10_000 });
        const [diagnostic, ...rest] = run.diagnostics();
        expect(rest).toEqual([]);
        expect(diagnostic).toMatchObject({ kind: 'new-trace', cause: 'stripped-in-transit', callerService: 'gateway', calleeService: 'orders' });
        // Kept, the callee sees the proxy's port, the client's; rewritten, only the path and the time agree.
        expect(diagnostic?.kind === 'context-lost' ? undefined : diagnostic?.pairing).toEqual(rewriteHost ? { evidence: 'time', confidence: 'possible' } : { evidence: 'address', confidence: 'likely' });
        expect(diagnostic?.message).toContain('likely cause: the trace header was stripped in transit between gateway and orders');
        const result = await evaluateSpecs([{ name: 'connected', expect: [{ connected: true as const }] }], run, { timeoutMillis: 5000 });
        expect(result.passed).toBe(false);
      } finally {
        await proxy.close();
      }
    }, startupMillis);
  }

  it('gives a healthy chain with a timer job, under concurrent traffic, no diagnostic and no skew note', async () => {
    const orders = await start({ name: 'orders', propagation: 'w3c' });
    // gateway refreshes from orders every 5 ms in traces of its own, during the requests too.
    const gateway = await start({ name: 'gateway', propagation: 'w3c', callUrl: orders.url, timerMillis: 5 });
    const run = collector.run();
    const answers = await Promise.all(Array.from({ length: 16 }, () => work(gateway.url, run)));
    expect(answers.every((status) => status === 200)).toBe(true);
    await stopAll();
    await run.settled({ quietMillis: 50, timeoutMillis: 10_000 });
    // The timer did run beside the requests: its root calls are the store's unclaimed traces.
    const refreshes = collector.store.unclaimedTraces().filter((trace) => trace.roots.some((root) => root.span.kind === SpanKind.CLIENT && serviceNameOf(root.span) === 'gateway'));
    expect(refreshes.length).toBeGreaterThanOrEqual(3);
    expect(run.diagnostics()).toEqual([]);
    const result = await evaluateSpecs([propagatesSpec], run, { timeoutMillis: 5000 });
    expect(result.passed).toBe(true);
    expect(result.notes).toEqual([]);
  }, startupMillis);

  it('names a hop that continued the trace but dropped the baggage', async () => {
    const { run } = await brokenHop('w3c-drop-baggage', 'w3c');
    // The trace continued: one trace, gateway and orders in it.
    expect(run.traces()).toHaveLength(1);
    expect(new Set(run.spans().map(serviceNameOf))).toEqual(new Set(['gateway', 'orders']));
    const [diagnostic, ...rest] = run.diagnostics();
    expect(rest).toEqual([]);
    expect(diagnostic).toMatchObject({ kind: 'baggage-dropped', cause: 'baggage-dropped', callerService: 'gateway', calleeService: 'orders', missingBaggageKeys: ['tenant'] });
    expect(diagnostic?.clientSpan.kind).toBe(SpanKind.CLIENT);
    expect(diagnostic?.serverSpan?.parentSpanId).toBe(diagnostic?.clientSpan.spanId);
    const gatewayServer = run.spans().find((s) => serviceNameOf(s) === 'gateway' && s.kind === SpanKind.SERVER);
    expect(gatewayServer?.attributes['baggage.tenant']).toBe('acme');
    expect(diagnostic?.serverSpan?.attributes['baggage.tenant']).toBeUndefined();
    const result = await evaluateSpecs([{ name: 'connected', expect: [{ connected: true as const }] }], run, { timeoutMillis: 5000 });
    expect(result.passed).toBe(true);
    expect(result.notes.find((note) => note.code === 'baggage-dropped')).toMatchObject({
      message: diagnostic?.message,
      diagnostic: { callerService: 'gateway', calleeService: 'orders', cause: 'baggage-dropped', spanIds: [diagnostic?.clientSpan.spanId, diagnostic?.serverSpan?.spanId] },
    });
    expect(diagnostic?.message).toContain('gateway → orders: the trace continued but baggage was dropped');
  }, startupMillis);

  it('reports nothing for a hop that propagates trace context and baggage', async () => {
    const { run } = await brokenHop('w3c', 'w3c');
    expect(run.traces()).toHaveLength(1);
    expect(run.diagnostics()).toEqual([]);
    const result = await evaluateSpecs([propagatesSpec], run, { timeoutMillis: 5000 });
    expect(result.passed).toBe(true);
  }, startupMillis);

  it('asserts a queue consumer with its producer: the linked consumer trace joins the run', async () => {
    const consumer = await start({ name: 'stock-worker', role: 'consumer' });
    const producer = await start({ name: 'orders', role: 'producer', callUrl: consumer.url });
    const run = collector.run();
    expect(await work(producer.url, run)).toBe(200);
    await stopAll();
    await run.settled({ quietMillis: 50, timeoutMillis: 10_000 });
    const traces = run.traces();
    expect(traces).toHaveLength(2);
    const consume = run.spans().find((s) => s.kind === SpanKind.CONSUMER);
    const produce = run.spans().find((s) => s.kind === SpanKind.PRODUCER);
    expect(consume).toBeDefined();
    expect(produce).toBeDefined();
    expect(consume?.parentSpanId).toBeUndefined();
    expect(consume?.traceId).not.toBe(produce?.traceId);
    expect(consume?.links.map((l) => `${l.traceId}/${l.spanId}`)).toEqual([`${produce?.traceId}/${produce?.spanId}`]);
    expect(run.spans().some((s) => s.name === 'reserve stock')).toBe(true);
    expect(run.diagnostics()).toEqual([]);
    const result = await evaluateSpecs(
      [{ name: 'consumer linked', expect: [{ spans: 'kind = consumer && service = "stock-worker"', scope: 'run' as const, count: 1, links: [{ to: 'kind = producer && service = "orders"' }] }] }],
      run,
      { timeoutMillis: 5000 },
    );
    expect(result.passed).toBe(true);
  }, startupMillis);

  it('adjusts for a callee whose clock is 5 s behind, and shows the adjustment', async () => {
    const orders = await start({ name: 'orders', clockOffsetMillis: -5000 });
    const gateway = await start({ name: 'gateway', callUrl: orders.url });
    const run = collector.run();
    expect(await work(gateway.url, run)).toBe(200);
    await stopAll();
    await run.settled({ quietMillis: 50, timeoutMillis: 10_000 });
    const client = run.spans().find((s) => serviceNameOf(s) === 'gateway' && s.kind === SpanKind.CLIENT)!;
    const server = run.spans().find((s) => serviceNameOf(s) === 'orders' && s.kind === SpanKind.SERVER)!;
    // As recorded, the callee's span starts about 5 s before the call that caused it.
    expect(Number(client.startTimeUnixNano - server.startTimeUnixNano) / 1e6).toBeGreaterThan(4000);
    const spec = {
      name: 'orders answers inside the call',
      expect: [
        { order: { first: 'service = "gateway" && kind = client', then: 'service = "orders" && kind = server', relation: 'starts-before' as const } },
        // Fails on purpose, so the result draws the trace.
        { spans: 'service = "orders" && kind = server', attributes: { 'http.response.status_code': 599 } },
      ],
    };
    const result = await evaluateSpecs([spec], run, { timeoutMillis: 2000 });
    const order = result.specs[0]!.expectations.find((e) => e.kind === 'order');
    const missing = result.specs[0]!.expectations.find((e) => e.kind === 'spans');
    expect(order?.passed).toBe(true);
    expect(result.notes.some((n) => n.code === 'clock-skew' && n.message.startsWith('clock skew: orders\'s span') && n.message.includes('to fit inside gateway\'s client span'))).toBe(true);
    // The failing expectation draws the trace; the callee's span carries the shift (about +5 s).
    const shifted: string[] = [];
    const walk = (node: NonNullable<typeof missing>['trace'] extends infer T ? T extends { roots: readonly (infer N)[] } ? N : never : never): void => {
      if (node.skewAdjustmentNanos !== undefined && node.span.service === 'orders' && node.span.kind === 'server') shifted.push(node.skewAdjustmentNanos);
      for (const child of node.children) walk(child);
    };
    for (const root of missing?.trace?.roots ?? []) walk(root);
    expect(shifted).toHaveLength(1);
    expect(Number(BigInt(shifted[0]!)) / 1e6).toBeGreaterThan(4000);
    expect(createPrettyReporter({ color: false }).render(result)).toContain('clock skew adjusted');
  }, startupMillis);
});

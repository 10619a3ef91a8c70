// The in-suite API against the real three-service example (real SDKs, real http instrumentation, each service
// exporting over its own OTLP transport): spec objects on local runs, remote runs mirrored over the run stream,
// headers() isolation between concurrent runs, and the matchers' messages.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCollector } from '../../src/testing/index.ts';
import type { Collector } from '../../src/testing/index.ts';
import { validateSpecObject } from '../../src/language/index.ts';
import { connectCollector, describeFailure, TEST_ROOT_SPAN_NAME, TEST_SERVICE_NAME } from '../../src/testing/index.ts';
import type { ExpectResult, TestRun } from '../../src/testing/index.ts';
import { createReporter } from '../../src/report/index.ts';
import { assertSpec } from '../../src/node-test.ts';
import '../../src/vitest.ts';
import { startServices } from '../../examples/three-services/start-services.ts';
import type { RunningServices } from '../../examples/three-services/start-services.ts';

let collector: Collector;
let services: RunningServices;

beforeAll(async () => {
  collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0, log: () => {} });
  services = await startServices({ env: collector.env, endpoints: { http: collector.httpUrl, grpc: collector.grpcUrl } });
});

afterAll(async () => {
  await services?.stop();
  await collector?.close();
});

/** One checkout through the gateway, marked as the run's by `run.headers()` only (no run id header). */
async function checkout(run: TestRun, customer: string): Promise<number> {
  const response = await fetch(`${services.gatewayUrl}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...run.headers() },
    body: JSON.stringify({ customer, items: [{ sku: 'SKU-RED-MUG', quantity: 1 }] }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** Judged on the trace each headers() call started (the run also holds the linked audit traces). */
const reachesInventory = {
  name: 'checkout reaches inventory',
  traces: { root: `service = "${TEST_SERVICE_NAME}"` },
  expect: [
    { spans: 'service = "gateway" && kind = server' },
    { spans: 'service = "inventory" && kind = server' },
    { order: { first: 'service = "gateway" && kind = server', then: 'name = "orders.place"', relation: 'starts-before' as const } },
  ],
};

function withoutTimings(result: ExpectResult): unknown {
  return {
    ...result,
    durationMillis: 0,
    specs: result.specs.map((spec) => ({ ...spec, durationMillis: 0, expectations: spec.expectations.map((e) => ({ ...e, durationMillis: 0 })) })),
  };
}

describe('run.expect on a local run', () => {
  test('a spec object passes on the trace that headers() started, and the root span is in it', async () => {
    const run = collector.run();
    expect(await checkout(run, 'local-1')).toBe(200);
    const result = await run.expect({
      name: 'checkout is one connected trace',
      expect: [
        { spans: 'service = "gateway" && kind = server' },
        { spans: 'service = "inventory" && kind = server' },
        { spans: `name = "${TEST_ROOT_SPAN_NAME}" && service = "${TEST_SERVICE_NAME}"`, count: 1 },
        { connected: true },
      ],
      traces: { root: `service = "${TEST_SERVICE_NAME}"` },
    });
    expect(result.problems).toEqual([]);
    expect(result.passed, createReporter('pretty', { color: false }).render(result)).toBe(true);
    const root = run.spans().find((s) => s.name === TEST_ROOT_SPAN_NAME);
    expect(root?.attributes['test.run.id']).toBe(run.id);
    const gatewayServer = run.spans().find((s) => s.resource.attributes['service.name'] === 'gateway' && s.kind === 2);
    expect(gatewayServer?.parentSpanId).toBe(root?.spanId);
  });

  test('a failing spec is a result, not a throw, with the pretty explanation', async () => {
    const run = collector.run();
    expect(await checkout(run, 'local-2')).toBe(200);
    const result = await run.expect({ name: 'no inventory', expect: [{ spans: 'service = "inventory"', count: 'none' }] });
    expect(result.passed).toBe(false);
    expect(result.specs[0]?.expectations.find((e) => e.kind === 'spans')?.passed).toBe(false);
    const text = describeFailure(result);
    expect(text).toContain(createReporter('pretty', { color: false }).render(result));
    expect(text.includes('\u001b[')).toBe(false);
  });

  test('an invalid spec object gives the validator\'s problems, named by object path, and judges nothing', async () => {
    const run = collector.run();
    const bad = { name: 'typo', expect: [{ spans: 'service = "gateway"' }, { spans: 'service = "orders"' }, { slector: 'kind = server' }] };
    const result = await run.expect(bad as never);
    const validated = validateSpecObject(bad);
    expect(validated.ok).toBe(false);
    expect(result.passed).toBe(false);
    expect(result.specs).toEqual([]);
    expect(result.problems.map((p) => p.message)).toEqual(validated.ok ? [] : validated.error.map((p) => p.message));
    expect(result.problems[0]?.message).toMatch(/^at expect\[2\]/);
    expect(describeFailure(result)).toContain('at expect[2]');
  });
});

describe('remote runs (connectCollector)', () => {
  test('a remote view of a run holds equal spans and judges a spec exactly as the local run', async () => {
    const local = collector.run();
    expect(await checkout(local, 'remote-eq')).toBe(200);
    const localResult = await local.expect(reachesInventory);
    const remoteCollector = connectCollector(collector.httpUrl);
    try {
      const remote = remoteCollector.run(local.id);
      const remoteResult = await remote.expect(reachesInventory);
      await local.settled({ quietMillis: 200 });
      await remote.settled({ quietMillis: 200 });
      expect(remote.spans()).toEqual(local.spans());
      expect(withoutTimings(remoteResult)).toEqual(withoutTimings(localResult));
    } finally {
      await remoteCollector.close();
    }
  });

  test('a remote run sees spans that arrive after it connected, and its headers() root span reaches the collector', async () => {
    const remoteCollector = connectCollector(collector.httpUrl);
    try {
      const remote = remoteCollector.run();
      await remote.ready;
      expect(remote.spans()).toEqual([]);
      expect(await checkout(remote, 'remote-late')).toBe(200);
      await expect(remote).toHaveSpan('service = "inventory" && kind = server');
      const outcome = await remote.settled({ quietMillis: 200 });
      expect(outcome).toMatchObject({ settled: true, orphanCount: 0 });
      const localView = collector.run(remote.id);
      expect(localView.spans().some((s) => s.name === TEST_ROOT_SPAN_NAME)).toBe(true);
      expect(remote.spans().map((s) => s.spanId).sort()).toEqual(localView.spans().map((s) => s.spanId).sort());
    } finally {
      await remoteCollector.close();
    }
  });

  test('a collector that is not there gives a result that says so, not a hang or a throw', async () => {
    const gone = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null, log: () => {} });
    const url = gone.httpUrl;
    await gone.close();
    const remote = connectCollector(url).run();
    const result = await remote.expect({ name: 'anything', expect: [{ spans: 'kind = server' }] }, { timeoutMillis: 2000 });
    expect(result.passed).toBe(false);
    expect(result.notes.map((note) => `${note.code}: ${note.message}`).join('\n')).toMatch(/stream-ended: .*cannot stream run/);
  });

  test('a bearer token is passed on the stream and the root-span export', async () => {
    const guarded = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null, authToken: 's3cret', log: () => {} });
    try {
      const refused = connectCollector(guarded.httpUrl).run();
      await refused.ready;
      expect(refused.failure).toMatch(/401/);
      const remote = connectCollector(guarded.httpUrl, { authToken: 's3cret' }).run();
      remote.headers();
      const result = await remote.expect({ name: 'root arrived', expect: [{ spans: `service = "${TEST_SERVICE_NAME}"` }] });
      expect(result.passed, describeFailure(result)).toBe(true);
      remote.close();
    } finally {
      await guarded.close();
    }
  });
});

describe('headers() isolation', () => {
  test('two concurrent runs against the same services each see exactly their own spans', async () => {
    const a = collector.run();
    const b = collector.run();
    const [statusA, statusB] = await Promise.all([checkout(a, 'iso-a'), checkout(b, 'iso-b')]);
    expect([statusA, statusB]).toEqual([200, 200]);
    await Promise.all([
      expect(a).toHaveSpan('name = "orders.place"', { attributes: { 'order.customer': 'iso-a' } }),
      expect(b).toHaveSpan('name = "orders.place"', { attributes: { 'order.customer': 'iso-b' } }),
    ]);
    await Promise.all([expect(a).not.toHaveSpan('span.order.customer = "iso-b"'), expect(b).not.toHaveSpan('span.order.customer = "iso-a"')]);
    const traceIdsA = new Set(a.spans().map((s) => s.traceId));
    expect(b.spans().some((s) => traceIdsA.has(s.traceId))).toBe(false);
  });

  test('each headers() call starts a new trace', async () => {
    const run = collector.run();
    const first = run.headers();
    const second = run.headers();
    expect(first.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(first.traceparent.slice(3, 35)).not.toBe(second.traceparent.slice(3, 35));
    expect(first.baggage).toBe(`test.run.id=${run.id}`);
    expect(run.traces()).toHaveLength(2);
  });
});

describe('matchers and assertSpec', () => {
  test('toSatisfySpec passes, and fails with the plain pretty report as its message', async () => {
    const run = collector.run();
    expect(await checkout(run, 'matcher-1')).toBe(200);
    await expect(run).toSatisfySpec(reachesInventory);
    const wrong = { name: 'inventory errors', expect: [{ spans: 'service = "inventory" && kind = server', status: 'error' as const }] };
    const expected = describeFailure(await run.expect(wrong, { timeoutMillis: 1000 }));
    const error = await expect(run).toSatisfySpec(wrong, { timeoutMillis: 1000 }).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toContain('✗ inventory errors');
    expect(error?.message).toContain('inventory');
    // The same explanation and trace drawing as the pretty report, minus run-dependent durations.
    const stripTimes = (text: string): string => text.replace(/\d+(\.\d+)?\s?(ms|s|µs)/g, 'T');
    expect(stripTimes(error?.message ?? '')).toContain(stripTimes(expected.split('\n').slice(2, 8).join('\n')));
    expect(error?.message.includes('\u001b[')).toBe(false);
  });

  test('toHaveSpan fails with near misses when nothing matches; .not fails when the span is there', async () => {
    const run = collector.run();
    expect(await checkout(run, 'matcher-2')).toBe(200);
    await expect(expect(run).toHaveSpan('service = "inventory" && kind = client', { timeoutMillis: 1500 })).rejects.toThrow(/has span service = "inventory" && kind = client/);
    await expect(expect(run).not.toHaveSpan('service = "orders"')).rejects.toThrow(/no span service = "orders"/);
    await expect(expect({}).toHaveSpan('kind = server')).rejects.toThrow(/needs a tracecheck run/);
  });

  test('assertSpec throws assert.AssertionError with the report, and resolves with the result when it passes', async () => {
    const run = collector.run();
    expect(await checkout(run, 'assert-1')).toBe(200);
    const passed = await assertSpec(run, reachesInventory);
    expect(passed.passed).toBe(true);
    const failure = await assertSpec(run, { name: 'too few', expect: [{ spans: 'service = "inventory"', count: { min: 50 } }] }, { timeoutMillis: 1000 }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(failure?.name).toBe('AssertionError');
    expect(failure?.message).toContain('✗ too few');
  });
});

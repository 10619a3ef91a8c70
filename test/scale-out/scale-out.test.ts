// Scale-out (issue 13): the real OpenTelemetry Collector (contrib loadbalancing exporter, routing_key traceID) in
// front of three real `tracecheck serve` replicas, and `tracecheck run|check --collector URL1,URL2,URL3` gathering
// each run from all of them. Spans leave through the real OpenTelemetry exporters and the real three-service example.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpanKind } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tracecheck } from '../cli/tracecheck-process.ts';
import { readDocBlocks } from '../docs/doc-blocks.ts';
import { environmentWithoutOtel } from '../support/child-process.ts';
import { exportVia, type Transport } from '../server/exporters.ts';
import { makeSdkSpans, type SdkSpanSpec } from '../support/sdk-traces.ts';
import { otelcolBinaryOrExplain, REPLICA_TOKEN, startCluster, startReplica, type Replica, type ScaleOutCluster } from './cluster.ts';

const binary = otelcolBinaryOrExplain();
const root = fileURLToPath(new URL('../../', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tracecheck-scale-out-'));
const withToken = { env: { TRACECHECK_AUTH_TOKEN: REPLICA_TOKEN }, deadlineMillis: 60_000 };

/** A spec every run below meets, and one it misses (so reports hold a failure drawn with its trace). */
const SPECS = `specs:
  - name: every order is answered by inventory
    traces:
      root: '{ service = "orders" && kind = server }'
    expect:
      - name: inventory answers below orders
        spans: '{ service = "orders" && kind = server } >> { service = "inventory" && kind = server }'
        count: 1
  - name: consumers join the producer's run
    expect:
      - name: each consumer span links into the run
        spans: '{ kind = consumer }'
        count: { min: 1 }
  - name: payments answers (it never does)
    expect:
      - name: its server span
        spans: '{ service = "payments" && kind = server }'
`;

/**
 * `traceCount` orders traces (orders server → inventory server), each followed by a consumer trace that links to it
 * (a new root, as a queue consumer starts): routed by trace id, the two land on different replicas about two times
 * in three, and the consumer must still join the run.
 */
function orderTraces(traceCount: number): SdkSpanSpec[] {
  const specs: SdkSpanSpec[] = [];
  for (let i = 0; i < traceCount; i++) {
    specs.push({ ref: `order-${i}`, name: 'POST /orders', kind: 'server', service: 'orders', attributes: { 'order.index': i } });
    specs.push({ name: 'GET /stock', kind: 'server', service: 'inventory', parent: `order-${i}` });
    specs.push({ name: 'audit order', kind: 'consumer', service: 'audit', links: [{ to: `order-${i}` }] });
  }
  return specs;
}

interface RunSummary {
  readonly id: string;
  readonly spanCount: number;
  readonly traceCount: number;
}

async function runsAt(replica: Replica | string): Promise<{ runs: RunSummary[]; unclaimed: { spanCount: number; traceCount: number } }> {
  const url = typeof replica === 'string' ? replica : replica.httpUrl;
  const response = await fetch(`${url}/api/runs`, { headers: { authorization: `Bearer ${REPLICA_TOKEN}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as { runs: RunSummary[]; unclaimed: { spanCount: number; traceCount: number } };
}

/** Spans of the run each replica holds, in replica order. */
async function spansPerReplica(cluster: ScaleOutCluster, runId: string): Promise<number[]> {
  return Promise.all(cluster.replicas.map(async (replica) => (await runsAt(replica)).runs.find((run) => run.id === runId)?.spanCount ?? 0));
}

/** Untagged spans waiting in the replicas' unclaimed pools, together. */
async function unclaimedSpans(cluster: ScaleOutCluster): Promise<number> {
  const listings = await Promise.all(cluster.replicas.map((replica) => runsAt(replica)));
  return listings.reduce((n, listing) => n + listing.unclaimed.spanCount, 0);
}

/** Exports through the collector with the run id as a request header only (no resource attribute). */
async function exportTagged(url: string, transport: Transport, runId: string, spans: readonly ReadableSpan[], extraHeaders: Record<string, string> = {}): Promise<void> {
  const sent = await exportVia(transport, url, spans, { headers: { 'x-test-run-id': runId, ...extraHeaders } });
  expect(sent.code, sent.error?.message).toBe(ExportResultCode.SUCCESS);
}

/** A JSON report without what differs between two judgements of the same spans (their timing). */
function comparable(reportJson: string): unknown {
  return JSON.parse(reportJson, (key, value: unknown) => (key === 'durationMillis' ? undefined : value));
}

describe.skipIf(binary === undefined)('scale-out: the OpenTelemetry Collector in front of three replicas', () => {
  let cluster: ScaleOutCluster;

  beforeAll(async () => {
    writeFileSync(join(scratch, 'orders.yaml'), SPECS);
    cluster = await startCluster(binary as string, 3);
  }, 60_000);

  afterAll(async () => {
    await cluster?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('keeps header-tagged runs across the hop, over OTLP/gRPC and OTLP/HTTP, and gathers them from every replica', async () => {
    const overGrpc = await makeSdkSpans(orderTraces(6));
    const overHttp = await makeSdkSpans(orderTraces(6));
    await exportTagged(cluster.collector.grpcUrl, 'grpc', 'header-grpc', overGrpc);
    await exportTagged(cluster.collector.httpUrl, 'http/protobuf', 'header-http', overHttp);
    for (const runId of ['header-grpc', 'header-http']) {
      const outcome = await tracecheck(['check', '--collector', cluster.replicaList, '--run', runId, '--specs', 'orders.yaml', '--reporter', 'json'], scratch, withToken);
      const report = JSON.parse(outcome.stdout) as { spanCount: number; specs: { name: string; passed: boolean }[] };
      // Every span, the consumers' too (they carry no tag and joined through their links).
      expect(report.spanCount, outcome.stderr).toBe(18);
      expect(report.specs.map((spec) => [spec.name, spec.passed])).toEqual([
        ['every order is answered by inventory', true],
        ["consumers join the producer's run", true],
        ['payments answers (it never does)', false],
      ]);
      // The tagged traces were spread over the replicas: the gather is what put them together.
      const held = await spansPerReplica(cluster, runId);
      expect(held.filter((count) => count > 0).length, `spans of ${runId} per replica: ${held.join(', ')}`).toBeGreaterThan(1);
    }

  }, 120_000);

  it('(a) drives the three-service example and concurrent runs through the collector: spans sent = spans stored across the replicas', async () => {
    // Three runs at once, each from its own exporters, spread over both transports.
    const runs = await Promise.all(
      ['concurrent-1', 'concurrent-2', 'concurrent-3'].map(async (runId, i) => ({ runId, spans: await makeSdkSpans(orderTraces(4 + i)) })),
    );
    await Promise.all(runs.map(({ runId, spans }, i) => exportTagged(i % 2 === 0 ? cluster.collector.grpcUrl : cluster.collector.httpUrl, i % 2 === 0 ? 'grpc' : 'http/json', runId, spans)));
    // And the example, twice at once: `tracecheck run` hands drive-checkout the collector's endpoint and the run's
    // header; its three services export untagged but for the gateway's span, and specs/ must pass on the gather.
    const example = (): ReturnType<typeof tracecheck> =>
      tracecheck(
        ['run', '--collector', cluster.replicaList, '--otlp-endpoint', cluster.collector.httpUrl, '--specs', 'specs', '--reporter', 'json', '--', process.execPath, 'examples/three-services/drive-checkout.ts'],
        root,
        { env: { TRACECHECK_AUTH_TOKEN: REPLICA_TOKEN, EXAMPLE_CUSTOMER: 'c-1001' }, deadlineMillis: 150_000 },
      );
    const examples = await Promise.all([example(), example()]);
    for (const outcome of examples) {
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(JSON.parse(outcome.stdout)).toMatchObject({ passed: true });
    }

    for (const { runId, spans } of runs) {
      const outcome = await tracecheck(['check', '--collector', cluster.replicaList, '--run', runId, '--specs', 'orders.yaml', '--reporter', 'json'], scratch, withToken);
      expect((JSON.parse(outcome.stdout) as { spanCount: number }).spanCount, outcome.stderr).toBe(spans.length);
    }
    // Sent = stored: every span sent through the collector is held by exactly one replica, in a run or (an untagged
    // consumer trace whose producer is elsewhere) in the unclaimed pool, and nothing else is held.
    const sent = runs.reduce((n, run) => n + run.spans.length, 0) + 18 * 2;
    const examplesSpans = examples.reduce((n, outcome) => n + (JSON.parse(outcome.stdout) as { spanCount: number }).spanCount, 0);
    const listings = await Promise.all(cluster.replicas.map((replica) => runsAt(replica)));
    const stored = listings.reduce((n, listing) => n + listing.unclaimed.spanCount + listing.runs.reduce((m, run) => m + run.spanCount, 0), 0);
    // Each example run also holds its root span (sent by `tracecheck run`, left out of the judged run: no request used it).
    expect(stored).toBe(sent + examplesSpans + examples.length);
  }, 240_000);

  it('(b) gives the verdict and report one collector gives for the same spans', async () => {
    const single = await startReplica();
    try {
      // The consumers export on their own, untagged, as a queue consumer's service would: they join the run only
      // through their links, on one sidecar at once, in the cluster at gather time when they landed elsewhere.
      const spans = await makeSdkSpans(orderTraces(8));
      const consumers = spans.filter((span) => span.kind === SpanKind.CONSUMER);
      const producers = spans.filter((span) => span.kind !== SpanKind.CONSUMER);
      const unclaimedBefore = await unclaimedSpans(cluster);
      await exportTagged(cluster.collector.httpUrl, 'http/protobuf', 'same-traffic', producers);
      await exportVia('grpc', cluster.collector.grpcUrl, consumers);
      const auth = { authorization: `Bearer ${REPLICA_TOKEN}` };
      await exportTagged(single.httpUrl, 'http/protobuf', 'same-traffic', producers, auth);
      await exportVia('grpc', `http://${single.grpcEndpoint}`, consumers, { headers: auth });
      // Some consumer traces landed on another replica than their producer's, where no run claims them.
      expect(await unclaimedSpans(cluster)).toBeGreaterThan(unclaimedBefore);
      const judge = (collector: string): ReturnType<typeof tracecheck> =>
        tracecheck(['check', '--collector', collector, '--run', 'same-traffic', '--specs', 'orders.yaml', '--reporter', 'json'], scratch, withToken);
      const [gathered, alone] = await Promise.all([judge(cluster.replicaList), judge(single.httpUrl)]);
      expect(gathered.code).toBe(1);
      expect(alone.code).toBe(1);
      expect(comparable(gathered.stdout)).toEqual(comparable(alone.stdout));
      expect(JSON.parse(gathered.stdout)).toMatchObject({ spanCount: 24 });
      const pretty = (collector: string): ReturnType<typeof tracecheck> =>
        tracecheck(['check', '--collector', collector, '--run', 'same-traffic', '--specs', 'orders.yaml'], scratch, withToken);
      const [gatheredText, aloneText] = await Promise.all([pretty(cluster.replicaList), pretty(single.httpUrl)]);
      const withoutTimes = (text: string): string => text.replace(/\d+(\.\d+)?\s?(ms|s)\b/g, 'T');
      expect(withoutTimes(gatheredText.stdout)).toBe(withoutTimes(aloneText.stdout));
    } finally {
      await single.stop();
    }
  }, 120_000);

  it('answers bad input at the collector with the collector\'s own OTLP statuses (docs/scale-out.md)', async () => {
    const post = (contentType: string, body: string): Promise<Response> =>
      fetch(`${cluster.collector.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': contentType }, body });
    expect((await post('application/x-protobuf', 'not protobuf \u0000\u00ff')).status).toBe(400);
    expect((await post('application/json', '{"resourceSpans": 7}')).status).toBe(400);
    expect((await post('text/plain', 'hello')).status).toBe(415);
    expect((await fetch(`${cluster.collector.httpUrl}/v1/traces`)).status).toBe(405);
  });

  it('(c) fails the verdict naming the replica that stopped mid-run, never passing on what the others hold', async () => {
    const first = await makeSdkSpans(orderTraces(6));
    await exportTagged(cluster.collector.httpUrl, 'http/protobuf', 'replica-lost', first);
    const lost = cluster.replicas[2] as Replica;
    await lost.stop();
    // An export with traces for the stopped replica: the collector retries, then answers 503 (docs/scale-out.md).
    const { JsonTraceSerializer } = await import('@opentelemetry/otlp-transformer');
    const late = JsonTraceSerializer.serializeRequest(await makeSdkSpans(Array.from({ length: 40 }, (_, i) => ({ name: `late ${i}`, service: 'orders' })))) as Uint8Array;
    const refused = await fetch(`${cluster.collector.httpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-run-id': 'replica-lost-late' }, body: late });
    expect(refused.status).toBe(503);
    expect(await refused.text()).toMatch(/no more retries left/);
    const outcome = await tracecheck(['check', '--collector', cluster.replicaList, '--run', 'replica-lost', '--specs', 'orders.yaml', '--reporter', 'json'], scratch, withToken);
    expect(outcome.code).toBe(1);
    const named = `replica ${lost.httpUrl} did not answer`;
    expect(outcome.stderr).toContain(`FAILED: ${named}`);
    const report = JSON.parse(outcome.stdout) as { passed: boolean; notes: { code: string; message: string }[] };
    expect(report.passed).toBe(false);
    expect(report.notes[0]).toMatchObject({ code: 'replica-unreachable' });
    expect(report.notes[0]?.message).toContain(named);
    // A run whose every spec is met elsewhere still fails.
    writeFileSync(join(scratch, 'lenient.yaml'), `name: any order\nexpect:\n  - spans: '{ service = "orders" }'\n    count: { min: 1 }\n`);
    const lenient = await tracecheck(['check', '--collector', cluster.replicaList, '--run', 'replica-lost', '--specs', 'lenient.yaml'], scratch, withToken);
    expect(lenient.code).toBe(1);
    expect(lenient.stdout).toContain(named);
  }, 120_000);
});

describe.skipIf(binary === undefined)('docs/scale-out.md', () => {
  it('runs its one-machine topology block as written: three replicas, the collector, and a passing run through them', async () => {
    const block = readDocBlocks(root).find((b) => b.annotation?.kind === 'project' && b.annotation.project === 'scale-out' && b.annotation.file === 'topology.sh');
    expect(block, 'the topology block of docs/scale-out.md').toBeDefined();
    // A checkout of the repository, as the block expects to run in, without writing its logs into this one.
    const dir = join(scratch, 'checkout');
    mkdirSync(dir, { recursive: true });
    for (const entry of ['bin', 'collector', 'scripts', 'examples', 'specs', 'node_modules', 'package.json']) symlinkSync(join(root, entry), join(dir, entry));
    const child = spawn('bash', ['-e', '-c', block?.code ?? 'exit 1'], { cwd: dir, env: environmentWithoutOtel(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
    const deadline = setTimeout(() => process.kill(-(child.pid as number), 'SIGKILL'), 150_000);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(deadline);
    // Whatever the block left running when it failed (its replicas, the collector) goes with its process group.
    try {
      process.kill(-(child.pid as number), 'SIGTERM');
    } catch {
      // The group is gone: the block's own kill ended everything.
    }
    expect(code, output).toBe(0);
    expect(output).toMatch(/drive-checkout: POST \/checkout .* → 200/);
  }, 180_000);
});

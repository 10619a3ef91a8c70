/**
 * Scale-out side by side (issue 13), with the real OpenTelemetry Collector built by scripts/build-otelcol.sh. The same
 * sender processes (bench/support/serve-sender.ts) post the same stamped OTLP/protobuf bodies of 512 real-SDK spans,
 * with the run id header, several in flight; every receiver is its own process and its CPU (utime + stime, all
 * threads, from /proc/PID/stat) is read around the timed part.
 *
 * 1. Ingest: `tracecheck serve` against the collector's own OTLP receiver feeding its no-op exporter (`nop`, built
 *    from the same manifest): spans per CPU second of each, and the ratio (the goal: serve ahead).
 * 2. The collector hop: the shipped collector config (collector/otelcol.yaml: run id header → resource attribute,
 *    loadbalancing by trace id, synchronous delivery) in front of 1, 2 and 3 replicas, against direct ingest into
 *    one serve: spans per CPU second end to end (the collector's CPU plus every replica's), and each replica's CPU
 *    per span it stored, which should stay flat as replicas are added.
 *
 * Spans per measurement: `TRACECHECK_BENCH_SCALE_OUT_SPANS` (default 200,000). Linux only (reads /proc); skipped with
 * one line when the collector is not built. Run with `npm run bench` (or `node bench/run.ts scale-out`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { REPLICA_TOKEN, freePort, otelcolBinaryPath, startOtelcol, startReplica, templatedCollectorConfig } from '../test/scale-out/cluster.ts';
import type { Replica, RunningCollector } from '../test/scale-out/cluster.ts';
import type { BenchOutcome } from './run.ts';
import { clockTicksPerSecond, exited, lineOf, sendAll, type SendPlan } from './support/sender-processes.ts';
import { BASE_BODIES, SPANS_PER_REQUEST, makeStampableBodies, serializeStampableBodies } from './support/stamped-bodies.ts';

const TOTAL_SPANS = Number(process.env.TRACECHECK_BENCH_SCALE_OUT_SPANS ?? 200_000);
const REQUESTS = Math.ceil(TOTAL_SPANS / SPANS_PER_REQUEST);
const WARM_UP_REQUESTS = 16;
const SENDERS = 3;
const IN_FLIGHT_PER_SENDER = 2;
const RUN_ID = 'bench-scale-out';
/** Each replica's CPU per span at 3 replicas, at most this many times its CPU per span alone. */
const MAX_REPLICA_GROWTH = 1.3;

const cliPath = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'tracecheck.js');
/** Room for every span of the run in one process, so nothing is evicted. */
const capArgs = ['--max-spans', String(REQUESTS * SPANS_PER_REQUEST + 1), '--max-memory', '16GiB'];

interface Figure {
  readonly spansPerCpuSecond: number;
  readonly wallSeconds: number;
}

const rate = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(9);

/** Direct ingest into one `tracecheck serve` (no token: loopback, as a developer runs it). */
async function measureServe(plan: Omit<SendPlan, 'url'>, ticks: number): Promise<Figure> {
  const serve = spawn(process.execPath, [cliPath, 'serve', '--http-port', '0', '--grpc-port', 'off', ...capArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [, baseUrl] = await lineOf(serve, /listening on (http:\/\/\S+) \(OTLP\/HTTP/);
    const sent = await sendAll({ ...plan, url: `${baseUrl as string}/v1/traces` }, [serve.pid as number], ticks);
    await expectStored([baseUrl as string], undefined);
    return { spansPerCpuSecond: sent.timedSpans / (sent.cpuSeconds[0] as number), wallSeconds: sent.wallSeconds };
  } finally {
    serve.kill('SIGTERM');
    await exited(serve);
  }
}

/** The collector's OTLP/HTTP receiver feeding the no-op exporter. */
async function measureCollectorNop(binary: string, plan: Omit<SendPlan, 'url'>, ticks: number): Promise<Figure> {
  const ports = { http: await freePort(), grpc: await freePort() };
  const config = {
    receivers: { otlp: { protocols: { http: { endpoint: `127.0.0.1:${ports.http}` }, grpc: { endpoint: `127.0.0.1:${ports.grpc}` } } } },
    exporters: { nop: {} },
    service: { telemetry: { metrics: { level: 'none' } }, pipelines: { traces: { receivers: ['otlp'], exporters: ['nop'] } } },
  };
  const collector = await startOtelcol(binary, stringify(config), ports);
  try {
    const sent = await sendAll({ ...plan, url: `${collector.httpUrl}/v1/traces` }, [collector.process.pid as number], ticks);
    return { spansPerCpuSecond: sent.timedSpans / (sent.cpuSeconds[0] as number), wallSeconds: sent.wallSeconds };
  } finally {
    await collector.stop();
  }
}

interface HopFigure extends Figure {
  readonly collectorCpuShare: number;
  /** Each replica's CPU per span it stored, in microseconds. */
  readonly replicaMicrosPerSpan: readonly number[];
}

/** The shipped collector config in front of `replicaCount` replicas. */
async function measureHop(binary: string, replicaCount: number, plan: Omit<SendPlan, 'url'>, ticks: number): Promise<HopFigure> {
  const replicas: Replica[] = await Promise.all(Array.from({ length: replicaCount }, () => startReplica(capArgs)));
  let collector: RunningCollector | undefined;
  try {
    const ports = { http: await freePort(), grpc: await freePort() };
    collector = await startOtelcol(binary, templatedCollectorConfig(ports, replicas.map((r) => r.grpcEndpoint)), ports);
    const pids = [collector.process.pid as number, ...replicas.map((r) => r.child.process.pid as number)];
    const sent = await sendAll({ ...plan, url: `${collector.httpUrl}/v1/traces` }, pids, ticks);
    const stored = await expectStored(replicas.map((r) => r.httpUrl), REPLICA_TOKEN);
    const totalCpu = sent.cpuSeconds.reduce((a, b) => a + b, 0);
    // The warm-up spans are stored too but were not timed: each replica's share of the timed ones is its share of all.
    const all = stored.reduce((a, b) => a + b, 0);
    return {
      spansPerCpuSecond: sent.timedSpans / totalCpu,
      wallSeconds: sent.wallSeconds,
      collectorCpuShare: (sent.cpuSeconds[0] as number) / totalCpu,
      replicaMicrosPerSpan: replicas.map((_, i) => ((sent.cpuSeconds[i + 1] as number) / (sent.timedSpans * ((stored[i] as number) / all))) * 1e6),
    };
  } finally {
    await collector?.stop();
    await Promise.all(replicas.map((r) => r.stop()));
  }
}

/** Every span sent is held by exactly one of the receivers, in the run: the spans each holds. */
async function expectStored(urls: readonly string[], token: string | undefined): Promise<number[]> {
  const counts = await Promise.all(
    urls.map(async (url) => {
      const response = await fetch(`${url}/api/runs/${RUN_ID}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
      return response.status === 404 ? 0 : ((await response.json()) as { spanCount: number }).spanCount;
    }),
  );
  const total = counts.reduce((a, b) => a + b, 0);
  if (total !== REQUESTS * SPANS_PER_REQUEST) throw new Error(`the receivers hold ${total} spans of run ${RUN_ID} (${counts.join(' + ')}), expected ${REQUESTS * SPANS_PER_REQUEST}`);
  return counts;
}

/** Runs the benchmark and prints both comparisons. */
export async function run(): Promise<BenchOutcome> {
  const binary = otelcolBinaryPath();
  if (!existsSync('/proc/self/stat') || !existsSync(binary)) {
    console.log(`  skipped: ${existsSync(binary) ? 'needs /proc to read process CPU' : `the OpenTelemetry Collector is not built (${binary}): bash scripts/build-otelcol.sh`}`);
    return { missedTargets: [] };
  }
  const ticks = clockTicksPerSecond();
  const bases = await makeStampableBodies(BASE_BODIES);
  const dir = mkdtempSync(path.join(tmpdir(), 'tracecheck-bench-scale-out-'));
  const basesFile = path.join(dir, 'bases.json');
  writeFileSync(basesFile, serializeStampableBodies(bases));
  const plan = { bases, basesFile, runId: RUN_ID, warmUpRequests: WARM_UP_REQUESTS, requests: REQUESTS, senders: SENDERS, inFlightPerSender: IN_FLIGHT_PER_SENDER };
  console.log(
    `  ${REQUESTS.toLocaleString('en-US')} requests of ${SPANS_PER_REQUEST} spans per measurement (the first ${WARM_UP_REQUESTS} untimed), ` +
      `${SENDERS} sender processes, ${IN_FLIGHT_PER_SENDER} requests in flight each; CPU of the receiving processes only`,
  );
  const missed: string[] = [];
  try {
    const serve = await measureServe(plan, ticks);
    const nop = await measureCollectorNop(binary, plan, ticks);
    console.log(`  ingest, spans per CPU second:`);
    console.log(`    tracecheck serve (stores every span)             ${rate(serve.spansPerCpuSecond)}`);
    console.log(`    OpenTelemetry Collector, otlp → nop (baseline)   ${rate(nop.spansPerCpuSecond)}`);
    const ratio = serve.spansPerCpuSecond / nop.spansPerCpuSecond;
    console.log(`  ${ratio >= 1 ? 'ok  ' : 'MISS'} serve / collector: ${ratio.toFixed(2)}x (goal: >= 1, ahead)`);
    if (ratio < 1) missed.push('serve spans per CPU second >= the collector (otlp → nop)');

    console.log(`  the collector hop (shipped config), spans per CPU second end to end (collector + replicas):`);
    console.log(`    direct into one serve (baseline)   ${rate(serve.spansPerCpuSecond)}`);
    const hops: HopFigure[] = [];
    for (const count of [1, 2, 3]) {
      const hop = await measureHop(binary, count, plan, ticks);
      hops.push(hop);
      const perReplica = hop.replicaMicrosPerSpan.map((micros) => micros.toFixed(2)).join(', ');
      console.log(
        `    through the collector, ${count} replica${count === 1 ? ' ' : 's'}  ${rate(hop.spansPerCpuSecond)} ` +
          `(${(serve.spansPerCpuSecond / hop.spansPerCpuSecond).toFixed(2)}x the CPU of direct; collector ${Math.round(hop.collectorCpuShare * 100)}% of it; ` +
          `each replica ${perReplica} µs CPU per span it stored)`,
      );
    }
    const alone = hops[0]?.replicaMicrosPerSpan[0] ?? 0;
    const worst = Math.max(...(hops[2]?.replicaMicrosPerSpan ?? [0]));
    const growth = worst / alone;
    const flat = growth <= MAX_REPLICA_GROWTH;
    console.log(`  ${flat ? 'ok  ' : 'MISS'} replica CPU per span at 3 replicas: ${growth.toFixed(2)}x one replica's (target <= ${MAX_REPLICA_GROWTH}x: flat)`);
    if (!flat) missed.push(`replica CPU per span at 3 replicas <= ${MAX_REPLICA_GROWTH}x one replica's`);
    return { missedTargets: missed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await run();

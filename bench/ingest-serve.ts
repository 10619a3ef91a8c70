/**
 * Sustained ingest into a real `tracecheck serve` process: sender processes (bench/support/serve-sender.ts) post
 * pre-encoded OTLP/protobuf bodies of 512 real-SDK spans over HTTP, several in flight, until the sidecar holds
 * about 1M spans (`--max-memory`/`--max-spans` set so nothing is evicted). The sidecar's own CPU (utime + stime
 * of its process, from /proc/PID/stat) per span is printed beside the in-process ingest path
 * (`createOtlpHttpHandler` + a `SpanStore`, as bench/ingest.ts measures it) fed the very same bodies into one
 * store in this process, in the same run, CPU of this process (all threads) per span.
 *
 * Target (issue 12): the sidecar's CPU per span at most 1.3x the in-process path's. Spans:
 * `TRACECHECK_BENCH_SERVE_SPANS` (default 1,000,000). Linux only (reads /proc); skipped elsewhere.
 * Run with `npm run bench` (or `node bench/run.ts ingest-serve`).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOtlpHttpHandler } from '../src/receiver/index.ts';
import { SpanStore } from '../src/store/index.ts';
import type { BenchOutcome } from './run.ts';
import { BASE_BODIES, SPANS_PER_REQUEST, makeStampableBodies, serializeStampableBodies, stampedBody } from './support/stamped-bodies.ts';
import type { StampableBody } from './support/stamped-bodies.ts';
import { clockTicksPerSecond, exited, lineOf, sendAll } from './support/sender-processes.ts';

const TOTAL_SPANS = Number(process.env.TRACECHECK_BENCH_SERVE_SPANS ?? 1_000_000);
const REQUESTS = Math.ceil(TOTAL_SPANS / SPANS_PER_REQUEST);
/** Requests ingested before the CPU is read, on both sides: the decoder and store get optimised first. */
const WARM_UP_REQUESTS = 16;
const SENDERS = Number(process.env.TRACECHECK_BENCH_SERVE_SENDERS ?? 3);
const IN_FLIGHT_PER_SENDER = Number(process.env.TRACECHECK_BENCH_SERVE_IN_FLIGHT ?? 2);
/** The target: the sidecar's CPU per span at most this many times the in-process path's. */
const MAX_RATIO = 1.3;
/** Bodies stamped at a time for the in-process path, outside its timing. */
const BATCH = 32;
const RUN_ID = 'bench-serve';
/** Extra Node options for the serve process (e.g. `--cpu-prof` to see where its time goes), space-separated. */
const serveNodeArgs = (process.env.TRACECHECK_BENCH_SERVE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

const here = path.dirname(fileURLToPath(import.meta.url));
const cliPath = path.join(here, '..', 'bin', 'tracecheck.js');

interface Measured {
  /** Resident memory of the process holding the spans once all were stored (the serve process only). */
  readonly residentBytes?: number;
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  readonly timedSpans: number;
}

/** Ingest into a `tracecheck serve` child, senders in `SENDERS` child processes; CPU of the serve process only. */
async function measureServe(bases: readonly StampableBody[], basesFile: string, ticksPerSecond: number): Promise<Measured> {
  const serve = spawn(
    process.execPath,
    [...serveNodeArgs, cliPath, 'serve', '--http-port', '0', '--grpc-port', 'off', '--max-spans', String(REQUESTS * SPANS_PER_REQUEST + 1), '--max-memory', '16GiB'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const [, baseUrl] = await lineOf(serve, /listening on (http:\/\/\S+) \(OTLP\/HTTP/);
    const url = `${baseUrl as string}/v1/traces`;
    const plan = { bases, basesFile, url, runId: RUN_ID, warmUpRequests: WARM_UP_REQUESTS, requests: REQUESTS, senders: SENDERS, inFlightPerSender: IN_FLIGHT_PER_SENDER };
    const { cpuSeconds: [cpuSeconds = 0], wallSeconds, timedSpans } = await sendAll(plan, [serve.pid as number], ticksPerSecond);

    const summary = (await (await fetch(`${baseUrl as string}/api/runs/${RUN_ID}`)).json()) as { spanCount: number; evictedSpanCount: number; state: string };
    const expected = REQUESTS * SPANS_PER_REQUEST;
    if (summary.spanCount !== expected || summary.state !== 'live') {
      throw new Error(`serve holds ${summary.spanCount} spans of run ${RUN_ID} (${summary.state}), expected ${expected}`);
    }
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${serve.pid as number}/status`, 'utf8'));
    return { cpuSeconds, wallSeconds, timedSpans, residentBytes: rss === null ? undefined : Number(rss[1]) * 1024 };
  } finally {
    serve.kill('SIGTERM');
    await exited(serve);
  }
}

/** The same bodies through the in-process path into one store; CPU of this process around each batch's ingest. */
async function measureInProcess(bases: readonly StampableBody[]): Promise<Measured & { readonly stored: number }> {
  const store = new SpanStore({ maxSpans: REQUESTS * SPANS_PER_REQUEST + 1, maxMemoryBytes: 16 * 2 ** 30 });
  const handler = createOtlpHttpHandler({ sink: store });
  const ingest = async (body: Uint8Array): Promise<void> => {
    const response = await handler({ method: 'POST', path: '/v1/traces', headers: { 'content-type': 'application/x-protobuf', 'x-test-run-id': RUN_ID }, body });
    if (response.status !== 200) throw new Error(`ingest answered ${response.status}`);
  };
  for (let i = 0; i < WARM_UP_REQUESTS; i++) await ingest(stampedBody(bases, i));
  let cpuMicros = 0;
  let wallMillis = 0;
  for (let first = WARM_UP_REQUESTS; first < REQUESTS; first += BATCH) {
    const bodies: Uint8Array[] = [];
    for (let i = first; i < Math.min(first + BATCH, REQUESTS); i++) bodies.push(stampedBody(bases, i));
    const wallStart = performance.now();
    const cpuStart = process.cpuUsage();
    for (const body of bodies) await ingest(body);
    const cpu = process.cpuUsage(cpuStart);
    wallMillis += performance.now() - wallStart;
    cpuMicros += cpu.user + cpu.system;
  }
  return { cpuSeconds: cpuMicros / 1e6, wallSeconds: wallMillis / 1000, timedSpans: (REQUESTS - WARM_UP_REQUESTS) * SPANS_PER_REQUEST, stored: store.stats().spanCount };
}

/** Runs the benchmark and prints the sidecar's CPU per span beside the in-process path's. */
export async function run(): Promise<BenchOutcome> {
  if (!existsSync('/proc/self/stat')) {
    console.log('  skipped: needs /proc to read the sidecar process CPU');
    return { missedTargets: [] };
  }
  const ticksPerSecond = clockTicksPerSecond();
  const bases = await makeStampableBodies(BASE_BODIES);
  const dir = mkdtempSync(path.join(tmpdir(), 'tracecheck-bench-serve-'));
  const basesFile = path.join(dir, 'bases.json');
  writeFileSync(basesFile, serializeStampableBodies(bases));
  console.log(
    `  ${REQUESTS.toLocaleString('en-US')} requests of ${SPANS_PER_REQUEST} spans (${(REQUESTS * SPANS_PER_REQUEST).toLocaleString('en-US')} retained; ` +
      `the first ${WARM_UP_REQUESTS} untimed), ${BASE_BODIES} real-SDK bodies of ${Math.round((bases[0]?.bytes.length ?? 0) / 1024)} KiB with fresh ids per copy; ` +
      `${SENDERS} sender processes, ${IN_FLIGHT_PER_SENDER} requests in flight each`,
  );
  try {
    const serve = await measureServe(bases, basesFile, ticksPerSecond);
    const inProcess = await measureInProcess(bases);
    if (inProcess.stored !== REQUESTS * SPANS_PER_REQUEST) throw new Error(`in-process store holds ${inProcess.stored} spans`);
    const micros = (m: Measured): string => `${((m.cpuSeconds / m.timedSpans) * 1e6).toFixed(2)} µs CPU per span`;
    const rate = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(9);
    console.log(
      `    tracecheck serve process           ${micros(serve)} (${rate(serve.timedSpans / serve.cpuSeconds)} spans per CPU second; ` +
        `${rate(serve.timedSpans / serve.wallSeconds)} spans/s wall` +
        (serve.residentBytes === undefined ? ')' : `; resident ${Math.round(serve.residentBytes / 2 ** 20).toLocaleString('en-US')} MiB once all were stored)`),
    );
    console.log(
      `    in-process ingest (baseline)       ${micros(inProcess)} (${rate(inProcess.timedSpans / inProcess.cpuSeconds)} spans per CPU second; ` +
        `HTTP handler + store, same bodies, same run)`,
    );
    const ratio = serve.cpuSeconds / serve.timedSpans / (inProcess.cpuSeconds / inProcess.timedSpans);
    const holds = ratio <= MAX_RATIO;
    console.log(`  ${holds ? 'ok  ' : 'MISS'} serve CPU per span: ${ratio.toFixed(2)}x the in-process path (target <= ${MAX_RATIO}x)`);
    return { missedTargets: holds ? [] : [`serve CPU per span <= ${MAX_RATIO}x in-process ingest`] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) await run();

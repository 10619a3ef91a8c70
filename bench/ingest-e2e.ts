/**
 * End-to-end ingest over loopback: concurrent senders push real-SDK 512-span requests to a running collector
 * (`startCollector`) over OTLP/HTTP (protobuf and JSON) and OTLP/gRPC, and the spans/s until every span is
 * stored is printed, beside a baseline measured in the same run on the same bodies: protobufjs reflection `decode`
 * alone (protobuf and gRPC) and `JSON.parse` alone (JSON). No target: it shows what the transports cost on top of
 * the in-process path (bench/ingest.ts). Senders share the process (and the machine's cores) with the collector,
 * as in a test suite.
 */
import * as grpc from '@grpc/grpc-js';
import { otlpProtoRoot } from '../src/otlp/index.ts';
import { traceExportMethodPath } from '../src/receiver/index.ts';
import { startCollector } from '../src/server/index.ts';
import type { BenchOutcome } from './run.ts';
import { SPANS_PER_REQUEST, makeBenchPayloads } from './support/payloads.ts';

const REQUESTS = 48;
/** Requests sent before timing: connections come up and the decoder and store get optimised (as in a long-lived collector). */
const WARM_UP_REQUESTS = 8;
const CONCURRENCY = 4;

/** Sends every body with `CONCURRENCY` requests in flight; resolves when all were answered. */
async function sendAll(bodies: readonly Uint8Array[], send: (body: Uint8Array) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const body = bodies[next++] as Uint8Array;
      await send(body);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

/** Spans per CPU second of `decode` alone over `bodies` (after two untimed passes), the transport's baseline. */
function baselinePerCpuSecond(bodies: readonly Uint8Array[], decode: (body: Uint8Array) => unknown): number {
  for (let pass = 0; pass < 2; pass++) for (const body of bodies) decode(body);
  const start = process.cpuUsage();
  for (const body of bodies) decode(body);
  const cpu = process.cpuUsage(start);
  return (bodies.length * SPANS_PER_REQUEST) / ((cpu.user + cpu.system) / 1e6);
}

/** Runs the loopback benchmark for each transport and prints spans/s (wall clock and per CPU second). */
export async function run(): Promise<BenchOutcome> {
  const payloads = await makeBenchPayloads(REQUESTS);
  const spans = REQUESTS * SPANS_PER_REQUEST;
  console.log(`  ${REQUESTS} requests of ${SPANS_PER_REQUEST} spans per transport (${WARM_UP_REQUESTS} untimed first), ${CONCURRENCY} in flight`);

  const requestType = otlpProtoRoot().lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  const utf8 = new TextDecoder();
  const protobufjsDecode = { name: 'protobufjs decode', decode: (body: Uint8Array) => requestType.decode(body) };
  const jsonParse = { name: 'JSON.parse', decode: (body: Uint8Array) => JSON.parse(utf8.decode(body)) as unknown };
  const baselineOf = { 'http/protobuf': protobufjsDecode, 'http/json': jsonParse, grpc: protobufjsDecode } as const;
  const transports: { name: keyof typeof baselineOf; bodies: Uint8Array[]; sender: (collector: Awaited<ReturnType<typeof startCollector>>, runId: string) => { send: (b: Uint8Array) => Promise<void>; close: () => void } }[] = [
    { name: 'http/protobuf', bodies: payloads.protobuf, sender: (c, runId) => httpSender(`${c.httpUrl}/v1/traces`, 'application/x-protobuf', runId) },
    { name: 'http/json', bodies: payloads.json, sender: (c, runId) => httpSender(`${c.httpUrl}/v1/traces`, 'application/json', runId) },
    { name: 'grpc', bodies: payloads.protobuf, sender: (c, runId) => grpcSender(c.grpcUrl, runId) },
  ];
  for (const transport of transports) {
    const collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
    try {
      const runId = `e2e-${transport.name.replace('/', '-')}`;
      const sender = transport.sender(collector, runId);
      await sendAll(transport.bodies.slice(0, WARM_UP_REQUESTS), sender.send);
      const wallStart = performance.now();
      const cpuStart = process.cpuUsage();
      await sendAll(transport.bodies.slice(WARM_UP_REQUESTS), sender.send);
      const cpu = process.cpuUsage(cpuStart);
      const wallSeconds = (performance.now() - wallStart) / 1000;
      sender.close();
      const stored = collector.run(runId).traces().reduce((n, t) => n + t.spans.length, 0);
      if (stored !== spans) throw new Error(`${transport.name}: stored ${stored} spans, expected ${spans}`);
      const timed = spans - WARM_UP_REQUESTS * SPANS_PER_REQUEST;
      const perCpuSecond = timed / ((cpu.user + cpu.system) / 1e6);
      const baseline = baselineOf[transport.name];
      const baselineRate = baselinePerCpuSecond(transport.bodies.slice(WARM_UP_REQUESTS), baseline.decode);
      console.log(
        `    ${transport.name.padEnd(14)} ${Math.round(timed / wallSeconds).toLocaleString('en-US').padStart(9)} spans/s wall, ` +
          `${Math.round(perCpuSecond).toLocaleString('en-US').padStart(9)} spans per CPU second (senders included); ` +
          `baseline ${baseline.name} alone of the same bodies ${Math.round(baselineRate).toLocaleString('en-US')} spans per CPU second: ` +
          `${(perCpuSecond / baselineRate).toFixed(2)}x`,
      );
    } finally {
      await collector.close();
    }
  }
  return { missedTargets: [] };
}

function httpSender(url: string, contentType: string, runId: string): { send: (b: Uint8Array) => Promise<void>; close: () => void } {
  return {
    send: async (body) => {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType, 'x-test-run-id': runId }, body });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`HTTP export answered ${response.status}`);
    },
    close: () => {},
  };
}

function grpcSender(url: string, runId: string): { send: (b: Uint8Array) => Promise<void>; close: () => void } {
  const client = new grpc.Client(url.replace(/^http:\/\//, ''), grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
  const metadata = new grpc.Metadata();
  metadata.set('x-test-run-id', runId);
  const identity = (b: Buffer): Buffer => b;
  return {
    send: (body) =>
      new Promise((resolve, reject) => {
        client.makeUnaryRequest(traceExportMethodPath, (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength), identity, body, metadata, (error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
    close: () => client.close(),
  };
}

if (import.meta.main) await run();

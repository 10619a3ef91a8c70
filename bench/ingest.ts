/**
 * Ingest benchmark: OTLP export requests of 512 spans (~10 attributes each) made by the real SDK serializers,
 * pushed through the in-process ingest path (the transport-independent HTTP handler + decoder + store), beside
 * baselines measured in the same run: protobufjs reflection `decode` alone and `JSON.parse` alone.
 *
 * Targets (issue 12): protobuf ingest >= 1.0x protobufjs decode-only; JSON ingest >= 1.0x JSON.parse; retained
 * heap <= 615 bytes per stored span, the OTLP protobuf wire size of the bench span. Run with `npm run bench` (or `node bench/run.ts ingest`).
 */
import { decodeExportRequestJson, decodeExportRequestProtobuf, otlpProtoRoot } from '../src/otlp/index.ts';
import type { OtlpEncoding } from '../src/otlp/index.ts';
import { createOtlpHttpHandler } from '../src/receiver/index.ts';
import { SpanStore } from '../src/store/index.ts';
import type { BenchOutcome } from './run.ts';
import { compareRates, formatRate, reportRatio } from './support/measure.ts';
import { SPANS_PER_REQUEST, makeBenchPayloads } from './support/payloads.ts';

/** Distinct requests, so the store sees new spans rather than duplicates within a round. */
const REQUESTS = 12;

const utf8 = new TextDecoder();
/** The bound on retained heap per stored span: the bench span's OTLP/protobuf wire size (615 bytes). */
const RETAINED_BYTES_TARGET = 615;
const contentTypes: Record<OtlpEncoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** Runs the ingest benchmark and prints spans/s, ratios against the baselines, and retained heap per span. */
export async function run(): Promise<BenchOutcome> {
  const payloads = await makeBenchPayloads(REQUESTS);
  const spansPerRound = SPANS_PER_REQUEST * REQUESTS;
  const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;
  console.log(`  ${REQUESTS} distinct requests of ${SPANS_PER_REQUEST} spans; protobuf ${kib(payloads.protobuf[0]?.length ?? 0)}, JSON ${kib(payloads.json[0]?.length ?? 0)} each`);

  const requestType = otlpProtoRoot().lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  const jsonTexts = payloads.json.map((b) => new TextDecoder().decode(b));

  const ingestRound = async (encoding: OtlpEncoding): Promise<SpanStore> => {
    const store = new SpanStore({ maxSpans: 10_000_000 });
    const handler = createOtlpHttpHandler({ sink: store });
    for (const body of payloads[encoding]) {
      const response = await handler({ method: 'POST', path: '/v1/traces', headers: { 'content-type': contentTypes[encoding], 'x-test-run-id': 'bench-run' }, body });
      if (response.status !== 200) throw new Error(`ingest answered ${response.status}: ${new TextDecoder().decode(response.body)}`);
    }
    return store;
  };

  // Sanity: every span ends up stored, so the rate below is the rate of real ingest.
  for (const encoding of ['protobuf', 'json'] as const) {
    const stored = (await ingestRound(encoding)).stats().spanCount;
    if (stored !== spansPerRound) throw new Error(`${encoding}: stored ${stored} spans, expected ${spansPerRound}`);
  }

  const protobuf = await compareRates(spansPerRound, {
    protobufjs: () => {
      for (const body of payloads.protobuf) requestType.decode(body);
    },
    decode: () => {
      for (const body of payloads.protobuf) decodeExportRequestProtobuf(body);
    },
    ingest: () => ingestRound('protobuf'),
  });
  const json = await compareRates(spansPerRound, {
    jsonParse: () => {
      for (const text of jsonTexts) JSON.parse(text);
    },
    jsonParseBytes: () => {
      for (const body of payloads.json) JSON.parse(utf8.decode(body));
    },
    decode: () => {
      for (const body of payloads.json) decodeExportRequestJson(body);
    },
    ingest: () => ingestRound('json'),
  });

  // The same JSON comparison without the full collection before each trial. The strict figure above is the
  // target: a full GC is what a long-running collector meets, and it used to cost the JS decoder its optimised
  // code (V8 dropped it when the maps it embedded died, "embedded weak objects cleared"; see
  // src/v8-shapes.ts). Without the collection each trial also pays for garbage the previous contender
  // left, which burdens JSON.parse (the allocator of the biggest tree) more: read this figure as informational.
  // protobufjs is JavaScript too: the GC before each trial costs it its optimised code, as it did ours, so its
  // strict figure is below its steady state; the ratio without the collection is shown beside the strict one.
  const protobufNoGc = await compareRates(
    spansPerRound,
    {
      protobufjs: () => {
        for (const body of payloads.protobuf) requestType.decode(body);
      },
      ingest: () => ingestRound('protobuf'),
    },
    { collectBetweenTrials: false },
  );
  const jsonNoGc = await compareRates(
    spansPerRound,
    {
      jsonParse: () => {
        for (const text of jsonTexts) JSON.parse(text);
      },
      decode: () => {
        for (const body of payloads.json) decodeExportRequestJson(body);
      },
      ingest: () => ingestRound('json'),
    },
    { collectBetweenTrials: false },
  );

  console.log('  protobuf (spans per CPU second, median of interleaved trials)');
  console.log(`    protobufjs reflection decode (baseline)    ${formatRate(protobuf.protobufjs)}`);
  console.log(`    tracecheck decode only                     ${formatRate(protobuf.decode)}`);
  console.log(`    tracecheck ingest (HTTP handler + store)   ${formatRate(protobuf.ingest)}`);
  console.log('  json');
  console.log(`    JSON.parse of the body text (baseline)     ${formatRate(json.jsonParse)}`);
  console.log(`    JSON.parse incl. UTF-8 decode of the body  ${formatRate(json.jsonParseBytes)}`);
  console.log(`    tracecheck decode only                     ${formatRate(json.decode)}`);
  console.log(`    tracecheck ingest (HTTP handler + store)   ${formatRate(json.ingest)}`);

  const missedTargets: string[] = [];
  reportRatio('protobuf decode only', protobuf.decode, protobuf.protobufjs, 'protobufjs decode', 1.0);
  if (!reportRatio('protobuf ingest', protobuf.ingest, protobuf.protobufjs, 'protobufjs decode', 1.0)) missedTargets.push('protobuf ingest >= 1.0x protobufjs decode');
  reportRatio('JSON decode only', json.decode, json.jsonParse, 'JSON.parse', 1.0);
  if (!reportRatio('JSON ingest', json.ingest, json.jsonParse, 'JSON.parse', 1.0)) missedTargets.push('JSON ingest >= 1.0x JSON.parse');
  console.log('  without a full GC before each trial (informational):');
  reportRatio('JSON decode only', jsonNoGc.decode, jsonNoGc.jsonParse, 'JSON.parse', 1.0);
  reportRatio('JSON ingest', jsonNoGc.ingest, jsonNoGc.jsonParse, 'JSON.parse', 1.0);
  reportRatio('protobuf ingest', protobufNoGc.ingest, protobufNoGc.protobufjs, 'protobufjs decode', 1.0);

  const gc = (globalThis as { gc?: () => void }).gc;
  // Retained heap: what the store holds per span after a full collection (decoded spans, traces, indexes),
  // against the bench span's size on the wire in OTLP/protobuf (the target: no more than its encoding).
  const wireBytesPerSpan = Math.round(payloads.protobuf.reduce((n, b) => n + b.length, 0) / spansPerRound);
  if (gc === undefined) {
    console.log('  retained heap: skipped (run through bench/run.ts, which adds --expose-gc)');
  } else {
    for (const encoding of ['protobuf', 'json'] as const) {
      const perSpan = await retainedBytesPerSpan(gc, () => ingestRound(encoding));
      const holds = perSpan <= RETAINED_BYTES_TARGET;
      console.log(
        `  ${holds ? 'ok  ' : 'MISS'} retained heap, ${encoding}: ${perSpan.toFixed(0)} bytes/span; ` +
          `baseline: the span's OTLP/protobuf size in this run's bodies, ${wireBytesPerSpan} bytes (target <= ${RETAINED_BYTES_TARGET})`,
      );
      if (!holds) missedTargets.push(`retained heap (${encoding}) <= ${RETAINED_BYTES_TARGET} bytes/span`);
    }
  }
  return { missedTargets };
}

/**
 * Heap growth per stored span across one ingest round, after full collections. Its own function so the store it
 * measures is unreachable once it returns (an async function's locals outlive their loop iteration).
 */
async function retainedBytesPerSpan(gc: () => void, ingest: () => Promise<SpanStore>): Promise<number> {
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const store = await ingest();
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  return (after - before) / store.stats().spanCount;
}

if (import.meta.main) await run();

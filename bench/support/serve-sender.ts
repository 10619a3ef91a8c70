/**
 * A sender process of bench/ingest-serve.ts: posts stamped OTLP/protobuf bodies (see stamped-bodies.ts) to a
 * `tracecheck serve` over HTTP with several requests in flight, and exits 0 once every one was answered 200.
 *
 * Usage: `node bench/support/serve-sender.ts BASES_FILE URL RUN_ID FIRST COUNT STRIDE IN_FLIGHT`: bodies FIRST,
 * FIRST + STRIDE, ... (COUNT of them) of the stream stamped from the base bodies in BASES_FILE (written by
 * `serializeStampableBodies`), so several senders share one stream without overlap, and the benchmark's in-process
 * baseline ingests the very same bodies. Prints `ready` once loaded, and waits for a line on stdin to start.
 */
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { otlpProtoRoot } from '../../src/otlp/index.ts';
import { parseStampableBodies, stampedBody } from './stamped-bodies.ts';

const [basesFile, url, runId, firstText, countText, strideText, inFlightText] = process.argv.slice(2);
if (basesFile === undefined || url === undefined || runId === undefined || inFlightText === undefined) throw new Error('usage: serve-sender.ts BASES_FILE URL RUN_ID FIRST COUNT STRIDE IN_FLIGHT');
const first = Number(firstText);
const count = Number(countText);
const stride = Number(strideText);
const responseType = otlpProtoRoot().lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
const bases = parseStampableBodies(readFileSync(basesFile, 'utf8'));
console.log('ready');
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));

let sent = 0;
const worker = async (): Promise<void> => {
  while (sent < count) {
    const body = stampedBody(bases, first + stride * sent++);
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'x-test-run-id': runId }, body });
    const answer = new Uint8Array(await response.arrayBuffer());
    // tracecheck answers an empty body when it kept every span; the collector an empty partial_success.
    const rejected = answer.length === 0 ? 0 : Number((responseType.decode(answer) as { partialSuccess?: { rejectedSpans?: number } }).partialSuccess?.rejectedSpans ?? 0);
    if (response.status !== 200 || rejected > 0) throw new Error(`export answered ${response.status}: ${Buffer.from(answer).toString('utf8').slice(0, 200)}`);
  }
};
await Promise.all(Array.from({ length: Number(inFlightText) }, worker));
process.exit(0);

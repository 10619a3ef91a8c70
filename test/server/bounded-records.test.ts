// The sidecar keeps no record it does not need: unknown-run queries leave nothing, run ids are checked at every
// entry, late spans of an evicted run are refused through OTLP partial success, and stream readers are
// backpressured. Everything goes through real sockets: fetch, node:http, grpc-js and the SDK's serializers.
import { get as httpGet } from 'node:http';
import type { IncomingMessage } from 'node:http';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { startCollector } from '../../src/server/index.ts';
import type { Collector, CollectorOptions } from '../../src/server/index.ts';
import { makeSdkSpans, sdkExportRequestBytes } from '../support/sdk-traces.ts';
import { rawGrpcExport } from '../receiver/raw-grpc-client.ts';
import { readExportResponse, readRpcStatus } from '../receiver/fixtures.ts';

const collectors: Collector[] = [];
afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.close()));
});

async function collector(options: CollectorOptions = {}): Promise<Collector> {
  const started = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0, log: () => {}, ...options });
  collectors.push(started);
  return started;
}

async function post(url: string, body: Uint8Array, headers: Record<string, string>, encoding: 'protobuf' | 'json' = 'protobuf') {
  const response = await fetch(`${url}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json', ...headers },
    body,
  });
  return { status: response.status, body: new Uint8Array(await response.arrayBuffer()) };
}

const oneSpan = async (name = 'op', attributes: Record<string, string> = {}) => sdkExportRequestBytes(await makeSdkSpans([{ name, attributes }]), 'protobuf');

describe('records of unknown and evicted runs are bounded', () => {
  it('500 queries for unknown run ids leave no run behind', async () => {
    const c = await collector();
    await post(c.httpUrl, await oneSpan(), { 'x-test-run-id': 'real-1' });
    for (let i = 0; i < 500; i++) {
      const path = i % 2 === 0 ? `/api/runs/typo-${i}/settled?quietMillis=0&timeoutMillis=0` : `/api/runs/typo-${i}/traces`;
      const response = await fetch(`${c.httpUrl}${path}`);
      expect(response.status).toBe(i % 2 === 0 ? 200 : 404);
      await response.arrayBuffer();
    }
    const listed = (await (await fetch(`${c.httpUrl}/api/runs`)).json()) as { runs: { id: string }[] };
    expect(listed.runs.map((run) => run.id)).toEqual(['real-1']);
    expect(c.store.stats().runCount).toBe(1);
  });

  it('a settle query still waits for a run whose spans are in flight, and the run stays once they land', async () => {
    const c = await collector();
    const body = await oneSpan();
    // Quiet for 3 s counts from the call: ample for one local export to land in, on a loaded machine.
    const waiting = fetch(`${c.httpUrl}/api/runs/late-1/settled?quietMillis=3000&timeoutMillis=20000`).then((r) => r.json());
    // The waiting query made the run; the span lands in it.
    await expect.poll(() => c.store.stats().runCount).toBe(1);
    await post(c.httpUrl, body, { 'x-test-run-id': 'late-1' });
    expect(await waiting).toMatchObject({ runId: 'late-1', settled: true, spanCount: 1 });
    expect(c.store.stats().runCount).toBe(1);
  });

  it('a stream for an unknown run is forgotten when its reader leaves', async () => {
    const c = await collector();
    const controller = new AbortController();
    const response = await fetch(`${c.httpUrl}/api/runs/nobody/stream`, { signal: controller.signal });
    const reader = response.body?.getReader();
    expect(new TextDecoder().decode((await reader?.read())?.value)).toMatch(/^event: spans\n/);
    expect(c.store.stats().runCount).toBe(1);
    controller.abort();
    await expect.poll(() => c.store.stats().runCount).toBe(0);
  });

  it('late spans of an evicted run get a partial-success rejection with a message, over HTTP and gRPC', async () => {
    const c = await collector({ maxSpans: 1 });
    await post(c.httpUrl, await oneSpan(), { 'x-test-run-id': 'old' });
    await post(c.httpUrl, await oneSpan(), { 'x-test-run-id': 'new' });
    expect(c.run('old').state).toBe('evicted');

    const http = await post(c.httpUrl, await oneSpan('late'), { 'x-test-run-id': 'old' });
    expect(http.status).toBe(200);
    const answer = readExportResponse('protobuf', http.body);
    expect(Number(answer.partialSuccess?.rejectedSpans)).toBe(1);
    expect(answer.partialSuccess?.errorMessage).toMatch(/run "old" refused: the run was evicted/);

    const json = await post(c.httpUrl, sdkExportRequestBytes(await makeSdkSpans([{ name: 'late' }]), 'json'), { 'x-test-run-id': 'old' }, 'json');
    expect(JSON.parse(new TextDecoder().decode(json.body))).toMatchObject({ partialSuccess: { rejectedSpans: '1', errorMessage: expect.stringMatching(/evicted/) } });

    const grpc = await rawGrpcExport(c.grpcUrl, await oneSpan('late'), { metadata: { 'x-test-run-id': 'old' } });
    expect(grpc.error).toBeNull();
    const grpcAnswer = readExportResponse('protobuf', grpc.response as Uint8Array);
    expect(Number(grpcAnswer.partialSuccess?.rejectedSpans)).toBe(1);
    expect(grpcAnswer.partialSuccess?.errorMessage).toMatch(/evicted/);
  });
});

describe('run ids are checked at every entry point', () => {
  const unusable = ['x'.repeat(300), 'has space', 'tab\there'];

  it.each(unusable.map((id) => [id.slice(0, 12), id]))('the x-test-run-id header %j is refused with 400 INVALID_ARGUMENT, storing nothing', async (_label, id) => {
    const c = await collector();
    const answer = await post(c.httpUrl, await oneSpan(), { 'x-test-run-id': id });
    expect(answer.status).toBe(400);
    expect(readRpcStatus('protobuf', answer.body)).toEqual({ code: 3, message: expect.stringMatching(/TC_RUN_ID_INVALID: the request's run id \(\d+ characters, ".*"\) is not usable/) });
    expect(c.store.stats()).toMatchObject({ runCount: 0, spanCount: 0, unclaimedSpanCount: 0 });
  });

  it('gRPC metadata with an unusable run id gets INVALID_ARGUMENT', async () => {
    const c = await collector();
    const { error } = await rawGrpcExport(c.grpcUrl, await oneSpan(), { metadata: { 'x-test-run-id': 'x'.repeat(300) } });
    expect(error?.code).toBe(3);
    expect(error?.details).toMatch(/TC_RUN_ID_INVALID/);
    expect(c.store.stats().runCount).toBe(0);
  });

  it('a span whose test.run.id attribute is unusable is rejected alone, through partial success', async () => {
    const c = await collector();
    const spans = await makeSdkSpans([{ name: 'bad', attributes: { 'test.run.id': 'x'.repeat(257) } }, { name: 'good', attributes: { 'test.run.id': 'ok-1' } }]);
    const answer = await post(c.httpUrl, sdkExportRequestBytes(spans, 'protobuf'), {});
    expect(answer.status).toBe(200);
    const decoded = readExportResponse('protobuf', answer.body);
    expect(Number(decoded.partialSuccess?.rejectedSpans)).toBe(1);
    expect(decoded.partialSuccess?.errorMessage).toMatch(/run id they carry .* is not usable/);
    expect(c.run('ok-1').spans().map((s) => s.name)).toEqual(['good']);
  });

  it.each([
    ['too long', `/api/runs/${'x'.repeat(257)}/settled?timeoutMillis=0`],
    ['a newline', '/api/runs/a%0Ab/traces'],
    ['a space', '/api/runs/a%20b/stream'],
    ['nothing', '/api/runs//traces'],
  ])('the query API answers 400 for a run id with %s', async (_label, path) => {
    const c = await collector();
    const response = await fetch(`${c.httpUrl}${path}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/^TC_RUN_ID_INVALID: run id in the path/);
    expect(c.store.stats().runCount).toBe(0);
  });
});

describe('stream readers are backpressured', () => {
  /** Opens a stream and stops reading at once; the socket fills, and the server must stop writing. */
  async function stalledReader(url: string): Promise<IncomingMessage> {
    const request = httpGet(url);
    const [response] = (await once(request, 'response')) as [IncomingMessage];
    response.pause();
    return response;
  }

  it('a reader that falls behind the bounded buffer is closed with a final event saying why', async () => {
    const c = await collector({ maxStreamBufferBytes: 256 * 1024 });
    const reader = await stalledReader(`${c.httpUrl}/api/runs/flood/stream`);
    // 40 exports of 1 MiB: far more than the socket buffers and the 256 KiB the reader may fall behind.
    const big = 'y'.repeat(256 * 1024);
    for (let i = 0; i < 40; i++) {
      const spans = await makeSdkSpans([0, 1, 2, 3].map((n) => ({ name: `op-${i}-${n}`, attributes: { big } })));
      expect((await post(c.httpUrl, sdkExportRequestBytes(spans, 'protobuf'), { 'x-test-run-id': 'flood' })).status).toBe(200);
    }
    reader.setEncoding('utf8');
    let text = '';
    reader.on('data', (chunk: string) => (text += chunk));
    reader.resume();
    await once(reader, 'end');
    const events = text.split('\n\n').filter((e) => e !== '');
    const last = events.at(-1) ?? '';
    expect(last).toMatch(/^event: end\ndata: /);
    expect(JSON.parse(last.slice(last.indexOf('data: ') + 6))).toMatchObject({ state: 'live', reason: 'reader-behind', message: expect.stringMatching(/fell more than 262144 bytes behind/) });
    // It was cut: it did not get all 160 spans (40 MiB) the run holds.
    expect(text.length).toBeLessThan(30 * 1024 * 1024);
    expect(c.run('flood').spans()).toHaveLength(160);
  });
});

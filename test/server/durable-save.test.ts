// `tracecheck serve --save` is durable (issue 12): an export is acknowledged only once its line is written, a
// write that fails or a file that falls behind answers 503 / UNAVAILABLE with a retry hint, lines carry their run,
// files rotate by size, and `check` reads what a crash leaves. Every test drives the real executable.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { ExportResultCode } from '@opentelemetry/core';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeExportRequestJson, otlpProtoRoot } from '../../src/otlp/index.ts';
import { rawGrpcExport } from '../receiver/raw-grpc-client.ts';
import { makeSdkSpans, sdkExportRequestBytes } from '../support/sdk-traces.ts';
import { spawnNode, type Child } from './child-processes.ts';
import { exportVia } from './exporters.ts';
import { scrape, valueOf } from './sidecar-support.ts';

const bin = fileURLToPath(new URL('../../bin/tracecheck.js', import.meta.url));
const ackExporter = fileURLToPath(new URL('./fixtures/ack-exporter.ts', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tracecheck-durable-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const SERVER_ROOTS_SPEC = `name: orders
expect:
  - name: every export's trace has its server root
    spans: '{ kind = server }'
`;
const specFile = join(scratch, 'orders.yaml');
writeFileSync(specFile, SERVER_ROOTS_SPEC);

async function startServe(args: readonly string[]): Promise<{ serve: Child; httpUrl: string; grpcUrl: string | undefined }> {
  const serve = spawnNode([bin, 'serve', '--http-port', '0', ...args]);
  const [, httpUrl] = await serve.waitFor(/listening on (http:\/\/\S+) \(OTLP\/HTTP/);
  const grpcUrl = args.includes('off') ? undefined : (await serve.waitFor(/listening on (http:\/\/\S+) \(OTLP\/gRPC/))[1];
  return { serve, httpUrl: httpUrl as string, grpcUrl };
}

/** Span ids of every complete line of saved files (a torn last line is left out, as `check` leaves it out). */
function savedSpanIds(files: readonly string[]): Set<string> {
  const ids = new Set<string>();
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const decoded = decodeExportRequestJson(line);
      if (line === '' || !decoded.ok) continue;
      for (const span of decoded.value.spans) ids.add(span.spanId);
    }
  }
  return ids;
}

/** An OTLP/JSON export request made by the real SDK serializer: one server span with an attribute of `padBytes`. */
/** Scrapes `/metrics` until `tracecheck_save_pending_bytes` reaches `bytes` (each scrape a round trip), or throws at the deadline. */
async function untilSavePending(httpUrl: string, bytes: number, timeoutMillis = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  for (;;) {
    const pending = valueOf(await scrape(httpUrl), 'tracecheck_save_pending_bytes');
    if (pending >= bytes) return;
    if (Date.now() > deadline) throw new Error(`tracecheck_save_pending_bytes is ${pending}, not ${bytes}, after ${timeoutMillis} ms`);
  }
}

async function jsonExport(name: string, padBytes = 0): Promise<Uint8Array> {
  const spans = await makeSdkSpans([{ name, kind: 'server', service: 'web', attributes: { pad: 'x'.repeat(padBytes) } }]);
  return sdkExportRequestBytes(spans, 'json');
}

function post(url: string, body: Uint8Array, runId = 'run-1'): Promise<Response> {
  return fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-test-run-id': runId }, body });
}

function check(args: readonly string[]): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [bin, 'check', '--specs', specFile, ...args], { cwd: scratch, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout, stderr: '' };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { code: failed.status, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('serve --save: acknowledged means saved', () => {
  it('keeps every span acknowledged before a kill -9 during concurrent real exports, and check judges the file', async () => {
    const saveFile = join(scratch, 'killed.jsonl');
    const { serve, httpUrl, grpcUrl } = await startServe(['--grpc-port', '0', '--save', saveFile]);
    const exporters = [
      ['http/protobuf', httpUrl, 'durable-a'],
      ['grpc', grpcUrl as string, 'durable-b'],
      ['http/protobuf', httpUrl, 'durable-b'],
      ['grpc', grpcUrl as string, 'durable-a'],
    ].map(([transport, url, runId]) => spawnNode([ackExporter, transport as string, url as string, runId as string, '200']));
    try {
      // Kill once every exporter has had exports acknowledged; they keep exporting, so exports are in flight.
      await Promise.all(exporters.map((exporter) => exporter.waitFor(/(?:acked [^\n]*\n[^]*){5}/, 30_000)));
      serve.process.kill('SIGKILL');
      expect(await serve.exited).toBe('SIGKILL');
      // Every exporter must hear of the dead sidecar, so every acknowledgement it received is printed.
      await Promise.all(exporters.map((exporter) => exporter.waitFor(/failed /, 60_000)));
    } finally {
      for (const exporter of exporters) exporter.process.kill('SIGKILL');
    }
    const acked = exporters.flatMap((exporter) => [...exporter.stdout.matchAll(/^acked (\S+)$/gm)].flatMap((m) => (m[1] as string).split(',')));
    expect(acked.length).toBeGreaterThanOrEqual(4 * 5 * 200);
    const saved = savedSpanIds([saveFile]);
    const missing = acked.filter((id) => !saved.has(id));
    expect(missing, `${missing.length} of ${acked.length} acknowledged spans are not in the save file`).toEqual([]);

    for (const run of ['durable-a', 'durable-b']) {
      const judged = check(['--traces', saveFile, '--run', run]);
      expect(judged.code, judged.stderr).toBe(0);
    }
    // Two runs went through one sidecar: the file tells them apart.
    const both = check(['--traces', saveFile]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/hold 2 runs \(.*durable-a: \d+ traces.*durable-b: \d+ traces|hold 2 runs \(.*durable-b: \d+ traces.*durable-a: \d+ traces/);
  }, 120_000);

  it('answers 503 with Retry-After over HTTP and UNAVAILABLE with RetryInfo over gRPC when the write fails, keeps nothing, and exits 3', async () => {
    const { serve, httpUrl, grpcUrl } = await startServe(['--grpc-port', '0', '--save', '/dev/full']);
    try {
      const answer = await post(httpUrl, await jsonExport('GET /full'));
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toMatch(/^\d+$/);
      const status = (await answer.json()) as { code: number; message: string; details: { '@type': string; retryDelay: string }[] };
      expect(status).toMatchObject({ code: 14, details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo' }] });
      expect(status.message).toMatch(/ENOSPC.*nothing of this export was kept/);

      const spans = await makeSdkSpans([{ name: 'GET /full', kind: 'server' }]);
      const call = await rawGrpcExport(grpcUrl as string, sdkExportRequestBytes(spans, 'protobuf'), { metadata: { 'x-test-run-id': 'run-1' } });
      expect(call.error?.code).toBe(grpc.status.UNAVAILABLE);
      const details = call.error?.metadata.get('grpc-status-details-bin')[0];
      expect(details).toBeInstanceOf(Buffer);
      const root = otlpProtoRoot();
      const rpcStatus = root.lookupType('google.rpc.Status').decode(details as Buffer) as unknown as { code: number; details: { type_url: string; value: Uint8Array }[] };
      expect(rpcStatus.code).toBe(14);
      expect(rpcStatus.details[0]?.type_url).toBe('type.googleapis.com/google.rpc.RetryInfo');
      const retryInfo = root.lookupType('google.rpc.RetryInfo').decode(rpcStatus.details[0]?.value as Uint8Array).toJSON();
      expect(Number(retryInfo['retryDelay']?.seconds)).toBeGreaterThan(0);

      // Nothing unsaved is held either.
      const runs = (await (await fetch(`${httpUrl}/api/runs`)).json()) as { runs: unknown[] };
      expect(runs.runs).toEqual([]);
    } finally {
      serve.process.kill('SIGTERM');
    }
    expect(await serve.exited).toBe(3);
    expect(serve.stderr).toMatch(/2 exports could not be written to \/dev\/full \(answered 503, not kept\); last error: ENOSPC/);
  });

  it('refuses exports with 503 once a stalled file has --save-max-pending-bytes waiting, instead of buffering them', async () => {
    const fifo = join(scratch, 'stalled.fifo');
    execFileSync('mkfifo', [fifo]);
    // A reader that never reads: the pipe fills and the sidecar's write blocks, as on a hung disk.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const { serve, httpUrl } = await startServe(['--grpc-port', 'off', '--save', fifo, '--save-max-pending-bytes', '1000000']);
    const body = await jsonExport('GET /big', 300_000);
    // Sent together: three exports of ~300 kB fit under the bound (they wait, unanswered), every other one is
    // refused at once, whatever order they arrive in.
    const refused: Response[] = [];
    let allRefused: () => void = () => {};
    const sixtyRefused = new Promise<void>((resolve) => (allRefused = resolve));
    const answers = Array.from({ length: 63 }, () =>
      post(httpUrl, body).then((answer) => {
        if (answer.status === 503) refused.push(answer);
        if (refused.length === 60) allRefused();
        return answer;
      }),
    );
    try {
      await sixtyRefused;
      expect(refused[0]?.headers.get('retry-after')).toBe('1');
      expect(await refused[0]?.text()).toMatch(/bytes are waiting to be written to .*stalled\.fifo \(limit 1000000\)/);
      // 60 refused exports of 300 kB (18 MB) were not buffered: the sidecar stays far below that above its baseline.
      const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${serve.process.pid}/status`, 'utf8'))?.[1]);
      expect(rssKiB).toBeLessThan(200 * 1024);
    } finally {
      // The reader goes: the blocked write fails (EPIPE), its exports are answered 503, and the sidecar can stop.
      closeSync(reader);
    }
    const waited = await Promise.all(answers);
    expect(waited.map((r) => r.status)).toEqual(Array(63).fill(503));
    serve.process.kill('SIGTERM');
    expect(await serve.exited).toBe(3);
    expect(serve.stdout).toMatch(/60 exports were answered 503 while .*stalled\.fifo was behind/);
  });

  it("makes a real exporter retry: an export refused while the file is behind lands once it catches up", async () => {
    const fifo = join(scratch, 'catching-up.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const { serve, httpUrl } = await startServe(['--grpc-port', 'off', '--save', fifo, '--save-max-pending-bytes', '100000']);
    try {
      // A large export is being written and blocks on the full pipe: everything after it is over the bound.
      const blocked = post(httpUrl, await jsonExport('GET /large', 300_000));
      // Only once the sidecar has taken it (its bytes wait to be written) is the next export over the bound.
      await untilSavePending(httpUrl, 300_000);
      const spans = await makeSdkSpans([{ name: 'GET /retried', kind: 'server', service: 'web' }]);
      const exported = exportVia('http/protobuf', httpUrl, spans, { headers: { 'x-test-run-id': 'retried-1' } });
      // The sidecar refused it (it logs the first refusal); now the disk catches up.
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (!/answered 503 \/ UNAVAILABLE/.test(serve.stderr)) return;
          serve.process.stderr.off('data', check);
          resolve();
        };
        serve.process.stderr.on('data', check);
        check();
      });
      const drain = spawn('cat', [fifo], { stdio: ['ignore', 'ignore', 'inherit'] });
      closeSync(reader);
      expect((await blocked).status).toBe(200);
      expect((await exported).code).toBe(ExportResultCode.SUCCESS);
      const held = (await (await fetch(`${httpUrl}/api/runs/retried-1`)).json()) as { spanCount: number };
      expect(held.spanCount).toBe(1);
      drain.kill('SIGTERM');
    } finally {
      serve.process.kill('SIGTERM');
    }
    expect(await serve.exited).toBe(0);
    expect(serve.stderr).toMatch(/saving works again; 1 exports were refused meanwhile/);
  });

  it('rotates the file by size into FILE.1, FILE.2, ..., and check reads the set', async () => {
    const saveFile = join(scratch, 'rotating.jsonl');
    const { serve, httpUrl } = await startServe(['--grpc-port', 'off', '--save', saveFile, '--save-max-bytes', '10000', '--save-fsync']);
    const names: string[] = [];
    try {
      await serve.waitFor(/saving exports to .* \(fsync\)/);
      for (let i = 0; i < 12; i++) {
        names.push(`GET /page-${i}`);
        expect((await post(httpUrl, await jsonExport(`GET /page-${i}`, 2_000), 'rotated')).status).toBe(200);
      }
    } finally {
      serve.process.kill('SIGTERM');
    }
    expect(await serve.exited).toBe(0);
    const files = readdirSync(scratch).filter((f) => f.startsWith('rotating.jsonl')).sort();
    expect(files.length).toBeGreaterThanOrEqual(3);
    expect(files).toContain('rotating.jsonl.1');
    for (const file of files) expect(statSync(join(scratch, file)).size).toBeLessThanOrEqual(10_000);
    const paths = files.map((f) => join(scratch, f));
    const saved = [...savedSpanIds(paths)];
    expect(saved).toHaveLength(12);
    const judged = check(['--traces', ...paths, '--run', 'rotated', '--reporter', 'json']);
    expect(judged.code, judged.stderr).toBe(0);
    expect(JSON.parse(judged.stdout)).toMatchObject({ spanCount: 12 });
  });
});

describe('check over a file a crash cut', () => {
  const lines = async (): Promise<string[]> => {
    const spans = await makeSdkSpans([{ name: 'GET /a', kind: 'server' }]);
    const line = (runId: string): string => `{"runId":"${runId}",${new TextDecoder().decode(sdkExportRequestBytes(spans, 'json')).slice(1)}`;
    return [line('cut-1'), line('cut-1')];
  };

  it('skips a torn last line with a warning and judges the rest', async () => {
    const [first, second] = await lines();
    const file = join(scratch, 'torn-last.jsonl');
    writeFileSync(file, `${first}\n${(second as string).slice(0, 40)}`);
    const judged = check(['--traces', file, '--run', 'cut-1']);
    expect(judged.code, judged.stderr).toBe(0);
    const warned = spawnNode([bin, 'check', '--specs', specFile, '--traces', file]);
    expect(await warned.exited).toBe(0);
    expect(warned.stderr).toMatch(/torn-last\.jsonl:2: skipped a torn last line \(40 characters, no newline/);
  });

  it('still refuses a torn line in the middle, with file:line', async () => {
    const [first, second] = await lines();
    const file = join(scratch, 'torn-middle.jsonl');
    writeFileSync(file, `${(first as string).slice(0, 40)}\n${second}\n`);
    const judged = check(['--traces', file]);
    expect(judged.code).toBe(2);
    expect(judged.stderr).toMatch(/torn-middle\.jsonl:1: /);
    expect(judged.stderr).toMatch(/nothing was judged/);
  });

  it('reads files saved before lines carried a run id', async () => {
    const spans = await makeSdkSpans([{ name: 'GET /old', kind: 'server' }]);
    const file = join(scratch, 'old.jsonl');
    writeFileSync(file, `${new TextDecoder().decode(sdkExportRequestBytes(spans, 'json'))}\n`);
    expect(check(['--traces', file]).code).toBe(0);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExportResultCode } from '@opentelemetry/core';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import type { CliIo } from '../../src/cli/cli-io.ts';
import { decodeExportRequestJson } from '../../src/otlp/index.ts';
import type { TraceJson } from '../../src/server/index.ts';
import { makeSdkSpans } from '../support/sdk-traces.ts';
import { spawnNode } from './child-processes.ts';
import { exportVia } from './exporters.ts';

const bin = fileURLToPath(new URL('../../bin/tracecheck.js', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tracecheck-serve-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function captureIo(): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: { write: (text: string) => (io.out += text) },
    stderr: { write: (text: string) => (io.err += text) },
    env: process.env,
    cwd: scratch,
  };
  return io;
}

describe('tracecheck serve', () => {
  it('runs as a real process: listens, takes real exports, answers queries, saves, and stops on SIGTERM', async () => {
    const saveFile = join(scratch, 'saved.jsonl');
    const serve = spawnNode([bin, 'serve', '--http-port', '0', '--grpc-port', '0', '--auth-token', 'tok', '--save', saveFile]);
    try {
      const [, httpUrl] = await serve.waitFor(/listening on (http:\/\/\S+) \(OTLP\/HTTP/);
      const [, grpcUrl] = await serve.waitFor(/listening on (http:\/\/\S+) \(OTLP\/gRPC/);
      const headers = { authorization: 'Bearer tok', 'x-test-run-id': 'ci-7' };
      const spans = await makeSdkSpans([
        { ref: 'a', name: 'GET /', kind: 'server', service: 'web' },
        { parent: 'a', name: 'query', kind: 'client', service: 'web' },
      ]);
      expect((await exportVia('grpc', grpcUrl as string, spans.slice(1), { headers })).code).toBe(ExportResultCode.SUCCESS);
      expect((await exportVia('http/protobuf', httpUrl as string, spans.slice(0, 1), { headers, gzip: true })).code).toBe(ExportResultCode.SUCCESS);

      const auth = { authorization: 'Bearer tok' };
      expect((await fetch(`${httpUrl}/api/runs`)).status).toBe(401);
      // Liveness probes carry no token.
      expect((await fetch(`${httpUrl}/healthz`)).status).toBe(200);
      const settled = await fetch(`${httpUrl}/api/runs/ci-7/settled?quietMillis=20&timeoutMillis=5000`, { headers: auth });
      expect(await settled.json()).toMatchObject({ runId: 'ci-7', settled: true, spanCount: 2, orphanCount: 0 });
      const traces = (await (await fetch(`${httpUrl}/api/runs/ci-7/traces`, { headers: auth })).json()) as { traces: TraceJson[] };
      expect(traces.traces).toHaveLength(1);
      expect(traces.traces[0]?.roots).toEqual([spans[0]?.spanContext().spanId]);
    } finally {
      serve.process.kill('SIGTERM');
    }
    expect(await serve.exited).toBe(0);
    expect(serve.stdout).toMatch(/SIGTERM, draining/);
    expect(serve.stdout).toMatch(/stopped \(1 runs, 2 spans held, 0 runs evicted\)/);

    const lines = readFileSync(saveFile, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const saved = lines.flatMap((line) => {
      const decoded = decodeExportRequestJson(line);
      if (!decoded.ok) throw new Error(decoded.error.message);
      return decoded.value.spans;
    });
    expect(saved.map((s) => s.name).sort()).toEqual(['GET /', 'query']);
  });

  it.each([
    [['--http-port', 'http'], /--http-port must be a port 0-65535/],
    [['--max-spans', '0'], /--max-spans must be a positive integer/],
    [['--grpc-port', 'off', '--http-port', 'off'], /both transports are off/],
    [['--save', '/nonexistent-dir/x.jsonl', '--http-port', '0', '--grpc-port', 'off'], /--save .*cannot open for appending/],
    [['extra'], /unexpected argument "extra"/],
    [['--htp-port', '1'], /unknown option --htp-port \(did you mean --http-port\?\)/],
  ])('rejects %j with exit code 2 and a clear message', async (args, message) => {
    const io = captureIo();
    expect(await main(['serve', ...args], io)).toBe(2);
    expect(io.err).toMatch(message);
  });

  it('reports a port already in use as a usage error', async () => {
    const first = captureIo();
    const { startCollector } = await import('../../src/server/index.ts');
    const busy = await startCollector({ httpPort: 0, grpcPort: null });
    try {
      expect(await main(['serve', '--http-port', String(busy.httpPort), '--grpc-port', 'off'], first)).toBe(2);
      expect(first.err).toMatch(/TC_LISTEN_FAILED: cannot listen for OTLP\/HTTP/);
    } finally {
      await busy.close();
    }
  });
});

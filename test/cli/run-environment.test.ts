// What `tracecheck run` hands its command, and where its collector listens: --host, --http-port, --grpc-port,
// --protocol, and the traces-specific OTEL_* variables a shell may already hold.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyPort, freePort, PRINT_ENV, ROUNDTRIP, tracecheck } from './tracecheck-process.ts';

const node = process.execPath;
const SERVER_SPAN = `name: round trip reaches the server
expect:
  - name: the server answers
    spans: '{ kind = server }'
`;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tracecheck-run-env-'));
  await writeFile(join(dir, 'server.yaml'), SERVER_SPAN);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function handedEnv(file: string): Promise<Record<string, string>> {
  return JSON.parse(await readFile(join(dir, file), 'utf8')) as Record<string, string>;
}

describe('traces-specific OTEL_* variables inherited from the shell', () => {
  it('do not win over the endpoint run sets: run overrides them and names each with its old value', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/v1/traces`;
    const out = await tracecheck(['run', '--specs', 'server.yaml', '--', node, ROUNDTRIP, 'shop', '0'], dir, {
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: dead, OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' },
    });
    expect(out.stdout).toContain('✓ the server answers');
    expect(out.code).toBe(0);
    const notices = out.stderr.split('\n').filter((line) => line.startsWith('tracecheck run: overriding'));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${dead}`);
    expect(notices[0]).toContain('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json');
  });

  it('are set for CMD, keeping inherited traces headers with the run id header after them', async () => {
    const out = await tracecheck(['run', '--specs', 'server.yaml', '--', node, PRINT_ENV, 'headers.json'], dir, {
      env: { OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-vendor-key=abc' },
    });
    expect(out.stderr).not.toContain('overriding');
    const env = await handedEnv('headers.json');
    expect(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']).toBe(`${env['OTEL_EXPORTER_OTLP_ENDPOINT']}/v1/traces`);
    expect(env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL']).toBe('http/protobuf');
    expect(env['OTEL_EXPORTER_OTLP_TRACES_HEADERS']).toMatch(/^x-vendor-key=abc,x-test-run-id=[0-9a-f]+$/);
  });
});

describe('run --host, --http-port, --grpc-port, --protocol', () => {
  it('listens on the given port, so a service hard-wired to it exports into the run', async () => {
    const port = await freePort();
    const fixed = `http://127.0.0.1:${port}`;
    // The service ignores what run hands it and exports to its own fixed endpoint, as a hard-coded exporter does.
    const script = `OTEL_EXPORTER_OTLP_ENDPOINT=${fixed} OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${fixed}/v1/traces exec "${node}" "${ROUNDTRIP}" shop 0`;
    const out = await tracecheck(['run', '--specs', 'server.yaml', '--host', '127.0.0.1', '--http-port', String(port), '--', 'sh', '-c', script], dir);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('✓ the server answers');
  });

  it('--protocol grpc hands CMD the gRPC endpoint, and the spans arrive over gRPC', async () => {
    const grpcPort = await freePort();
    const out = await tracecheck(
      ['run', '--specs', 'server.yaml', '--grpc-port', String(grpcPort), '--protocol', 'grpc', '--', 'sh', '-c', `"${node}" "${PRINT_ENV}" grpc.json && exec "${node}" "${ROUNDTRIP}" shop 0`],
      dir,
    );
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('✓ the server answers');
    const env = await handedEnv('grpc.json');
    expect(env['OTEL_EXPORTER_OTLP_PROTOCOL']).toBe('grpc');
    expect(env['OTEL_EXPORTER_OTLP_ENDPOINT']).toBe(`http://127.0.0.1:${grpcPort}`);
    expect(env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']).toBe(`http://127.0.0.1:${grpcPort}`);
    expect(env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL']).toBe('grpc');
  });

  it('--protocol http/json hands CMD the HTTP endpoint with the JSON protocol', async () => {
    const out = await tracecheck(['run', '--specs', 'server.yaml', '--protocol', 'http/json', '--', 'sh', '-c', `"${node}" "${PRINT_ENV}" json.json && exec "${node}" "${ROUNDTRIP}" shop 0`], dir);
    expect(out.code).toBe(0);
    const env = await handedEnv('json.json');
    expect(env['OTEL_EXPORTER_OTLP_PROTOCOL']).toBe('http/json');
    expect(env['OTEL_EXPORTER_OTLP_ENDPOINT']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(env['OTEL_EXPORTER_OTLP_ENDPOINT']).not.toBe(env['TRACECHECK_OTLP_GRPC_ENDPOINT']);
  });

  it.each([
    [['--protocol', 'grcp'], 'did you mean "grpc"?'],
    [['--protocol', 'zipkin'], 'use one of http/protobuf, http/json, grpc'],
    [['--http-port', '70000'], '--http-port must be a port 0-65535'],
    [['--grpc-port', 'four'], '--grpc-port must be a port 0-65535'],
    [['--host'], '--host needs a value'],
  ])('%j is a usage error (exit 2) and CMD does not run', async (options, message) => {
    const marker = join(dir, `ran-${options.join('')}`);
    const out = await tracecheck(['run', '--specs', 'server.yaml', ...options, '--', node, '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, '')`], dir);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(message);
    expect(existsSync(marker)).toBe(false);
  });

  it('a port already in use is a clear error (exit 2), not a stack trace', async () => {
    const busy = await busyPort();
    try {
      const out = await tracecheck(['run', '--specs', 'server.yaml', '--http-port', String(busy.port), '--', node, '-e', ''], dir);
      expect(out.code).toBe(2);
      expect(out.stderr).toMatch(new RegExp(`^tracecheck run: .*cannot listen for OTLP/HTTP on 127\\.0\\.0\\.1:${busy.port}: .*EADDRINUSE`));
      expect(out.stderr).not.toMatch(/^\s+at /m);
    } finally {
      await busy.close();
    }
  });
});

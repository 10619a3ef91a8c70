// Judging a sidecar's run from CI (issue 12): `tracecheck run --collector URL -- CMD` and
// `tracecheck check --collector URL --run ID`, against a real `tracecheck serve` process that a real instrumented
// service exports to, as in staging.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExportResultCode } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExportEnv } from '../../src/protocol/index.ts';
import { makeSdkSpans } from '../support/sdk-traces.ts';
import { spawnNode, type Child } from '../server/child-processes.ts';
import { exportVia } from '../server/exporters.ts';
import { PRINT_ENV, ROUNDTRIP, tracecheck } from './tracecheck-process.ts';

const bin = fileURLToPath(new URL('../../bin/tracecheck.js', import.meta.url));
const service = fileURLToPath(new URL('../server/fixtures/instrumented-service.ts', import.meta.url));
const requester = fileURLToPath(new URL('./fixtures/request-with-run-headers.ts', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tracecheck-sidecar-run-'));
const TOKEN = 'sidecar-token-1';

let serve: Child;
let inventory: Child;
let sidecarUrl = '';
let sidecarGrpcUrl = '';
let inventoryUrl = '';

beforeAll(async () => {
  writeFileSync(join(scratch, 'passing.yaml'), `name: inventory answers\nexpect:\n  - name: its server span\n    spans: '{ service = "inventory" && kind = server }'\n`);
  writeFileSync(join(scratch, 'failing.yaml'), `name: payments answers\nexpect:\n  - name: its server span\n    spans: '{ service = "payments" && kind = server }'\n`);
  writeFileSync(join(scratch, 'roundtrip.yaml'), `name: the command's own service answers\nexpect:\n  - name: its server span\n    spans: '{ service = "grpc-shop" && kind = server }'\n`);
  writeFileSync(join(scratch, 'token.txt'), `${TOKEN}\n`);
  serve = spawnNode([bin, 'serve', '--http-port', '0', '--grpc-port', '0', '--auth-token', TOKEN]);
  sidecarUrl = (await serve.waitFor(/listening on (http:\/\/\S+) \(OTLP\/HTTP/))[1] as string;
  sidecarGrpcUrl = (await serve.waitFor(/listening on (http:\/\/\S+) \(OTLP\/gRPC\)/))[1] as string;
  // A long-running service of the staging environment: it exports every span to the sidecar, untagged; its
  // spans join a run through the traceparent of the requests it serves.
  const serviceEnv = buildExportEnv({ httpUrl: sidecarUrl, grpcUrl: undefined, authToken: TOKEN });
  inventory = spawnNode([service, 'serve', 'inventory'], { ...process.env, ...serviceEnv });
  inventoryUrl = `http://127.0.0.1:${(await inventory.waitFor(/ready (\d+)/))[1]}/stock`;
}, 30_000);

afterAll(async () => {
  inventory.process.kill('SIGTERM');
  serve.process.kill('SIGTERM');
  await Promise.all([inventory.exited, serve.exited]);
  rmSync(scratch, { recursive: true, force: true });
});

const withToken = { env: { TRACECHECK_AUTH_TOKEN: TOKEN } };

describe('tracecheck run --collector URL -- CMD', () => {
  it('hands CMD the run id and request headers, and passes when the run the sidecar holds meets the specs', async () => {
    const outcome = await tracecheck(['run', '--collector', sidecarUrl, '--specs', 'passing.yaml', '--', process.execPath, requester, inventoryUrl], scratch, withToken);
    expect(outcome.stdout).toMatch(/request-with-run-headers: 200 for run [0-9a-f]{16}/);
    expect(outcome.code, outcome.stdout + outcome.stderr).toBe(0);
    expect(outcome.stdout).toMatch(/inventory answers/);
  });

  it('fails when the run does not meet the specs', async () => {
    const outcome = await tracecheck(['run', '--collector', sidecarUrl, '--specs', 'failing.yaml', '--', process.execPath, requester, inventoryUrl], scratch, withToken);
    expect(outcome.code, outcome.stdout + outcome.stderr).toBe(1);
  });

  it('fails a run that received no spans, saying so', async () => {
    const outcome = await tracecheck(
      ['run', '--collector', sidecarUrl, '--auth-token-file', 'token.txt', '--specs', 'passing.yaml', '--', process.execPath, '-e', ''],
      scratch,
    );
    expect(outcome.code, outcome.stdout + outcome.stderr).toBe(1);
    expect(outcome.stdout).toMatch(/FAILED: run "[0-9a-f]{16}" received no spans at http:\/\/127\.0\.0\.1:\d+ besides its root span/);
  });

  it('says when the sidecar refuses the token, and judges nothing', async () => {
    const outcome = await tracecheck(['run', '--collector', sidecarUrl, '--specs', 'passing.yaml', '--', process.execPath, '-e', ''], scratch, {
      env: { TRACECHECK_AUTH_TOKEN: 'wrong' },
    });
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/refused the run's root span \(401\)/);
  });

  it("exports CMD's spans over gRPC to the sidecar's --otlp-grpc-endpoint with --protocol grpc, and judges them", async () => {
    const outcome = await tracecheck(
      ['run', '--collector', sidecarUrl, '--otlp-grpc-endpoint', sidecarGrpcUrl, '--protocol', 'grpc', '--specs', 'roundtrip.yaml', '--reporter', 'json', '--', process.execPath, ROUNDTRIP, 'grpc-shop'],
      scratch,
      withToken,
    );
    expect(outcome.code, outcome.stdout + outcome.stderr).toBe(0);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ passed: true });
    // The spans came over gRPC: the sidecar counts requests per transport on its metrics endpoint.
    const metrics = await (await fetch(`${sidecarUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    expect(metrics).toMatch(/tracecheck_export_requests_total\{[^}]*transport="grpc"[^}]*\} [1-9]/);
  });

  it('hands CMD TRACECHECK_OTLP_GRPC_ENDPOINT, and the gRPC endpoint in OTEL_* with --protocol grpc', async () => {
    const envFile = join(scratch, 'handed-env.json');
    const outcome = await tracecheck(
      ['run', '--collector', sidecarUrl, '--otlp-grpc-endpoint', `${sidecarGrpcUrl}/`, '--protocol', 'grpc', '--specs', 'passing.yaml', '--timeout', '300ms', '--', process.execPath, PRINT_ENV, envFile],
      scratch,
      withToken,
    );
    expect(outcome.code).toBe(1); // no span reached the run: CMD only wrote its environment
    const handed = JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>;
    expect(handed).toMatchObject({
      TRACECHECK_OTLP_GRPC_ENDPOINT: sidecarGrpcUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_ENDPOINT: sidecarGrpcUrl,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: sidecarGrpcUrl,
    });
    expect(handed['OTEL_EXPORTER_OTLP_HEADERS']).toMatch(/authorization=Bearer%20sidecar-token-1/);
  });

  it.each([
    [['--http-port', '0'], /--http-port configures run's own collector/],
    [['--protocol', 'grpc'], /--protocol grpc needs run's own collector, or with --collector the sidecar's OTLP\/gRPC URL: add --otlp-grpc-endpoint URL/],
    [['--otlp-grpc-endpoint', 'grpc://127.0.0.1:4317'], /--otlp-grpc-endpoint "grpc:\/\/127\.0\.0\.1:4317" must be one http: or https: URL/],
    [['--otlp-grpc-endpoint', 'http://127.0.0.1:4317/v1/traces'], /must be one http: or https: URL with no path/],
    [['--collector', 'ftp://x'], /must be an http: or https: URL/],
    [['--collector', 'http://127.0.0.1:1,http://127.0.0.1:2'], /names replicas: give --otlp-endpoint URL too/],
    [['--otlp-endpoint', 'http://127.0.0.1:1'], /--otlp-endpoint needs --collector/],
    [['--otlp-grpc-endpoint', 'http://127.0.0.1:1', '--no-collector'], /--otlp-grpc-endpoint needs --collector/],
  ])('rejects %j with --collector', async (extra, message) => {
    const standalone = extra.includes('--collector') || extra.includes('--otlp-endpoint') || extra.includes('--no-collector');
    const args = standalone ? extra.filter((arg) => arg !== '--no-collector') : ['--collector', 'http://127.0.0.1:1', ...extra];
    const outcome = await tracecheck(['run', ...args, '--', process.execPath, '-e', ''], scratch);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(message);
  });
});

describe('tracecheck check --collector URL --run ID', () => {
  beforeAll(async () => {
    const spans = await makeSdkSpans([{ name: 'GET /stock', kind: 'server', service: 'inventory' }]);
    const sent = await exportVia('http/protobuf', sidecarUrl, spans, { headers: { authorization: `Bearer ${TOKEN}`, 'x-test-run-id': 'ci-run-1' } });
    expect(sent.code).toBe(ExportResultCode.SUCCESS);
  });

  it('judges a run the sidecar holds', async () => {
    const passing = await tracecheck(['check', '--collector', sidecarUrl, '--run', 'ci-run-1', '--specs', 'passing.yaml', '--reporter', 'json'], scratch, withToken);
    expect(passing.code, passing.stderr).toBe(0);
    expect(JSON.parse(passing.stdout)).toMatchObject({ passed: true, spanCount: 1 });
    const failing = await tracecheck(['check', '--collector', sidecarUrl, '--run', 'ci-run-1', '--specs', 'failing.yaml'], scratch, withToken);
    expect(failing.code).toBe(1);
  });

  it('reads the replicas of dns:HOST:PORT from every A record of HOST, here the one of localhost', async () => {
    const port = new URL(sidecarUrl).port;
    const outcome = await tracecheck(['check', '--collector', `dns:localhost:${port}`, '--run', 'ci-run-1', '--specs', 'passing.yaml', '--reporter', 'json'], scratch, withToken);
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(JSON.parse(outcome.stdout)).toMatchObject({ passed: true, spanCount: 1 });
    const unresolvable = await tracecheck(['check', '--collector', 'dns:no-such-host.invalid:4318', '--run', 'ci-run-1', '--specs', 'passing.yaml'], scratch, withToken);
    expect(unresolvable.code).toBe(1);
    expect(unresolvable.stdout).toMatch(/FAILED: --collector dns:no-such-host\.invalid:4318: cannot resolve no-such-host\.invalid/);
  });

  it.each([
    [['--collector', 'dns:tracecheck-replicas'], /the dns: form is dns:HOST:PORT/],
    [['--collector', 'http://a:4318,,http://b:4318'], /has an empty entry/],
    [['--collector', 'http://a:4318,http://a:4318/'], /names http:\/\/a:4318 twice/],
  ])('rejects --collector %j', async (args, message) => {
    const outcome = await tracecheck(['check', ...args, '--run', 'x', '--specs', 'passing.yaml'], scratch);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(message);
  });

  it('fails a run that never received a span', async () => {
    const outcome = await tracecheck(['check', '--collector', sidecarUrl, '--run', 'never-sent', '--specs', 'passing.yaml', '--quiet', '50ms'], scratch, withToken);
    expect(outcome.code).toBe(1);
    expect(outcome.stdout).toMatch(/FAILED: run "never-sent" received no spans/);
  });

  it('needs the token, and a run id', async () => {
    const unauthenticated = await tracecheck(['check', '--collector', sidecarUrl, '--run', 'ci-run-1', '--specs', 'passing.yaml'], scratch);
    expect(unauthenticated.code).toBe(2);
    expect(unauthenticated.stderr).toMatch(/answered 401 .*nothing was judged/);
    const noRun = await tracecheck(['check', '--collector', sidecarUrl, '--specs', 'passing.yaml'], scratch, withToken);
    expect(noRun.code).toBe(2);
    expect(noRun.stderr).toMatch(/--collector URL needs --run ID/);
  });
});

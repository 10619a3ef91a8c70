// A `tracecheck run` that received no span opens its report with why: what reached the collector at all, and the
// OTEL_* variables in the command's reach that keep spans away.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnoseNoSpans, type NoSpansInput } from '../../src/cli/no-spans-diagnosis.ts';
import type { JsonReport } from '../../src/report/index.ts';
import { ROUNDTRIP, ROUNDTRIP_STDOUT, tracecheck } from './tracecheck-process.ts';

const node = process.execPath;
const SERVER_SPAN = `name: round trip reaches the server
expect:
  - name: the server answers
    spans: '{ kind = server }'
`;
const FIRST_LINE = /^tracecheck run: no spans arrived from .*; likely reasons:$/;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tracecheck-no-spans-'));
  await writeFile(join(dir, 'server.yaml'), SERVER_SPAN);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tracecheck run with no span arriving', () => {
  it('says first that nothing was received, and that no export request reached the collector when no SDK started', async () => {
    const out = await tracecheck(['run', '--specs', 'server.yaml', '--', node, '-e', ''], dir);
    expect(out.code).toBe(1);
    const [first, reason] = out.stdout.split('\n');
    expect(first).toMatch(FIRST_LINE);
    expect(reason).toMatch(/^ {2}- no export request reached tracecheck \(http:\/\/127\.0\.0\.1:\d+\) at all: no OpenTelemetry SDK started/);
    expect(out.stdout).toContain('0 spans in 0 traces');
  });

  it('names an inherited OTEL_SDK_DISABLED=true with its value', async () => {
    const out = await tracecheck(['run', '--specs', 'server.yaml', '--', node, ROUNDTRIP, 'shop', '0'], dir, { env: { OTEL_SDK_DISABLED: 'true' } });
    expect(out.code).toBe(1);
    // The command's own stdout comes first; the report opens with the diagnosis.
    const lines = out.stdout.split('\n');
    expect(lines[0]).toBe(ROUNDTRIP_STDOUT);
    expect(lines[1]).toMatch(FIRST_LINE);
    expect(out.stdout).toContain('  - OTEL_SDK_DISABLED=true in the environment turns the OpenTelemetry SDK off');
    expect(out.stdout).toContain('no export request reached tracecheck');
  });

  it('names variables CMD sets itself: a console exporter, a batch delay longer than --timeout', async () => {
    const out = await tracecheck(
      ['run', '--specs', 'server.yaml', '--timeout', '2s', '--', 'sh', '-c', `OTEL_TRACES_EXPORTER=console OTEL_BSP_SCHEDULE_DELAY=30000 exec "${node}" -e ""`],
      dir,
    );
    expect(out.code).toBe(1);
    expect(out.stdout).toContain('  - OTEL_TRACES_EXPORTER=console in CMD sends spans to console, not to tracecheck over OTLP');
    expect(out.stdout).toContain('  - OTEL_BSP_SCHEDULE_DELAY=30000 in CMD holds spans for 30000 ms before export, longer than the 2000 ms tracecheck waits');
  });

  it('tells exports that arrived untagged from no export at all', async () => {
    // The service replaces the run's tags with its own, so its spans reach the collector but not the run.
    const script = `OTEL_RESOURCE_ATTRIBUTES=team=shop OTEL_EXPORTER_OTLP_HEADERS= OTEL_EXPORTER_OTLP_TRACES_HEADERS= exec "${node}" "${ROUNDTRIP}" shop 0`;
    const out = await tracecheck(['run', '--specs', 'server.yaml', '--', 'sh', '-c', script], dir);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/ {2}- 1 export request with 2 spans arrived, none tagged with this run [0-9a-f]+ \(2 untagged\)/);
    expect(out.stdout).toContain('  - OTEL_RESOURCE_ATTRIBUTES=team=shop in CMD replaces the run\'s tag (test.run.id=');
    expect(out.stdout).not.toContain('no export request reached');
  });

  it('keeps a json report on stdout parseable: the diagnosis goes to stderr', async () => {
    const out = await tracecheck(['run', '--specs', 'server.yaml', '--reporter', 'json', '--', node, '-e', ''], dir);
    expect(out.code).toBe(1);
    expect((JSON.parse(out.stdout) as JsonReport).spanCount).toBe(0);
    expect(out.stderr.split('\n')[0]).toMatch(FIRST_LINE);
  });

  it('says nothing of the kind when spans arrive', async () => {
    const out = await tracecheck(['run', '--specs', 'server.yaml', '--', node, ROUNDTRIP, 'shop', '0'], dir);
    expect(out.code).toBe(0);
    expect(out.stdout).not.toContain('no spans arrived');
  });
});

describe('diagnoseNoSpans', () => {
  const base: NoSpansInput = {
    command: ['npm', 'test'],
    childEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
    runEnv: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' },
    runId: 'r1',
    timeoutMillis: 10_000,
    exports: { requests: 0, spans: 0, untaggedSpans: 0, otherRunIds: new Set() },
    cwd: '/nonexistent',
  };

  it('reads the package.json script an `npm test`-like command runs', async () => {
    const project = await mkdtemp(join(tmpdir(), 'tracecheck-npm-script-'));
    try {
      const scripts = { test: 'OTEL_EXPORTER_OTLP_ENDPOINT="http://collector:4318" OTEL_TRACES_SAMPLER=always_off vitest run', e2e: 'export OTEL_EXPORTER_OTLP_PROTOCOL=grpc; node e2e.js' };
      await writeFile(join(project, 'package.json'), JSON.stringify({ scripts }));
      const test = diagnoseNoSpans({ ...base, cwd: project });
      expect(test).toContain('  - OTEL_EXPORTER_OTLP_ENDPOINT=http://collector:4318 in package.json script "test" points the exporter away from tracecheck (http://127.0.0.1:4318)');
      expect(test).toContain('  - OTEL_TRACES_SAMPLER=always_off in package.json script "test" samples no span');
      const e2e = diagnoseNoSpans({ ...base, command: ['pnpm', 'run', 'e2e'], cwd: project });
      expect(e2e).toContain("  - OTEL_EXPORTER_OTLP_PROTOCOL=grpc in package.json script \"e2e\" makes the exporter speak grpc to tracecheck's http/protobuf endpoint");
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });

  it('names the other runs spans were tagged with', () => {
    const lines = diagnoseNoSpans({ ...base, exports: { requests: 2, spans: 5, untaggedSpans: 1, otherRunIds: new Set(['old-run']) } });
    expect(lines.at(-1)).toContain('2 export requests with 5 spans arrived, none tagged with this run r1 (1 untagged, 4 tagged with other runs (old-run))');
  });

  it('finds no conflict in the run\'s own variables', () => {
    expect(diagnoseNoSpans(base)).toHaveLength(2);
  });
});

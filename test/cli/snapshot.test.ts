import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeSdkSpans, sdkExportRequestBytes } from '../support/sdk-traces.ts';
import { ROUNDTRIP, tracecheck, writeCliFixtures } from './tracecheck-process.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tracecheck-snapshot-'));
  await writeCliFixtures(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tracecheck check --snapshot', () => {
  it('records saved traces as a commented spec that the same traces pass', async () => {
    const recorded = await tracecheck(['check', '--traces', 'saved.jsonl', '--snapshot', '--specs-out', 'specs/shape.yaml'], dir);
    expect(recorded.stderr).toContain('wrote 1 shape from 1 trace to specs/shape.yaml');
    expect(recorded.code).toBe(0);
    const text = await readFile(join(dir, 'specs/shape.yaml'), 'utf8');
    expect(text).toContain('# Left out: trace and span ids, timestamps, durations, and volatile values');
    expect(text).toContain('# Seen in 1 trace.');
    expect(text).toMatch(/shape:\n\s+service: shop\n\s+name: GET \/orders\n\s+kind: client\n\s+status: unset\n\s+children:\n\s+- service: orders/u);
    const judged = await tracecheck(['check', '--traces', 'saved.jsonl', '--specs', 'specs/shape.yaml'], dir);
    expect(judged.stdout).toContain('PASS');
    expect(judged.code).toBe(0);
  });

  it('writes to stdout without --specs-out, and a changed trace then fails with its diff', async () => {
    const recorded = await tracecheck(['check', '--traces', 'saved.jsonl', '--snapshot'], dir);
    expect(recorded.code).toBe(0);
    await writeFile(join(dir, 'stdout-shape.yaml'), recorded.stdout);
    const spans = await makeSdkSpans([
      { name: 'GET /orders', ref: 'client', kind: 'client', service: 'shop' },
      { name: 'GET /orders', parent: 'client', kind: 'server', service: 'orders', status: { code: 'error', message: 'boom' } },
    ]);
    await writeFile(join(dir, 'changed.jsonl'), Buffer.from(sdkExportRequestBytes(spans, 'json')).toString('utf8') + '\n');
    const judged = await tracecheck(['check', '--traces', 'changed.jsonl', '--specs', 'stdout-shape.yaml'], dir);
    expect(judged.code).toBe(1);
    expect(judged.stdout).toContain('~ changed  orders: GET /orders (server)  status "unset" → "error"');
  });
});

describe('tracecheck snapshot -- CMD', () => {
  it('records what CMD sent, and tracecheck run then passes the recording', async () => {
    const recorded = await tracecheck(['snapshot', '--specs-out', 'roundtrip.yaml', '--', process.execPath, ROUNDTRIP], dir, { deadlineMillis: 40_000 });
    expect(recorded.stderr).toMatch(/wrote 1 shape from 1 trace to roundtrip\.yaml/u);
    expect(recorded.code).toBe(0);
    const text = await readFile(join(dir, 'roundtrip.yaml'), 'utf8');
    expect(text).toContain('http.request.method: GET');
    expect(text).toMatch(/# Attributes left out: [\s\S]*server\.port/u);
    const judged = await tracecheck(['run', '--specs', 'roundtrip.yaml', '--', process.execPath, ROUNDTRIP], dir, { deadlineMillis: 40_000 });
    expect(judged.stdout).toContain('PASS');
    expect(judged.code).toBe(0);
  }, 90_000);

  it('refuses a missing command, and an option that is not its own', async () => {
    const none = await tracecheck(['snapshot'], dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no command to run');
    const wrong = await tracecheck(['snapshot', '--reporter', 'json', '--', 'true'], dir);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('unknown option --reporter');
  });
});

/**
 * Snapshots on the three-service example (issue 16's acceptance): `tracecheck snapshot` records the healthy
 * example, the recording passes repeated healthy runs, and each break (a dropped call, a renamed span, a changed
 * status) fails with a diff that names exactly what changed. Real processes throughout: bin/tracecheck.js, the
 * three SDK-instrumented services, their three OTLP transports.
 *
 * The default suite repeats the healthy run REPEATS times (a run takes about 8 s on the 2-core CI machine);
 * `npm run example:snapshot-repeat` runs it 20 times, as the issue asks.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judgeExampleSnapshot, recordExampleSnapshot } from '../../examples/three-services/snapshot-example.ts';

const REPEATS = 3;
const caseMillis = 120_000;

let dir: string;
let specFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tracecheck-example-snapshot-'));
  specFile = join(dir, 'example-shape.yaml');
  const recorded = await recordExampleSnapshot(specFile);
  expect(recorded.code, recorded.stderr).toBe(0);
}, caseMillis);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pretty report's lines of a shape diff, stripped of indentation. */
function diffLines(stdout: string): string[] {
  return stdout.split('\n').map((line) => line.trim()).filter((line) => /^[-+~↕] (missing|extra|changed|order) /u.test(line));
}

describe('the example, recorded as a snapshot', () => {
  it('records each distinct shape once, orders of one and two items as one shape with a count range', async () => {
    const text = await readFile(specFile, 'utf8');
    expect(text).toContain('# Recorded by tracecheck from `node examples/three-services/drive-checkout.ts`: 6 traces, 2 distinct shapes.');
    expect(text).toMatch(/name: GET\n\s+kind: client\n\s+status: unset\n\s+attributes: \{ http.request.method: GET, http.response.status_code: 200 \}\n\s+count: \{ min: 1, max: 2 \}/u);
    expect(text).toContain('name: orders.audit');
    expect(text).not.toMatch(/ord-[0-9a-f]{8}|:\d{4,5}\b/u);
  });

  it(`passes ${REPEATS} healthy runs in a row`, async () => {
    for (let i = 1; i <= REPEATS; i++) {
      const judged = await judgeExampleSnapshot(specFile, 'none');
      expect(judged.code, `run ${i}:\n${judged.stdout}\n${judged.stderr}`).toBe(0);
    }
  }, REPEATS * caseMillis);

  it('fails a dropped call, naming the missing inventory call and nothing else', async () => {
    const judged = await judgeExampleSnapshot(specFile, 'drop-call');
    expect(judged.code, judged.stderr).toBe(1);
    expect(new Set(diffLines(judged.stdout))).toEqual(new Set(['- missing  orders: GET (client) (3 spans)']));
  }, caseMillis);

  it('fails a renamed span, naming the span and both names', async () => {
    const judged = await judgeExampleSnapshot(specFile, 'rename-span');
    expect(judged.code, judged.stderr).toBe(1);
    expect(new Set(diffLines(judged.stdout))).toEqual(new Set(['~ changed  orders: orders.place (internal)  name "orders.place" → "orders.submit"']));
  }, caseMillis);

  it('fails a changed status, naming each span whose status or status code changed', async () => {
    const judged = await judgeExampleSnapshot(specFile, 'error');
    expect(judged.code, judged.stderr).toBe(1);
    const lines = diffLines(judged.stdout);
    // Inventory's 500 fails every span on the way back up, and each says so; nothing is missing or extra.
    expect(lines).toContain('~ changed  inventory: GET (server)  status "unset" → "error", attributes.http.response.status_code 200 → 500');
    expect(lines).toContain('~ changed  gateway: POST (server)  status "unset" → "error", attributes.http.response.status_code 200 → 502');
    expect(lines.every((line) => line.startsWith('~ changed'))).toBe(true);
  }, caseMillis);
});

// The messaging pack on a real messaging flow: examples/propagation's producer (orders) publishes a message whose
// headers carry its PRODUCER span's context, its consumer (billing, the queue's broker too) consumes it in a new
// trace under a CONSUMER span linked to the producer's (test/rules/fixtures/messaging-flow.ts).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tracecheck } from '../cli/tracecheck-process.ts';
import type { AnalyzeReport } from '../support/analyze-report.ts';

const REPO = new URL('../..', import.meta.url).pathname;
const FLOW = new URL('./fixtures/messaging-flow.ts', import.meta.url).pathname;

describe('the messaging pack on a real producer and consumer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tracecheck-messaging-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('holds under tracecheck analyze when both record the current messaging attributes', async () => {
    const out = join(dir, 'current.json');
    const outcome = await tracecheck(['analyze', '--reporter', 'json', '--out', out, '--', process.execPath, FLOW], REPO, { env: { MESSAGING_ATTRIBUTES: 'current' }, deadlineMillis: 40_000 });
    expect(outcome.code, outcome.stderr).toBe(0);
    expect(outcome.stdout + outcome.stderr).toContain('messaging-flow: orders answered 200');
    const report = JSON.parse(await readFile(out, 'utf8')) as AnalyzeReport;
    const messaging = report.analysis?.rules.filter((r) => r.rule.startsWith('semconv/messaging/')) ?? [];
    expect(messaging.length).toBeGreaterThan(5);
    expect(messaging.filter((r) => r.failingServices.length > 0)).toEqual([]);
    // Not vacuous: each service's required-attributes rule judged its messaging span, in two traces.
    const judged = report.specs.flatMap((spec) => spec.expectations.filter((e) => e.name.startsWith('semconv/messaging/required-attributes: ')).flatMap((e) => e.spans));
    expect(judged.map((s) => `${s.kind} ${s.name}`).sort()).toEqual(['consumer process orders', 'producer send orders']);
    expect(new Set(judged.map((s) => s.traceId)).size).toBe(2);
    expect(judged.every((s) => s.attributes['messaging.system.name'] === 'example-queue' && s.attributes['server.address'] === '127.0.0.1')).toBe(true);
  });

  it('fails through extends: on the legacy names (messaging.system, messaging.operation), while the consumer stays linked', async () => {
    const spec = join(dir, 'messaging.yaml');
    await writeFile(spec, [
      'name: messaging follows the conventions',
      'extends: [tracecheck:semconv/messaging]',
      'expect:',
      '  - name: the consumer is linked to the producer',
      '    spans: \'{ kind = consumer && service = "billing" }\'',
      '    count: 1',
      '    links: [{ to: \'{ kind = producer && service = "orders" }\' }]',
      '',
    ].join('\n'));
    const out = join(dir, 'legacy.json');
    const outcome = await tracecheck(['run', '--specs', spec, '--reporter', 'json', '--out', out, '--', process.execPath, FLOW], REPO, { env: { MESSAGING_ATTRIBUTES: 'legacy' }, deadlineMillis: 40_000 });
    expect(outcome.code, outcome.stderr).toBe(1);
    const report = JSON.parse(await readFile(out, 'utf8')) as AnalyzeReport;
    const failed = report.specs[0]?.expectations.filter((e) => !e.passed).map((e) => `${e.severity} ${e.name.split(':')[0] ?? ''}`) ?? [];
    expect(failed.sort()).toEqual([
      'error semconv/messaging/deprecated/messaging.operation',
      'error semconv/messaging/deprecated/messaging.system',
      'error semconv/messaging/required-attributes',
      // No broker address (server.address) either.
      'warn semconv/messaging/recommended-attributes',
    ]);
    const legacy = report.specs[0]?.expectations.find((e) => e.name.startsWith('semconv/messaging/deprecated/messaging.system:'));
    expect(legacy?.spans.map((s) => `${s.kind} ${s.name}`).sort()).toEqual(['consumer orders process', 'producer orders publish']);
    expect(report.specs[0]?.expectations.find((e) => e.name === 'the consumer is linked to the producer')?.passed).toBe(true);
  });
});

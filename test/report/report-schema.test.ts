import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { evaluateSpecs, evaluateSpecsNow } from '../../src/engine/index.ts';
import { toJsonReport } from '../../src/report/index.ts';
import { SpanStore } from '../../src/store/index.ts';
import { checkoutTraces } from '../engine/checkout-trace.ts';
import { BASE_TIME_MILLIS, makeTrace } from '../support/sdk-traces.ts';
import { sampleRunResult } from './sample-results.ts';

const schema = JSON.parse(readFileSync(new URL('../../schema/tracecheck-report.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

/** The report as a consumer reads it: serialised and parsed, as the json reporter writes it. */
function asRead(report: unknown): unknown {
  return JSON.parse(JSON.stringify(report)) as unknown;
}

describe('the JSON report schema (schema/tracecheck-report.schema.json)', () => {
  it('accepts reports of real evaluations: failures of every kind, trees, near misses', async () => {
    const { traces } = await checkoutTraces();
    const result = evaluateSpecsNow(
      [
        {
          name: 'checkout',
          traces: { root: 'name = "POST /checkout"' },
          expect: [
            { spans: 'service = "nowhere"' },
            { budget: { max: '1ms' } },
            { noErrors: true },
            { order: { first: 'service = "payments"', then: 'service = "inventory"' } },
            { connected: true },
            { shape: { service: 'frontend', name: 'POST /checkout', kind: 'server', children: [{ name: 'POST /nowhere' }] } },
          ],
        },
        { name: 'passes', expect: [{ spans: 'kind = server' }] },
      ],
      traces,
    );
    expect(result.specs.flatMap((spec) => spec.expectations).some((e) => !e.passed && e.trace !== undefined)).toBe(true);
    expect(result.specs.flatMap((spec) => spec.expectations).some((e) => e.shapeDiff !== undefined && e.shapeDiff.differences.length > 1)).toBe(true);
    const report = asRead(toJsonReport(result));
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(asRead(toJsonReport(sampleRunResult()))), JSON.stringify(validate.errors)).toBe(true);
  });

  it('accepts structured propagation notes with their pairing, and refuses a report whose note lacks its code', async () => {
    const t = (ms: number) => BASE_TIME_MILLIS + ms;
    const spans = await makeTrace([
      { ref: 'edge', name: 'POST /checkout', kind: 'server', service: 'web', start: t(0), end: t(100) },
      { parent: 'edge', name: 'POST', kind: 'client', service: 'web', start: t(10), end: t(90), attributes: { 'url.full': 'http://cart:8080/cart', 'server.port': 8080 } },
    ]);
    const [server] = await makeTrace([{ name: 'POST /cart', kind: 'server', service: 'cart', start: t(20), end: t(80), attributes: { 'url.path': '/cart', 'server.port': 8080 } }]);
    const store = new SpanStore();
    store.ingest(spans, { transport: 'memory', runId: 'r' });
    store.ingest([server as (typeof spans)[number]], { transport: 'memory' });
    const result = await evaluateSpecs([{ name: 'whole', expect: [{ connected: true }] }], store.run('r'), { quietMillis: 10, timeoutMillis: 5000, finalOnceSettled: true });
    const report = asRead(toJsonReport(result)) as { notes: { code: string; diagnostic?: { pairing?: unknown } }[] };
    expect(report.notes.map((note) => note.code)).toContain('propagation-broken');
    expect(report.notes.find((note) => note.code === 'propagation-broken')?.diagnostic?.pairing).toEqual({ evidence: 'address', confidence: 'likely' });
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    const broken = { ...report, notes: report.notes.map(({ code: _code, ...rest }) => rest) };
    expect(validate(broken)).toBe(false);
  });
});

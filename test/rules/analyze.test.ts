import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateSpecsNow } from '../../src/engine/index.ts';
import { analysisSpecs } from '../../src/language/index.ts';
import { analysisScores, renderAnalysis } from '../../src/report/index.ts';
import { tracecheck } from '../cli/tracecheck-process.ts';
import { checkoutTraces } from '../engine/checkout-trace.ts';
import { findings, type AnalyzeReport } from '../support/analyze-report.ts';
import { makeSdkSpans, sdkExportRequestBytes } from '../support/sdk-traces.ts';

const REPO = new URL('../..', import.meta.url).pathname;
const LEAKY = new URL('./fixtures/leaky-service.ts', import.meta.url).pathname;
const OFFSET_CLOCK = new URL('./fixtures/offset-clock-service.ts', import.meta.url).pathname;
const EXAMPLE_DRIVER = join(REPO, 'examples/three-services/drive-checkout.ts');


describe('tracecheck analyze', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tracecheck-analyze-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds a recorded Authorization header and a missing service.name in a real misconfigured service (exit 1)', async () => {
    const out = join(dir, 'leaky.json');
    const outcome = await tracecheck(['analyze', '--reporter', 'json', '--out', out, '--', process.execPath, LEAKY], REPO, { deadlineMillis: 40_000 });
    expect(outcome.code, outcome.stderr).toBe(1);
    const report = JSON.parse(await readFile(out, 'utf8')) as AnalyzeReport;
    // The SDK names an unnamed service after the executable: unknown_service:<path of node>.
    expect(report.analysis.services.map((s) => s.service)).toEqual([expect.stringMatching(/^unknown_service:/u)]);
    expect(findings(report)).toEqual(expect.arrayContaining(['error hygiene/credential-headers', 'error semconv/resource/service-name']));
    expect(outcome.stdout).toMatch(/✗ hygiene\/credential-headers/u);
    expect(outcome.stdout).toMatch(/unknown_service:\S+: [\d.]+% /u);
  }, 60_000);

  it('finds the spans of a real service whose clock is two minutes behind outside the run\'s window (exit 1)', async () => {
    const out = join(dir, 'offset-clock.json');
    const outcome = await tracecheck(['analyze', '--reporter', 'json', '--out', out, '--', process.execPath, OFFSET_CLOCK], REPO, {
      env: { CLOCK_OFFSET_MILLIS: '-120000', OTEL_SERVICE_NAME: 'late-orders', OTEL_RESOURCE_ATTRIBUTES: 'service.version=1.0.0' },
      deadlineMillis: 40_000,
    });
    expect(outcome.code, outcome.stderr).toBe(1);
    const report = JSON.parse(await readFile(out, 'utf8')) as AnalyzeReport;
    // node:http has no router, so no http.route: the same warning as the example services'.
    expect(findings(report)).toEqual(['error hygiene/timestamps-in-run', 'warn semconv/http/server/recommended-attributes']);
    // Two minutes less the time between the run's start and the request's: 1.9m on a slow machine, 2m when it rounds up.
    expect(outcome.stdout).toMatch(/late-orders: GET: started (?:1\.\d+|2)m before the run began \(more than the 5s allowed\)/u);
  }, 60_000);

  it('reports the example services\' one real finding (no http.route on node:http), as a warning, and passes', async () => {
    const out = join(dir, 'example.json');
    const outcome = await tracecheck(['analyze', '--reporter', 'json', '--out', out, '--', process.execPath, EXAMPLE_DRIVER], REPO, { env: { EXAMPLE_CUSTOMER: 'c-1001' }, deadlineMillis: 50_000 });
    expect(outcome.code, outcome.stderr).toBe(0);
    const report = JSON.parse(await readFile(out, 'utf8')) as AnalyzeReport;
    expect(report.analysis.services.map((s) => s.service)).toEqual(['gateway', 'inventory', 'orders']);
    expect(findings(report)).toEqual(['warn semconv/http/server/recommended-attributes']);
    expect(outcome.stdout).toMatch(/gateway: [\d.]+% \(\d+ of \d+ hold, 1 warning\)/u);
  }, 60_000);

  it('judges the same packs through the example\'s spec file, whose comment explains the one rule it turns off', async () => {
    const outcome = await tracecheck(['run', '--specs', 'examples/three-services/instrumentation-rules.yaml', '--', process.execPath, EXAMPLE_DRIVER], REPO, { env: { EXAMPLE_CUSTOMER: 'c-1001' }, deadlineMillis: 50_000 });
    expect(outcome.code, outcome.stdout + outcome.stderr).toBe(0);
    expect(outcome.stdout).toMatch(/PASS {2}Specs: 1 passed/u);
  }, 60_000);

  it('scores per service and per rule in every reporter', async () => {
    const { traces } = await checkoutTraces();
    const result = evaluateSpecsNow(analysisSpecs(['frontend', 'payments']), traces);
    const scores = analysisScores(result);
    expect(scores.services.map((s) => s.service)).toEqual(['frontend', 'payments']);
    const payments = scores.services[1];
    expect(payments?.passed).toBeLessThan(payments?.rules ?? 0);
    expect(scores.rules.find((r) => r.rule === 'semconv/exceptions/error-explained')?.failingServices).toEqual([]);
    const json = JSON.parse(renderAnalysis(result, 'json')) as { analysis: unknown; specs: unknown[] };
    expect(json.analysis).toEqual(JSON.parse(JSON.stringify(scores)));
    expect(json.specs).toHaveLength(2);
    const schema = JSON.parse(readFileSync(join(REPO, 'schema/tracecheck-report.schema.json'), 'utf8')) as object;
    const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    const xml = renderAnalysis(result, 'junit');
    expect(xml).toContain(`<property name="tracecheck.score.payments" value="${payments?.score ?? ''}"/>`);
    expect(xml).toMatch(/<testsuite name="service payments"/u);
    const pretty = renderAnalysis(result, 'pretty', { color: false });
    expect(pretty).toMatch(/Scores per service \(rules that hold\):\n {2}frontend: [\d.]+%/u);
    expect(pretty).not.toMatch(/✓/u);
  });

  it('reads saved traces with --traces: old-convention spans (http.method) fail in JUnit, with a score per service', async () => {
    const spans = await makeSdkSpans(
      [{ name: 'GET', kind: 'server', service: 'legacy', attributes: { 'http.method': 'GET', 'http.target': '/a', 'http.status_code': 200 } }],
      { resourceAttributes: { 'service.version': '0.9.0', 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.version': '1.0.0' } },
    );
    const saved = join(dir, 'legacy.jsonl');
    await writeFile(saved, Buffer.from(sdkExportRequestBytes(spans, 'json')).toString('utf8') + '\n');
    const outcome = await tracecheck(['analyze', '--traces', saved, '--reporter', 'junit'], REPO);
    expect(outcome.code, outcome.stderr).toBe(1);
    expect(outcome.stdout).toMatch(/<property name="tracecheck\.score\.legacy" value="[\d.]+"\/>/u);
    expect(outcome.stdout).toMatch(/<testcase [^>]*name="semconv\/http\/deprecated\/http\.method: http\.method is deprecated: use http\.request\.method"[^>]*>\s*<failure/u);
    expect(outcome.stdout).toMatch(/<testcase [^>]*name="semconv\/http\/server\/required-attributes: [^"]*"[^>]*>\s*<failure/u);
  });

  it('reads saved traces with --traces, and refuses both or neither source', async () => {
    const neither = await tracecheck(['analyze'], REPO);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('give either --traces FILE... or -- CMD...');
    const missing = await tracecheck(['analyze', '--traces', join(dir, 'nothing.jsonl')], REPO);
    expect(missing.code).toBe(2);
  });
});

// The database pack on a real service querying a real PostgreSQL server through `pg`, traced by
// @opentelemetry/instrumentation-pg, under `tracecheck analyze`. One throwaway cluster for the file.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tracecheck } from '../cli/tracecheck-process.ts';
import { findings, ruleResult, type AnalyzeReport } from '../support/analyze-report.ts';
import { postgresAvailable, startPostgres, type PostgresCluster } from '../support/postgres.ts';

const REPO = new URL('../..', import.meta.url).pathname;
const PG_SERVICE = new URL('./fixtures/pg-service.ts', import.meta.url).pathname;


describe.skipIf(!postgresAvailable())('the database pack on a real PostgreSQL server (pg + instrumentation-pg)', () => {
  let pg: PostgresCluster;
  let dir: string;
  beforeAll(async () => {
    [pg, dir] = await Promise.all([startPostgres(), mkdtemp(join(tmpdir(), 'tracecheck-pg-analyze-'))]);
  });
  afterAll(async () => {
    await Promise.all([pg?.stop(), rm(dir, { recursive: true, force: true })]);
  });

  async function analyze(name: string, env: Record<string, string> = {}): Promise<{ code: number | null; report: AnalyzeReport; stdout: string }> {
    const out = join(dir, `${name}.json`);
    const outcome = await tracecheck(['analyze', '--reporter', 'json', '--out', out, '--', process.execPath, PG_SERVICE], REPO, {
      env: { PGHOST: '127.0.0.1', PGPORT: String(pg.port), PGUSER: pg.user, PGDATABASE: pg.database, OTEL_SERVICE_NAME: 'ledger', OTEL_RESOURCE_ATTRIBUTES: 'service.version=1.4.0', ...env },
      deadlineMillis: 40_000,
    });
    expect(outcome.stdout + outcome.stderr).toContain('pg-service: ledger total');
    return { code: outcome.code, report: JSON.parse(await readFile(out, 'utf8')) as AnalyzeReport, stdout: outcome.stdout };
  }

  it('passes the required attributes, values and deprecations on the real query spans, and warns of what instrumentation-pg leaves out', async () => {
    const { code, report } = await analyze('clean');
    expect(code).toBe(0);
    const required = ruleResult(report, 'semconv/db/required-attributes');
    // Not vacuous: the connect span and the three queries, each with the stable db.system.name.
    expect(required?.passed).toBe(true);
    expect(required?.spans.map((s) => s.name)).toEqual(['pg.connect', 'pg.query:CREATE postgres', 'pg.query:INSERT postgres', 'pg.query:SELECT postgres']);
    expect(required?.spans.every((s) => s.attributes['db.system.name'] === 'postgresql')).toBe(true);
    expect(ruleResult(report, 'semconv/db/values/db.system.name')?.passed).toBe(true);
    const deprecated = report.specs[0]?.expectations.filter((e) => e.name.startsWith('semconv/db/deprecated/')) ?? [];
    expect(deprecated.length).toBeGreaterThan(10);
    expect(deprecated.filter((e) => !e.passed).map((e) => e.name)).toEqual([]);
    // The real finding: instrumentation-pg 0.78 records db.query.text but neither db.operation.name nor
    // db.collection.name, which the conventions recommend; a warning, so the run still passes.
    expect(findings(report)).toEqual(['warn semconv/db/recommended-attributes']);
    const recommended = ruleResult(report, 'semconv/db/recommended-attributes');
    expect(recommended?.spans.length).toBe(4);
    expect(recommended?.spans.some((s) => 'db.operation.name' in s.attributes || 'db.collection.name' in s.attributes)).toBe(false);
  });

  it('fails on a customer\'s e-mail written into the SQL text, which the instrumentation records as db.query.text', async () => {
    const { code, report, stdout } = await analyze('email-in-sql', { LOOKUP_EMAIL: 'ada@example.com' });
    expect(code).toBe(1);
    expect(findings(report)).toEqual(['error hygiene/email-addresses', 'warn semconv/db/recommended-attributes']);
    const leak = ruleResult(report, 'hygiene/email-addresses');
    expect(leak?.spans.map((s) => s.attributes['db.query.text'])).toEqual([expect.stringContaining("'ada@example.com'")]);
    expect(stdout).toMatch(/✗ hygiene\/email-addresses/u);
  });
});

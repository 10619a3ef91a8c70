/**
 * The README's main job, as a person runs it: `tracecheck run` (bin/tracecheck.js, a real child process) runs
 * examples/three-services/drive-checkout.ts, whose three real instrumented services export to the run's
 * collector over three transports, and judges specs/ against what arrived. Healthy it must pass; each broken hop
 * (EXAMPLE_FAULT) must fail with a report that names the hop: the services and spans of orders → inventory.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExampleFault } from '../../examples/three-services/faults.ts';
import type { JsonExpectationReport, JsonReport } from '../../src/report/index.ts';
import type { ChildOutcome } from '../support/child-process.ts';
import { runExample } from '../support/example-report.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
// Three SDK-instrumented processes start on a busy 2-core machine; the judging itself takes milliseconds.
const caseMillis = 120_000;

let workDir: string;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'tracecheck-main-job-'));
});

afterAll(async () => {
  await rm(workDir, { recursive: true, force: true });
});

async function runBoth(fault: ExampleFault, timeout: string): Promise<{ pretty: ChildOutcome; json: JsonReport; jsonRun: ChildOutcome }> {
  const out = join(workDir, `${fault}.json`);
  const [pretty, jsonRun] = await Promise.all([
    runExample(['--timeout', timeout], fault),
    runExample(['--timeout', timeout, '--reporter', 'json', '--out', out], fault),
  ]);
  return { pretty, jsonRun, json: JSON.parse(await readFile(out, 'utf8')) as JsonReport };
}

function failed(report: JsonReport): (JsonExpectationReport & { readonly spec: string })[] {
  return report.specs.flatMap((spec) => spec.expectations.filter((e) => !e.passed).map((e) => ({ ...e, spec: spec.name })));
}

describe('npm run example (the README main job)', () => {
  it('is the command these tests run: main-job.ts, which puts `npm run example -- OPTIONS` before tracecheck run\'s --', async () => {
    const scripts = (JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['example']).toBe('node --env-file=examples/three-services/example.env examples/three-services/main-job.ts');
  });

  it(
    'passes every spec in specs/ on the healthy example and exits 0',
    async () => {
      const { pretty, json, jsonRun } = await runBoth('none', '10s');
      expect(jsonRun.code, jsonRun.stderr).toBe(0);
      expect(failed(json)).toEqual([]);
      expect(json.passed).toBe(true);
      // Every spec file of specs/ took part, with all its expectations judged.
      const files = new Set(json.specs.map((spec) => spec.file?.replace(/^.*\/specs\//u, 'specs/')));
      expect(files).toEqual(new Set(['specs/checkout-attributes.yaml', 'specs/checkout-latency.yaml', 'specs/checkout-order.yaml', 'specs/checkout-structure.yaml']));
      expect(json.specs.flatMap((spec) => spec.expectations).length).toBeGreaterThan(40);

      expect(pretty.code, pretty.stderr).toBe(0);
      expect(pretty.stdout).toMatch(/drive-checkout: POST \/checkout .* → 200/u);
      expect(pretty.stdout).toContain('✓ checkout crosses gateway → orders → inventory');
      expect(pretty.stdout).toContain('✓ orders audits each order asynchronously, in a trace linked to the order');
      expect(pretty.stdout).not.toContain('✗');
    },
    caseMillis,
  );
});

describe('npm run example:broken (a broken hop fails and the report names it)', () => {
  it(
    'drop-context: orders → inventory loses the trace; the report names orders.place and the missing inventory server span',
    async () => {
      const { pretty, json, jsonRun } = await runBoth('drop-context', '2s');
      expect(jsonRun.code).toBe(1);
      expect(json.passed).toBe(false);
      const propagation = failed(json).find((e) => e.name === 'orders → inventory, context propagates from orders.place to inventory');
      expect(propagation?.message).toMatch(/orders: orders\.place has no descendant matching \{ service = "inventory" && kind = server \}/u);
      expect(propagation?.spans.map((span) => `${span.service}: ${span.name}`)).toEqual(['orders: orders.place']);
      // The diagnosis names the broken hop and its cause: orders' own call started a new trace.
      expect(propagation?.message).toContain('orders → inventory: orders lost its trace context before the call');
      expect(json.notes.filter((note) => note.code === 'context-lost' && note.message.includes('orders lost its trace context')).length).toBeGreaterThanOrEqual(3);

      expect(pretty.code).toBe(1);
      expect(pretty.stdout).toContain('✗ orders → inventory, context propagates from orders.place to inventory');
      expect(pretty.stdout).toMatch(/orders · orders\.place .*← no descendant matching \{ service = "inventory" && kind = server \}/u);
      // The rest of the checkout is fine, and the report says so.
      expect(pretty.stdout).toContain('✓ gateway → orders, the gateway\'s call is answered by orders in the same trace');
    },
    caseMillis,
  );

  it(
    'slow: inventory answers late; the report names the orders → inventory hop and its slow server spans',
    async () => {
      const { pretty, json, jsonRun } = await runBoth('slow', '2s');
      expect(jsonRun.code).toBe(1);
      const budget = failed(json).find((e) => e.name === 'orders → inventory, inventory answers each lookup within 800ms');
      expect(budget?.message).toMatch(/orders → inventory: GET: took \d+(\.\d+)?m?s, expected <= 800ms/u);
      expect(budget?.spans.length).toBeGreaterThan(0);
      for (const span of budget?.spans ?? []) expect(span).toMatchObject({ service: 'inventory', kind: 'server', name: 'GET' });
      // Only latency (and the fault flag inventory reports) fails: structure and errors still hold.
      expect(new Set(failed(json).map((e) => e.spec))).toEqual(
        new Set(['checkout latency budgets', 'inventory describes every item it looks up']),
      );

      expect(pretty.code).toBe(1);
      expect(pretty.stdout).toContain('✗ orders → inventory, inventory answers each lookup within 800ms');
      expect(pretty.stdout).toMatch(/inventory · GET {2}server .*← took \d+(\.\d+)?m?s, expected <= 800ms/u);
    },
    caseMillis,
  );

  it(
    'error: inventory fails; the report names the orders → inventory hop with the erroring inventory server span',
    async () => {
      const { pretty, json, jsonRun } = await runBoth('error', '2s');
      expect(jsonRun.code).toBe(1);
      const hop = failed(json).find((e) => e.name === 'orders → inventory, inventory answers without error');
      expect(hop?.message).toMatch(/orders → inventory: GET: status is error/u);
      expect(hop?.spans).toEqual([expect.objectContaining({ service: 'inventory', kind: 'server', name: 'GET' })]);
      const exceptions = failed(json).find((e) => e.name === 'no span has status ERROR and none records an exception');
      expect(exceptions?.spans.map((span) => span.service)).toContain('inventory');

      expect(pretty.code).toBe(1);
      expect(pretty.stdout).toContain('✗ orders → inventory, inventory answers without error');
      expect(pretty.stdout).toMatch(/inventory · inventory\.lookup .*error: inventory database unavailable/u);
    },
    caseMillis,
  );
});

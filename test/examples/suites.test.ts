// The example suites (examples/suites/{vitest,jest,node-test}) run as real child processes of their runners,
// each against its own long-lived three-service example: they must pass, and with TRACECHECK_EXAMPLE_FAIL=1
// (one expectation made wrong) they must fail with the pretty explanation and the trace tree in the output.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Outcome {
  readonly code: number | null;
  readonly output: string;
}

function environment(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // The suites' own services are configured by their global setup only; a developer's OTEL_* must not leak in.
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('OTEL_') && !key.startsWith('VITEST') && key !== 'TRACECHECK_URL') env[key] = value;
  env['NO_COLOR'] = '1';
  env['FORCE_COLOR'] = '0';
  return { ...env, ...extra };
}

/** Runs a runner to its end; the test's own timeout bounds it (the child is killed if the test is abandoned). */
function run(args: readonly string[], cwd: string, extra: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: environment(extra), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

const runners = {
  vitest: { args: [`${root}node_modules/vitest/vitest.mjs`, 'run', '--config', 'examples/suites/vitest/vitest.config.ts'], cwd: root },
  jest: { args: ['--experimental-vm-modules', `${root}node_modules/jest/bin/jest.js`, '--config', 'examples/suites/jest/jest.config.mjs'], cwd: root },
  'node-test': { args: ['--test', '--test-global-setup=global-setup.ts', 'checkout.test.ts'], cwd: `${root}examples/suites/node-test` },
} as const;

/** Each runner's arguments that run only the trace-snapshot test, without and with its update flag. */
const snapshotRuns = {
  vitest: { only: ['-t', 'recorded trace shape'], update: ['-u'], file: 'checkout.test.ts' },
  jest: { only: ['-t', 'recorded trace shape'], update: ['-u'], file: 'checkout.test.mjs' },
  'node-test': { only: ['--test-name-pattern=recorded trace shape'], update: ['--test-update-snapshots'], file: 'checkout.test.ts' },
} as const;

/** The runner's arguments with `extra` placed before the test file (node) or after the config (vitest, jest). */
function withArgs(name: keyof typeof runners, extra: readonly string[]): string[] {
  const args = [...runners[name].args];
  if (name === 'node-test') return [...args.slice(0, -1), ...extra, ...args.slice(-1)];
  return [...args, ...extra];
}

/** The jest suite imports the built package by its name; build it when dist is missing or older than src/testing. */
function ensureBuilt(): void {
  const built = `${root}dist/jest.js`;
  const sources = readdirSync(`${root}src/testing`).map((f) => `${root}src/testing/${f}`);
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs), statSync(`${root}src/jest.ts`).mtimeMs);
  if (existsSync(built) && statSync(built).mtimeMs >= newest) return;
  const build = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
}

beforeAll(() => ensureBuilt(), 120_000);

describe.each(Object.keys(runners) as (keyof typeof runners)[])('the %s example suite', (name) => {
  const runner = runners[name];

  test('passes: two concurrent tests, each seeing only its own spans', { timeout: 180_000 }, async () => {
    const outcome = await run(runner.args, runner.cwd);
    expect(outcome.code, outcome.output).toBe(0);
    expect(outcome.output).toMatch(/alice's checkout is traced through inventory/);
    expect(outcome.output).toMatch(/bob's checkout is traced through inventory/);
  });

  test('fails when an expectation is wrong, with the explanation and the trace tree', { timeout: 180_000 }, async () => {
    const outcome = await run(runner.args, runner.cwd, { TRACECHECK_EXAMPLE_FAIL: '1' });
    expect(outcome.code, outcome.output).not.toBe(0);
    expect(outcome.output).toContain('did not satisfy the spec');
    expect(outcome.output).toMatch(/✗ spans service = "inventory" && kind = server/);
    expect(outcome.output).toContain('status is unset, expected error');
    // The drawn trace: the test's root span, then the services' spans below it, the offending one marked.
    expect(outcome.output).toMatch(/tracecheck-test · test request[\s\S]*└─ gateway · POST[\s\S]*inventory · GET {2}server/);
    expect(outcome.output).toMatch(/✗ +[│└─ ]*inventory · GET {2}server/);
  });
});

describe.each(Object.keys(runners) as (keyof typeof runners)[])('the %s trace snapshot', (name) => {
  const runner = runners[name];
  const flags = snapshotRuns[name];

  test('is not written under CI, is written with the update flag, fails with a diff when it differs, and is rewritten by the update flag', { timeout: 300_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), `tracecheck-suite-snapshot-${name}-`));
    try {
      const file = join(dir, flags.file, 'a-checkout-has-the-recorded-trace-shape.yaml');
      const missing = await run(withArgs(name, flags.only), runner.cwd, { TRACECHECK_SNAPSHOT_DIR: dir, CI: '1' });
      expect(missing.code, missing.output).not.toBe(0);
      expect(missing.output).toContain('no trace snapshot for "a checkout has the recorded trace shape"');

      const recorded = await run(withArgs(name, [...flags.only, ...flags.update]), runner.cwd, { TRACECHECK_SNAPSHOT_DIR: dir, CI: '1' });
      expect(recorded.code, recorded.output).toBe(0);
      const text = await readFile(file, 'utf8');
      expect(text).toContain('name: orders.place\n');

      await writeFile(file, text.replace('name: orders.place\n', 'name: orders.placed\n'));
      const drifted = await run(withArgs(name, flags.only), runner.cwd, { TRACECHECK_SNAPSHOT_DIR: dir, CI: '1' });
      expect(drifted.code, drifted.output).not.toBe(0);
      expect(drifted.output).toContain('~ changed  orders: orders.placed (internal)  name "orders.placed" → "orders.place"');

      const updated = await run(withArgs(name, [...flags.only, ...flags.update]), runner.cwd, { TRACECHECK_SNAPSHOT_DIR: dir, CI: '1' });
      expect(updated.code, updated.output).toBe(0);
      expect(await readFile(file, 'utf8')).toContain('name: orders.place\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

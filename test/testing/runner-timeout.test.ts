// A failing in-suite assertion under the runners' default 5 s test timeout must end with tracecheck's
// explanation, not the runner's bare "Test timed out": the matcher's default deadline fits inside the test's own
// timeout. Real vitest and jest runs of a fixture test whose span never comes, as child processes.
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, test } from 'vitest';
import { ensureBuilt, repoRoot as root } from './built-package.ts';

const fixture = 'test/testing/fixtures/runner-timeout';

interface Outcome {
  readonly code: number | null;
  readonly output: string;
}

function environment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // The child is a user's own run: nothing of this vitest process (its pool, its OTEL_* or suite) may leak in.
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('OTEL_') && !key.startsWith('VITEST') && !key.startsWith('TRACECHECK')) env[key] = value;
  return { ...env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' };
}

/** Runs a runner to its end; this test's own timeout bounds it. */
function run(args: readonly string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: environment(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

// The jest fixture imports the built package by its name.
beforeAll(() => ensureBuilt(), 120_000);

const runners = {
  vitest: { args: [`${root}node_modules/vitest/vitest.mjs`, 'run', '--config', `${fixture}/vitest.config.ts`], bareTimeout: /Test timed out in 5000ms/ },
  jest: { args: ['--experimental-vm-modules', `${root}node_modules/jest/bin/jest.js`, '--config', `${fixture}/jest.config.mjs`], bareTimeout: /Exceeded timeout of 5000 ms/ },
} as const;

describe.each(Object.keys(runners) as (keyof typeof runners)[])('%s with its default 5 s test timeout', (name) => {
  test('a span that never comes fails with tracecheck\'s explanation, not the bare runner timeout', { timeout: 120_000 }, async () => {
    const outcome = await run(runners[name].args);
    expect(outcome.code, outcome.output).not.toBe(0);
    expect(outcome.output).toContain('a span that never comes');
    expect(outcome.output).not.toMatch(runners[name].bareTimeout);
    expect(outcome.output).toContain('did not satisfy the spec');
    expect(outcome.output).toContain('has span name = "never sent"');
    expect(outcome.output).toMatch(/tracecheck waited at most \d+ ms, what was left of the test's 5000 ms timeout/);
  });
});

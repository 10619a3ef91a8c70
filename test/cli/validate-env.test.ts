import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/cli-io.ts';
import { main } from '../../src/cli/main.ts';

/**
 * An unset `${env:NAME}` must not stop `tracecheck validate` in a pre-commit hook that lacks the tests' variables
 * (issue 9): a warning there, an error with `--strict-env`, and still an error for `check`, which judges with it.
 */

/** A variable no environment sets. */
const UNSET = 'TRACECHECK_TEST_UNSET_SERVICE_9';

const WITH_ENV = `name: orders answers
expect:
  - spans: 'service = "\${env:${UNSET}}" && kind = server'
`;
const WITH_ENV_AND_MISTAKE = `name: orders answers
expect:
  - spans: 'service = "\${env:${UNSET}}" && kind = server'
    stauts: error
`;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tracecheck-validate-env-'));
  await writeFile(join(dir, 'env.yaml'), WITH_ENV);
  await writeFile(join(dir, 'mistake.yaml'), WITH_ENV_AND_MISTAKE);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function tracecheck(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    cwd: dir,
  };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

describe('tracecheck validate and an unset ${env:NAME}', () => {
  it('warns with file:line:col and exits 0 when nothing else is wrong', async () => {
    const out = await tracecheck(['validate', '--specs', 'env.yaml']);
    expect(out.stderr).toBe(
      `env.yaml:3:24 warning: environment variable "${UNSET}" is not set (checking the spec does not need its value, but judging does: set it where the tests run)\n`,
    );
    expect(out.stdout).toBe('OK: 1 spec with 1 expectation in 1 file (1 warning)\n');
    expect(out.code).toBe(0);
  });

  it('is quiet when the variable is set', async () => {
    const out = await tracecheck(['validate', '--specs', 'env.yaml'], { [UNSET]: 'orders' });
    expect(out).toEqual({ code: 0, stdout: 'OK: 1 spec with 1 expectation in 1 file\n', stderr: '' });
  });

  it('still exits 2 for a real problem, printing the warning too', async () => {
    const out = await tracecheck(['validate', '--specs', 'mistake.yaml']);
    expect(out.code).toBe(2);
    expect(out.stderr.split('\n')).toEqual([
      'mistake.yaml:4:5 unknown key "stauts" to a "spans" expectation (did you mean "status"?)',
      `mistake.yaml:3:24 warning: environment variable "${UNSET}" is not set (checking the spec does not need its value, but judging does: set it where the tests run)`,
      'tracecheck: 1 problem in 1 spec file; nothing was judged',
      '',
    ]);
  });

  it('is an error with --strict-env (exit 2)', async () => {
    const out = await tracecheck(['validate', '--strict-env', '--specs', 'env.yaml']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`env.yaml:3:24 environment variable "${UNSET}" is not set`);
    expect(out.stdout).toBe('');
  });

  it('is still an error for check, which needs the value to judge', async () => {
    const out = await tracecheck(['check', '--traces', 'none.jsonl', '--specs', 'env.yaml']);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain(`env.yaml:3:24 environment variable "${UNSET}" is not set`);
  });
});

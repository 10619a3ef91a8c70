// `tracecheck … | head -1`: the reader of a pipe exits early. Every command must then end quietly (no EPIPE stack
// trace) and keep its own exit code. Each test closes our end of a real OS pipe before tracecheck writes to it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tracecheck, writeCliFixtures } from './tracecheck-process.ts';


let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tracecheck-closed-pipe-'));
  await writeCliFixtures(dir);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a closed stdout pipe', () => {
  it.each([
    [['--help'], 0],
    [['help', 'run'], 0],
    [['--version'], 0],
    [['validate', '--specs', 'pass.yaml'], 0],
    [['check', '--traces', 'saved.jsonl', '--specs', 'pass.yaml', '--reporter', 'json'], 0],
    [['check', '--traces', 'saved.jsonl', '--specs', 'fail.yaml'], 1],
    [['run', '--specs', 'pass.yaml', '--', process.execPath, '-e', ''], 1],
  ])('tracecheck %j ends quietly with its own exit code', async (args, code) => {
    const out = await tracecheck(args, dir, { closeEarly: ['stdout'] });
    expect(out.stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
    expect(out.code).toBe(code);
  });

  it('stops tracecheck serve, which would otherwise run until a signal', async () => {
    const out = await tracecheck(['serve', '--http-port', '0', '--grpc-port', '0'], dir, { closeEarly: ['stdout'], deadlineMillis: 15_000 });
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
  });
});

describe('closed stdout and stderr pipes', () => {
  it("tracecheck run keeps the command's exit code", async () => {
    const out = await tracecheck(['run', '--specs', 'fail.yaml', '--', process.execPath, '-e', 'process.exitCode = 3'], dir, {
      closeEarly: ['stdout', 'stderr'],
    });
    expect(out.code).toBe(3);
  });

  it('tracecheck validate keeps exit code 2 for a usage error it cannot print', async () => {
    const out = await tracecheck(['validate', '--specs', 'missing.yaml'], dir, { closeEarly: ['stdout', 'stderr'] });
    expect(out.code).toBe(2);
  });
});

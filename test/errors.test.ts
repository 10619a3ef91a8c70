import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SpecInvalidError, TRACECHECK_ERROR_CODES, TracecheckError, type TracecheckErrorCode } from '../src/errors.ts';
import { loadSpecText } from '../src/language/index.ts';
import { SpanStore } from '../src/store/span-store.ts';
import { connectCollector, connectSuiteCollector, startCollector, SUITE_URL_ENV, type Collector } from '../src/testing/index.ts';

/**
 * Every error code names one condition tracecheck raises, and each has a case here that raises it. The record's
 * type makes a new code without a case a compile error (`npm run typecheck`), and the last test fails when the
 * list and the cases differ at run time.
 */

const collectors: Collector[] = [];

afterEach(async () => {
  await Promise.all(collectors.splice(0).map((c) => c.close()));
  vi.doUnmock('@opentelemetry/sdk-node');
  vi.resetModules();
});

async function collector(options: Parameters<typeof startCollector>[0]): Promise<Collector> {
  const started = await startCollector({ host: '127.0.0.1', ...options });
  collectors.push(started);
  return started;
}

/** What each code's case throws (or rejects with). */
const raises: Record<TracecheckErrorCode, () => unknown> = {
  TC_SPEC_INVALID: () => {
    const loaded = loadSpecText('name: x\nexpect: [{ slector: "{ kind = server }" }]\n', 'x.yaml', { env: {} });
    if (!loaded.ok) throw new SpecInvalidError(loaded.error);
  },
  TC_OPTION_INVALID: () => collector({ httpPort: 70_000, grpcPort: null }),
  TC_RUN_ID_INVALID: async () => (await collector({ httpPort: 0, grpcPort: null })).run('has space'),
  TC_NO_RECEIVER: async () => (await collector({ httpPort: 0, grpcPort: null })).grpcUrl,
  TC_LISTEN_FAILED: async () => {
    const first = await collector({ httpPort: 0, grpcPort: null });
    await collector({ httpPort: Number(new URL(first.httpUrl).port), grpcPort: null });
  },
  TC_COLLECTOR_URL_INVALID: () => connectCollector('localhost:4318'),
  TC_NO_SUITE_COLLECTOR: () => {
    vi.stubEnv(SUITE_URL_ENV, '');
    try {
      connectSuiteCollector();
    } finally {
      vi.unstubAllEnvs();
    }
  },
  TC_SDK_MISSING: async () => {
    vi.resetModules();
    vi.doMock('@opentelemetry/sdk-node', () => {
      throw new Error('Cannot find package @opentelemetry/sdk-node');
    });
    const { instrumentTestProcess } = await import('../src/testing/instrument-test-process.ts');
    await instrumentTestProcess({ collectorUrl: 'http://127.0.0.1:4318', runId: 'r' });
  },
  // vitest has no global `expect` (globals are off), as any runner but jest.
  TC_NOT_IN_JEST: () => import('../src/jest.ts'),
};

async function codeRaisedBy(act: () => unknown): Promise<string> {
  try {
    await act();
  } catch (error) {
    // Modules reloaded by a case (TC_SDK_MISSING) have their own copy of the class: read the shape, not instanceof.
    const { code, message, name } = error as TracecheckError;
    expect(name, String(error)).toMatch(/^(TracecheckError|SpecInvalidError)$/u);
    expect(message.startsWith(`${code}: `)).toBe(true);
    return code;
  }
  return 'nothing was thrown';
}

describe('tracecheck error codes', () => {
  it.each(Object.keys(raises))('%s is raised by its condition', async (code) => {
    expect(await codeRaisedBy(raises[code as TracecheckErrorCode])).toBe(code);
  });

  it('a spec problem error carries the problems', () => {
    const error = new SpecInvalidError([{ file: 'a.yaml', line: 2, col: 3, message: 'unknown key "x"' }]);
    expect(error).toBeInstanceOf(TracecheckError);
    expect(error.problems).toHaveLength(1);
    expect(error.message).toBe('TC_SPEC_INVALID: a.yaml:2:3 unknown key "x"');
  });

  it('a store cap out of range is an invalid option too', () => {
    expect(() => new SpanStore({ maxSpans: 0 })).toThrow(/^TC_OPTION_INVALID: /u);
  });

  it('lists exactly the codes that have a case, and docs/errors.md documents each', () => {
    expect([...TRACECHECK_ERROR_CODES].sort()).toEqual(Object.keys(raises).sort());
    const documented = [...readFileSync('docs/errors.md', 'utf8').matchAll(/^\| `(TC_[A-Z_]+)` \|/gmu)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...TRACECHECK_ERROR_CODES].sort());
  });
});

// Options as a user writes them: durations as strings (`timeout: '1s'`) beside the milliseconds forms, on every
// matcher and on run.expect; an unknown option is named as written, with a did-you-mean, never as a path of the
// spec the matcher built (`expect[0].timeout`). Real collector, real root spans from run.headers().
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCollector } from '../../src/testing/index.ts';
import type { Collector } from '../../src/testing/index.ts';
import { describeFailure, TEST_SERVICE_NAME } from '../../src/testing/index.ts';
import type { TestRun } from '../../src/testing/index.ts';
import { assertNoSpan, assertSpan } from '../../src/node-test.ts';
import '../../src/vitest.ts';

let collector: Collector;

beforeAll(async () => {
  collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null, log: () => {} });
});

afterAll(async () => {
  await collector?.close();
});

/** A run holding one root span, as after one request marked with run.headers(). */
function runWithRoot(): TestRun {
  const run = collector.run();
  run.headers();
  return run;
}

async function failureOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'passed',
    (error: unknown) => (error as Error).message,
  );
}

const rootSelector = `service = "${TEST_SERVICE_NAME}"`;

describe('duration options', () => {
  test('toHaveSpan, .not.toHaveSpan and toSatisfySpec take timeout and quiet as durations', async () => {
    const run = runWithRoot();
    await expect(run).toHaveSpan(rootSelector, { timeout: '1s' });
    await expect(run).not.toHaveSpan('status = error', { timeout: '2s', quiet: '50ms' });
    await expect(run).toSatisfySpec({ name: 'root', expect: [{ spans: rootSelector }] }, { timeout: 1000, quiet: '50ms' });
  });

  test('the duration is the deadline: a span that never comes fails after it, with the explanation', async () => {
    const run = runWithRoot();
    const started = performance.now();
    const message = await failureOf(expect(run).toHaveSpan('name = "never sent"', { timeout: '300ms' }));
    const elapsed = performance.now() - started;
    expect(message).toContain('did not satisfy the spec');
    expect(message).toContain('has span name = "never sent"');
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(3000);
  });

  test('run.expect, assertSpan and assertNoSpan take them too', async () => {
    const run = runWithRoot();
    const result = await run.expect({ name: 'root', expect: [{ spans: rootSelector }] }, { timeout: '1s', quiet: '50ms' });
    expect(result.problems).toEqual([]);
    expect(result.passed, describeFailure(result)).toBe(true);
    await assertSpan(run, rootSelector, { timeout: '1s' });
    await assertNoSpan(run, 'status = error', { timeout: '2s', quiet: '50ms' });
  });
});

describe('option problems name the option as written', () => {
  test('a misspelt engine option: unknown option, did you mean', async () => {
    const run = runWithRoot();
    const message = await failureOf(expect(run).toHaveSpan(rootSelector, { timout: '1s' } as never));
    expect(message).toContain('options are invalid');
    expect(message).toContain('at options.timout: unknown option "timout" (did you mean "timeout"?)');
    expect(message).not.toContain('expect[0]');
  });

  test('a misspelt expectation option of toHaveSpan: unknown option, did you mean', async () => {
    const run = runWithRoot();
    const message = await failureOf(expect(run).toHaveSpan(rootSelector, { atributes: { 'test.run.id': run.id } } as never));
    expect(message).toContain('at options.atributes: unknown option "atributes" (did you mean "attributes"?)');
    expect(message).not.toContain('expect[0]');
    const negated = await failureOf(expect(run).not.toHaveSpan(rootSelector, { timeot: '1s' } as never));
    expect(negated).toContain('at options.timeot: unknown option "timeot" (did you mean "timeout"?)');
  });

  test('a wrong value is named by its option; a duration without a unit says how to write it', async () => {
    const run = runWithRoot();
    const message = await failureOf(expect(run).toHaveSpan(rootSelector, { timeout: '1' }));
    expect(message).toMatch(/at options\.timeout: duration "1" has no unit/);
    const both = await failureOf(expect(run).toSatisfySpec({ name: 'root', expect: [{ spans: rootSelector }] }, { timeout: '1s', timeoutMillis: 1000 }));
    expect(both).toContain('at options.timeout: "timeout" and "timeoutMillis" set the same thing; give one');
  });

  test('run.expect never throws for bad options: the result carries the problems, nothing judged', async () => {
    const run = runWithRoot();
    const result = await run.expect({ name: 'root', expect: [{ spans: rootSelector }] }, { quite: '50ms' } as never);
    expect(result.passed).toBe(false);
    expect(result.specs).toEqual([]);
    expect(result.problems.map((p) => `${p.message} (${p.hint ?? ''})`)).toEqual(['at options.quite: unknown option "quite" (did you mean "quiet"?)']);
    expect(describeFailure(result)).toContain('tracecheck: the options are invalid (1 problem)');
  });

  test('a problem in the selector argument is named as the selector', async () => {
    const run = runWithRoot();
    const message = await failureOf(expect(run).toHaveSpan('sevice = "x"', { timeout: '1s' }));
    expect(message).toContain('the selector is invalid');
    expect(message).toMatch(/at selector: .*unknown field "sevice"/);
  });
});

describe('the default deadline follows the test\'s own timeout', () => {
  test('in a test with a 2 s timeout, a failing matcher explains itself before the runner gives up', { timeout: 2000 }, async () => {
    const run = runWithRoot();
    const started = performance.now();
    const message = await failureOf(expect(run).toHaveSpan('name = "never sent"'));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(message).toContain('has span name = "never sent"');
    expect(message).toMatch(/tracecheck waited at most 1\d{3} ms, what was left of the test's 2000 ms timeout/);
  });

  test('a timeout the user gives wins, and the message does not blame the test\'s timeout', { timeout: 5000 }, async () => {
    const run = runWithRoot();
    const message = await failureOf(expect(run).toHaveSpan('name = "never sent"', { timeout: '200ms' }));
    expect(message).toContain('timed out after 2');
    expect(message).not.toContain('tracecheck waited at most');
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { evaluateSpecs } from '../../src/engine/index.ts';
import type { RunResult } from '../../src/engine/index.ts';
import { startCollector, type Collector } from '../../src/server/index.ts';
import type { SpecDefinition } from '../../src/language/types.ts';
import { exportVia } from '../server/exporters.ts';
import { BASE_TIME_MILLIS, makeSdkSpans } from '../support/sdk-traces.ts';

let collector: Collector;
beforeEach(async () => {
  collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null });
});
afterEach(async () => {
  await collector.close();
});

/**
 * One trace in parts: the root and a first call, a second call, a late unwanted span, and a child of that
 * late span (sent early, it is an orphan until its parent arrives, and a run with an orphan cannot settle).
 */
async function recordTrace(): Promise<{ first: ReadableSpan[]; second: ReadableSpan[]; late: ReadableSpan[]; lateChild: ReadableSpan[] }> {
  const spans = await makeSdkSpans([
    { ref: 'root', name: 'POST /checkout', kind: 'server', service: 'frontend', start: BASE_TIME_MILLIS, end: BASE_TIME_MILLIS + 100 },
    { ref: 'a', parent: 'root', name: 'first', kind: 'client', service: 'frontend', start: BASE_TIME_MILLIS + 10, end: BASE_TIME_MILLIS + 20 },
    { ref: 'b', parent: 'root', name: 'second', kind: 'client', service: 'frontend', start: BASE_TIME_MILLIS + 30, end: BASE_TIME_MILLIS + 40 },
    { ref: 'late', parent: 'root', name: 'late', kind: 'internal', service: 'frontend', start: BASE_TIME_MILLIS + 50, end: BASE_TIME_MILLIS + 60 },
    { parent: 'late', name: 'late child', kind: 'internal', service: 'frontend', start: BASE_TIME_MILLIS + 51, end: BASE_TIME_MILLIS + 59 },
  ]);
  const [root, a, b, late, lateChild] = spans as [ReadableSpan, ReadableSpan, ReadableSpan, ReadableSpan, ReadableSpan];
  return { first: [root, a], second: [b], late: [late], lateChild: [lateChild] };
}

async function send(runId: string, spans: readonly ReadableSpan[]): Promise<void> {
  const result = await exportVia('http/protobuf', collector.httpUrl, spans, { headers: { 'x-test-run-id': runId } });
  expect(result.code).toBe(0);
}

/** Lets every queued change notification and evaluation pass run (they are scheduled with setImmediate). */
async function drainTurns(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

function track(promise: Promise<RunResult>): { done: () => boolean; result: Promise<RunResult> } {
  let finished = false;
  void promise.then(() => {
    finished = true;
  });
  return { done: () => finished, result: promise };
}

const positive: SpecDefinition = {
  name: 'both calls, in order',
  traces: { root: 'name = "POST /checkout"' },
  expect: [{ spans: 'name = "second"' }, { order: { first: 'name = "first"', then: 'name = "second"' } }],
};

describe('smart waiting on a live run', () => {
  it('resolves the moment the second batch lands, without waiting for the run to settle', async () => {
    const run = collector.run('wait-positive');
    const { first, second } = await recordTrace();
    // A quiet period far longer than the test: only the positive expectations holding can end the wait.
    const evaluation = track(evaluateSpecs([positive], run, { quietMillis: 60_000, timeoutMillis: 60_000 }));
    await send(run.id, first);
    await drainTurns();
    expect(run.spans()).toHaveLength(2);
    expect(evaluation.done()).toBe(false);
    await send(run.id, second);
    const result = await evaluation.result;
    expect(result.passed).toBe(true);
    expect(result.settled).toBe(false);
    expect(result.spanCount).toBe(3);
    expect(result.specs[0]?.expectations.map((e) => e.passed)).toEqual([true, true, true]);
  });

  it('judges an absence only once the run has settled, so a span that lands after the positives hold still fails it', async () => {
    const run = collector.run('wait-absence');
    const { first, second, late, lateChild } = await recordTrace();
    const spec: SpecDefinition = { ...positive, expect: [...(positive.expect ?? []), { spans: 'name = "late"', count: 'none' }] };
    const evaluation = track(evaluateSpecs([spec], run, { quietMillis: 100, timeoutMillis: 60_000 }));
    // The positive expectations hold after this batch, but its orphan keeps the run from settling, however
    // slow the machine: the absence cannot be judged yet.
    await send(run.id, [...first, ...second, ...lateChild]);
    await drainTurns();
    expect(evaluation.done()).toBe(false);
    await send(run.id, late);
    const result = await evaluation.result;
    expect(result.settled).toBe(true);
    expect(result.passed).toBe(false);
    const absence = result.specs[0]?.expectations[3];
    expect(absence?.passed).toBe(false);
    expect(absence?.message).toContain('expected no spans matching name = "late"');
    expect(absence?.message).toContain('found 1: frontend: late');
  });

  it('passes an absence after settling when the span never comes', async () => {
    const run = collector.run('wait-absence-ok');
    const { first, second } = await recordTrace();
    const spec: SpecDefinition = { ...positive, expect: [...(positive.expect ?? []), { spans: 'name = "late"', count: 'none' }] };
    const evaluation = evaluateSpecs([spec], run, { quietMillis: 200, timeoutMillis: 60_000 });
    await send(run.id, [...first, ...second]);
    const result = await evaluation;
    expect(result.settled).toBe(true);
    expect(result.passed).toBe(true);
  });

  it('at the deadline fails with what did arrive, saying it timed out', async () => {
    const run = collector.run('wait-timeout');
    const { first } = await recordTrace();
    // The first batch is in before the evaluation starts, so what the deadline sees does not depend on the
    // machine's speed; the second batch never comes.
    await send(run.id, first);
    const result = await evaluateSpecs([{ ...positive, timeout: '400ms' }], run, { quietMillis: 50, timeoutMillis: 60_000 });
    expect(result.passed).toBe(false);
    const missing = result.specs[0]?.expectations[1];
    expect(missing?.message).toContain('no span matched name = "second"');
    expect(missing?.message).toMatch(/timed out after \d+ms; saw 2 spans in 1 trace/);
    expect(missing?.nearMisses?.length).toBeGreaterThan(0);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { makeDecodedTraces, makeTrace } from '../../bench/evaluate.ts';
import { checksumSpans, measureWalks } from '../../bench/support/span-walk.ts';
import type { Span } from '../../src/model/span.ts';
import type { Trace } from '../../src/model/trace.ts';

/** The engine benchmarks' baseline (bench/support/span-walk.ts) must do its work, or the ratios beside it mean nothing. */
let traces: Trace[];

beforeAll(() => {
  traces = Array.from({ length: 600 }, (_, t) => makeTrace(t));
});

describe('the checksum walk the engine benchmarks compare with', () => {
  it('depends on every field it reads of every span, so no read can be dropped', () => {
    const whole = checksumSpans(traces);
    const trace = traces[7] as Trace;
    const span = trace.spans[42] as Span;
    const changed: Partial<Span>[] = [
      { kind: span.kind === 1 ? 2 : 1 },
      { status: { code: span.status.code === 2 ? 0 : 2, message: '' } },
      { name: `${span.name}x` },
      { parentSpanId: span.parentSpanId === undefined ? '0000000000000001' : undefined },
      { attributes: { ...span.attributes, 'http.route': `${String(span.attributes['http.route'])}/x` } },
    ];
    for (const change of changed) {
      const spans = trace.spans.map((s) => (s === span ? { ...s, ...change } : s));
      const other = traces.map((t) => (t === trace ? { ...t, spans } : t));
      expect(checksumSpans(other), Object.keys(change).join()).not.toBe(whole);
    }
    // And on how many spans it walks.
    expect(checksumSpans(traces, 30_000)).not.toBe(whole);
    expect(checksumSpans(traces, Infinity)).toBe(whole);
  });

  it('takes longer over more spans: at least twice as long over four times the spans', () => {
    const [small, large] = measureWalks(traces, [15_000, 60_000], { rounds: 3, roundMillis: 60 });
    if (small === undefined || large === undefined) throw new Error('no measurement');
    expect(small.millisPerWalk).toBeGreaterThan(0);
    // A walk V8 had removed would not grow at all. It may grow more than fourfold: where the smaller walk's spans
    // fit in the CPU's cache and the larger's do not, four times the spans took 14.9 times as long (an AMD EPYC VM,
    // 2026-12-04; 3 to 5 times on the machine before). The upper bound only catches a walk gone quadratic.
    expect(large.millisPerWalk / small.millisPerWalk).toBeGreaterThan(2);
    expect(large.millisPerWalk / small.millisPerWalk).toBeLessThan(64);
  });
});

describe("the evaluation bench's traces", () => {
  it('come through the OTLP/JSON decoder and the store with every span of the built ones, as check reads them', () => {
    const decoded = makeDecodedTraces(40);
    expect(decoded.map((t) => t.traceId)).toEqual(traces.slice(0, 40).map((t) => t.traceId));
    for (const [t, trace] of decoded.entries()) {
      const built = traces[t] as Trace;
      expect(trace.spans.map((s) => s.spanId)).toEqual(built.spans.map((s) => s.spanId));
      expect(trace.spans.map(plain)).toEqual(built.spans.map(plain));
    }
    // One resource object per export, as the decoder makes them: a service's spans of several traces share one.
    const resources = new Set(decoded.flatMap((t) => t.spans.map((s) => s.resource)));
    expect(resources.size).toBeGreaterThan(5);
    expect(resources.size).toBeLessThan(40);
  });
});

/** A span as data, its resource and scope by their attributes (the decoder makes its own objects). */
function plain(span: Span): unknown {
  return { ...span, resource: span.resource.attributes, scope: span.scope.name };
}

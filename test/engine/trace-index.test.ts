import { describe, expect, it } from 'vitest';
import { adjustClockSkew } from '../../src/engine/clock-skew.ts';
import { indexTrace } from '../../src/engine/trace-index.ts';
import type { Span } from '../../src/model/span.ts';
import type { Trace } from '../../src/model/trace.ts';
import { TraceAssembly } from '../../src/store/index.ts';
import { modelSpan, resourceOf, spanId, traceId } from '../store/model-spans.ts';

const T = traceId(0xdef);
const at = (ms: number): bigint => 1_700_000_000_000_000_000n + BigInt(ms) * 1_000_000n;

/** A span of a service, with a kind and an end. */
function serviceSpan(id: number, parent: number | undefined, kind: number, startMillis: number, endMillis: number, service: string): Span {
  const span = modelSpan({ traceId: T, spanId: spanId(id), ...(parent === undefined ? {} : { parentSpanId: spanId(parent) }), start: at(startMillis), resource: resourceOf(service) });
  return { ...span, kind, endTimeUnixNano: at(endMillis) };
}

function assemble(spans: readonly Span[]): Trace {
  const assembly = new TraceAssembly(T);
  for (const span of spans) assembly.add(span);
  return assembly.build();
}

/** Each span's parent position as the tree has it: the position of its node's parent, -1 for roots and orphans. */
function treeParents(trace: Trace): number[] {
  return trace.spans.map((span) => {
    const parent = trace.nodesBySpanId.get(span.spanId)?.parent?.span;
    return parent === undefined ? -1 : trace.spans.indexOf(parent);
  });
}

describe('the trace index', () => {
  it('gives each span the parent the tree gives it, for orphans, self-parents and broken cycles too', () => {
    const trace = assemble([
      modelSpan({ traceId: T, spanId: spanId(1), start: at(0) }),
      modelSpan({ traceId: T, spanId: spanId(2), parentSpanId: spanId(1), start: at(1) }),
      modelSpan({ traceId: T, spanId: spanId(3), parentSpanId: spanId(2), start: at(2) }),
      // A parent that never arrived.
      modelSpan({ traceId: T, spanId: spanId(4), parentSpanId: spanId(99), start: at(3) }),
      modelSpan({ traceId: T, spanId: spanId(5), parentSpanId: spanId(4), start: at(4) }),
      // Its own parent.
      modelSpan({ traceId: T, spanId: spanId(6), parentSpanId: spanId(6), start: at(5) }),
      // A cycle: 7 -> 8 -> 7, broken by the assembly at its earliest span.
      modelSpan({ traceId: T, spanId: spanId(7), parentSpanId: spanId(8), start: at(6) }),
      modelSpan({ traceId: T, spanId: spanId(8), parentSpanId: spanId(7), start: at(7) }),
    ]);
    expect(trace.orphans.map((node) => node.span.spanId)).toEqual([spanId(4), spanId(6), spanId(7)]);
    const expected = treeParents(trace);
    expect(expected).toEqual([-1, 0, 1, -1, 3, -1, -1, 6]);
    expect(Array.from(indexTrace(trace).parent)).toEqual(expected);
    // Roots and orphans in start order, the broken cycle's earliest span among the orphans, as the tree has them.
    expect(Array.from(indexTrace(trace).roots)).toEqual([0]);
    expect(Array.from(indexTrace(trace).orphans)).toEqual([3, 5, 6]);
  });

  it('lists roots and orphans in trace order, and every parent before its children, past ten positions too', () => {
    // Twelve orphans (parents never arrived) after a root with a child each: positions 0 to 24.
    const spans = [modelSpan({ traceId: T, spanId: spanId(1), start: at(0) })];
    for (let k = 0; k < 12; k++) {
      spans.push(modelSpan({ traceId: T, spanId: spanId(100 + k), parentSpanId: spanId(900 + k), start: at(1 + 2 * k) }));
      spans.push(modelSpan({ traceId: T, spanId: spanId(200 + k), parentSpanId: spanId(100 + k), start: at(2 + 2 * k) }));
    }
    const trace = assemble(spans);
    const index = indexTrace(trace);
    expect(Array.from(index.orphans)).toEqual(Array.from({ length: 12 }, (_, k) => 1 + 2 * k));
    expect(Array.from(index.roots)).toEqual([0]);
    expect(Array.from(index.parent)).toEqual(treeParents(trace));
    const placed = new Set<number>();
    for (const position of index.topDown) {
      const parent = index.parent[position] as number;
      expect(parent === -1 || placed.has(parent)).toBe(true);
      placed.add(position);
    }
    expect(placed.size).toBe(trace.spans.length);
  });

  it('of a clock-skew adjusted trace, follows the adjusted order', () => {
    const trace = assemble([
      serviceSpan(1, undefined, 2, 0, 100, 'web'),
      serviceSpan(2, 1, 3, 10, 50, 'web'),
      // The callee's clock runs 30 ms behind: its server span starts before the client span that called it.
      serviceSpan(3, 2, 2, -15, 5, 'api'),
      serviceSpan(4, 1, 1, 5, 8, 'web'),
    ]);
    const adjusted = adjustClockSkew(trace);
    expect(adjusted).not.toBe(trace);
    expect(adjusted.spans.map((span) => span.spanId)).not.toEqual(trace.spans.map((span) => span.spanId));
    expect(Array.from(indexTrace(adjusted).parent)).toEqual(treeParents(adjusted));
  });
});

import type { ExpectationResult, RunResult, SpanSummary, TraceTree } from '../../src/engine/results.ts';

/**
 * Hand-built results for pure formatting cases (layout, escaping, colour). Results the real engine produces
 * over real SDK traces are used where the engine is available.
 */

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

export function span(overrides: Partial<SpanSummary> & Pick<SpanSummary, 'spanId' | 'name'>): SpanSummary {
  return {
    traceId: TRACE_ID,
    parentSpanId: undefined,
    service: 'frontend',
    kind: 'server',
    status: 'unset',
    statusMessage: '',
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000182000000',
    durationMillis: 182,
    attributes: {},
    ...overrides,
  };
}

export const rootSpan = span({ spanId: '00f067aa0ba902b7', name: 'GET /checkout' });
export const clientSpan = span({
  spanId: '1111111111111111',
  parentSpanId: rootSpan.spanId,
  name: 'POST',
  kind: 'client',
  durationMillis: 120.4,
});
export const ordersSpan = span({
  spanId: '2222222222222222',
  parentSpanId: clientSpan.spanId,
  name: 'POST /orders',
  service: 'orders',
  kind: 'server',
  status: 'error',
  statusMessage: 'db down',
  durationMillis: 118.25,
});

export const checkoutTree: TraceTree = {
  traceId: TRACE_ID,
  roots: [
    {
      span: rootSpan,
      marked: false,
      children: [
        {
          span: clientSpan,
          marked: false,
          children: [
            { span: ordersSpan, marked: true, note: 'status = error', skewAdjustmentNanos: '3200000', children: [] },
          ],
        },
      ],
    },
  ],
};

export const failingExpectation: ExpectationResult = {
  name: 'orders answers without error',
  kind: 'noErrors',
  passed: false,
  message: '1 of 3 spans has status error: orders · POST /orders (db down)',
  expected: 'no span with status error',
  actual: '1 span with status error',
  spans: [ordersSpan],
  trace: checkoutTree,
  source: { file: 'specs/checkout.yaml', line: 12, col: 7 },
};

export const nearMissExpectation: ExpectationResult = {
  name: 'payments is called',
  kind: 'spans',
  passed: false,
  message: 'no span matched { service = "orders" && kind = client }',
  expected: 'at least 1 span',
  actual: '0 spans',
  spans: [],
  nearMisses: [{ span: ordersSpan, missedClauses: ['kind = client'] }],
  source: { file: 'specs/checkout.yaml', line: 16, col: 7 },
};

export const passingExpectation: ExpectationResult = {
  name: 'frontend serves GET /checkout',
  kind: 'spans',
  passed: true,
  message: '1 span matched',
  expected: 'at least 1 span',
  actual: '1 span',
  spans: [rootSpan],
  durationMillis: 0.4,
};

export function sampleRunResult(): RunResult {
  return {
    runId: 'run-7f3a',
    passed: false,
    specs: [
      {
        name: 'checkout crosses three services',
        file: 'specs/checkout.yaml',
        source: { file: 'specs/checkout.yaml', line: 1, col: 1 },
        passed: false,
        matchedTraceCount: 1,
        expectations: [passingExpectation, failingExpectation, nearMissExpectation],
        durationMillis: 12.5,
      },
      {
        name: 'health is quiet',
        passed: true,
        matchedTraceCount: 2,
        expectations: [{ ...passingExpectation, name: 'no errors anywhere', kind: 'noErrors' }],
        durationMillis: 1,
      },
    ],
    spanCount: 3,
    traceCount: 1,
    settled: true,
    notes: [],
    durationMillis: 1240,
  };
}

import { describe, expect, it } from 'vitest';
import { createReporter, toJsonReport, type JsonReport } from '../../src/report/index.ts';
import { ordersSpan, sampleRunResult } from './sample-results.ts';

describe('json reporter', () => {
  const parsed = JSON.parse(createReporter('json').render(sampleRunResult())) as JsonReport;

  it('writes the documented top level', () => {
    expect(Object.keys(parsed)).toEqual([
      'version', 'runId', 'passed', 'settled', 'spanCount', 'traceCount', 'durationMillis', 'summary', 'notes', 'specs',
    ]);
    expect(parsed).toMatchObject({ version: 2, runId: 'run-7f3a', passed: false, settled: true, spanCount: 3, traceCount: 1 });
    expect(parsed.summary).toEqual({
      specs: { total: 2, passed: 1, failed: 1 },
      expectations: { total: 4, passed: 2, failed: 2, warnings: 0 },
    });
  });

  it('writes each spec with name, file and passed, null where a spec has no file', () => {
    expect(parsed.specs.map((s) => [s.name, s.file, s.passed])).toEqual([
      ['checkout crosses three services', 'specs/checkout.yaml', false],
      ['health is quiet', null, true],
    ]);
    expect(parsed.specs[1]!.source).toBeNull();
  });

  it('writes each expectation with message, expected, actual, span ids, near misses and source position', () => {
    const failing = parsed.specs[0]!.expectations[1]!;
    expect(failing).toMatchObject({
      name: 'orders answers without error',
      kind: 'noErrors',
      passed: false,
      message: '1 of 3 spans has status error: orders · POST /orders (db down)',
      expected: 'no span with status error',
      actual: '1 span with status error',
      spanIds: [ordersSpan.spanId],
      source: { file: 'specs/checkout.yaml', line: 12, col: 7 },
    });
    expect(failing.trace?.roots[0]?.children[0]?.children[0]?.marked).toBe(true);
    const miss = parsed.specs[0]!.expectations[2]!;
    expect(miss.nearMisses).toEqual([
      { spanId: ordersSpan.spanId, traceId: ordersSpan.traceId, span: ordersSpan, missedClauses: ['kind = client'] },
    ]);
    expect(miss.trace).toBeNull();
    for (const spec of parsed.specs) {
      for (const e of spec.expectations) {
        expect(Object.keys(e)).toEqual([
          'name', 'kind', 'passed', 'severity', 'message', 'expected', 'actual', 'source', 'spanIds', 'spans', 'nearMisses', 'trace', 'shapeDiff',
        ]);
      }
    }
  });

  it('renders exactly the object toJsonReport returns', () => {
    expect(parsed).toEqual(JSON.parse(JSON.stringify(toJsonReport(sampleRunResult()))));
  });

  it('keeps each run note structured: its code, message and diagnostic', () => {
    const note = {
      code: 'propagation-broken',
      message: 'gateway → orders: orders started a new trace; likely cause: no propagator on gateway',
      diagnostic: { traceId: ordersSpan.traceId, spanIds: ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb'], callerService: 'gateway', calleeService: 'orders', cause: 'no-propagator' },
    } as const;
    const report = JSON.parse(createReporter('json').render({ ...sampleRunResult(), notes: [note] })) as JsonReport;
    expect(report.notes).toEqual([note]);
  });
});

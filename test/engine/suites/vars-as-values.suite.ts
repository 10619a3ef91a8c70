import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../../src/engine/index.ts';
import { GENERATE_CODE_AFTER_SPANS } from '../../../src/engine/selectors/generated.ts';
import type { Trace } from '../../../src/model/trace.ts';
import { decodeExportRequestJson } from '../../../src/otlp/decode-json.ts';
import type { SpecDefinition } from '../../../src/language/types.ts';
import { assemble } from '../checkout-trace.ts';
import { spanId, traceId } from '../../store/model-spans.ts';
import type { Implementation } from './implementations.ts';

/** The tests of vars-as-values, run against one implementation. */
export function runVarsAsValuesSuite(impl: Implementation): void {
  describe(impl.name, () => {
  /*
   * A `vars:` value (and an environment variable) inside a quoted selector string stands for its value, as a captured
   * value does: a quote or a backslash in it needs no escaping. Each trace:
   *
   *   web     checkout (server, root)     note = 'C:\stuff "quoted"'
   *   orders  reserve "stock" (internal)  order.id = 'o-"17"\x'
   *   orders  charge (client)             link to checkout, why = 'because "x"'
   *
   * Enough traces that selectors reach generated code, also those that look only at a span group.
   */
  const TRACES = GENERATE_CODE_AFTER_SPANS + 100;
  const NOTE = 'C:\\stuff "quoted"';
  const ORDER_ID = 'o-"17"\\x';
  const RESERVE = 'reserve "stock"';

  const text = (value: string): object => ({ stringValue: value });
  const attributes = (entries: Record<string, object>): object[] => Object.entries(entries).map(([key, value]) => ({ key, value }));

  let traces: readonly Trace[];

  beforeAll(() => {
    const web: object[] = [];
    const orders: object[] = [];
    const base = 1_700_000_000_000_000_000n;
    for (let t = 0; t < TRACES; t++) {
      const id = traceId(t + 1);
      const span = (k: number, name: string, kind: number, startMillis: number, endMillis: number, extra: object): object => ({
        traceId: id,
        spanId: spanId(t * 10 + k),
        ...(k === 1 ? {} : { parentSpanId: spanId(t * 10 + 1) }),
        name,
        kind,
        startTimeUnixNano: String(base + BigInt(t * 1000 + startMillis) * 1_000_000n),
        endTimeUnixNano: String(base + BigInt(t * 1000 + endMillis) * 1_000_000n),
        ...extra,
      });
      web.push(span(1, 'checkout', 2, 0, 10, { attributes: attributes({ note: text(NOTE) }) }));
      orders.push(
        span(2, RESERVE, 1, 1, 2, { attributes: attributes({ 'order.id': text(ORDER_ID) }) }),
        span(3, 'charge', 3, 3, 4, { links: [{ traceId: id, spanId: spanId(t * 10 + 1), attributes: attributes({ why: text('because "x"') }) }] }),
      );
    }
    const request = {
      resourceSpans: [
        { resource: { attributes: attributes({ 'service.name': text('web') }) }, scopeSpans: [{ scope: { name: 's' }, spans: web }] },
        { resource: { attributes: attributes({ 'service.name': text('orders') }) }, scopeSpans: [{ scope: { name: 's' }, spans: orders }] },
      ],
    };
    const decoded = decodeExportRequestJson(JSON.stringify(request));
    if (!decoded.ok) throw new Error(decoded.error.message);
    traces = assemble(decoded.value.spans);
    expect(traces.length).toBe(TRACES);
  });

  function failures(result: RunResult): string[] {
    return result.specs.flatMap((spec) => spec.expectations.filter((e) => !e.passed).map((e) => `${spec.name}: ${e.name}: ${e.message}`));
  }

  /** The same expectations, whatever defines the variables they use. */
  const expectations: SpecDefinition['expect'] = [
    { spans: 'span.order.id = "${var:id}"', count: 1 },
    { spans: 'name = "${var:reserve}" && service = "orders"', count: 1 },
    { spans: 'name =~ "^${var:reserve}$" && span.order.id != "${var:note}"', count: 1 },
    { spans: 'span.note contains "${var:note}" && root', count: 1 },
    { spans: 'kind = client', links: [{ to: 'span.note = "${var:note}"', attributes: { why: 'because "x"' } }] },
    { spans: '{ span.note = "${var:note}" } > { span.order.id = "${var:id}" }', count: 1 },
    { order: { first: 'name = "${var:reserve}"', then: '!(span.order.id = "${var:id}") && kind = client' } },
    { sequence: ['span.note = "${var:note}"', 'name = "${var:reserve}"'], relation: 'starts-before' },
    { budget: { spans: 'span.order.id = "${var:id}"', max: '1s' } },
    { noErrors: 'name = "${var:reserve}" || span.order.id = "${var:id}"' },
    { propagates: { from: 'span.note = "${var:note}"', to: 'span.order.id = "${var:id}"' } },
  ];

  describe('vars in quoted selector strings are values', () => {
    it('in every kind of selector and in traces, judged trace after trace into generated code', () => {
      const result = impl.evaluateNow(
        [
          {
            name: 'spec vars',
            vars: { id: ORDER_ID, reserve: RESERVE, note: NOTE },
            traces: { root: 'span.note = "${var:note}"', where: 'name = "${var:reserve}"', count: TRACES },
            expect: expectations,
          },
        ],
        traces,
      );
      expect(failures(result)).toEqual([]);
      expect(result.specs[0]?.matchedTraceCount).toBe(TRACES);
    });

    it('as the same values captured from the spans are, in templates and in selectors that cannot be templates', () => {
      const result = impl.evaluateNow(
        [
          {
            name: 'captured',
            traces: { root: 'kind = server', count: TRACES },
            expect: [{ spans: 'kind = internal', capture: { id: 'span.order.id', reserve: 'name' } }, { spans: 'root', capture: { note: 'span.note' } }, ...expectations],
          },
        ],
        traces,
      );
      expect(failures(result)).toEqual([]);
    });

    it('as environment variables in quoted strings are', () => {
      const result = impl.evaluateNow(
        [{ name: 'env', traces: { root: 'span.note = "${env:NOTE}"', count: TRACES }, expect: [{ spans: 'span.order.id = "${env:ORDER_ID}"', count: 1 }] }],
        traces,
        { env: { NOTE, ORDER_ID } },
      );
      expect(failures(result)).toEqual([]);
    });

    it('and they have teeth: another value selects nothing', () => {
      const result = impl.evaluateNow([{ name: 'other', vars: { id: 'o-"18"\\x' }, expect: [{ spans: 'span.order.id = "${var:id}"' }] }], traces);
      expect(failures(result)).toEqual([`other: spans span.order.id = "\${var:id}": no span matched span.order.id = "o-\\"18\\"\\\\x" in ${TRACES} traces`]);
    });
  });

  });
}

// The html reporter's page as text: its data embedded once and safely, over real SDK spans judged by the engine.
// What the page draws is tested in chromium (html-report.browser.test.ts, test/server/ui-live.browser.test.ts).
import { describe, expect, it } from 'vitest';
import { evaluateSpecsNow, viewTraces } from '../../src/engine/index.ts';
import { createHtmlReporter, createReporter, jsonForScript, type HtmlReportData } from '../../src/report/index.ts';
import { SpanStore } from '../../src/store/index.ts';
import { BASE_TIME_MILLIS, makeTrace, type SdkSpanSpec } from '../support/sdk-traces.ts';

const t = (ms: number) => BASE_TIME_MILLIS + ms;

async function tracesOf(specs: readonly SdkSpanSpec[]) {
  const store = new SpanStore();
  store.ingest(await makeTrace(specs), { transport: 'memory', runId: 'html' });
  return store.run('html').traces();
}

function dataOf(html: string): HtmlReportData {
  const scripts = [...html.matchAll(/<script type="application\/json" id="tc-data">(.*?)<\/script>/gsu)];
  expect(scripts).toHaveLength(1);
  return JSON.parse(scripts[0]![1]!) as HtmlReportData;
}

describe('the html reporter', () => {
  it('embeds the result and the traces once, so that no value can end the script or open a comment', async () => {
    const hostile = '</script><script>alert(1)</script><!-- \u2028';
    const traces = await tracesOf([
      { ref: 'edge', name: 'POST /checkout', kind: 'server', service: 'gateway', attributes: { 'note': hostile } },
      { parent: 'edge', name: hostile, kind: 'client', service: 'gateway', status: { code: 'error', message: hostile } },
    ]);
    const result = evaluateSpecsNow([{ name: hostile, expect: [{ noErrors: true }] }], traces);
    const html = createReporter('html', { traces: viewTraces(traces) }).render(result);
    // The only closing tags are the page's own: the data's `<` are all escaped.
    expect(html.match(/<\/script/gu)).toHaveLength(2);
    expect(html).not.toContain('<!-- ');
    const data = dataOf(html);
    expect(data.result?.specs[0]?.name).toBe(hostile);
    expect(data.traces[0]?.spans.map((s) => s.name).sort()).toEqual([hostile, 'POST /checkout'].sort());
    expect(data.traces[0]?.spans.find((s) => s.name === 'POST /checkout')?.attributes['note']).toBe(hostile);
    expect(JSON.parse(jsonForScript(hostile))).toBe(hostile);
    // The failure's span is written once, in the traces; the result refers to it.
    const errorSpan = data.traces[0]!.spans.find((s) => s.status === 'error')!;
    const failure = data.result!.specs[0]!.expectations.find((e) => !e.passed)!;
    expect(failure.spans).toEqual([{ $span: errorSpan.spanId }]);
    expect(result.specs[0]!.expectations.find((e) => !e.passed)!.spans[0]!.spanId).toBe(errorSpan.spanId);
  });

  it('gives the spans with their events and links, and marks those moved for clock skew', async () => {
    const traces = await tracesOf([
      { ref: 'edge', name: 'POST /checkout', kind: 'server', service: 'gateway', start: t(0), end: t(200) },
      { ref: 'call', parent: 'edge', name: 'POST /orders', kind: 'client', service: 'gateway', start: t(50), end: t(150) },
      // orders' clock is 5 s behind: the engine centres its span inside the call, and the report says so.
      { ref: 'orders', parent: 'call', name: 'POST /orders', kind: 'server', service: 'orders', start: t(-4940), end: t(-4880), events: [{ name: 'exception', attributes: { 'exception.type': 'Timeout' }, time: t(-4900) }] },
      { parent: 'orders', name: 'audit', service: 'orders', start: t(-4930), end: t(-4890), links: [{ to: 'edge', attributes: { 'link.kind': 'cause' } }] },
    ]);
    const views = viewTraces(traces);
    const data = dataOf(createHtmlReporter({ traces: views, title: 'skewed' }).render(evaluateSpecsNow([], traces)));
    expect(data.title).toBe('skewed');
    const byName = (service: string, name: string) => data.traces[0]!.spans.find((s) => s.service === service && s.name === name)!;
    expect(byName('orders', 'POST /orders').skewAdjustmentNanos).toBe('5010000000');
    expect(byName('orders', 'audit').skewAdjustmentNanos).toBe('5010000000');
    expect(byName('gateway', 'POST /orders').skewAdjustmentNanos).toBeUndefined();
    // Adjusted times: the server span now starts 70 ms into the trace, inside its caller's client span.
    expect(byName('orders', 'POST /orders').startTimeUnixNano).toBe((BigInt(t(70)) * 1_000_000n).toString());
    expect(byName('orders', 'POST /orders').events).toEqual([{ name: 'exception', timeUnixNano: expect.any(String), attributes: { 'exception.type': 'Timeout' } }]);
    expect(byName('orders', 'audit').links).toEqual([{ traceId: data.traces[0]!.traceId, spanId: byName('gateway', 'POST /checkout').spanId, attributes: { 'link.kind': 'cause' } }]);
  });
});

// Every maker of model spans constructs SpanRecord (src/model/span.ts), never an object literal: V8 pretenures a
// literal's allocation site once most of its objects survive, which cost decoding a third of its speed
// (src/v8-shapes.ts), and spans of one class keep the code that reads them monomorphic. A maker that goes back to a
// literal or a spread copy fails here, named.
import { describe, expect, it } from 'vitest';
import { adjustClockSkew, skewAdjustmentOf } from '../../src/engine/clock-skew.ts';
import { SpanRecord } from '../../src/model/index.ts';
import type { Span } from '../../src/model/index.ts';
import { decodeExportRequestJson, decodeExportRequestProtobuf } from '../../src/otlp/index.ts';
import { createRootSpan } from '../../src/protocol/index.ts';
import { compileRedaction } from '../../src/server/index.ts';
import { SpanStore } from '../../src/store/index.ts';
import { BASE_TIME_MILLIS, makeSdkSpans, makeTrace, sdkExportRequestBytes } from '../support/sdk-traces.ts';

const t = (ms: number): number => BASE_TIME_MILLIS + ms;

function decodedSpans(result: ReturnType<typeof decodeExportRequestJson>): readonly Span[] {
  if (!result.ok) throw new Error(`decode failed: ${result.error.message}`);
  return result.value.spans;
}

describe('SpanRecord: the one class of model spans', () => {
  it('is what both decoders make, with every member an own enumerable property as before', async () => {
    const sdkSpans = await makeSdkSpans([
      { ref: 'root', name: 'GET /', kind: 'server', service: 'web', attributes: { 'http.response.status_code': 200 } },
      { parent: 'root', name: 'SELECT', kind: 'client', service: 'web' },
    ]);
    for (const spans of [decodedSpans(decodeExportRequestProtobuf(sdkExportRequestBytes(sdkSpans, 'protobuf'))), decodedSpans(decodeExportRequestJson(sdkExportRequestBytes(sdkSpans, 'json')))]) {
      expect(spans).toHaveLength(2);
      for (const span of spans) {
        expect(span).toBeInstanceOf(SpanRecord);
        // Spreading, JSON and Object.keys see the members, as they did with literals.
        expect(Object.keys(span)).toEqual([
          'traceId', 'spanId', 'parentSpanId', 'traceState', 'name', 'kind', 'startTimeUnixNano', 'endTimeUnixNano', 'attributes',
          'droppedAttributesCount', 'events', 'droppedEventsCount', 'links', 'droppedLinksCount', 'status', 'flags', 'resource', 'scope',
        ]);
      }
    }
  });

  it('is what the clock-skew correction makes of the spans it moves', async () => {
    const store = new SpanStore();
    store.ingest(
      await makeTrace([
        { ref: 'call', name: 'POST /orders', kind: 'client', service: 'gateway', start: t(50), end: t(150) },
        // orders' clock is 5 s behind.
        { parent: 'call', name: 'POST /orders', kind: 'server', service: 'orders', start: t(-4940), end: t(-4880) },
      ]),
      { transport: 'memory', runId: 'skew' },
    );
    const adjusted = adjustClockSkew(store.run('skew').traces()[0]!);
    const moved = adjusted.spans.filter((span) => skewAdjustmentOf(span, adjusted) !== undefined);
    expect(moved).toHaveLength(1);
    expect(moved[0]).toBeInstanceOf(SpanRecord);
  });

  it('is the run root span, and what redaction makes of a span it changes', async () => {
    expect(createRootSpan('run-1').span).toBeInstanceOf(SpanRecord);
    const [span] = await makeTrace([{ name: 'GET /', kind: 'server', service: 'web', attributes: { 'user.email': 'ann@example.com' } }]);
    const redactor = compileRedaction({ patterns: ['email'] });
    if (!redactor.ok) throw new Error(redactor.error.join('\n'));
    const [redacted] = redactor.value.redact([span as Span]);
    expect(redacted).not.toBe(span);
    expect(redacted).toBeInstanceOf(SpanRecord);
    expect(redacted?.attributes['user.email']).not.toBe('ann@example.com');
  });
});

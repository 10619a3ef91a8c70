import { describe, expect, it } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { decodeExportRequestJson, decodeExportRequestProtobuf } from '../../src/otlp/index.ts';
import type { OtlpEncoding } from '../../src/otlp/index.ts';
import { makeSdkSpans, sdkExportRequestBytes } from '../support/sdk-traces.ts';

// The decoders reuse the previous span's trace id and parent id strings when the next span repeats them; spans of
// interleaved traces and changing parents must still get exactly their own ids.
async function interleavedSpans(): Promise<ReadableSpan[]> {
  return makeSdkSpans([
    { ref: 'a', name: 'a root' },
    { ref: 'b', name: 'b root' },
    { ref: 'a1', name: 'a child 1', parent: 'a' },
    { ref: 'a2', name: 'a child 2', parent: 'a' },
    { ref: 'b1', name: 'b child', parent: 'b' },
    { ref: 'a11', name: 'a grandchild', parent: 'a1' },
    { ref: 'a3', name: 'a child 3', parent: 'a' },
    { ref: 'c', name: 'c root' },
    { ref: 'b2', name: 'b child 2', parent: 'b' },
  ]);
}

describe.each(['json', 'protobuf'] as const)('%s decoder: repeated and changing ids', (encoding: OtlpEncoding) => {
  it('gives every span its own trace, span and parent ids', async () => {
    const sdkSpans = await interleavedSpans();
    const body = sdkExportRequestBytes(sdkSpans, encoding);
    const result = encoding === 'json' ? decodeExportRequestJson(body) : decodeExportRequestProtobuf(body);
    if (!result.ok) throw new Error(result.error.message);
    const decoded = new Map(result.value.spans.map((s) => [s.name, s]));
    expect(decoded.size).toBe(sdkSpans.length);
    expect(new Set(sdkSpans.map((s) => s.spanContext().traceId)).size).toBe(3);
    for (const sdk of sdkSpans) {
      const span = decoded.get(sdk.name);
      expect(span, sdk.name).toBeDefined();
      expect(span?.traceId, sdk.name).toBe(sdk.spanContext().traceId);
      expect(span?.spanId, sdk.name).toBe(sdk.spanContext().spanId);
      expect(span?.parentSpanId, sdk.name).toBe(sdk.parentSpanContext?.spanId);
    }
  });
});

describe('JSON decoder: ids that are not lower-case hex', () => {
  it('lower-cases upper-case ids, also when the next span repeats them in lower case', () => {
    const trace = '0AF7651916CD43DD8448EB211C80319C';
    const parent = '00F067AA0BA902B7';
    const span = (spanId: string, traceId: string, parentSpanId: string): unknown => ({ traceId, spanId, parentSpanId, name: spanId });
    const body = JSON.stringify({
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                span('1111111111111111', trace, parent),
                span('2222222222222222', trace.toLowerCase(), parent.toLowerCase()),
                span('3333333333333333', trace, parent),
                span('4444444444444444', trace.toLowerCase(), ''),
              ],
            },
          ],
        },
      ],
    });
    const result = decodeExportRequestJson(body);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.spans.map((s) => [s.traceId, s.parentSpanId])).toEqual([
      [trace.toLowerCase(), parent.toLowerCase()],
      [trace.toLowerCase(), parent.toLowerCase()],
      [trace.toLowerCase(), parent.toLowerCase()],
      [trace.toLowerCase(), undefined],
    ]);
  });
});

// encodeSpansAsOtlpProtobuf (what --forward sends) against the decoder and the real SDK's serializer.
import { describe, expect, it } from 'vitest';
import { decodeExportRequestProtobuf, encodeSpansAsOtlpProtobuf } from '../../src/otlp/index.ts';
import { makeTrace } from '../support/sdk-traces.ts';

describe('encodeSpansAsOtlpProtobuf', () => {
  it('round-trips real SDK spans exactly: 64-bit times and ints, bytes, doubles, arrays, kvlists, events, links, status', async () => {
    const spans = await makeTrace([
      {
        ref: 'root',
        name: 'GET /',
        kind: 'server',
        service: 'web',
        attributes: { big: 9_007_199_254_740_992, negative: -42, ratio: 0.25, ok: true, tags: ['a', 'b'], raw: new Uint8Array([0, 255]) },
        events: [{ name: 'retry', attributes: { attempt: 2 } }],
        status: { code: 'error', message: 'boom' },
      },
      { parent: 'root', name: 'child', kind: 'client', service: 'db', links: [{ to: 'root', attributes: { why: 'follows' } }] },
    ]);
    const decoded = decodeExportRequestProtobuf(encodeSpansAsOtlpProtobuf(spans));
    if (!decoded.ok) throw new Error(decoded.error.message);
    expect(decoded.value.rejectedSpans).toBe(0);
    expect(decoded.value.spans).toEqual(spans);
    // One ResourceSpans per resource object, as the exporter sent them.
    expect(new Set(decoded.value.spans.map((s) => s.resource)).size).toBe(2);
  });
});

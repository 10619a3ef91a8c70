import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { emptyAttributes } from '../../src/model/attribute-value.ts';
import type { Resource, Span } from '../../src/model/span.ts';
import { decodeExportRequestJson, encodeExportResponse, encodeRpcStatus, encodeSpansAsOtlpJson, otlpProtoRoot } from '../../src/otlp/index.ts';
import { makeTrace } from '../support/sdk-traces.ts';

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

describe('encodeExportResponse', () => {
  it('is empty without a partial success: zero protobuf bytes, {} in JSON', () => {
    expect(encodeExportResponse('protobuf')).toHaveLength(0);
    expect(text(encodeExportResponse('json'))).toBe('{}');
    expect(encodeExportResponse('protobuf', { rejectedSpans: 0, errorMessage: '' })).toHaveLength(0);
    expect(ProtobufTraceSerializer.deserializeResponse(encodeExportResponse('protobuf'))).toEqual({});
  });

  it('carries a partial success that the real SDK exporters read back', () => {
    const partial = { rejectedSpans: 3, errorMessage: '3 spans rejected: trace id is 15 bytes, must be 16' };
    const fromProto = ProtobufTraceSerializer.deserializeResponse(encodeExportResponse('protobuf', partial));
    expect(fromProto.partialSuccess?.errorMessage).toBe(partial.errorMessage);
    expect(Number(fromProto.partialSuccess?.rejectedSpans)).toBe(3);
    const json = encodeExportResponse('json', partial);
    expect(JSON.parse(text(json))).toEqual({ partialSuccess: { rejectedSpans: '3', errorMessage: partial.errorMessage } });
    expect(JsonTraceSerializer.deserializeResponse(json).partialSuccess?.errorMessage).toBe(partial.errorMessage);
  });
});

describe('encodeRpcStatus', () => {
  it('writes google.rpc.Status in both encodings', () => {
    const status = otlpProtoRoot().lookupType('google.rpc.Status');
    const decoded = status.toObject(status.decode(encodeRpcStatus('protobuf', 3, 'invalid OTLP protobuf: payload truncated')));
    expect(decoded).toEqual({ code: 3, message: 'invalid OTLP protobuf: payload truncated' });
    expect(text(encodeRpcStatus('json', 3, 'bad "quote"'))).toBe('{"code":3,"message":"bad \\"quote\\""}');
  });
});

describe('encodeSpansAsOtlpJson', () => {
  it('round-trips real spans through decodeExportRequestJson, grouping by resource and scope', async () => {
    const spans = await makeTrace([
      { ref: 'a', name: 'GET /', kind: 'server', service: 'web', attributes: { n: 1, arr: ['x'], b: new Uint8Array([9]) }, events: [{ name: 'e', attributes: { k: 2 } }] },
      { ref: 'b', parent: 'a', name: 'call', kind: 'client', service: 'web', links: [{ to: 'a' }], status: { code: 'error', message: 'no' } },
      { parent: 'b', name: 'handle', kind: 'server', service: 'api', scope: { name: 'other', version: '2' } },
    ]);
    const request = encodeSpansAsOtlpJson(spans);
    expect(request.resourceSpans).toHaveLength(2);
    expect(request.resourceSpans[0]?.scopeSpans[0]?.spans).toHaveLength(2);
    const first = request.resourceSpans[0]?.scopeSpans[0]?.spans[0];
    expect(typeof first?.['startTimeUnixNano']).toBe('string');
    expect(first?.['parentSpanId']).toBeUndefined();
    const again = decodeExportRequestJson(JSON.stringify(request));
    if (!again.ok) throw new Error(again.error.message);
    expect(again.value.spans).toEqual(spans);
  });

  it('writes values JSON cannot hold natively without losing them', () => {
    const resource: Resource = { attributes: emptyAttributes(), droppedAttributesCount: 0, schemaUrl: '' };
    const attributes = emptyAttributes();
    Object.assign(attributes, { big: 9_007_199_254_740_993n, nan: Number.NaN, inf: Number.NEGATIVE_INFINITY, none: null, nested: [{ k: 1n }] });
    const span: Span = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      parentSpanId: '00f067aa0ba902b7',
      traceState: 'a=b',
      name: 'x',
      kind: 1,
      startTimeUnixNano: 18_446_744_073_709_551_615n,
      endTimeUnixNano: 18_446_744_073_709_551_615n,
      attributes,
      droppedAttributesCount: 1,
      events: [],
      droppedEventsCount: 2,
      links: [],
      droppedLinksCount: 3,
      status: { code: 1, message: '' },
      flags: 0x301,
      resource,
      scope: { name: 's', version: '', attributes: emptyAttributes(), droppedAttributesCount: 0, schemaUrl: '' },
    };
    const json = JSON.stringify(encodeSpansAsOtlpJson([span]));
    expect(json).toContain('"intValue":"9007199254740993"');
    expect(json).toContain('"doubleValue":"NaN"');
    const again = decodeExportRequestJson(json);
    if (!again.ok) throw new Error(again.error.message);
    expect(again.value.spans).toEqual([span]);
  });
});

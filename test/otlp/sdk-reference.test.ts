import { TraceState } from '@opentelemetry/core';
import { describe, expect, it } from 'vitest';
import type { Span } from '../../src/model/span.ts';
import { decodeExportRequestJson, decodeExportRequestProtobuf, encodeSpansAsOtlpJson } from '../../src/otlp/index.ts';
import { makeSdkSpans, sdkExportRequestBytes } from '../support/sdk-traces.ts';
import type { SdkSpanSpec } from '../support/sdk-traces.ts';
import { expectedSpan } from './sdk-expectations.ts';

/** Every attribute type the SDK accepts on spans (API 1.10 / SDK 3.x take any AnyValue, incl. bytes and maps). */
const everyAttributeType = {
  'str': 'hello ✓ ünïcode',
  'empty.str': '',
  'bool.true': true,
  'bool.false': false,
  'int': 42,
  'int.negative': -7,
  'int.large': 2 ** 52 + 1,
  'double': 3.25,
  'double.negative': -0.5,
  'arr.str': ['a', 'b', ''],
  'arr.bool': [true, false],
  'arr.int': [1, 2, 3],
  'arr.double': [1.5, 2.5],
  'arr.empty': [],
  'bytes': new Uint8Array([0, 1, 2, 254, 255]),
  'map': { inner: 'x', n: 5, deeper: { list: [1, 'two', true] } },
};

const remoteParent = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: 1,
  isRemote: true,
  traceState: new TraceState('vendor=abc,other=1'),
};

const specs: SdkSpanSpec[] = [
  {
    ref: 'root',
    name: 'GET /checkout',
    kind: 'server',
    service: 'frontend',
    attributes: everyAttributeType,
    start: [1_700_000_000, 123_456_789],
    end: [1_700_000_001, 987_654_321],
    events: [
      { name: 'cache.miss', attributes: { key: 'cart:1', size: 3, ratio: 0.5, hit: false, tags: ['a'] }, time: [1_700_000_000, 200_000_001] },
      { name: 'plain', time: [1_700_000_000, 300_000_002] },
    ],
    status: { code: 'ok' },
  },
  {
    ref: 'db',
    parent: 'root',
    name: 'SELECT orders',
    kind: 'client',
    service: 'orders',
    scope: { name: '@acme/db', version: '2.1.0', schemaUrl: 'https://opentelemetry.io/schemas/1.27.0' },
    attributes: { 'db.system': 'postgresql' },
    links: [{ to: 'root', attributes: { 'link.reason': 'retry', attempt: 2 } }],
    status: { code: 'error', message: 'connection reset' },
  },
  { ref: 'producer', parent: 'root', name: 'publish', kind: 'producer', service: 'frontend' },
  { name: 'consume', parent: remoteParent, kind: 'consumer', service: 'worker', links: [{ to: remoteParent }] },
  { name: 'internal work', parent: 'db', service: 'orders', scope: { name: '@acme/db', version: '2.1.0', schemaUrl: 'https://opentelemetry.io/schemas/1.27.0' } },
];

function byId(spans: readonly Span[]): Map<string, Span> {
  return new Map(spans.map((s) => [s.spanId, s]));
}

describe('decoding what the real SDK serializers send', async () => {
  const sdkSpans = await makeSdkSpans(specs, { resourceAttributes: { 'test.run.id': 'run-42', 'host.cores': 2 } });

  it.each(['protobuf', 'json'] as const)('%s: every span equals what the SDK recorded, to the nanosecond', (encoding) => {
    const bytes = sdkExportRequestBytes(sdkSpans, encoding);
    const result = encoding === 'protobuf' ? decodeExportRequestProtobuf(bytes) : decodeExportRequestJson(bytes);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.rejectedSpans).toBe(0);
    expect(result.value.rejectionMessage).toBe('');
    expect(result.value.spans).toHaveLength(sdkSpans.length);
    const decoded = byId(result.value.spans);
    for (const sdk of sdkSpans) {
      const span = decoded.get(sdk.spanContext().spanId);
      expect(span, sdk.name).toBeDefined();
      expect(span).toEqual(expectedSpan(sdk));
    }
  });

  it('keeps facts the SDK-derived expectation relies on (sanity of the fixture itself)', () => {
    const root = sdkSpans[0];
    expect(root?.attributes['bytes']).toBeInstanceOf(Uint8Array);
    expect(root?.attributes['map']).toEqual({ inner: 'x', n: 5, deeper: { list: [1, 'two', true] } });
    const consume = sdkSpans[3];
    expect(consume?.parentSpanContext?.isRemote).toBe(true);
    expect(consume?.spanContext().traceId).toBe(remoteParent.traceId);
  });

  it('decodes both encodings to equal models', () => {
    const fromProto = decodeExportRequestProtobuf(sdkExportRequestBytes(sdkSpans, 'protobuf'));
    const fromJson = decodeExportRequestJson(sdkExportRequestBytes(sdkSpans, 'json'));
    if (!fromProto.ok || !fromJson.ok) throw new Error('decode failed');
    expect(fromJson.value.spans).toEqual(fromProto.value.spans);
  });

  it('maps the wire facts exactly: ids, int64 attributes, kinds, flags, trace state', () => {
    const result = decodeExportRequestProtobuf(sdkExportRequestBytes(sdkSpans, 'protobuf'));
    if (!result.ok) throw new Error(result.error.message);
    const spans = byId(result.value.spans);
    const root = spans.get(sdkSpans[0]?.spanContext().spanId ?? '');
    expect(root?.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(root?.endTimeUnixNano).toBe(1_700_000_001_987_654_321n);
    expect(root?.attributes['int']).toBe(42n);
    expect(root?.attributes['int.large']).toBe(4503599627370497n);
    expect(root?.attributes['int.negative']).toBe(-7n);
    expect(root?.attributes['double']).toBe(3.25);
    expect(root?.attributes['bytes']).toEqual(new Uint8Array([0, 1, 2, 254, 255]));
    expect(root?.kind).toBe(2);
    expect(root?.status).toEqual({ code: 1, message: '' });
    expect(root?.flags).toBe(0x101);
    const consume = spans.get(sdkSpans[3]?.spanContext().spanId ?? '');
    expect(consume?.parentSpanId).toBe('b7ad6b7169203331');
    expect(consume?.flags).toBe(0x301);
    expect(consume?.traceState).toBe('vendor=abc,other=1');
    expect(consume?.kind).toBe(5);
    expect(consume?.links[0]).toMatchObject({ traceId: remoteParent.traceId, spanId: remoteParent.spanId, traceState: 'vendor=abc,other=1', flags: 0x301 });
  });

  it.each(['protobuf', 'json'] as const)('%s: shares one resource per ResourceSpans and one scope per ScopeSpans', (encoding) => {
    const bytes = sdkExportRequestBytes(sdkSpans, encoding);
    const result = encoding === 'protobuf' ? decodeExportRequestProtobuf(bytes) : decodeExportRequestJson(bytes);
    if (!result.ok) throw new Error(result.error.message);
    const spans = byId(result.value.spans);
    const at = (i: number): Span => spans.get(sdkSpans[i]?.spanContext().spanId ?? '') as Span;
    // root and producer: same service (resource) and default scope; db and internal work: same resource and scope.
    expect(at(0).resource).toBe(at(2).resource);
    expect(at(0).scope).toBe(at(2).scope);
    expect(at(1).resource).toBe(at(4).resource);
    expect(at(1).scope).toBe(at(4).scope);
    expect(at(0).resource).not.toBe(at(1).resource);
    expect(at(3).resource.attributes['service.name']).toBe('worker');
    expect(new Set(result.value.spans.map((s) => s.resource)).size).toBe(3);
  });

  it('writes spans back as OTLP/JSON that decodes to the same model', () => {
    const result = decodeExportRequestProtobuf(sdkExportRequestBytes(sdkSpans, 'protobuf'));
    if (!result.ok) throw new Error(result.error.message);
    const json = JSON.stringify(encodeSpansAsOtlpJson(result.value.spans));
    const again = decodeExportRequestJson(json);
    if (!again.ok) throw new Error(again.error.message);
    expect(again.value.spans).toEqual(result.value.spans);
    // Grouping survives: three resources, each span keeps sharing its resource object.
    expect(new Set(again.value.spans.map((s) => s.resource)).size).toBe(3);
    expect(new Set(again.value.spans.map((s) => s.scope)).size).toBe(3);
  });
});

import type { AttributeMap, Span } from '../model/index.ts';
import { groupByResourceAndScope, keyValuesWith } from './encode-json.ts';
import type { AnyValueScalars } from './encode-json.ts';
import { otlpMessageType } from './proto-root.ts';

/** A 64-bit value as protobufjs's writer takes it without the `long` package: two unsigned 32-bit halves. */
interface LongBits {
  readonly low: number;
  readonly high: number;
}

function longBits(value: bigint): LongBits {
  const unsigned = BigInt.asUintN(64, value);
  return { low: Number(unsigned & 0xffff_ffffn), high: Number(unsigned >> 32n) };
}

function hexBytes(hex: string): Uint8Array {
  return Buffer.from(hex, 'hex');
}

/** Protobuf's forms: 64-bit halves for int64, doubles and bytes as they are. */
const PROTOBUF_SCALARS: AnyValueScalars = { int: longBits, double: (value) => value, bytes: (value) => value };

function keyValues(map: AttributeMap): object[] {
  return keyValuesWith(map, PROTOBUF_SCALARS);
}

function spanMessage(span: Span): object {
  return {
    traceId: hexBytes(span.traceId),
    spanId: hexBytes(span.spanId),
    traceState: span.traceState,
    ...(span.parentSpanId === undefined ? {} : { parentSpanId: hexBytes(span.parentSpanId) }),
    name: span.name,
    kind: span.kind,
    startTimeUnixNano: longBits(span.startTimeUnixNano),
    endTimeUnixNano: longBits(span.endTimeUnixNano),
    attributes: keyValues(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((e) => ({
      timeUnixNano: longBits(e.timeUnixNano),
      name: e.name,
      attributes: keyValues(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount,
    })),
    droppedEventsCount: span.droppedEventsCount,
    links: span.links.map((l) => ({
      traceId: hexBytes(l.traceId),
      spanId: hexBytes(l.spanId),
      traceState: l.traceState,
      attributes: keyValues(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount,
      flags: l.flags,
    })),
    droppedLinksCount: span.droppedLinksCount,
    status: { code: span.status.code, message: span.status.message },
    flags: span.flags,
  };
}

/**
 * Writes spans as a protobuf `ExportTraceServiceRequest` (what `tracecheck serve --forward` sends upstream), grouped
 * by their resource and scope objects as {@link encodeSpansAsOtlpJson} groups them. Ids are bytes and times fixed64,
 * exactly; the result decodes back to equal spans with `decodeExportRequestProtobuf`.
 *
 * @example
 * ```ts
 * const body = encodeSpansAsOtlpProtobuf(spans);
 * await fetch(`${upstream}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
 * ```
 */
export function encodeSpansAsOtlpProtobuf(spans: readonly Span[]): Uint8Array {
  const resourceSpans = [...groupByResourceAndScope(spans)].map(([resource, scopes]) => ({
    resource: { attributes: keyValues(resource.attributes), droppedAttributesCount: resource.droppedAttributesCount },
    scopeSpans: [...scopes].map(([scope, list]) => ({
      scope: { name: scope.name, version: scope.version, attributes: keyValues(scope.attributes), droppedAttributesCount: scope.droppedAttributesCount },
      spans: list.map(spanMessage),
      schemaUrl: scope.schemaUrl,
    })),
    schemaUrl: resource.schemaUrl,
  }));
  const type = otlpMessageType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  // encode() (not fromObject) takes the halves of 64-bit fields as they are, with or without the `long` package.
  const bytes = type.encode({ resourceSpans }).finish();
  // finish() gives a Buffer under Node; a plain view keeps the decoded bytes values plain Uint8Arrays too.
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

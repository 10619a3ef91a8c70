import type { AttributeMap, AttributeValue, InstrumentationScope, Resource, Span } from '../model/index.ts';

/** OTLP/JSON `AnyValue`. */
type JsonAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number | string }
  | { bytesValue: string }
  | { arrayValue: { values: JsonAnyValue[] } }
  | { kvlistValue: { values: JsonKeyValue[] } }
  | Record<string, never>;

interface JsonKeyValue {
  key: string;
  value: JsonAnyValue;
}

/** The OTLP/JSON shape written by {@link encodeSpansAsOtlpJson}. */
export interface OtlpJsonExportRequest {
  resourceSpans: {
    resource: { attributes: JsonKeyValue[]; droppedAttributesCount: number };
    scopeSpans: {
      scope: { name: string; version: string; attributes: JsonKeyValue[]; droppedAttributesCount: number };
      spans: Record<string, unknown>[];
      schemaUrl: string;
    }[];
    schemaUrl: string;
  }[];
}

/**
 * Writes spans as an OTLP/JSON `ExportTraceServiceRequest` (what `tracecheck serve --save` and
 * `tracecheck check --traces` store, one JSON line per export). Spans are grouped by their resource and scope
 * objects (the decoders share one object per `ResourceSpans`/`ScopeSpans`, so an export's grouping survives).
 * 64-bit integers (times, `intValue`) are decimal strings and bytes are base64, per OTLP/JSON; the result
 * decodes back to equal spans with `decodeExportRequestJson`.
 *
 * @example
 * ```ts
 * const line = JSON.stringify(encodeSpansAsOtlpJson(spans));
 * ```
 */
export function encodeSpansAsOtlpJson(spans: readonly Span[]): OtlpJsonExportRequest {
  const resourceSpans: OtlpJsonExportRequest['resourceSpans'] = [];
  for (const [resource, scopes] of groupByResourceAndScope(spans)) {
    const scopeSpans: OtlpJsonExportRequest['resourceSpans'][number]['scopeSpans'] = [];
    for (const [scope, list] of scopes) {
      scopeSpans.push({
        scope: { name: scope.name, version: scope.version, attributes: keyValues(scope.attributes), droppedAttributesCount: scope.droppedAttributesCount },
        spans: list.map(spanToJson),
        schemaUrl: scope.schemaUrl,
      });
    }
    resourceSpans.push({
      resource: { attributes: keyValues(resource.attributes), droppedAttributesCount: resource.droppedAttributesCount },
      scopeSpans,
      schemaUrl: resource.schemaUrl,
    });
  }
  return { resourceSpans };
}

/** Spans grouped by their resource object, then scope object, in first-seen order: one `ResourceSpans` each. */
export function groupByResourceAndScope(spans: readonly Span[]): Map<Resource, Map<InstrumentationScope, Span[]>> {
  const byResource = new Map<Resource, Map<InstrumentationScope, Span[]>>();
  for (const span of spans) {
    let scopes = byResource.get(span.resource);
    if (scopes === undefined) byResource.set(span.resource, (scopes = new Map()));
    let list = scopes.get(span.scope);
    if (list === undefined) scopes.set(span.scope, (list = []));
    list.push(span);
  }
  return byResource;
}

function spanToJson(span: Span): Record<string, unknown> {
  const out: Record<string, unknown> = { traceId: span.traceId, spanId: span.spanId };
  // An unset parent is omitted, as the JS exporter does; "" would mean the same.
  if (span.parentSpanId !== undefined) out['parentSpanId'] = span.parentSpanId;
  if (span.traceState !== '') out['traceState'] = span.traceState;
  out['name'] = span.name;
  out['kind'] = span.kind;
  out['startTimeUnixNano'] = span.startTimeUnixNano.toString();
  out['endTimeUnixNano'] = span.endTimeUnixNano.toString();
  out['attributes'] = keyValues(span.attributes);
  out['droppedAttributesCount'] = span.droppedAttributesCount;
  out['events'] = span.events.map((e) => ({
    timeUnixNano: e.timeUnixNano.toString(),
    name: e.name,
    attributes: keyValues(e.attributes),
    droppedAttributesCount: e.droppedAttributesCount,
  }));
  out['droppedEventsCount'] = span.droppedEventsCount;
  out['links'] = span.links.map((l) => {
    const link: Record<string, unknown> = { traceId: l.traceId, spanId: l.spanId };
    if (l.traceState !== '') link['traceState'] = l.traceState;
    link['attributes'] = keyValues(l.attributes);
    link['droppedAttributesCount'] = l.droppedAttributesCount;
    link['flags'] = l.flags;
    return link;
  });
  out['droppedLinksCount'] = span.droppedLinksCount;
  out['status'] = span.status.message === '' ? { code: span.status.code } : { code: span.status.code, message: span.status.message };
  out['flags'] = span.flags;
  return out;
}

/**
 * How the `AnyValue` members whose form differs between OTLP/JSON and protobuf are written (64-bit ints, doubles,
 * bytes); strings, bools, arrays and kvlists are the same shape in both.
 */
export interface AnyValueScalars {
  int(value: bigint): unknown;
  double(value: number): unknown;
  bytes(value: Uint8Array): unknown;
}

const JSON_SCALARS: AnyValueScalars = {
  int: (value) => value.toString(),
  // JSON has no NaN or infinities; protobuf's JSON mapping spells them as strings.
  double: (value) => (Number.isFinite(value) ? value : String(value)),
  bytes: (value) => Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'),
};

function keyValues(map: AttributeMap): JsonKeyValue[] {
  return keyValuesWith(map, JSON_SCALARS) as JsonKeyValue[];
}

/** An attribute map as OTLP `KeyValue`s, with `scalars` writing the members whose form depends on the encoding. */
export function keyValuesWith(map: AttributeMap, scalars: AnyValueScalars): { key: string; value: object }[] {
  const out: { key: string; value: object }[] = [];
  for (const key of Object.keys(map)) out.push({ key, value: anyValueWith(map[key] as AttributeValue, scalars) });
  return out;
}

function anyValueWith(value: AttributeValue, scalars: AnyValueScalars): object {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'bigint':
      return { intValue: scalars.int(value) };
    case 'number':
      return { doubleValue: scalars.double(value) };
    default:
      if (value === null) return {};
      if (value instanceof Uint8Array) return { bytesValue: scalars.bytes(value) };
      if (Array.isArray(value)) return { arrayValue: { values: value.map((item) => anyValueWith(item, scalars)) } };
      return { kvlistValue: { values: keyValuesWith(value, scalars) } };
  }
}

/**
 * Real traces for tests: spans recorded by the real OpenTelemetry JS SDK, serialised by the real OTLP
 * serializers of `@opentelemetry/otlp-transformer`, and decoded by tracecheck's own decoders into model spans.
 *
 * Use {@link makeTrace} when a test just needs model spans; {@link makeSdkSpans} plus
 * {@link sdkExportRequestBytes} when it needs the exact request bytes an exporter would send.
 *
 * @example
 * ```ts
 * const spans = await makeTrace([
 *   { ref: 'api', name: 'GET /checkout', kind: 'server', service: 'frontend', attributes: { 'http.response.status_code': 200 } },
 *   { ref: 'db', parent: 'api', name: 'SELECT orders', kind: 'client', service: 'orders', status: { code: 'error', message: 'timeout' } },
 * ]);
 * ```
 */
import { SpanKind as ApiSpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import type { Attributes, HrTime, Link, Span as ApiSpan, SpanContext, TimeInput } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Span } from '../../src/model/span.ts';
import { decodeExportRequestJson } from '../../src/otlp/decode-json.ts';
import { decodeExportRequestProtobuf } from '../../src/otlp/decode-protobuf.ts';
import type { OtlpEncoding } from '../../src/otlp/decoded-export.ts';

/** Span kinds by the names spec files use. */
export type SdkSpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

const apiKinds: Record<SdkSpanKindName, ApiSpanKind> = {
  internal: ApiSpanKind.INTERNAL,
  server: ApiSpanKind.SERVER,
  client: ApiSpanKind.CLIENT,
  producer: ApiSpanKind.PRODUCER,
  consumer: ApiSpanKind.CONSUMER,
};

/** One span to record. Spans are created in list order, so a `parent` or link target must come earlier. */
export interface SdkSpanSpec {
  readonly name: string;
  /** A local name other specs use in `parent` and `links`. */
  readonly ref?: string;
  /**
   * `ref` of an earlier spec's span, or a span context (e.g. `{ traceId, spanId, traceFlags: 1, isRemote: true }`
   * for a parent in another process, as propagation would give). Omit for a root span (which starts a new trace).
   */
  readonly parent?: string | SpanContext;
  /** Default `internal`. */
  readonly kind?: SdkSpanKindName;
  /** `service.name` of the resource; spans of one service share one resource. Default: the options' service. */
  readonly service?: string;
  /** Instrumentation scope; default `{ name: 'tracecheck-test', version: '1.0.0' }`. */
  readonly scope?: { readonly name: string; readonly version?: string; readonly schemaUrl?: string };
  /** Span attributes: anything the SDK accepts (string, bool, number, homogeneous arrays, Uint8Array, nested objects). */
  readonly attributes?: Attributes;
  readonly events?: readonly { readonly name: string; readonly attributes?: Attributes; readonly time?: TimeInput }[];
  /** Links to earlier specs by `ref`, or to any span context. */
  readonly links?: readonly { readonly to: string | SpanContext; readonly attributes?: Attributes }[];
  readonly status?: { readonly code: 'unset' | 'ok' | 'error'; readonly message?: string };
  /** Start time; default {@link BASE_TIME_MILLIS} + the spec's index in milliseconds. Numbers are epoch milliseconds. */
  readonly start?: TimeInput;
  /** End time; default start + `durationMillis`. */
  readonly end?: TimeInput;
  /** Used when `end` is absent; default 10. */
  readonly durationMillis?: number;
}

/** Options shared by every span of one {@link makeSdkSpans} call. */
export interface SdkTraceOptions {
  /** Default `service.name`; default `test-service`. */
  readonly service?: string;
  /** Extra resource attributes for every service (e.g. `{ 'test.run.id': 'run-1' }`). */
  readonly resourceAttributes?: Attributes;
  /** Resource schema URL. */
  readonly resourceSchemaUrl?: string;
}

/** A fixed epoch (2023-11-14T22:13:20Z) so default times are deterministic. */
export const BASE_TIME_MILLIS = 1_700_000_000_000;

const defaultScope: NonNullable<SdkSpanSpec['scope']> = { name: 'tracecheck-test', version: '1.0.0' };

/**
 * Records spans with the real SDK (`TracerProvider` + `SimpleSpanProcessor` + `InMemorySpanExporter`, one
 * provider and resource per service) and returns them as the SDK's `ReadableSpan`s, in spec order.
 * Trace and span ids are random, as the SDK makes them.
 */
export async function makeSdkSpans(specs: readonly SdkSpanSpec[], options: SdkTraceOptions = {}): Promise<ReadableSpan[]> {
  const exporter = new InMemorySpanExporter();
  const providers = new Map<string, TracerProvider>();
  const providerFor = (service: string): TracerProvider => {
    let provider = providers.get(service);
    if (provider === undefined) {
      const resource = resourceFromAttributes({ 'service.name': service, ...options.resourceAttributes });
      const withSchema = options.resourceSchemaUrl === undefined ? resource : resourceWithSchemaUrl(resource, options.resourceSchemaUrl);
      provider = new TracerProvider({ resource: withSchema, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
      providers.set(service, provider);
    }
    return provider;
  };

  const byRef = new Map<string, ApiSpan>();
  const created: ApiSpan[] = [];
  specs.forEach((spec, index) => {
    const scope = spec.scope ?? defaultScope;
    const tracer = providerFor(spec.service ?? options.service ?? 'test-service').getTracer(
      scope.name,
      scope.version,
      scope.schemaUrl === undefined ? undefined : { schemaUrl: scope.schemaUrl },
    );
    let parentContext = context.active();
    if (typeof spec.parent === 'string') {
      const parent = byRef.get(spec.parent);
      if (parent === undefined) throw new Error(`sdk-traces: parent "${spec.parent}" of "${spec.name}" is not an earlier spec's ref`);
      parentContext = trace.setSpan(parentContext, parent);
    } else if (spec.parent !== undefined) {
      parentContext = trace.setSpanContext(parentContext, spec.parent);
    }
    const links: Link[] = (spec.links ?? []).map((link) => {
      const target = typeof link.to === 'string' ? byRef.get(link.to)?.spanContext() : link.to;
      if (target === undefined) throw new Error(`sdk-traces: link target "${String(link.to)}" of "${spec.name}" is not an earlier spec's ref`);
      return link.attributes === undefined ? { context: target } : { context: target, attributes: link.attributes };
    });
    const start = spec.start ?? BASE_TIME_MILLIS + index;
    const span = tracer.startSpan(
      spec.name,
      { kind: apiKinds[spec.kind ?? 'internal'], attributes: spec.attributes ?? {}, links, startTime: start, root: spec.parent === undefined },
      parentContext,
    );
    for (const event of spec.events ?? []) span.addEvent(event.name, event.attributes ?? {}, event.time ?? start);
    if (spec.status !== undefined) {
      const code = spec.status.code === 'ok' ? SpanStatusCode.OK : spec.status.code === 'error' ? SpanStatusCode.ERROR : SpanStatusCode.UNSET;
      span.setStatus(spec.status.message === undefined ? { code } : { code, message: spec.status.message });
    }
    span.end(spec.end ?? addMillis(start, spec.durationMillis ?? 10));
    if (spec.ref !== undefined) byRef.set(spec.ref, span);
    created.push(span);
  });

  await Promise.all([...providers.values()].map((p) => p.forceFlush()));
  const finished = exporter.getFinishedSpans();
  await Promise.all([...providers.values()].map((p) => p.shutdown()));
  // The exporter sees spans in end order; hand them back in spec order.
  const bySpanId = new Map(finished.map((s) => [s.spanContext().spanId, s]));
  return created.map((s) => {
    const readable = bySpanId.get(s.spanContext().spanId);
    if (readable === undefined) throw new Error('sdk-traces: the SDK did not export a span (was it sampled?)');
    return readable;
  });
}

function resourceWithSchemaUrl<T extends object>(resource: T, schemaUrl: string): T {
  // Resource 2.x/3.x exposes `schemaUrl` as a read-only getter; a prototype-linked override keeps every other behaviour.
  return Object.create(resource, { schemaUrl: { value: schemaUrl } }) as T;
}

function addMillis(time: TimeInput, millis: number): TimeInput {
  if (typeof time === 'number') return time + millis;
  if (time instanceof Date) return time.getTime() + millis;
  const [seconds, nanos] = time as HrTime;
  const total = nanos + Math.round(millis * 1e6);
  return [seconds + Math.floor(total / 1e9), total % 1e9];
}

/**
 * The body of an OTLP export request for `spans`, made by the real `ProtobufTraceSerializer` or
 * `JsonTraceSerializer`: byte for byte what the SDK's OTLP/HTTP exporters send.
 */
export function sdkExportRequestBytes(spans: readonly ReadableSpan[], encoding: OtlpEncoding): Uint8Array {
  const serializer = encoding === 'protobuf' ? ProtobufTraceSerializer : JsonTraceSerializer;
  const bytes = serializer.serializeRequest([...spans]);
  if (bytes === undefined) throw new Error(`sdk-traces: the ${encoding} serializer produced nothing`);
  return bytes;
}

/**
 * Serialises SDK spans with the real serializer for `encoding` and decodes them with tracecheck's decoder.
 * Throws if decoding fails or rejects a span: real SDK output must always decode.
 */
export function spansToModel(spans: readonly ReadableSpan[], encoding: OtlpEncoding = 'protobuf'): Span[] {
  const bytes = sdkExportRequestBytes(spans, encoding);
  const result = encoding === 'protobuf' ? decodeExportRequestProtobuf(bytes) : decodeExportRequestJson(bytes);
  if (!result.ok) throw new Error(`sdk-traces: decoding real SDK ${encoding} output failed: ${result.error.message}`);
  if (result.value.rejectedSpans > 0) throw new Error(`sdk-traces: real SDK output had rejected spans: ${result.value.rejectionMessage}`);
  return result.value.spans;
}

/**
 * Records spans with the real SDK and returns them as model spans (via the real serializer and our decoder),
 * in spec order.
 */
export async function makeTrace(specs: readonly SdkSpanSpec[], options: SdkTraceOptions = {}, encoding: OtlpEncoding = 'protobuf'): Promise<Span[]> {
  const sdkSpans = await makeSdkSpans(specs, options);
  const model = spansToModel(sdkSpans, encoding);
  // The serializer groups spans by resource and scope; restore spec order.
  const byId = new Map(model.map((s) => [s.spanId, s]));
  return sdkSpans.map((s) => byId.get(s.spanContext().spanId) as Span);
}

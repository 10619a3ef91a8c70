import { emptyAttributes } from '../../src/model/attribute-value.ts';
import type { AttributeMap } from '../../src/model/attribute-value.ts';
import type { Resource, Span } from '../../src/model/span.ts';

/** A resource for a service, optionally tagged with a run id (as OTEL_RESOURCE_ATTRIBUTES would tag it). */
export function resourceOf(service: string, runId?: string): Resource {
  const attributes = emptyAttributes();
  attributes['service.name'] = service;
  if (runId !== undefined) attributes['test.run.id'] = runId;
  return { attributes, droppedAttributesCount: 0, schemaUrl: '' };
}

const scope = { name: 'store-test', version: '1.0.0', attributes: emptyAttributes(), droppedAttributesCount: 0, schemaUrl: '' };

/** What a test says about a span; everything else gets a plain default. */
export interface SpanShape {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name?: string;
  start?: bigint;
  /** Default: a millisecond after the start. */
  end?: bigint;
  /** Default INTERNAL (1). */
  kind?: number;
  resource?: Resource;
  attributes?: AttributeMap;
  links?: { traceId: string; spanId: string }[];
}

/** Pads a short id to a valid hex trace id (32 digits) or span id (16 digits). */
export const traceId = (n: number): string => n.toString(16).padStart(32, '0');
export const spanId = (n: number): string => n.toString(16).padStart(16, '0');

/** A model span, as the decoders produce it, for store unit tests (correlation, assembly, settling). */
export function modelSpan(shape: SpanShape): Span {
  const start = shape.start ?? 1_700_000_000_000_000_000n;
  return {
    traceId: shape.traceId,
    spanId: shape.spanId,
    parentSpanId: shape.parentSpanId,
    traceState: '',
    name: shape.name ?? `span ${shape.spanId}`,
    kind: shape.kind ?? 1,
    startTimeUnixNano: start,
    endTimeUnixNano: shape.end ?? start + 1_000_000n,
    attributes: shape.attributes ?? emptyAttributes(),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: (shape.links ?? []).map((link) => ({ ...link, traceState: '', attributes: emptyAttributes(), droppedAttributesCount: 0, flags: 0 })),
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    flags: 1,
    resource: shape.resource ?? resourceOf('svc'),
    scope,
  };
}

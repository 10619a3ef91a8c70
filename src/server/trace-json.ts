import { attributesToJson, serviceNameOf, spanKindNames, statusCodeNames } from '../model/index.ts';
import type { Span, SpanNode, Trace } from '../model/index.ts';

/**
 * The JSON shapes the query API answers with. Ids are lower-case hex, times are decimal strings of nanoseconds
 * since the epoch (JSON numbers lose precision past 2^53), attribute values as {@link attributeValueToJson} writes
 * them. The tree is given by ids: `roots`, `orphans`, and each span's `children`, so a client can rebuild it
 * without following object cycles.
 */
export interface SpanJson {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly name: string;
  /** Lower-case kind name, e.g. `server`. */
  readonly kind: string;
  readonly service: string | null;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes: Record<string, unknown>;
  readonly status: { readonly code: string; readonly message: string };
  readonly events: readonly { readonly name: string; readonly timeUnixNano: string; readonly attributes: Record<string, unknown> }[];
  readonly links: readonly { readonly traceId: string; readonly spanId: string; readonly attributes: Record<string, unknown> }[];
  readonly flags: number;
  readonly traceState: string;
  readonly resource: { readonly attributes: Record<string, unknown>; readonly schemaUrl: string };
  readonly scope: { readonly name: string; readonly version: string };
  /** Depth below its root or orphan (0 for those). */
  readonly depth: number;
  /** Span ids of the children, by start time. */
  readonly children: readonly string[];
}

/** A trace in the query API. */
export interface TraceJson {
  readonly traceId: string;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly spanCount: number;
  readonly duplicateSpanCount: number;
  /** Span ids of spans without a parent. */
  readonly roots: readonly string[];
  /** Span ids of spans whose parent was never received. */
  readonly orphans: readonly string[];
  /** Every span, by start time. */
  readonly spans: readonly SpanJson[];
}


/** Converts one span, with its place in the tree when a node is given. */
export function spanToJson(span: Span, node?: SpanNode): SpanJson {
  return {
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId ?? null,
    name: span.name,
    kind: spanKindNames[span.kind] ?? String(span.kind),
    service: serviceNameOf(span) ?? null,
    startTimeUnixNano: span.startTimeUnixNano.toString(),
    endTimeUnixNano: span.endTimeUnixNano.toString(),
    attributes: attributesToJson(span.attributes),
    status: { code: statusCodeNames[span.status.code] ?? String(span.status.code), message: span.status.message },
    events: span.events.map((event) => ({ name: event.name, timeUnixNano: event.timeUnixNano.toString(), attributes: attributesToJson(event.attributes) })),
    links: span.links.map((link) => ({ traceId: link.traceId, spanId: link.spanId, attributes: attributesToJson(link.attributes) })),
    flags: span.flags,
    traceState: span.traceState,
    resource: { attributes: attributesToJson(span.resource.attributes), schemaUrl: span.resource.schemaUrl },
    scope: { name: span.scope.name, version: span.scope.version },
    depth: node?.depth ?? 0,
    children: node === undefined ? [] : node.children.map((child) => child.span.spanId),
  };
}

/** Converts a reconstructed trace. */
export function traceToJson(trace: Trace): TraceJson {
  return {
    traceId: trace.traceId,
    startTimeUnixNano: trace.startTimeUnixNano.toString(),
    endTimeUnixNano: trace.endTimeUnixNano.toString(),
    spanCount: trace.spans.length,
    duplicateSpanCount: trace.duplicateSpanCount,
    roots: trace.roots.map((node) => node.span.spanId),
    orphans: trace.orphans.map((node) => node.span.spanId),
    spans: trace.spans.map((span) => spanToJson(span, trace.nodesBySpanId.get(span.spanId))),
  };
}

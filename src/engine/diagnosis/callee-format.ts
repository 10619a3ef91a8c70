import { SpanKind, serviceNameOf } from '../../model/index.ts';
import type { Span, Trace } from '../../model/index.ts';
import { recordedHeaders } from './recorded-headers.ts';

// Which trace-context format a service reads, told from what it sends: a propagator injects the format it
// extracts, so the headers a service's own callees recorded show what that service would have understood.

/** A trace-context format on the wire. */
export type TraceFormat = 'w3c' | 'b3-single' | 'b3-multi';

/** How a diagnosis names a format. */
export const FORMAT_TEXT: Readonly<Record<TraceFormat, string>> = {
  w3c: 'W3C trace context (traceparent)',
  'b3-single': 'the B3 single header (b3)',
  'b3-multi': 'the B3 multi headers (x-b3-*)',
};

/** The trace formats among recorded request header names. */
export function formatsIn(headers: ReadonlySet<string>): Set<TraceFormat> {
  const formats = new Set<TraceFormat>();
  if (headers.has('traceparent')) formats.add('w3c');
  if (headers.has('b3')) formats.add('b3-single');
  if (headers.has('x-b3-traceid') || headers.has('x-b3-spanid')) formats.add('b3-multi');
  return formats;
}

/**
 * The formats the service of `server` injects into its own calls, as their callees recorded them: for each CLIENT
 * span of that service in `trace` (the trace the server span started), the callee's SERVER span (`calleeOf`: the
 * client's child, or the root that names it) and the propagation headers it recorded. An empty set means its calls
 * carried no trace header at all (no propagator); undefined means no callee recorded its headers.
 */
export function injectedFormats(server: Span, trace: Trace | undefined, calleeOf: (client: Span) => Span | undefined): Set<TraceFormat> | undefined {
  if (trace === undefined) return undefined;
  const service = serviceNameOf(server);
  let formats: Set<TraceFormat> | undefined;
  for (const node of trace.nodesBySpanId.values()) {
    if (node.span.kind !== SpanKind.CLIENT || serviceNameOf(node.span) !== service) continue;
    const callee = calleeOf(node.span);
    const headers = callee === undefined ? undefined : recordedHeaders(callee);
    if (headers === undefined) continue;
    formats ??= new Set();
    for (const format of formatsIn(headers)) formats.add(format);
  }
  return formats;
}

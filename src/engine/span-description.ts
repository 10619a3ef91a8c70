import { serviceNameOf } from '../model/index.ts';
import type { Span, Trace } from '../model/index.ts';

/**
 * Names a span the way failure messages do: `service: name`, and for a span called from another service,
 * `caller → callee: name` (e.g. `orders → inventory: GET /inventory/:sku`), so a reader sees which hop it is.
 */
export function describeSpan(span: Span, trace: Trace | undefined): string {
  const service = serviceNameOf(span) ?? 'unknown service';
  const parentId = span.parentSpanId;
  if (trace !== undefined && parentId !== undefined) {
    const parent = trace.nodesBySpanId.get(parentId);
    const caller = parent === undefined ? undefined : serviceNameOf(parent.span);
    if (caller !== undefined && caller !== service) return `${caller} → ${service}: ${span.name}`;
  }
  return `${service}: ${span.name}`;
}

/** A time as an offset from the start of its trace, e.g. `+12.5ms`: what a person can compare at a glance. */
export function offsetMillisText(timeUnixNano: bigint, trace: Trace): string {
  const offset = Number(timeUnixNano - trace.startTimeUnixNano) / 1e6;
  return `+${Number(offset.toFixed(3))}ms`;
}

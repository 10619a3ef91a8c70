import { SpanKind, serviceNameOf, type Span } from './span.ts';

// What marks background work (a timer, a poller) in a service: one definition, read by the store (a run's
// background traces do not hold settled() open) and by the engine (their root calls are not diagnosed as lost
// context).

/**
 * Whether a span can start background work: a root (no parent) that the process started itself (CLIENT, PRODUCER
 * or INTERNAL, not a request it received) and that links to no cause (a deliberate new trace for async work links
 * to the request that caused it). Answers the span's service, or undefined when it cannot.
 */
export function selfStartedRootService(span: Span): string | undefined {
  if (span.parentSpanId !== undefined || span.links.length > 0) return undefined;
  if (span.kind !== SpanKind.CLIENT && span.kind !== SpanKind.PRODUCER && span.kind !== SpanKind.INTERNAL) return undefined;
  return serviceNameOf(span);
}

/**
 * The shape of a self-started root: its service, kind, name and target (URL, peer address and port, peer service,
 * messaging destination). A timer's calls share one shape.
 */
export function backgroundShapeOf(span: Span, service: string): string {
  const a = span.attributes;
  const target = [a['url.full'] ?? a['http.url'], a['server.address'] ?? a['net.peer.name'], a['server.port'] ?? a['net.peer.port'], a['peer.service'], a['messaging.destination.name']];
  return [service, span.kind, span.name, ...target.map((value) => (value === undefined ? '' : String(value)))].join('\u0000');
}

/**
 * Whether a shape of self-started roots recurs as background work does: started at least twice while its service
 * was serving none of the run's requests, or once among three or more. A single call after a request ended is new
 * work of its own and says nothing.
 *
 * @example
 * ```ts
 * isRecurringWhileIdle(2, 2); // true: a timer that fired twice between requests
 * isRecurringWhileIdle(1, 1); // false
 * ```
 */
export function isRecurringWhileIdle(startedWhileIdle: number, started: number): boolean {
  return startedWhileIdle >= 2 || (startedWhileIdle >= 1 && started >= 3);
}

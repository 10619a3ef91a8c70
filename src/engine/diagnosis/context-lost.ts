import { SpanKind, serviceNameOf } from '../../model/index.ts';
import type { Span, SpanNode, Trace } from '../../model/index.ts';
import { shortId, type ContextLostDiagnostic } from './diagnostic.ts';

// Services that lost their own context: an outgoing call that became the root of a new trace while the service
// was working on a request of the run, told apart from background work (a timer, a poller).

/**
 * Services that lost their own context: a CLIENT or PRODUCER span that is the root of a trace (of the run, or
 * unclaimed) and has no links (a deliberate new trace for async work links to its cause), started while a span
 * of the same service was running in another trace of the run. The innermost such running span is named. A root
 * call of a shape (service, kind, name, target) that recurs while its service runs nothing of the run (twice, or
 * once among three or more) is background work (a timer, a poller) and is not diagnosed, even where it happened to
 * start during a request.
 */
export function contextLost(runTraces: readonly Trace[], unclaimedTraces: readonly Trace[]): ContextLostDiagnostic[] {
  const running = new Map<string, Span[]>();
  for (const trace of runTraces) {
    for (const span of trace.spans) {
      const service = serviceNameOf(span);
      if (service === undefined) continue;
      let spans = running.get(service);
      if (spans === undefined) running.set(service, (spans = []));
      spans.push(span);
    }
  }
  const found: ContextLostDiagnostic[] = [];
  // Root calls seen while their service was running nothing of the run, by shape, and all root calls by shape.
  const idle = new Map<string, number>();
  const seen = new Map<string, number>();
  for (const traces of [runTraces, unclaimedTraces]) {
    for (const trace of traces) {
      for (const root of trace.roots) {
        const span = root.span;
        if ((span.kind !== SpanKind.CLIENT && span.kind !== SpanKind.PRODUCER) || span.links.length > 0) continue;
        const service = serviceNameOf(span);
        if (service === undefined) continue;
        let active: Span | undefined;
        for (const candidate of running.get(service) ?? []) {
          if (candidate.traceId === span.traceId) continue;
          if (candidate.startTimeUnixNano > span.startTimeUnixNano || candidate.endTimeUnixNano < span.startTimeUnixNano) continue;
          if (active === undefined || candidate.startTimeUnixNano > active.startTimeUnixNano) active = candidate;
        }
        const shape = shapeOf(span, service);
        seen.set(shape, (seen.get(shape) ?? 0) + 1);
        if (active !== undefined) found.push(contextLostDiagnostic(span, root, active));
        else idle.set(shape, (idle.get(shape) ?? 0) + 1);
      }
    }
  }
  // Recurring while idle is what marks background work: twice, or once among three or more. A single call after a
  // request ended is new work of its own and says nothing about the calls made during requests.
  const isBackground = (shape: string): boolean => {
    const whileIdle = idle.get(shape) ?? 0;
    return whileIdle >= 2 || (whileIdle >= 1 && (seen.get(shape) ?? 0) >= 3);
  };
  const out = found.filter((d) => !isBackground(shapeOf(d.clientSpan, d.callerService ?? '')));
  return out.sort((a, b) => (a.clientSpan.startTimeUnixNano < b.clientSpan.startTimeUnixNano ? -1 : 1));
}

/** What makes two root calls the same work: the service, the kind, the span name and where it called. */
function shapeOf(span: Span, service: string): string {
  const a = span.attributes;
  const target = [a['url.full'] ?? a['http.url'], a['server.address'] ?? a['net.peer.name'], a['server.port'] ?? a['net.peer.port'], a['peer.service'], a['messaging.destination.name']];
  return [service, span.kind, span.name, ...target.map((value) => (value === undefined ? '' : String(value)))].join('\u0000');
}

function contextLostDiagnostic(client: Span, clientNode: SpanNode, active: Span): ContextLostDiagnostic {
  const caller = serviceNameOf(client);
  const server = clientNode.children.find((c) => c.span.kind === SpanKind.SERVER || c.span.kind === SpanKind.CONSUMER)?.span;
  const peer = client.attributes['peer.service'];
  const callee = server === undefined ? (typeof peer === 'string' ? peer : undefined) : serviceNameOf(server);
  const evidence =
    `client span "${client.name}" ${shortId(client.spanId)} is the root of trace ${shortId(client.traceId)}, started while ` +
    `"${active.name}" ${shortId(active.spanId)} of ${caller ?? 'the same service'} was running in trace ${shortId(active.traceId)}` +
    (server === undefined ? '' : `; ${callee ?? 'the callee'}'s "${server.name}" continued the new trace, not the run's`);
  const message =
    `${caller ?? '?'} → ${callee ?? '?'}: ${caller ?? 'the caller'} lost its trace context before the call (${evidence}); ` +
    `likely cause: the call ran outside the active context inside ${caller ?? 'the caller'} (a callback or promise chain that lost it, or an explicit ROOT_CONTEXT)`;
  return {
    kind: 'context-lost',
    cause: 'context-lost-in-process',
    callerService: caller,
    calleeService: callee,
    activeSpan: active,
    clientSpan: client,
    serverSpan: server,
    anchorSpan: active,
    evidence,
    message,
  };
}


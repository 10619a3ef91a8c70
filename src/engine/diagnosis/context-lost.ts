import { SpanKind, backgroundShapeOf, firstStartingFrom, isRecurringWhileIdle, serviceNameOf } from '../../model/index.ts';
import type { Span, SpanNode, Trace } from '../../model/index.ts';
import { PAIRING_TEXT, shortId, type ContextLostDiagnostic, type HopPairing } from './diagnostic.ts';
import { clientPathOf } from './hop-matching.ts';
import { correlationHeadersOf } from './recorded-headers.ts';

// Services that lost their own context: an outgoing call that became the root of a new trace while the service
// was working on a request of the run, told apart from background work (a timer, a poller), and tied to the
// request it belonged to by the strongest evidence the spans hold.

/**
 * Services that lost their own context: a CLIENT or PRODUCER span that is the root of a trace (of the run, or
 * unclaimed) and has no links (a deliberate new trace for async work links to its cause), started while a span
 * of the same service was running in another trace of the run. What ties it to one request, strongest first:
 *
 * 1. a correlation header (e.g. `x-request-id`) the call carried, recorded on the client span or by its callee,
 *    whose value a span of one running request recorded too (`request-header`, certain). A call whose correlation
 *    values no request of the run recorded belongs to another request (another run's) and is not this run's;
 * 2. one request of the run in progress in that service, and only one (`only-candidate`, likely);
 * 3. several in progress: the one that started last is named (`time`, possible).
 *
 * A root call of a shape (service, kind, name, target) that recurs while its service runs nothing of the run
 * (twice, or once among three or more), is background work (a timer, a poller) and is not diagnosed
 * on time evidence, even where it happened to start during a request. Nor is a root call that carried no
 * correlation header, from a service whose calls for the run's requests do carry one, to a path none of those
 * calls goes to: work of the process's own (a fresh process's timer has no history to recur in yet), not a
 * request's call that lost its context (that one goes where the requests' calls go).
 */
export function contextLost(runTraces: readonly Trace[], unclaimedTraces: readonly Trace[]): ContextLostDiagnostic[] {
  const running = new Map<string, Span[]>();
  const correlated: Correlation = { traces: new Map(), names: new Set() };
  // Per service, the paths its calls for the run's requests (CLIENT spans with a parent) went to, when they carried
  // a correlation header.
  const requestCallPaths = new Map<string, Set<string | undefined>>();
  for (const trace of runTraces) {
    for (const span of trace.spans) {
      const headers = correlationHeadersOf(span);
      if (span.kind === SpanKind.CLIENT && span.parentSpanId !== undefined && headers.length > 0) {
        const service = serviceNameOf(span);
        if (service !== undefined) {
          let paths = requestCallPaths.get(service);
          if (paths === undefined) requestCallPaths.set(service, (paths = new Set()));
          paths.add(clientPathOf(span));
        }
      }
      for (const [name, value] of headers) {
        const key = `${name}=${value}`;
        let traces = correlated.traces.get(key);
        if (traces === undefined) correlated.traces.set(key, (traces = new Set()));
        traces.add(trace.traceId);
        correlated.names.add(name);
      }
      const service = serviceNameOf(span);
      if (service === undefined) continue;
      let spans = running.get(service);
      if (spans === undefined) running.set(service, (spans = []));
      spans.push(span);
    }
  }
  const byService = new Map<string, ServiceSpans>();
  for (const [service, spans] of running) byService.set(service, spansByStart(spans));
  const traceById = new Map(runTraces.map((trace) => [trace.traceId, trace]));
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
        const candidates = runningAt(byService.get(service), span.startTimeUnixNano).filter((c) => c.traceId !== span.traceId);
        const tied = requestOfCall(root, correlated);
        // A call whose correlation id no request of the run recorded, where the run's requests record that header,
        // is another request's (another run's): not this run's lost context.
        if (tied === 'foreign') continue;
        if (tied !== undefined) {
          const ofRequest = (traceById.get(tied)?.spans ?? []).filter((c) => serviceNameOf(c) === service && c.startTimeUnixNano <= span.startTimeUnixNano);
          const active = innermost(candidates.filter((c) => c.traceId === tied)) ?? innermost(ofRequest);
          if (active !== undefined) found.push(contextLostDiagnostic(span, root, active, { evidence: 'request-header', confidence: 'certain' }, 1));
          continue;
        }
        const shape = backgroundShapeOf(span, service);
        seen.set(shape, (seen.get(shape) ?? 0) + 1);
        const active = innermost(candidates);
        if (active === undefined) {
          idle.set(shape, (idle.get(shape) ?? 0) + 1);
          continue;
        }
        const requestPaths = requestCallPaths.get(service);
        if (requestPaths !== undefined && !carriesCorrelation(root) && !requestPaths.has(clientPathOf(span))) continue;
        const requests = new Set(candidates.map((c) => c.traceId)).size;
        const pairing: HopPairing = requests === 1 ? { evidence: 'only-candidate', confidence: 'likely' } : { evidence: 'time', confidence: 'possible' };
        found.push(contextLostDiagnostic(span, root, active, pairing, requests));
      }
    }
  }
  // Recurring while idle is what marks background work: twice, or once among three or more. A single call after a
  // request ended is new work of its own and says nothing about the calls made during requests.
  const isBackground = (d: ContextLostDiagnostic): boolean => {
    if (d.pairing.evidence === 'request-header') return false;
    const shape = backgroundShapeOf(d.clientSpan, d.callerService ?? '');
    return isRecurringWhileIdle(idle.get(shape) ?? 0, seen.get(shape) ?? 0);
  };
  const out = found.filter((d) => !isBackground(d));
  return out.sort((a, b) => (a.clientSpan.startTimeUnixNano < b.clientSpan.startTimeUnixNano ? -1 : 1));
}

/** A service's spans of the run, by start time, and the longest of them: what bounds a search for running spans. */
interface ServiceSpans {
  readonly byStart: readonly Span[];
  readonly longestNanos: bigint;
}

function spansByStart(spans: Span[]): ServiceSpans {
  spans.sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0));
  let longestNanos = 0n;
  for (const span of spans) if (span.endTimeUnixNano - span.startTimeUnixNano > longestNanos) longestNanos = span.endTimeUnixNano - span.startTimeUnixNano;
  return { byStart: spans, longestNanos };
}

/**
 * The spans running at `at`: started at or before it, ended at or after it. Only spans that started within the
 * longest span's duration before `at` can be, so a root call of a long-lived collector's unclaimed pool looks at
 * the few around it, not at every span of the run.
 */
function runningAt(spans: ServiceSpans | undefined, at: bigint): Span[] {
  if (spans === undefined) return [];
  const { byStart, longestNanos } = spans;
  const out: Span[] = [];
  for (let i = firstStartingFrom(byStart, at - longestNanos); i < byStart.length && (byStart[i] as Span).startTimeUnixNano <= at; i++) {
    const span = byStart[i] as Span;
    if (span.endTimeUnixNano >= at) out.push(span);
  }
  return out;
}

/** The running span that started last: the innermost work of the request when the call was made. */
function innermost(candidates: readonly Span[]): Span | undefined {
  let active: Span | undefined;
  for (const candidate of candidates) if (active === undefined || candidate.startTimeUnixNano > active.startTimeUnixNano) active = candidate;
  return active;
}

/** Correlation values the run's requests recorded: `name=value` → the traces that recorded it; and the header names. */
interface Correlation {
  readonly traces: Map<string, Set<string>>;
  readonly names: Set<string>;
}

/**
 * The request of the run a root call belongs to by the correlation headers it carried (recorded on the client
 * span, or by its callee's span below it): the one run trace (other than the call's own) that recorded one of its
 * values; `foreign` when the run's requests record such a header but none recorded this call's value; undefined
 * when the headers do not tell (none recorded, or only values several requests share, such as a run id).
 */
function requestOfCall(root: SpanNode, correlated: Correlation): string | 'foreign' | undefined {
  const carried = [...correlationHeadersOf(root.span)];
  for (const child of root.children) if (child.span.kind === SpanKind.SERVER || child.span.kind === SpanKind.CONSUMER) carried.push(...correlationHeadersOf(child.span));
  const requests = new Set<string>();
  let foreign = false;
  let shared = false;
  for (const [name, value] of carried) {
    const traces = [...(correlated.traces.get(`${name}=${value}`) ?? [])].filter((id) => id !== root.span.traceId);
    if (traces.length === 1) requests.add(traces[0] as string);
    else if (traces.length > 1) shared = true;
    else if (correlated.names.has(name)) foreign = true;
  }
  if (requests.size === 1) return [...requests][0];
  return foreign && !shared && requests.size === 0 ? 'foreign' : undefined;
}

/** Whether a root call carried a correlation header: recorded on its client span, or by its callee below it. */
function carriesCorrelation(root: SpanNode): boolean {
  if (correlationHeadersOf(root.span).length > 0) return true;
  return root.children.some((child) => (child.span.kind === SpanKind.SERVER || child.span.kind === SpanKind.CONSUMER) && correlationHeadersOf(child.span).length > 0);
}

function contextLostDiagnostic(client: Span, clientNode: SpanNode, active: Span, pairing: HopPairing, requests: number): ContextLostDiagnostic {
  const caller = serviceNameOf(client);
  const server = clientNode.children.find((c) => c.span.kind === SpanKind.SERVER || c.span.kind === SpanKind.CONSUMER)?.span;
  const peer = client.attributes['peer.service'];
  const callee = server === undefined ? (typeof peer === 'string' ? peer : undefined) : serviceNameOf(server);
  const evidence =
    `client span "${client.name}" ${shortId(client.spanId)} is the root of trace ${shortId(client.traceId)}, started while ` +
    `"${active.name}" ${shortId(active.spanId)} of ${caller ?? 'the same service'} was running in trace ${shortId(active.traceId)}` +
    (server === undefined ? '' : `; ${callee ?? 'the callee'}'s "${server.name}" continued the new trace, not the run's`);
  const tie =
    pairing.evidence === 'time'
      ? `tied as possible: by time alone, ${caller ?? 'the service'} was handling ${requests} requests of the run (forward and record a request id header, e.g. x-request-id, to be sure)`
      : pairing.evidence === 'request-header'
        ? 'tied for certain: the call carried a request header value that the running request received too'
        : PAIRING_TEXT[pairing.evidence];
  const message =
    `${caller ?? '?'} → ${callee ?? '?'}: ${caller ?? 'the caller'} lost its trace context before the call (${evidence}); ` +
    `likely cause: the call ran outside the active context inside ${caller ?? 'the caller'} (a callback, worker loop or promise chain that lost it, or an explicit ROOT_CONTEXT); ${tie}`;
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
    pairing,
  };
}

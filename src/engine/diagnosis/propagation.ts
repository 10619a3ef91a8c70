// Over 400 lines on purpose: the propagation diagnosis walk, hop by hop. It pairs a client span with its callee's
// server span, strongest evidence first, then finds the cause: a new trace, a header a proxy stripped, an untraced
// forward, or baggage dropped. Each cause is worded beside the evidence that decides it. The pairing helpers and
// the other diagnoses have their own files (hop-matching.ts, context-lost.ts, links-missing.ts).
import { SpanKind, serviceNameOf } from '../../model/index.ts';
import type { Span, SpanNode, Trace } from '../../model/index.ts';
import { DEFAULT_RUN_ID_ATTRIBUTE } from '../../protocol/index.ts';
import type { RunSource } from '../../store/index.ts';
import { FORMAT_TEXT, formatsIn, injectedFormats, type TraceFormat } from './callee-format.ts';
import { clientPathOf, matchDistance, rootsInWindow, serverPathOf } from './hop-matching.ts';
import { baggageKeysOf, baggageValueOf, correlationHeadersOf, headerText, propagatedParentIdOf, recordedHeaders, type PropagationHeaderName } from './recorded-headers.ts';
import { contextLost } from './context-lost.ts';
import {
  PAIRING_TEXT,
  shortId,
  type DiagnoseOptions,
  type HopDiagnostic,
  type HopPairing,
  type PropagationDiagnostic,
} from './diagnostic.ts';
import { linksMissing } from './links-missing.ts';

export type { ContextLostDiagnostic, ContextTie, DiagnoseOptions, HopDiagnostic, HopPairing, PropagationCause, PropagationDiagnostic } from './diagnostic.ts';

// Propagation diagnosis: what the recorded spans tell about hops that lost the caller's context, and the English
// that names the hop and its likely cause. It is analysis, so it lives in the engine; the store only holds the
// run's traces and the unclaimed traces it reads.

const B3_HEADERS = ['b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled'];
const OTHER_FORMATS: readonly (readonly [string, string])[] = [
  ['uber-trace-id', 'Jaeger'],
  ['x-amzn-trace-id', 'AWS X-Ray'],
  ['x-cloud-trace-context', 'Google Cloud'],
];

/**
 * Finds the run's broken propagation hops.
 *
 * A CLIENT span of the run with no SERVER child is a call whose callee did not continue the trace. Its callee's
 * SERVER span is looked for among the roots of the traces no run claimed and of the run's other traces, strongest
 * evidence first (docs/diagnostics.md, "How the callee's span is found"): the propagation header the callee
 * recorded naming the client span (`certain`); then, within the client span's time window
 * (± `clockToleranceMillis`) and with nothing in the address disagreeing, a port or path that agrees (`likely`), the
 * run id the callee recorded in its baggage (`likely`), or time alone (`possible`). Each server root is given to
 * at most one call. The cause is read from the callee's recorded request headers (`http.request.header.*`): which
 * propagation headers arrived.
 *
 * Hops that did continue the trace are checked for dropped baggage: baggage keys the caller's side saw (its
 * recorded `baggage` request header, or `baggage.*` attributes on its spans) that the callee's SERVER span lacks.
 * Services that lost their own context and consumers that forgot their span link are found too (context-lost.ts,
 * links-missing.ts).
 *
 * @example
 * ```ts
 * for (const d of diagnosePropagation(run.traces(), store.unclaimedTraces())) console.warn(d.message);
 * ```
 */
export function diagnosePropagation(runTraces: readonly Trace[], unclaimedTraces: readonly Trace[], options: DiagnoseOptions = {}): PropagationDiagnostic[] {
  const toleranceNanos = BigInt(Math.round((options.clockToleranceMillis ?? 1000) * 1e6));
  const baggagePrefix = options.baggageAttributePrefix ?? 'baggage.';
  // The callee's new trace may sit unclaimed (the callee is not told the run id) or in the run itself (every
  // process of the run is tagged, as under `tracecheck run`): both are where a lost hop's server span can be.
  // A run's own roots are mostly its entry requests, so one of them is taken for a lost callee only on address
  // evidence (port or path agree) and never for a call of its own service; unclaimed roots need less.
  const serverRoots: Span[] = [];
  const runRoots = new Set<Span>();
  const traceOf = new Map<Span, Trace>();
  for (const trace of unclaimedTraces) {
    for (const root of trace.roots) {
      if (root.span.kind !== SpanKind.SERVER) continue;
      serverRoots.push(root.span);
      traceOf.set(root.span, trace);
    }
  }
  for (const trace of runTraces) {
    for (const root of trace.roots) {
      if (root.span.kind !== SpanKind.SERVER) continue;
      serverRoots.push(root.span);
      runRoots.add(root.span);
      traceOf.set(root.span, trace);
    }
  }
  serverRoots.sort((a, b) => (a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0));
  // A server root that recorded the propagation header it received names its caller's span: it pairs with that
  // client span alone, and with no other, whatever the timing of concurrent requests.
  const namedBy = new Map<string, { server: Span; header: PropagationHeaderName }>();
  const named = new Set<Span>();
  for (const server of serverRoots) {
    const parent = propagatedParentIdOf(server);
    if (parent === undefined) continue;
    named.add(server);
    if (!namedBy.has(parent.spanId)) namedBy.set(parent.spanId, { server, header: parent.header });
  }
  // The run a callee recorded: the run id in the baggage it received, or the run's tag on its resource (every
  // process of a `tracecheck run` is tagged). One of another run is never this run's callee.
  const runIdKey = options.runIdBaggageKey ?? DEFAULT_RUN_ID_ATTRIBUTE;
  const recordedRun = new Map<Span, string>();
  if (options.runId !== undefined) {
    for (const server of serverRoots) {
      const id = baggageValueOf(server, runIdKey, baggagePrefix) ?? stringAttribute(server.resource.attributes[DEFAULT_RUN_ID_ATTRIBUTE]);
      if (id !== undefined) recordedRun.set(server, id);
    }
  }
  // What a client span's call reached, for reading which format a callee's service injects.
  const calleeOf = (client: Span, trace: Trace | undefined): Span | undefined => {
    const child = trace?.nodesBySpanId.get(client.spanId)?.children.find((c) => c.span.kind === SpanKind.SERVER);
    if (child !== undefined) return child.span;
    const byHeader = namedBy.get(client.spanId);
    if (byHeader !== undefined) return byHeader.server;
    return rootsInWindow(serverRoots, client, toleranceNanos).find((server) => !named.has(server) && matchDistance(client, server, toleranceNanos)?.addressAgrees === true);
  };
  const formatsInjectedBy = (server: Span): Set<TraceFormat> | undefined => injectedFormats(server, traceOf.get(server), (client) => calleeOf(client, traceOf.get(server)));
  const candidates: { client: Span; server: Span; distance: bigint; request: boolean; address: boolean; runId: boolean }[] = [];
  // Calls a proxy forwarded (see forwardedBy): a diagnosis of their hop names the proxy and its caller.
  const proxied = new Map<Span, ProxyHop>();
  const out: HopDiagnostic[] = [];
  const newTraces: HopDiagnostic[] = [];
  for (const trace of runTraces) {
    for (const node of trace.nodesBySpanId.values()) {
      if (node.span.kind !== SpanKind.CLIENT) continue;
      const serverChild = node.children.find((child) => child.span.kind === SpanKind.SERVER);
      if (serverChild === undefined) {
        const via = forwardedBy(node);
        if (via !== undefined) proxied.set(node.span, via);
        const byHeader = namedBy.get(node.span.spanId);
        if (byHeader !== undefined) {
          newTraces.push(newTraceDiagnostic(node.span, byHeader.server, { evidence: byHeader.header, confidence: 'certain' }, formatsInjectedBy(byHeader.server), via));
          continue;
        }
        for (const server of rootsInWindow(serverRoots, node.span, toleranceNanos)) {
          if (named.has(server)) continue;
          const run = recordedRun.get(server);
          if (run !== undefined && run !== options.runId) continue;
          const ownRoot = runRoots.has(server);
          if (ownRoot && serviceNameOf(server) === serviceNameOf(node.span)) continue;
          const request = sameRequest(node.span, server);
          if (request === false) continue;
          const match = matchDistance(node.span, server, toleranceNanos);
          if (match === undefined) continue;
          // A run's own roots are mostly its entry requests: one is taken for a lost callee only when its address
          // agrees, or when the path agrees and it carries the run's tag or the call's request id (a proxy between
          // changed the port).
          if (ownRoot && !match.addressAgrees && !(match.pathAgrees && (run !== undefined || request === true))) continue;
          candidates.push({ client: node.span, server, distance: match.distanceNanos, request: request === true, address: match.addressAgrees, runId: run !== undefined });
        }
      } else {
        const dropped = baggageDropped(node, serverChild.span, baggagePrefix);
        if (dropped !== undefined) out.push(dropped);
      }
    }
  }
  // Then by request id, address, run and time, closest start first; each client and each server is paired at most once.
  const rank = (c: { request: boolean; address: boolean; runId: boolean }): number => (c.request ? 0 : c.address ? 1 : c.runId ? 2 : 3);
  candidates.sort((a, b) => rank(a) - rank(b) || (a.distance < b.distance ? -1 : a.distance > b.distance ? 1 : 0));
  const usedClients = new Set<Span>(newTraces.map((d) => d.clientSpan));
  const usedServers = new Set<Span>();
  for (const { client, server, request, address, runId } of candidates) {
    if (usedClients.has(client) || usedServers.has(server)) continue;
    usedClients.add(client);
    usedServers.add(server);
    const pairing: HopPairing = request
      ? { evidence: 'request-header', confidence: 'likely' }
      : address
        ? { evidence: 'address', confidence: 'likely' }
        : runId
          ? { evidence: 'run-id', confidence: 'likely' }
          : { evidence: 'time', confidence: 'possible' };
    newTraces.push(newTraceDiagnostic(client, server, pairing, formatsInjectedBy(server), proxied.get(client)));
  }
  newTraces.push(...untracedForwards(runTraces, serverRoots, { named, used: usedServers, runRoots, recordedRun, runId: options.runId, toleranceNanos }));
  newTraces.sort((a, b) => (a.clientSpan.startTimeUnixNano < b.clientSpan.startTimeUnixNano ? -1 : 1));
  return [...newTraces, ...contextLost(runTraces, unclaimedTraces), ...out, ...linksMissing(runTraces, unclaimedTraces)];
}

/**
 * Whether a call and a server root belong to the same request by the correlation headers both recorded (the
 * client span what it sent, the server span what it received; e.g. a forwarded `x-request-id`): true when a header
 * both recorded has the same value, false when every such header differs (another request's callee), undefined when
 * they share none. One request may call the same address twice, so this pairs as likely, beside the address.
 */
function sameRequest(client: Span, server: Span): boolean | undefined {
  const sent = new Map(correlationHeadersOf(client));
  let shared = false;
  for (const [name, value] of correlationHeadersOf(server)) {
    const mine = sent.get(name);
    if (mine === undefined) continue;
    if (mine === value) return true;
    shared = true;
  }
  return shared ? false : undefined;
}

function stringAttribute(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The broken hops of a run at this moment: {@link diagnosePropagation} over the run's traces and the traces no run
 * claimed (where a lost callee's new trace sits). A source that cannot see beyond its own traces (e.g. traces loaded
 * from files) has no `unclaimedTraces`, and no diagnostics.
 *
 * @example
 * ```ts
 * await run.settled();
 * for (const d of diagnoseRun(run)) console.warn(d.message);
 * ```
 */
export function diagnoseRun(source: RunSource, options?: DiagnoseOptions): PropagationDiagnostic[] {
  if (source.unclaimedTraces === undefined) return [];
  return diagnosePropagation(source.traces(), source.unclaimedTraces(), { runId: source.id, ...options });
}

/** An instrumented proxy's part in a hop: its SERVER span (in the caller's trace) and the caller's call to it. */
interface ProxyHop {
  readonly proxy: Span;
  readonly callerClient: Span;
}

/**
 * The proxy a call was forwarded by: the call's parent is a SERVER span of the same service, on the same path as
 * the call (a reverse proxy forwards the path it received), whose own parent is a CLIENT span of another service.
 */
function forwardedBy(client: SpanNode): ProxyHop | undefined {
  const proxy = client.parent;
  const caller = proxy?.parent;
  if (proxy === undefined || caller === undefined || proxy.span.kind !== SpanKind.SERVER || caller.span.kind !== SpanKind.CLIENT) return undefined;
  const service = serviceNameOf(proxy.span);
  if (service !== serviceNameOf(client.span) || service === serviceNameOf(caller.span)) return undefined;
  const path = serverPathOf(proxy.span);
  if (path === undefined || path !== clientPathOf(client.span)) return undefined;
  return { proxy: proxy.span, callerClient: caller.span };
}

/** What {@link untracedForwards} must not pair again, and the run's facts it pairs by. */
interface PairingState {
  readonly named: ReadonlySet<Span>;
  readonly used: Set<Span>;
  readonly runRoots: ReadonlySet<Span>;
  readonly recordedRun: ReadonlyMap<Span, string>;
  readonly runId: string | undefined;
  readonly toleranceNanos: bigint;
}

/**
 * Instrumented proxies that forwarded a request untraced: a SERVER span of the run's traces, called by a CLIENT span
 * of another service, that made no call of its own in the trace, while a server root of another service on the same
 * path, with no trace header among the request headers it recorded, started within its time: the proxy continued the
 * caller's trace and forwarded the request without it. Paired by a correlation header both recorded (`request-header`,
 * likely) or by the path and time (`address`, likely); each server root at most once, and none already paired.
 */
function untracedForwards(runTraces: readonly Trace[], serverRoots: readonly Span[], state: PairingState): HopDiagnostic[] {
  const candidates: { hop: ProxyHop; server: Span; distance: bigint; request: boolean }[] = [];
  for (const trace of runTraces) {
    for (const node of trace.nodesBySpanId.values()) {
      const caller = node.parent;
      if (node.span.kind !== SpanKind.SERVER || caller === undefined || caller.span.kind !== SpanKind.CLIENT) continue;
      const service = serviceNameOf(node.span);
      const path = serverPathOf(node.span);
      if (path === undefined || service === serviceNameOf(caller.span) || makesCalls(node)) continue;
      for (const server of rootsInWindow(serverRoots, node.span, state.toleranceNanos)) {
        if (state.named.has(server) || state.used.has(server) || serviceNameOf(server) === service || serverPathOf(server) !== path) continue;
        const run = state.recordedRun.get(server);
        if (run !== undefined && run !== state.runId) continue;
        if (!recordedNoTraceHeader(server)) continue;
        const request = sameRequest(node.span, server);
        if (request === false || (state.runRoots.has(server) && request !== true && run === undefined)) continue;
        const d = server.startTimeUnixNano - node.span.startTimeUnixNano;
        candidates.push({ hop: { proxy: node.span, callerClient: caller.span }, server, distance: d < 0n ? -d : d, request: request === true });
      }
    }
  }
  candidates.sort((a, b) => Number(b.request) - Number(a.request) || (a.distance < b.distance ? -1 : a.distance > b.distance ? 1 : 0));
  const usedProxies = new Set<Span>();
  const found: HopDiagnostic[] = [];
  for (const { hop, server, request } of candidates) {
    if (usedProxies.has(hop.proxy) || state.used.has(server)) continue;
    usedProxies.add(hop.proxy);
    state.used.add(server);
    const pairing: HopPairing = request ? { evidence: 'request-header', confidence: 'likely' } : { evidence: 'address', confidence: 'likely' };
    found.push(newTraceDiagnostic(hop.callerClient, server, pairing, undefined, hop, true));
  }
  return found;
}

/** Whether a server span recorded its request headers and no trace header of any format was among them. */
function recordedNoTraceHeader(server: Span): boolean {
  const headers = recordedHeaders(server);
  return headers !== undefined && formatsIn(headers).size === 0 && !OTHER_FORMATS.some(([h]) => headers.has(h));
}

/** Whether a span, or a span below it in its own service, calls out (a CLIENT or PRODUCER span). */
function makesCalls(node: SpanNode): boolean {
  const service = serviceNameOf(node.span);
  const stack = [...node.children];
  for (let child = stack.pop(); child !== undefined; child = stack.pop()) {
    if (serviceNameOf(child.span) !== service) continue;
    if (child.span.kind === SpanKind.CLIENT || child.span.kind === SpanKind.PRODUCER) return true;
    stack.push(...child.children);
  }
  return false;
}

/**
 * A hop whose callee started a new trace. With `via`, the call went through an instrumented proxy: when no trace
 * header reached the callee, the proxy stripped it, and the hop is named from the proxy's caller, with the proxy
 * between (`untraced`: the proxy's forwarded call has no span of its own).
 */
function newTraceDiagnostic(client: Span, server: Span, pairing: HopPairing, injected: Set<TraceFormat> | undefined, via?: ProxyHop, untraced = false): HopDiagnostic {
  if (via !== undefined && recordedNoTraceHeader(server)) return strippedByProxy(untraced ? undefined : client, server, pairing, via);
  const caller = serviceNameOf(client);
  const callee = serviceNameOf(server);
  const { cause, evidence, likely } = causeOf(caller ?? 'the caller', callee ?? 'the callee', server, injected);
  const message =
    `${caller ?? '?'} → ${callee ?? '?'}: ${callee ?? 'the callee'} started a new trace (client span "${client.name}" ${shortId(client.spanId)} ` +
    `has no server child; server span "${server.name}" ${shortId(server.spanId)} is the root of trace ${shortId(server.traceId)}; ${evidence}); likely cause: ${likely}; ` +
    PAIRING_TEXT[pairing.evidence];
  return { kind: 'new-trace', cause, callerService: caller, calleeService: callee, clientSpan: client, serverSpan: server, anchorSpan: client, evidence, message, pairing };
}

/** A proxy that continued the caller's trace forwarded the request to the callee without its trace header. */
function strippedByProxy(forwarded: Span | undefined, server: Span, pairing: HopPairing, via: ProxyHop): HopDiagnostic {
  const client = via.callerClient;
  const caller = serviceNameOf(client);
  const callee = serviceNameOf(server);
  const proxyService = serviceNameOf(via.proxy) ?? 'the proxy';
  const call = forwarded === undefined ? 'its forwarded call (not traced)' : `its forwarded call, client span "${forwarded.name}" ${shortId(forwarded.spanId)},`;
  const baggage = recordedHeaders(server)?.has('baggage') === true ? `, though it received the baggage ${caller ?? 'the caller'} sent (${headerText(server, 'baggage')})` : '';
  const evidence =
    `the request passed through ${proxyService}'s server span "${via.proxy.name}" ${shortId(via.proxy.spanId)}, which continued ${caller ?? 'the caller'}'s trace; ` +
    `${call} reached ${callee ?? 'the callee'} with no traceparent or b3${baggage}`;
  const message =
    `${caller ?? '?'} → ${callee ?? '?'}: ${callee ?? 'the callee'} started a new trace (client span "${client.name}" ${shortId(client.spanId)} reached proxy ${proxyService}; ` +
    `server span "${server.name}" ${shortId(server.spanId)} is the root of trace ${shortId(server.traceId)}; ${evidence}); likely cause: the trace header was stripped in transit ` +
    `by ${proxyService} (a proxy that forwards the request without its trace headers); ${PAIRING_TEXT[pairing.evidence]}`;
  return { kind: 'new-trace', cause: 'stripped-in-transit', callerService: caller, calleeService: callee, clientSpan: client, serverSpan: server, proxySpan: via.proxy, anchorSpan: client, evidence, message, pairing };
}

/**
 * Why the callee started a new trace, from the request headers it recorded (which formats arrived) and the formats
 * its own calls carry (`injected`: what its propagator speaks, undefined when unknown).
 */
function causeOf(caller: string, callee: string, server: Span, injected: Set<TraceFormat> | undefined): { cause: HopDiagnostic['cause']; evidence: string; likely: string } {
  const headers = recordedHeaders(server);
  if (headers === undefined) {
    return {
      cause: 'unknown-headers-not-recorded',
      evidence: `${callee} does not record request headers`,
      likely: `no propagation header arrived (most often no propagator on ${caller}); record the callee's traceparent, b3 and baggage request headers to confirm`,
    };
  }
  const received = formatsIn(headers);
  const receivedText = [...received].map((format) => FORMAT_TEXT[format]).join(' and ');
  if (received.size > 0 && injected !== undefined) {
    const sends = injected.size === 0 ? 'no trace header' : [...injected].map((format) => FORMAT_TEXT[format]).join(' and ');
    const evidence = `${callee} received ${receivedText}${received.has('w3c') ? ` ${headerText(server, 'traceparent')}` : ''}, and its own calls carry ${sends}`;
    if (injected.size === 0) {
      return { cause: 'no-propagator', evidence, likely: `no propagator on ${callee}: it neither extracted the trace context it received nor injected any into its own calls` };
    }
    if (![...received].some((format) => injected.has(format))) {
      return { cause: 'format-mismatch', evidence, likely: `propagation format mismatch: ${caller} sends ${receivedText}, ${callee} reads ${sends}` };
    }
  }
  if (received.has('w3c')) {
    return {
      cause: 'context-not-extracted',
      evidence: `${callee} received traceparent ${headerText(server, 'traceparent')}${injected === undefined ? '' : ' in the format its own calls carry'}`,
      likely: `${callee} did not extract it (a server span started without extracting the request's context, a propagator that does not read W3C trace context), or the header is malformed`,
    };
  }
  const b3 = B3_HEADERS.filter((h) => headers.has(h));
  if (b3.length > 0) {
    if (injected !== undefined) {
      return { cause: 'context-not-extracted', evidence: `${callee} received ${b3.join(', ')} in the format its own calls carry`, likely: `${callee} did not extract it (a server span started without extracting the request's context), or the header is malformed` };
    }
    return { cause: 'format-mismatch', evidence: `${callee} received ${b3.join(', ')} but no traceparent`, likely: `propagation format mismatch: ${caller} sends B3, ${callee} reads W3C trace context` };
  }
  const other = OTHER_FORMATS.find(([h]) => headers.has(h));
  if (other !== undefined) {
    return { cause: 'format-mismatch', evidence: `${callee} received ${other[0]} but no traceparent`, likely: `propagation format mismatch: ${caller} sends ${other[1]}, ${callee} reads W3C trace context` };
  }
  if (headers.has('baggage')) {
    return {
      cause: 'stripped-in-transit',
      evidence: `${callee} received the baggage ${caller} sent (${headerText(server, 'baggage')}) but no traceparent or b3`,
      likely: `the trace header was stripped in transit between ${caller} and ${callee} (a proxy or gateway that forwards only some headers)`,
    };
  }
  return { cause: 'no-propagator', evidence: `no propagation header arrived at ${callee} (no traceparent, no b3)`, likely: `no propagator on ${caller} (nothing was injected into the request)` };
}

function baggageDropped(clientNode: SpanNode, server: Span, prefix: string): HopDiagnostic | undefined {
  const upstream = new Set<string>();
  // The caller's side: the client span and its ancestors in the caller's own service.
  const callerService = serviceNameOf(clientNode.span);
  for (let node: SpanNode | undefined = clientNode; node !== undefined && serviceNameOf(node.span) === callerService; node = node.parent) {
    // A root SERVER span started a new trace: what it received (its recorded baggage header) never reached its
    // context, so only what it carries counts. Its lost hop is diagnosed already; the baggage went with it.
    const extracted = !(node.span.kind === SpanKind.SERVER && node.span.parentSpanId === undefined);
    for (const key of baggageKeysOf(node.span, prefix, !extracted)) upstream.add(key);
  }
  if (upstream.size === 0) return undefined;
  const downstream = baggageKeysOf(server, prefix);
  const downstreamHeaders = recordedHeaders(server);
  // Without attributes or recorded headers downstream there is nothing to compare against.
  if (downstream.size === 0 && downstreamHeaders === undefined && !Object.keys(server.attributes).some((k) => k.startsWith(prefix))) {
    return undefined;
  }
  const missing = [...upstream].filter((key) => !downstream.has(key)).sort();
  if (missing.length === 0) return undefined;
  const caller = callerService;
  const callee = serviceNameOf(server);
  const evidence = `baggage ${missing.join(', ')} present on ${caller ?? 'the caller'}'s spans, absent on ${callee ?? 'the callee'}'s server span "${server.name}" ${shortId(server.spanId)}`;
  const message =
    `${caller ?? '?'} → ${callee ?? '?'}: the trace continued but baggage was dropped at client span "${clientNode.span.name}" ${shortId(clientNode.span.spanId)} (${evidence}); ` +
    `likely cause: ${caller ?? 'the caller'} propagates trace context without the W3C baggage propagator`;
  return {
    kind: 'baggage-dropped',
    cause: 'baggage-dropped',
    callerService: caller,
    calleeService: callee,
    clientSpan: clientNode.span,
    serverSpan: server,
    anchorSpan: clientNode.span,
    evidence,
    missingBaggageKeys: missing,
    message,
    pairing: { evidence: 'parent', confidence: 'certain' },
  };
}


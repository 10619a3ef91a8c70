import { SpanKind, serviceNameOf } from '../../model/index.ts';
import type { Span, SpanNode, Trace } from '../../model/index.ts';
import { DEFAULT_RUN_ID_ATTRIBUTE } from '../../protocol/index.ts';
import type { RunSource } from '../../store/index.ts';
import { matchDistance } from './hop-matching.ts';
import { baggageKeysOf, baggageValueOf, headerText, propagatedParentIdOf, recordedHeaders, type PropagationHeaderName } from './recorded-headers.ts';
import { contextLost } from './context-lost.ts';
import {
  PAIRING_TEXT,
  shortId,
  type DiagnoseOptions,
  type HopDiagnostic,
  type HopPairing,
  type PropagationCause,
  type PropagationDiagnostic,
} from './diagnostic.ts';
import { linksMissing } from './links-missing.ts';

export type { ContextLostDiagnostic, DiagnoseOptions, HopDiagnostic, HopPairing, PropagationCause, PropagationDiagnostic } from './diagnostic.ts';

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
  for (const trace of unclaimedTraces) {
    for (const root of trace.roots) if (root.span.kind === SpanKind.SERVER) serverRoots.push(root.span);
  }
  for (const trace of runTraces) {
    for (const root of trace.roots) {
      if (root.span.kind !== SpanKind.SERVER) continue;
      serverRoots.push(root.span);
      runRoots.add(root.span);
    }
  }
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
  // The run a callee recorded in its baggage: one of another run is never this run's callee.
  const runIdKey = options.runIdBaggageKey ?? DEFAULT_RUN_ID_ATTRIBUTE;
  const recordedRun = new Map<Span, string>();
  if (options.runId !== undefined) {
    for (const server of serverRoots) {
      const id = baggageValueOf(server, runIdKey, baggagePrefix);
      if (id !== undefined) recordedRun.set(server, id);
    }
  }
  const candidates: { client: Span; server: Span; distance: bigint; address: boolean; runId: boolean }[] = [];
  const out: HopDiagnostic[] = [];
  const newTraces: HopDiagnostic[] = [];
  for (const trace of runTraces) {
    for (const node of trace.nodesBySpanId.values()) {
      if (node.span.kind !== SpanKind.CLIENT) continue;
      const serverChild = node.children.find((child) => child.span.kind === SpanKind.SERVER);
      if (serverChild === undefined) {
        const byHeader = namedBy.get(node.span.spanId);
        if (byHeader !== undefined) {
          newTraces.push(newTraceDiagnostic(node.span, byHeader.server, { evidence: byHeader.header, confidence: 'certain' }));
          continue;
        }
        for (const server of serverRoots) {
          if (named.has(server)) continue;
          const run = recordedRun.get(server);
          if (run !== undefined && run !== options.runId) continue;
          const ownRoot = runRoots.has(server);
          if (ownRoot && serviceNameOf(server) === serviceNameOf(node.span)) continue;
          const match = matchDistance(node.span, server, toleranceNanos, ownRoot);
          if (match !== undefined) candidates.push({ client: node.span, server, distance: match.distanceNanos, address: match.addressAgrees, runId: run !== undefined });
        }
      } else {
        const dropped = baggageDropped(node, serverChild.span, baggagePrefix);
        if (dropped !== undefined) out.push(dropped);
      }
    }
  }
  // Then by address and time, closest start first; each client and each server is paired at most once.
  const rank = (c: { address: boolean; runId: boolean }): number => (c.address ? 0 : c.runId ? 1 : 2);
  candidates.sort((a, b) => rank(a) - rank(b) || (a.distance < b.distance ? -1 : a.distance > b.distance ? 1 : 0));
  const usedClients = new Set<Span>(newTraces.map((d) => d.clientSpan));
  const usedServers = new Set<Span>();
  for (const { client, server, address, runId } of candidates) {
    if (usedClients.has(client) || usedServers.has(server)) continue;
    usedClients.add(client);
    usedServers.add(server);
    const pairing: HopPairing = address ? { evidence: 'address', confidence: 'likely' } : runId ? { evidence: 'run-id', confidence: 'likely' } : { evidence: 'time', confidence: 'possible' };
    newTraces.push(newTraceDiagnostic(client, server, pairing));
  }
  newTraces.sort((a, b) => (a.clientSpan.startTimeUnixNano < b.clientSpan.startTimeUnixNano ? -1 : 1));
  return [...newTraces, ...contextLost(runTraces, unclaimedTraces), ...out, ...linksMissing(runTraces, unclaimedTraces)];
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

function newTraceDiagnostic(client: Span, server: Span, pairing: HopPairing): HopDiagnostic {
  const caller = serviceNameOf(client);
  const callee = serviceNameOf(server);
  const calleeName = callee ?? 'the callee';
  const headers = recordedHeaders(server);
  let cause: PropagationCause;
  let evidence: string;
  let likely: string;
  if (headers === undefined) {
    cause = 'unknown-headers-not-recorded';
    evidence = `${calleeName} does not record request headers`;
    likely = `no propagation header arrived (most often no propagator on ${caller ?? 'the caller'}); record the callee's traceparent, b3 and baggage request headers to confirm`;
  } else if (headers.has('traceparent')) {
    cause = 'context-not-extracted';
    evidence = `${calleeName} received traceparent ${headerText(server, 'traceparent')}`;
    likely = `${calleeName} does not extract W3C trace context (its propagator reads another format), or the header is malformed`;
  } else {
    const b3 = B3_HEADERS.filter((h) => headers.has(h));
    const other = OTHER_FORMATS.find(([h]) => headers.has(h));
    if (b3.length > 0) {
      cause = 'format-mismatch';
      evidence = `${calleeName} received ${b3.join(', ')} but no traceparent`;
      likely = `propagation format mismatch: ${caller ?? 'the caller'} sends B3, ${calleeName} reads W3C trace context`;
    } else if (other !== undefined) {
      cause = 'format-mismatch';
      evidence = `${calleeName} received ${other[0]} but no traceparent`;
      likely = `propagation format mismatch: ${caller ?? 'the caller'} sends ${other[1]}, ${calleeName} reads W3C trace context`;
    } else if (headers.has('baggage')) {
      cause = 'stripped-in-transit';
      evidence = `${calleeName} received the baggage ${caller ?? 'the caller'} sent (${headerText(server, 'baggage')}) but no traceparent or b3`;
      likely = `the trace header was stripped in transit between ${caller ?? 'the caller'} and ${calleeName} (a proxy or gateway that forwards only some headers)`;
    } else {
      cause = 'no-propagator';
      evidence = `no propagation header arrived at ${calleeName} (no traceparent, no b3)`;
      likely = `no propagator on ${caller ?? 'the caller'} (nothing was injected into the request)`;
    }
  }
  const message =
    `${caller ?? '?'} → ${callee ?? '?'}: ${calleeName} started a new trace (client span "${client.name}" ${shortId(client.spanId)} ` +
    `has no server child; server span "${server.name}" ${shortId(server.spanId)} is the root of trace ${shortId(server.traceId)}; ${evidence}); likely cause: ${likely}; ` +
    PAIRING_TEXT[pairing.evidence];
  return { kind: 'new-trace', cause, callerService: caller, calleeService: callee, clientSpan: client, serverSpan: server, anchorSpan: client, evidence, message, pairing };
}

function baggageDropped(clientNode: SpanNode, server: Span, prefix: string): HopDiagnostic | undefined {
  const upstream = new Set<string>();
  // The caller's side: the client span and its ancestors in the caller's own service.
  const callerService = serviceNameOf(clientNode.span);
  for (let node: SpanNode | undefined = clientNode; node !== undefined && serviceNameOf(node.span) === callerService; node = node.parent) {
    for (const key of baggageKeysOf(node.span, prefix)) upstream.add(key);
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


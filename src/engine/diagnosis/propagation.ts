import { SpanKind, serviceNameOf } from '../../model/index.ts';
import type { Span, SpanNode, Trace } from '../../model/index.ts';
import { DEFAULT_RUN_ID_ATTRIBUTE } from '../../protocol/index.ts';
import type { RunSource } from '../../store/index.ts';
import { matchDistance } from './hop-matching.ts';
import { baggageKeysOf, baggageValueOf, headerText, propagatedParentIdOf, recordedHeaders, type PropagationHeaderName } from './recorded-headers.ts';

// Propagation diagnosis: what the recorded spans tell about hops that lost the caller's context, and the English
// that names the hop and its likely cause. It is analysis, so it lives in the engine; the store only holds the
// run's traces and the unclaimed traces it reads.

/**
 * Why a hop lost the caller's context, as far as the recorded spans can tell.
 *
 * - `no-propagator`: the callee recorded its request headers and no propagation header was among them: the caller
 *   injected nothing (no propagator installed, or the call bypassed the instrumented client).
 * - `format-mismatch`: the callee received a different propagation format than it reads (e.g. B3 `b3` /
 *   `x-b3-*` headers but no W3C `traceparent`).
 * - `stripped-in-transit`: the callee recorded other propagation the caller sent (a `baggage` header, which W3C
 *   propagators inject together with `traceparent`) but no trace header: something between them (a proxy, a
 *   gateway, a header allow-list) removed it.
 * - `context-not-extracted`: the callee received a `traceparent` yet started a new trace (its propagator does not
 *   extract W3C trace context, or the header was malformed).
 * - `unknown-headers-not-recorded`: the callee started a new trace and did not record request headers, so the cause
 *   cannot be told apart; the most common one is no propagator on the caller.
 * - `baggage-dropped`: the trace continued, but baggage entries present upstream are missing downstream.
 * - `consumer-link-missing`: a consumer handled a message the run produced (the same `messaging.message.id` on
 *   both sides) in a trace of its own, without a span link to the producer.
 * - `context-lost-in-process`: the caller itself lost its active context: its outgoing call started a new trace
 *   while one of its own spans of the run's trace was still running (a callback or promise chain outside the
 *   active context, a new event-loop entry point, or an explicit ROOT_CONTEXT).
 */
export type PropagationCause =
  | 'no-propagator'
  | 'format-mismatch'
  | 'stripped-in-transit'
  | 'context-not-extracted'
  | 'unknown-headers-not-recorded'
  | 'baggage-dropped'
  | 'consumer-link-missing'
  | 'context-lost-in-process';

/** Fields every diagnostic has. */
interface DiagnosticBase {
  readonly callerService: string | undefined;
  readonly calleeService: string | undefined;
  /**
   * The span of the run's trace where the break shows: the client span of a lost or baggage-dropping hop, the
   * still-running span of a service that lost its context. Reports mark it.
   */
  readonly anchorSpan: Span;
  /** What the spans show, e.g. `orders received b3 but no traceparent`. */
  readonly evidence: string;
  /**
   * One line naming the hop, what happened and the likely cause, e.g.
   * `gateway → orders: orders started a new trace (…); likely cause: …`.
   */
  readonly message: string;
}

/**
 * How a client span was paired with the server span that handled its call, strongest evidence first:
 * - `traceparent`, `b3`, `x-b3-spanid`: the callee recorded the propagation header it received, and the caller's
 *   span id in it is the client span's id (`certain`, whatever the concurrency);
 * - `parent`: the server span is the client span's child in the trace (`certain`);
 * - `address`: the server root started within the client span's time window and its port or path agrees with the
 *   client's URL (`likely`);
 * - `run-id`: the server root recorded the run's id in the baggage it received (`test.run.id`), and started within
 *   the client span's time window (`likely`);
 * - `time`: only the time window (and nothing in the address disagreeing) pairs them (`possible`).
 */
export interface HopPairing {
  readonly evidence: PropagationHeaderName | 'parent' | 'message-id' | 'address' | 'run-id' | 'time';
  readonly confidence: 'certain' | 'likely' | 'possible';
}

/** A call whose callee started a new trace, or continued it without the caller's baggage. */
export interface HopDiagnostic extends DiagnosticBase {
  /** What paired the client span with the server span, and how sure that is. */
  readonly pairing: HopPairing;
  /**
   * `new-trace`: the callee started a new trace; `baggage-dropped`: the trace continued without the baggage;
   * `link-missing`: a consumer handled the run's message in a trace of its own with no link to the producer
   * (`clientSpan` is then the PRODUCER span, `serverSpan` the CONSUMER span).
   */
  readonly kind: 'new-trace' | 'baggage-dropped' | 'link-missing';
  readonly cause: Exclude<PropagationCause, 'context-lost-in-process'>;
  /** The CLIENT span of the run that made the call. */
  readonly clientSpan: Span;
  /** The SERVER span that handled the call: the root of the new trace (`new-trace`) or the client's child. */
  readonly serverSpan: Span;
  /** Baggage keys seen upstream and missing downstream (`baggage-dropped` only). */
  readonly missingBaggageKeys?: readonly string[];
}

/** A service that lost its own context: its outgoing call became the root of a new trace. */
export interface ContextLostDiagnostic extends DiagnosticBase {
  readonly kind: 'context-lost';
  readonly cause: 'context-lost-in-process';
  /** The caller's span that was running in the run's trace when the call was made (also the `anchorSpan`). */
  readonly activeSpan: Span;
  /** The CLIENT or PRODUCER span that started the new trace. */
  readonly clientSpan: Span;
  /** The callee's SERVER or CONSUMER span below it in the new trace, when the callee is instrumented. */
  readonly serverSpan: Span | undefined;
}

/** One broken propagation hop of a run. */
export type PropagationDiagnostic = HopDiagnostic | ContextLostDiagnostic;

/** Options of {@link diagnosePropagation}. */
export interface DiagnoseOptions {
  /**
   * How far outside the client span's [start, end] a server root may start and still be matched, in
   * milliseconds: clocks of two services differ. Default 1000.
   */
  readonly clockToleranceMillis?: number;
  /** Attribute prefix of baggage-derived span attributes (a baggage span processor's output). Default `baggage.`. */
  readonly baggageAttributePrefix?: string;
  /**
   * The run's id. A callee that recorded a run id in its baggage (`test.run.id`, see {@link DEFAULT_RUN_ID_ATTRIBUTE})
   * is paired only with calls of that run: two runs sharing services never take each other's callees.
   */
  readonly runId?: string;
  /** The baggage key that carries the run id. Default `test.run.id`. */
  readonly runIdBaggageKey?: string;
}


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
 * SERVER span is looked for among the roots of the traces no run claimed and of the run's other traces: a root
 * SERVER span that started within the client
 * span's time window (± `clockToleranceMillis`), whose port and path agree with the client's URL (server/peer
 * port, `url.full`/`http.url` against `url.path`/`http.target`/`http.route`) and whose service agrees with the
 * client's `peer.service` when set. Each server root is matched to at most one call, closest start first. The
 * cause is read from the callee's recorded request headers (`http.request.header.*`, recorded when its http
 * instrumentation is told to capture them): which propagation headers arrived.
 *
 * Hops that did continue the trace are checked for dropped baggage: baggage keys the caller's side saw (its
 * recorded `baggage` request header, or `baggage.*` attributes on its spans) that the callee's SERVER span lacks.
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
          const distance = matchDistance(node.span, server, toleranceNanos, ownRoot);
          if (distance !== undefined) {
            candidates.push({ client: node.span, server, distance, address: matchDistance(node.span, server, toleranceNanos, true) !== undefined, runId: run !== undefined });
          }
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

/**
 * Services that lost their own context: a CLIENT or PRODUCER span that is the root of a trace (of the run, or
 * unclaimed) and has no links (a deliberate new trace for async work links to its cause), started while a span
 * of the same service was running in another trace of the run. The innermost such running span is named. A root
 * call of a shape (service, kind, name, target) that recurs while its service runs nothing of the run (twice, or
 * once among three or more) is background work (a timer, a poller) and is not diagnosed, even where it happened to
 * start during a request.
 */
function contextLost(runTraces: readonly Trace[], unclaimedTraces: readonly Trace[]): ContextLostDiagnostic[] {
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

/** How a diagnosis says what paired the two spans. */
const PAIRING_TEXT: Readonly<Record<HopPairing['evidence'], string>> = {
  traceparent: "paired for certain: the traceparent the callee recorded names the client span",
  b3: "paired for certain: the b3 header the callee recorded names the client span",
  'x-b3-spanid': "paired for certain: the x-b3-spanid header the callee recorded names the client span",
  'message-id': 'paired for certain: the producer and the consumer span carry the same messaging.message.id',
  parent: 'paired for certain: the server span is the client span\'s child',
  address: "paired as likely: the server span started within the client span's time and its port or path agrees",
  'run-id': "paired as likely: the server span recorded this run's id in its baggage and started within the client span's time",
  time: "paired as possible: by time alone (record the callee's traceparent request header to be sure)",
};

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

/** The message id a messaging span records (`messaging.message.id`, or the older `messaging.message_id`). */
function messageIdOf(span: Span): string | undefined {
  const value = span.attributes['messaging.message.id'] ?? span.attributes['messaging.message_id'];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

/**
 * Consumers that forgot their link: a CONSUMER span, of the run or unclaimed, with the `messaging.message.id` of a
 * PRODUCER span of the run, in another trace, where nothing links to the producer. The message carried the
 * producer's context (or at least its id); the consumer's trace should link to it (docs/diagnostics.md, Linked
 * traces join the run), and without the link an untagged consumer's trace is not even in the run.
 */
function linksMissing(runTraces: readonly Trace[], unclaimedTraces: readonly Trace[]): HopDiagnostic[] {
  const producers = new Map<string, Span>();
  for (const trace of runTraces) {
    for (const span of trace.spans) {
      if (span.kind !== SpanKind.PRODUCER) continue;
      const id = messageIdOf(span);
      if (id !== undefined && !producers.has(id)) producers.set(id, span);
    }
  }
  if (producers.size === 0) return [];
  const out: HopDiagnostic[] = [];
  const seen = new Set<Span>();
  for (const traces of [runTraces, unclaimedTraces]) {
    for (const trace of traces) {
      for (const span of trace.spans) {
        if (span.kind !== SpanKind.CONSUMER || seen.has(span)) continue;
        const id = messageIdOf(span);
        const producer = id === undefined ? undefined : producers.get(id);
        if (producer === undefined || producer.traceId === span.traceId) continue;
        if (trace.spans.some((other) => other.links.some((link) => link.spanId === producer.spanId))) continue;
        seen.add(span);
        out.push(linkMissingDiagnostic(producer, span, id as string));
      }
    }
  }
  return out;
}

function linkMissingDiagnostic(producer: Span, consumer: Span, messageId: string): HopDiagnostic {
  const caller = serviceNameOf(producer);
  const callee = serviceNameOf(consumer);
  const evidence =
    `consumer span "${consumer.name}" ${shortId(consumer.spanId)} of ${callee ?? 'the consumer'} handled message ${JSON.stringify(messageId)}, ` +
    `which producer span "${producer.name}" ${shortId(producer.spanId)} of ${caller ?? 'the producer'} sent, in trace ${shortId(consumer.traceId)} with no link to it`;
  const message =
    `${caller ?? '?'} → ${callee ?? '?'}: the consumer's trace has no link to its producer (${evidence}); ` +
    `likely cause: ${callee ?? 'the consumer'} starts its span without extracting the message's context into a span link; ` +
    PAIRING_TEXT['message-id'];
  return {
    kind: 'link-missing',
    cause: 'consumer-link-missing',
    callerService: caller,
    calleeService: callee,
    clientSpan: producer,
    serverSpan: consumer,
    anchorSpan: producer,
    evidence,
    message,
    pairing: { evidence: 'message-id', confidence: 'certain' },
  };
}

function shortId(id: string): string {
  return id.slice(0, 8);
}


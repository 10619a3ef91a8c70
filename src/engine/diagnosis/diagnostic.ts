import type { Span } from '../../model/index.ts';
import type { PropagationHeaderName } from './recorded-headers.ts';

// What a propagation diagnostic is, and the words every diagnosis shares: the types the engine, the reports and
// the public API read, and how a diagnosis says what paired the two spans.

/**
 * Why a hop lost the caller's context, as far as the recorded spans can tell.
 *
 * - `no-propagator`: the callee recorded its request headers and no propagation header was among them: the caller
 *   injected nothing (no propagator installed, or the call bypassed the instrumented client). Also a callee that
 *   received a `traceparent`, started a new trace, and whose own calls carry no propagation header at all: it has
 *   no propagator (the diagnosis then names the callee).
 * - `format-mismatch`: the callee received a different propagation format than it reads, in either direction:
 *   B3 (`b3` / `x-b3-*`) but no W3C `traceparent` at a W3C callee; a `traceparent` at a callee whose own calls
 *   carry B3 (it reads B3); a single `b3` header at a callee that reads only the multi `x-b3-*` headers, or the
 *   reverse.
 * - `stripped-in-transit`: the callee recorded other propagation the caller sent (a `baggage` header, which W3C
 *   propagators inject together with `traceparent`) but no trace header: something between them (a proxy, a
 *   gateway, a header allow-list) removed it. Or an instrumented proxy sits between them: its SERVER span continued
 *   the caller's trace, and the request it forwarded on the same path reached the callee without a trace header.
 * - `context-not-extracted`: the callee received a trace header in the format it injects itself (or whose format
 *   it injects is unknown) yet started a new trace: its server code did not extract the context (a hand-made
 *   server span, an uninstrumented framework), or the header was malformed.
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
export interface DiagnosticBase {
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
 * - `request-header`: the call and the server root recorded the same correlation header value (a forwarded request
 *   id such as `x-request-id`: the same request), within the time window and with nothing in the address
 *   disagreeing (`likely`: one request may call the same address twice);
 * - `address`: the server root started within the client span's time window and its port or path agrees with the
 *   client's URL (`likely`);
 * - `run-id`: the server root recorded the run's id in the baggage it received (`test.run.id`), and started within
 *   the client span's time window (`likely`);
 * - `time`: only the time window (and nothing in the address disagreeing) pairs them (`possible`).
 *
 * A `run-id` is the run's id the callee recorded in its baggage, or, when every process of the run is tagged (as
 * under `tracecheck run`), the run's id on the callee's resource.
 *
 * For a lost context ({@link ContextLostDiagnostic}) the pairing ties the new root to the request that was in
 * progress, see {@link ContextTie}.
 */
export interface HopPairing {
  readonly evidence: PropagationHeaderName | 'parent' | 'message-id' | 'address' | 'run-id' | 'time' | ContextTie;
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
  /**
   * `stripped-in-transit` through an instrumented proxy: the proxy's SERVER span that sits between the two, in
   * the caller's trace (it received the context), whose forwarded call did not carry it. `clientSpan` is then the
   * caller's call to the proxy.
   */
  readonly proxySpan?: Span;
}

/**
 * What ties a root call that lost its context to the request of the run that was in progress when it was made:
 * - `request-header`: the lost call carried a request header value (a correlation id such as `x-request-id`,
 *   recorded on the client span or by its callee) that a span of that request recorded too (`certain`);
 * - `only-candidate`: it started while its service was handling one request of the run, and only one (`likely`);
 * - `time`: it started while its service was handling several requests of the run; the one that started last is
 *   named (`possible`).
 */
export type ContextTie = 'request-header' | 'only-candidate';

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
  /** What tied the new root to the running request (`request-header`, `only-candidate` or `time`), and how sure that is. */
  readonly pairing: HopPairing;
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


/** How a diagnosis says what paired the two spans. */
export const PAIRING_TEXT: Readonly<Record<HopPairing['evidence'], string>> = {
  traceparent: "paired for certain: the traceparent the callee recorded names the client span",
  b3: "paired for certain: the b3 header the callee recorded names the client span",
  'x-b3-spanid': "paired for certain: the x-b3-spanid header the callee recorded names the client span",
  'message-id': 'paired for certain: the producer and the consumer span carry the same messaging.message.id',
  parent: 'paired for certain: the server span is the client span\'s child',
  address: "paired as likely: the server span started within the client span's time and its port or path agrees",
  'run-id': "paired as likely: the server span recorded this run's id in its baggage and started within the client span's time",
  time: "paired as possible: by time alone (record the callee's traceparent request header to be sure)",
  'request-header': 'paired as likely: the call and the server span recorded the same request id header (one request, and its address fits)',
  'only-candidate': 'tied as likely: it started while its service was handling this request of the run, and no other',
};

/** The first 8 hex digits of an id, as diagnoses quote spans and traces. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}


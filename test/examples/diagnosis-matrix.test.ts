/**
 * Issue 11's acceptance matrix on real services: the chains web → cart → pricing → tax and producer → in-memory
 * queue → consumer (examples/chain), each process an OpenTelemetry Node SDK service with http instrumentation
 * recording the request headers docs/diagnostics.md recommends. Every case runs
 *
 * - untagged (`run.headers()` style: only the test's root span carries the run) with 1, 4 and 16 concurrent
 *   requests, and two runs of 4 sharing the services at once;
 * - tagged (`tracecheck run` style: every process exports with the run's id on its resource) with 1, 4 and 16.
 *   Two tagged runs cannot share processes (a process carries one run id), so that cell has no tagged form.
 *
 * The services are started once for the file (one set per mode) and every case runs against them: a request's
 * body names its route, so one process serves many cases. Each request carries its own `x-request-id`, which
 * every service forwards and records: that is the test's ground truth for which client span called which server
 * span, independent of the trace context being diagnosed. After each phase every service is flushed
 * (`POST /__flush`), so all its spans are in the collector before anything is judged, without waiting on time.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpanKind, serviceNameOf, type Span, type Trace } from '../../src/model/index.ts';
import { evaluateSpecs, type PropagationDiagnostic } from '../../src/engine/index.ts';
import type { SpecInput } from '../../src/engine/index.ts';
import type { SpecDefinition } from '../../src/language/index.ts';
import { toJsonReport } from '../../src/report/index.ts';
import { startCollector, type Collector, type CollectorRun } from '../../src/testing/index.ts';
import { flushChainService, startChainService, type ChainServiceOptions, type RunningService } from '../../examples/chain/start-chain-service.ts';
import { startStrippingProxy, type StrippingProxy } from '../support/stripping-proxy.ts';

const startupMillis = 180_000;
const REQUEST_ID = 'http.request.header.x-request-id';
const reportSchema = JSON.parse(readFileSync(new URL('../../schema/tracecheck-report.schema.json', import.meta.url), 'utf8')) as object;
const validateReport = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(reportSchema);

type Mode = 'untagged' | 'tagged';

/** The processes of one mode. Every variant of a service runs under that service's name. */
interface Pool {
  readonly services: RunningService[];
  readonly url: Record<string, string>;
  readonly proxies: StrippingProxy[];
}

const VARIANTS: readonly (Omit<ChainServiceOptions, 'otelEnv' | 'timerUrl' | 'proxyTarget'> & { readonly key: string; readonly timerTo?: string; readonly proxyTo?: string })[] = [
  { key: 'web', name: 'web' },
  // cart refreshes a cache from pricing on a timer: background work beside every case's requests.
  { key: 'cart', name: 'cart', timerMillis: 100, timerTo: 'pricing' },
  { key: 'cart-none', name: 'cart', propagation: 'none' },
  { key: 'cart-b3', name: 'cart', propagation: 'b3-out' },
  { key: 'cart-b3-multi', name: 'cart', propagation: 'b3-multi-out' },
  { key: 'cart-drop-baggage', name: 'cart', propagation: 'w3c-drop-baggage' },
  { key: 'pricing', name: 'pricing' },
  { key: 'pricing-b3-multi-only', name: 'pricing', propagation: 'b3-multi-only' },
  { key: 'pricing-b3-single-only', name: 'pricing', propagation: 'b3-single-only' },
  { key: 'pricing-hand', name: 'pricing', server: 'hand' },
  // A clock a second behind: the issue asks for 50 ms or more, and an offset near the request latency is not always
  // skew the spans show (at -80 ms a loaded CI machine once took longer than that to start the server span, which
  // then lay inside its client span, correctly uncorrected, and the case failed for want of a note).
  { key: 'pricing-skewed', name: 'pricing', clockOffsetMillis: -1000 },
  { key: 'tax', name: 'tax', propagation: 'w3c+b3' },
  { key: 'orders', name: 'orders', role: 'producer' },
  { key: 'stock-worker', name: 'stock-worker', role: 'consumer' },
  { key: 'stock-worker-unlinked', name: 'stock-worker', role: 'broken-consumer' },
  // An instrumented reverse proxy in front of pricing that forwards without the trace headers: its server span
  // continues cart's trace, pricing starts a new one. With and without a client span for the forwarded call.
  { key: 'proxy-instrumented', name: 'edge-proxy', role: 'proxy', proxyTo: 'pricing' },
  { key: 'proxy-instrumented-untraced', name: 'edge-proxy', role: 'proxy', proxyTo: 'pricing', proxyClientSpan: false },
];

/**
 * Starts one mode's processes. In both pools cart refreshes a cache from pricing on a timer, beside every case's
 * requests: in the tagged pool those traces belong to the run (its processes export with the run's id) and keep
 * arriving, so settling must tell them apart as background work.
 */
async function startPool(mode: Mode, otelEnv: Readonly<Record<string, string>>, ratesUrl: string): Promise<Pool> {
  const url: Record<string, string> = { rates: ratesUrl };
  const pricing = await startChainService({ name: 'pricing', otelEnv });
  url['pricing'] = pricing.url;
  // Only the processes this mode's cases call: each start costs the SDK's second of loading.
  const used = new Set(CASES.filter((c) => c.only === undefined || c.only === mode).flatMap((c) => c.route.map((hop) => hop.key)));
  const variants = VARIANTS.filter((v) => v.key !== 'pricing' && used.has(v.key));
  const started = await Promise.allSettled(
    variants.map(({ key: _key, timerTo, proxyTo, ...options }) =>
      startChainService({
        ...options,
        otelEnv,
        ...(timerTo === undefined ? { timerMillis: 0 } : { timerUrl: `${url[timerTo] as string}/refresh` }),
        ...(proxyTo === undefined ? {} : { proxyTarget: url[proxyTo] as string }),
      }),
    ),
  );
  const others = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failed = started.find((outcome) => outcome.status === 'rejected');
  if (failed !== undefined) {
    // No process outlives a failed start.
    await Promise.all([pricing, ...others].map((service) => service.stop()));
    throw failed.reason;
  }
  const services = [pricing, ...others];
  variants.forEach((v, i) => (url[v.key] = (others[i] as RunningService).url));
  const keep = await startStrippingProxy(pricing.url, false);
  const rewrite = await startStrippingProxy(pricing.url, true);
  url['proxy-keep-host'] = keep.url;
  url['proxy-rewrite-host'] = rewrite.url;
  return { services, url, proxies: [keep, rewrite] };
}

/** One hop of a route: which process, the path it is called on, and its per-request behaviour. */
interface RouteHop {
  readonly key: string;
  readonly fault?: 'slow' | 'error';
  readonly mode?: 'worker';
}

/** What a case must produce, per request. */
interface ExpectedHop {
  readonly kind: PropagationDiagnostic['kind'];
  readonly cause: PropagationDiagnostic['cause'];
  readonly caller: string;
  readonly callee: string;
  /** The pairing evidence the diagnosis must state, per mode; a header evidence must pair every call correctly. */
  readonly pairing?: Readonly<Record<Mode, string>>;
  /** Only in this mode (a hop a run can only see when the callee's process is tagged). */
  readonly only?: Mode;
  readonly missingBaggageKeys?: Readonly<Record<Mode, readonly string[]>>;
  /** The service of the instrumented proxy the diagnosis must name between caller and callee. */
  readonly proxy?: string;
}

interface Case {
  readonly name: string;
  readonly route: readonly RouteHop[];
  readonly status: number;
  readonly hops: readonly ExpectedHop[];
  /** Whether the run's traces hold every call's callee (`complete: true`). */
  readonly complete: boolean;
  /** An extra spec and what its failure message must say. */
  readonly spec?: { readonly expect: SpecDefinition['expect']; readonly message: RegExp };
  /** The cases that run in one mode only. */
  readonly only?: Mode;
  readonly skewNote?: RegExp;
}

const chain = (cart: string, pricing: string, extra: Partial<Record<'cart' | 'pricing', Omit<RouteHop, 'key'>>> = {}): RouteHop[] => [
  { key: 'web' },
  { key: cart, ...extra.cart },
  { key: pricing, ...extra.pricing },
  { key: 'tax' },
  // tax calls a third-party API nobody instrumented: a client span with no server anywhere, which must not count as a split.
  { key: 'rates' },
];

const header = (name: string): Readonly<Record<Mode, string>> => ({ untagged: name, tagged: name });

const CASES: readonly Case[] = [
  { name: 'healthy', route: chain('cart', 'pricing'), status: 200, hops: [], complete: true },
  {
    name: 'no propagator in the middle service',
    route: chain('cart-none', 'pricing'),
    status: 200,
    hops: [
      { kind: 'new-trace', cause: 'no-propagator', caller: 'web', callee: 'cart', pairing: header('traceparent') },
      { kind: 'new-trace', cause: 'no-propagator', caller: 'cart', callee: 'pricing', only: 'tagged', pairing: { untagged: '', tagged: 'request-header' } },
    ],
    complete: false,
  },
  { name: 'W3C caller, B3 callee', route: chain('cart', 'pricing-b3-single-only'), status: 200, hops: [{ kind: 'new-trace', cause: 'format-mismatch', caller: 'cart', callee: 'pricing', pairing: header('traceparent') }], complete: false },
  { name: 'B3 caller, W3C callee', route: chain('cart-b3', 'pricing'), status: 200, hops: [{ kind: 'new-trace', cause: 'format-mismatch', caller: 'cart', callee: 'pricing', pairing: header('b3') }], complete: false },
  { name: 'B3 multi caller, W3C callee', route: chain('cart-b3-multi', 'pricing'), status: 200, hops: [{ kind: 'new-trace', cause: 'format-mismatch', caller: 'cart', callee: 'pricing', pairing: header('x-b3-spanid') }], complete: false },
  { name: 'B3 single caller, B3 multi callee', route: chain('cart-b3', 'pricing-b3-multi-only'), status: 200, hops: [{ kind: 'new-trace', cause: 'format-mismatch', caller: 'cart', callee: 'pricing', pairing: header('b3') }], complete: false },
  { name: 'B3 multi caller, B3 single callee', route: chain('cart-b3-multi', 'pricing-b3-single-only'), status: 200, hops: [{ kind: 'new-trace', cause: 'format-mismatch', caller: 'cart', callee: 'pricing', pairing: header('x-b3-spanid') }], complete: false },
  { name: 'not extracted', route: chain('cart', 'pricing-hand'), status: 200, hops: [{ kind: 'new-trace', cause: 'context-not-extracted', caller: 'cart', callee: 'pricing', pairing: header('traceparent') }], complete: false },
  {
    name: 'stripping proxy keeping Host',
    route: chain('cart', 'proxy-keep-host'),
    status: 200,
    hops: [{ kind: 'new-trace', cause: 'stripped-in-transit', caller: 'cart', callee: 'pricing', pairing: header('request-header') }],
    complete: false,
  },
  {
    name: 'stripping proxy rewriting Host',
    route: chain('cart', 'proxy-rewrite-host'),
    status: 200,
    hops: [{ kind: 'new-trace', cause: 'stripped-in-transit', caller: 'cart', callee: 'pricing', pairing: header('request-header') }],
    complete: false,
  },
  {
    name: 'instrumented proxy stripping the trace headers',
    route: chain('cart', 'proxy-instrumented'),
    status: 200,
    hops: [{ kind: 'new-trace', cause: 'stripped-in-transit', caller: 'cart', callee: 'pricing', pairing: header('request-header'), proxy: 'edge-proxy' }],
    complete: false,
  },
  {
    name: 'instrumented proxy forwarding untraced',
    route: chain('cart', 'proxy-instrumented-untraced'),
    status: 200,
    hops: [{ kind: 'new-trace', cause: 'stripped-in-transit', caller: 'cart', callee: 'pricing', pairing: header('request-header'), proxy: 'edge-proxy' }],
    complete: false,
  },
  { name: 'context lost in a worker loop', route: chain('cart', 'pricing', { cart: { mode: 'worker' } }), status: 200, hops: [{ kind: 'context-lost', cause: 'context-lost-in-process', caller: 'cart', callee: 'pricing', pairing: header('request-header') }], complete: false },
  {
    name: 'baggage dropped',
    route: chain('cart-drop-baggage', 'pricing'),
    status: 200,
    hops: [{ kind: 'baggage-dropped', cause: 'baggage-dropped', caller: 'cart', callee: 'pricing', pairing: header('parent'), missingBaggageKeys: { untagged: ['tenant', 'test.run.id'], tagged: ['tenant'] } }],
    complete: true,
  },
  { name: 'consumer without its link', route: [{ key: 'orders' }, { key: 'stock-worker-unlinked' }], status: 202, hops: [{ kind: 'link-missing', cause: 'consumer-link-missing', caller: 'orders', callee: 'stock-worker', pairing: header('message-id') }], complete: false },
  { name: 'consumer with its link', route: [{ key: 'orders' }, { key: 'stock-worker' }], status: 202, hops: [], complete: true },
  {
    name: 'slow hop',
    route: chain('cart', 'pricing', { pricing: { fault: 'slow' } }),
    status: 200,
    hops: [],
    complete: true,
    spec: { expect: [{ budget: { max: '350ms' } }], message: /, budget 350ms\b.*; most of it in pricing: pricing\.compute \([0-9.]+m?s of its own\)$/u },
  },
  {
    name: 'erroring hop',
    route: chain('cart', 'pricing', { pricing: { fault: 'error' } }),
    status: 500,
    hops: [],
    complete: true,
    spec: { expect: [{ noErrors: true }], message: / failed: pricing: pricing\.compute has status error \("pricing dependency unavailable"\) \(the error began there; it reached /u },
  },
  { name: 'deliberately skewed service', route: [{ key: 'web' }, { key: 'cart' }, { key: 'pricing-skewed' }], status: 200, hops: [], complete: true, skewNote: /^clock skew: pricing's spans? .*to fit inside cart's client spans?(?: "[^"]*")? \(hop cart → pricing/u },
];

/** The phases of a case in a mode: concurrent requests per run, and how many runs share the services at once. */
const PHASES: Readonly<Record<Mode, readonly { readonly concurrency: number; readonly runs: number }[]>> = {
  untagged: [
    { concurrency: 1, runs: 1 },
    { concurrency: 4, runs: 1 },
    { concurrency: 16, runs: 1 },
    { concurrency: 4, runs: 2 },
  ],
  tagged: [
    { concurrency: 1, runs: 1 },
    { concurrency: 4, runs: 1 },
    { concurrency: 16, runs: 1 },
  ],
};

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/gu, '-');
}

/** The request id a span recorded (instrumentation-http records a header as an array of its values). */
function requestIdOf(span: Span): string | undefined {
  const value = span.attributes[REQUEST_ID];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

function traceRequestId(trace: Trace | undefined): string | undefined {
  for (const span of trace?.spans ?? []) {
    const id = requestIdOf(span);
    if (id !== undefined) return id;
  }
  return undefined;
}

let collector: Collector;
let rates: Server;
const pools = new Map<Mode, Pool>();
let taggedRun: CollectorRun;

beforeAll(async () => {
  collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null });
  // The third-party API tax calls: plain HTTP, no instrumentation.
  rates = createServer((req, res) => req.resume().on('end', () => res.writeHead(200).end('{}')));
  await new Promise<void>((resolve) => rates.listen(0, '127.0.0.1', resolve));
  const ratesUrl = `http://127.0.0.1:${(rates.address() as AddressInfo).port}`;
  taggedRun = collector.run();
  const [untagged, tagged] = await Promise.all([startPool('untagged', collector.env, ratesUrl), startPool('tagged', taggedRun.env, ratesUrl)]);
  pools.set('untagged', untagged);
  pools.set('tagged', tagged);
}, startupMillis);

afterAll(async () => {
  for (const pool of pools.values()) {
    await Promise.all(pool.services.map((s) => s.stop()));
    await Promise.all(pool.proxies.map((p) => p.close()));
  }
  await new Promise<void>((resolve) => (rates === undefined ? resolve() : rates.close(() => resolve())));
  await collector?.close();
});

/** The service a process or proxy of the pool stands for: the path prefix its callers use. */
function serviceOf(key: string): string {
  if (key.startsWith('proxy-')) return 'pricing';
  return VARIANTS.find((v) => v.key === key)?.name ?? key;
}

/** Sends one request down the route and answers its status. */
async function send(pool: Pool, testCase: Case, requestId: string, headers: Record<string, string>): Promise<number> {
  const path = `/${slug(testCase.name)}`;
  const route = testCase.route.map(({ key, ...behaviour }) => ({ url: `${pool.url[key] as string}/${serviceOf(key)}${path}`, ...behaviour }));
  const response = await fetch(route[0]!.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...headers }, body: JSON.stringify({ route }) });
  await response.arrayBuffer();
  return response.status;
}

/** The diagnostics whose traces carry one of `requestIds`. */
function diagnosticsOf(run: CollectorRun, requestIds: ReadonlySet<string>): PropagationDiagnostic[] {
  const byTrace = new Map<string, Trace>();
  for (const trace of [...run.traces(), ...run.unclaimedTraces()]) byTrace.set(trace.traceId, trace);
  return run.diagnostics().filter((d) => requestIds.has(traceRequestId(byTrace.get(d.anchorSpan.traceId)) ?? ''));
}

function checkDiagnostic(d: PropagationDiagnostic, expected: readonly ExpectedHop[], mode: Mode, concurrency: number, seenServers: Set<string>): ExpectedHop {
  const hop = expected.find((h) => h.kind === d.kind && h.caller === d.callerService && h.callee === d.calleeService);
  expect(hop, `unexpected diagnostic at ${concurrency} concurrent: ${d.message}`).toBeDefined();
  expect(d.cause, d.message).toBe(hop!.cause);
  expect(serviceNameOf(d.clientSpan)).toBe(hop!.caller);
  if (d.kind === 'context-lost') {
    expect(d.clientSpan.parentSpanId).toBeUndefined();
    expect(d.serverSpan === undefined ? undefined : serviceNameOf(d.serverSpan)).toBe(hop!.callee);
    // The span named as running belongs to the very request whose call lost its context.
    expect(traceRequestIdOfSpan(d.activeSpan)).toBe(requestIdOf(d.clientSpan));
    expect(d.pairing.evidence, d.message).toBe(hop!.pairing?.[mode]);
    return hop!;
  }
  expect(serviceNameOf(d.serverSpan)).toBe(hop!.callee);
  expect(d.pairing.evidence, d.message).toBe(hop!.pairing?.[mode]);
  if (d.kind === 'link-missing') {
    expect(d.clientSpan.kind).toBe(SpanKind.PRODUCER);
    expect(d.serverSpan.kind).toBe(SpanKind.CONSUMER);
    expect(d.serverSpan.attributes['messaging.message.id']).toBe(d.clientSpan.attributes['messaging.message.id']);
  } else {
    expect(d.clientSpan.kind).toBe(SpanKind.CLIENT);
    expect(d.serverSpan.kind).toBe(SpanKind.SERVER);
    // The ground truth: the request id the client sent is the one the server received.
    if (d.pairing.confidence === 'certain' || d.pairing.evidence === 'request-header' || concurrency === 1) expect(requestIdOf(d.serverSpan), d.message).toBe(requestIdOf(d.clientSpan));
  }
  if (d.kind === 'new-trace') {
    // The proxy between them: its server span answered the client span in the caller's trace.
    expect(d.proxySpan === undefined ? undefined : serviceNameOf(d.proxySpan), d.message).toBe(hop!.proxy);
    if (d.proxySpan !== undefined) {
      expect(d.proxySpan.kind).toBe(SpanKind.SERVER);
      expect([d.proxySpan.traceId, d.proxySpan.parentSpanId]).toEqual([d.clientSpan.traceId, d.clientSpan.spanId]);
      expect(d.message).toContain(`proxy ${hop!.proxy as string}`);
    }
  }
  if (hop!.missingBaggageKeys !== undefined && d.kind === 'baggage-dropped') expect(d.missingBaggageKeys).toEqual(hop!.missingBaggageKeys[mode]);
  expect(seenServers.has(d.serverSpan.spanId), `server span named twice: ${d.message}`).toBe(false);
  seenServers.add(d.serverSpan.spanId);
  return hop!;
}

/** Request ids of all spans, by span id, for the traces the diagnostics name. */
let spanRequestIds = new Map<string, string | undefined>();
function traceRequestIdOfSpan(span: Span): string | undefined {
  return spanRequestIds.get(span.traceId);
}

async function runPhase(mode: Mode, testCase: Case, concurrency: number, runCount: number): Promise<void> {
  const pool = pools.get(mode)!;
  const runs = mode === 'tagged' ? [taggedRun] : Array.from({ length: runCount }, () => collector.run());
  const prefix = `${mode}-${slug(testCase.name)}-${concurrency}x${runCount}`;
  const idsByRun = runs.map((_, r) => Array.from({ length: concurrency }, (_, i) => `${prefix}-${r}-${i}`));
  const statuses = await Promise.all(
    runs.flatMap((run, r) =>
      idsByRun[r]!.map((id) => {
        const headers = mode === 'tagged' ? { baggage: 'tenant=acme' } : (({ traceparent, baggage }) => ({ traceparent, baggage: `${baggage},tenant=acme` }))(run.headers());
        return send(pool, testCase, id, headers);
      }),
    ),
  );
  expect(statuses).toEqual(statuses.map(() => testCase.status));
  await Promise.all(pool.services.map(flushChainService));
  const seenServers = new Set<string>();
  for (const [r, run] of runs.entries()) {
    // Every service flushed: its spans are in; quiet only confirms nothing else of the run is on the way. In the
    // tagged run cart's timer sends a trace every 100 ms throughout: for the healthy chain a quiet period four times
    // that settles only because settling disregards the timer's traces as background work, which must keep
    // arriving meanwhile.
    const timerCell = mode === 'tagged' && testCase.name === 'healthy';
    const timerTraces = (): number => run.traces().filter((t) => traceRequestId(t) === undefined).length;
    const timerTracesBefore = timerTraces();
    const settle = await run.settled({ quietMillis: timerCell ? 400 : 20, timeoutMillis: 10_000 });
    expect(settle.reason).toBe('quiet');
    if (timerCell) expect(timerTraces(), 'timer traces that arrived while the run settled').toBeGreaterThan(timerTracesBefore);
    const ids = new Set(idsByRun[r]);
    spanRequestIds = new Map();
    for (const trace of [...run.traces(), ...run.unclaimedTraces()]) spanRequestIds.set(trace.traceId, traceRequestId(trace));
    const diagnostics = diagnosticsOf(run, ids);
    // Background work (the timer's traces, which record no request id) is never diagnosed.
    expect(diagnosticsOf(run, new Set([''])).map((d) => d.message)).toEqual([]);
    const expectedHops = testCase.hops.filter((hop) => hop.only === undefined || hop.only === mode);
    const counts = new Map<ExpectedHop, number>();
    for (const d of diagnostics) {
      const hop = checkDiagnostic(d, expectedHops, mode, concurrency, seenServers);
      counts.set(hop, (counts.get(hop) ?? 0) + 1);
    }
    // Every request's broken hop is named, once.
    for (const hop of expectedHops) expect(counts.get(hop) ?? 0, `${hop.caller} → ${hop.callee} (${hop.cause}) at ${concurrency} concurrent`).toBe(concurrency);
    // Which requests' diagnostics: the anchors carry this run's request ids.
    for (const d of diagnostics) expect(ids.has(traceRequestIdOfSpan(d.anchorSpan) ?? '')).toBe(true);

    // The phase's entry traces, by the request ids their entry spans recorded.
    const entryTraceIds = run.traces().filter((t) => t.spans.some((span) => span.kind === SpanKind.SERVER && serviceNameOf(span) === testCase.route[0]!.key && ids.has(requestIdOf(span) ?? ''))).map((t) => JSON.stringify(t.traceId));
    expect(entryTraceIds).toHaveLength(concurrency);
    const where = `traceId in [${entryTraceIds.join(', ')}]`;
    const specs: SpecInput[] = [
      { name: 'complete', traces: { root: where }, expect: [{ complete: true }] },
      { name: 'extra', traces: { root: where }, expect: testCase.spec?.expect ?? [{ spans: 'kind = server' }] },
    ];
    const result = await evaluateSpecs(specs, run, { timeoutMillis: 5000, quietMillis: 20, finalOnceSettled: true });
    const complete = result.specs[0]!.expectations.at(-1)!;
    expect(complete.passed, complete.message).toBe(testCase.complete);
    if (!testCase.complete) expect(complete.message).toContain(`${testCase.hops[0]!.caller} → ${testCase.hops[0]!.callee}`);
    const extra = result.specs[1]!.expectations.at(-1)!;
    if (testCase.spec === undefined) expect(extra.passed, extra.message).toBe(true);
    else {
      expect(extra.passed).toBe(false);
      expect(testCase.spec.message.test(extra.message), extra.message).toBe(true);
    }
    // A hop's note covers every trace of the run where it was corrected and names the one shifted most: in the
    // tagged run (every case's traces in one run) that may be an earlier phase's.
    const phaseNote = (traceId: string | undefined): boolean => (mode === 'tagged' && testCase.skewNote !== undefined) || ids.has(traceRequestIdOfSpanId(run, traceId));
    const skewNotes = result.notes.filter((n) => n.code === 'clock-skew' && phaseNote(n.diagnostic?.traceId));
    if (testCase.skewNote === undefined) expect(skewNotes.map((n) => n.message)).toEqual([]);
    else expect(skewNotes.some((n) => testCase.skewNote!.test(n.message)), skewNotes.map((n) => n.message).join('\n')).toBe(true);
    const orphans = run.traces().flatMap((t) => t.orphans.map((o) => `${serviceNameOf(o.span) ?? '?'} ${o.span.name} (kind ${o.span.kind}) waits for ${o.span.parentSpanId ?? ''}`));
    if (mode === 'untagged' && testCase.hops.length === 0 && testCase.skewNote === undefined) expect(result.notes, orphans.join('; ')).toEqual([]);
    const report = JSON.parse(JSON.stringify(toJsonReport(result))) as unknown;
    expect(validateReport(report), `${JSON.stringify(validateReport.errors)} in ${JSON.stringify((report as { specs: unknown[] }).specs)}`).toBe(true);
  }
}

function traceRequestIdOfSpanId(run: CollectorRun, traceId: string | undefined): string {
  if (traceId === undefined) return '';
  return traceRequestId(run.traces().find((t) => t.traceId === traceId)) ?? '';
}

describe('diagnosis on real services, every case at every concurrency', () => {
  for (const mode of ['untagged', 'tagged'] as const) {
    for (const testCase of CASES) {
      if (testCase.only !== undefined && testCase.only !== mode) continue;
      it(`${mode}: ${testCase.name}`, async () => {
        for (const { concurrency, runs } of PHASES[mode]) await runPhase(mode, testCase, concurrency, runs);
      }, 120_000);
    }
  }
});

/**
 * One service of the diagnosis acceptance chains (web → cart → pricing → tax, and producer → in-memory queue →
 * consumer), configured by environment variables so one file plays every part and every broken variant. Real
 * OpenTelemetry Node SDK (`@opentelemetry/sdk-node`), real http instrumentation with the request-header recording
 * docs/diagnostics.md recommends, real OTLP/HTTP protobuf exporter (`OTEL_*` as a collector's env gives them).
 *
 * A request's body names the rest of its route, so one process serves many cases: `POST <any path>` with
 * `{ "route": [{ "url", "fault"?, "mode"? }, …] }`: the first entry is this service's own (its `fault`, `mode`),
 * and the service calls the next entry's `url` with the route's remainder. Every call forwards the request's
 * `x-request-id` (the application's own correlation id, which the services also record).
 *
 * - `SERVICE_NAME`: `service.name`.
 * - `PROPAGATION`: what the service injects and extracts:
 *   `w3c` (traceparent + baggage, the default); `none` (no propagator at all); `w3c-drop-baggage` (reads baggage,
 *   forwards only traceparent); `b3` (reads B3 single and multi, injects a single `b3` header, no W3C);
 *   `b3-multi-only` (reads only `x-b3-*`, injects `x-b3-*`); `b3-single-only` (reads only `b3`, injects `b3`);
 *   `b3-out` / `b3-multi-out` (reads W3C and B3, injects only B3 single / multi: a service half-way through a
 *   migration); `w3c+b3` (reads W3C and B3, injects W3C).
 * - `SERVER`: `instrumented` (default: instrumentation-http's server spans) or `hand` (instrumentation-http
 *   traces outgoing calls only; the service makes its SERVER span by hand and forgets `propagation.extract`, as a
 *   hand-instrumented framework may).
 * - `ROLE`: `http` (default), `producer` (publishes a message to the next entry's `/enqueue`, under a PRODUCER
 *   span with `messaging.message.id`), `consumer` (queues the message; a worker consumes it in a NEW trace whose
 *   CONSUMER span links to the producer's context) or `broken-consumer` (the same, without the link).
 * - `CLOCK_OFFSET_MILLIS`: shifts this process's `Date.now` (which the SDK reads for each span's start), as a
 *   machine whose clock is off.
 * - `TIMER_MILLIS` with `TIMER_URL`: background work, a cache refresh `POST` to `TIMER_URL` every so often in a
 *   trace of its own.
 * - `ROLE=proxy` with `PROXY_TARGET` (a base URL): a misconfigured reverse proxy, itself instrumented. Its server
 *   span continues the caller's trace; it forwards the request (method, path, body and every header but the trace
 *   headers, `traceparent`, `tracestate`, `b3`, `x-b3-*`) to `PROXY_TARGET`, so the target starts a new trace.
 *   `PROXY_CLIENT_SPAN=present` (default) traces the forwarded call (instrumentation-http injects the context, and
 *   the proxy removes it before the request leaves); `absent` forwards it untraced.
 *
 * Per-request behaviour (the route entry): `fault: "slow"` (a slow dependency: `<service>.compute` takes 400 ms),
 * `fault: "error"` (`<service>.compute` fails with a recorded exception and the service answers 500), and
 * `mode: "worker"` (the request hands its downstream call to a worker loop started at boot, outside any request's
 * context: the call is made with the context lost, as a job queue in a service does it).
 *
 * It prints `{"service":…,"port":…}` once listening; `POST /__flush` waits for its pending work and exports (not
 * traced); SIGTERM flushes and exits.
 */
import { baggageAttributes, batchOptionsFromEnv, exitOnSigterm, offsetClock, postJson, readJson, tagRunOfRequest } from '../propagation/service-parts.ts';

// V8's compile cache (in the OS temp directory) halves the start-up of the SDK's many modules on later starts:
// a test starts dozens of these services.
(await import('node:module')).enableCompileCache?.();

// Before the SDK loads: the SDK reads Date.now() for every span start, so the whole service is off by the offset.
offsetClock(process.env);

const { createRequire } = await import('node:module');
const { randomBytes } = await import('node:crypto');
const { setTimeout: delay } = await import('node:timers/promises');
const api = await import('@opentelemetry/api');
const { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } = await import('@opentelemetry/core');
const { B3Propagator, B3InjectEncoding } = await import('@opentelemetry/propagator-b3');
const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
const { NodeSDK } = await import('@opentelemetry/sdk-node');
const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace');
const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');

type Http = typeof import('node:http');
type TextMapPropagator = import('@opentelemetry/api').TextMapPropagator;

const service = process.env['SERVICE_NAME'] ?? 'service';
const propagation = process.env['PROPAGATION'] ?? 'w3c';
const serverMode = process.env['SERVER'] ?? 'instrumented';
const role = process.env['ROLE'] ?? 'http';
const timerMillis = Number(process.env['TIMER_MILLIS'] ?? '0');
const timerUrl = process.env['TIMER_URL'];
const proxyTarget = process.env['PROXY_TARGET'];
const proxyClientSpan = (process.env['PROXY_CLIENT_SPAN'] ?? 'present') === 'present';
if (role === 'proxy' && proxyTarget === undefined) throw new Error('ROLE=proxy needs PROXY_TARGET, the base URL it forwards to');

/** The correlation id every call forwards and every span records. */
const REQUEST_ID_HEADER = 'x-request-id';
/** Request headers SERVER spans record: the propagation headers, `host` (every request has one) and the request id. */
const RECORDED_HEADERS = ['traceparent', 'tracestate', 'baggage', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled', 'host', REQUEST_ID_HEADER];
const B3_MULTI_HEADERS = ['x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled', 'x-b3-parentspanid', 'x-b3-flags'];
/** What a ROLE=proxy strips from the requests it forwards. */
const TRACE_HEADERS = ['traceparent', 'tracestate', 'b3', ...B3_MULTI_HEADERS];

/** A propagator that injects as `inner` does but extracts only when `reads` says the carrier holds its format. */
function extractOnly(inner: TextMapPropagator, hidden: readonly string[], injects = true): TextMapPropagator {
  return {
    inject: (context, carrier, setter) => (injects ? inner.inject(context, carrier, setter) : undefined),
    // The hidden headers are not read: this side's propagator does not know that encoding.
    extract: (context, carrier, getter) =>
      inner.extract(context, carrier, { get: (c, key) => (hidden.includes(key.toLowerCase()) ? undefined : getter.get(c, key)), keys: (c) => getter.keys(c) }),
    fields: () => (injects ? inner.fields() : []),
  };
}

function propagator(): TextMapPropagator {
  const w3c = new W3CTraceContextPropagator();
  const baggage = new W3CBaggagePropagator();
  const b3Single = new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER });
  const b3Multi = new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER });
  const composite = (...propagators: TextMapPropagator[]): TextMapPropagator => new CompositePropagator({ propagators });
  switch (propagation) {
    case 'none':
      return composite();
    case 'w3c':
      return composite(w3c, baggage);
    case 'w3c-drop-baggage':
      return composite(w3c, extractOnly(baggage, [], false));
    case 'b3':
      return composite(b3Single, baggage);
    case 'b3-multi-only':
      return composite(extractOnly(b3Multi, ['b3']), baggage);
    case 'b3-single-only':
      return composite(extractOnly(b3Single, B3_MULTI_HEADERS), baggage);
    case 'b3-out':
      return composite(extractOnly(w3c, [], false), b3Single, baggage);
    case 'b3-multi-out':
      return composite(extractOnly(w3c, [], false), b3Multi, baggage);
    case 'w3c+b3':
      return composite(extractOnly(b3Single, [], false), w3c, baggage);
    default:
      throw new Error(`PROPAGATION ${propagation} is not known; see examples/chain/service.ts`);
  }
}


// Batched (every OTEL_BSP_SCHEDULE_DELAY of the collector's env, which the processor must be given): one export per batch. A simple processor exports
// each span on its own, and 16 concurrent requests of a 4-service chain exceed the exporter's limit of concurrent
// exports, which drops spans.
const exporter = new BatchSpanProcessor({ exporter: new OTLPTraceExporter(), ...batchOptionsFromEnv(process.env) });
const sdk = new NodeSDK({
  serviceName: service,
  textMapPropagator: propagator(),
  spanProcessors: [baggageAttributes(api), exporter],
  instrumentations: [
    new HttpInstrumentation({
      headersToSpanAttributes: { server: { requestHeaders: RECORDED_HEADERS }, client: { requestHeaders: [REQUEST_ID_HEADER] } },
      // A hand-instrumented server: instrumentation-http traces its outgoing calls only.
      disableIncomingRequestInstrumentation: serverMode === 'hand',
      ignoreIncomingRequestHook: (request) => request.url === '/__flush',
      // A proxy without a client span forwards untraced: nothing injected, no span.
      ignoreOutgoingRequestHook: () => role === 'proxy' && !proxyClientSpan,
      requestHook: tagRunOfRequest,
    }),
  ],
});
sdk.start();
// instrumentation-http patches through the CommonJS require hook; a static ESM import would not be patched.
const http = createRequire(import.meta.url)('node:http') as Http;
const tracer = api.trace.getTracer('tracecheck-chain-example');

interface Hop {
  readonly url: string;
  readonly fault?: 'slow' | 'error';
  readonly mode?: 'worker';
}

function post(url: string, body: unknown, requestId: string | undefined): Promise<number> {
  return postJson(http, url, body, requestId === undefined ? {} : { [REQUEST_ID_HEADER]: requestId });
}

/** Work that is in flight (worker jobs, queued messages), so `/__flush` can wait for it. */
const pending = new Set<Promise<unknown>>();
function track<T>(work: Promise<T>): Promise<T> {
  pending.add(work);
  void work.finally(() => pending.delete(work)).catch(() => undefined);
  return work;
}

/** The worker loop's jobs: a downstream call and how to answer the request that handed it over. */
interface Job {
  readonly hop: Hop;
  readonly route: readonly Hop[];
  readonly requestId: string | undefined;
  readonly done: (status: number) => void;
}
const jobs: Job[] = [];
let wakeWorker: (() => void) | undefined;
/**
 * The worker loop, started once at boot outside any request: each awaited wake-up resumes in the loop's own
 * (empty) context, not the context of the request that queued the job. That is how a worker loses the context.
 */
async function workerLoop(): Promise<never> {
  for (;;) {
    const job = jobs.shift();
    if (job === undefined) {
      await new Promise<void>((resolve) => (wakeWorker = resolve));
      continue;
    }
    void post(job.hop.url, { route: job.route }, job.requestId).then(job.done, () => job.done(502));
  }
}
api.context.with(api.ROOT_CONTEXT, () => void workerLoop());

async function callNext(own: Hop | undefined, rest: readonly Hop[], requestId: string | undefined): Promise<number> {
  const next = rest[0];
  if (next === undefined) return 200;
  if (own?.mode !== 'worker') return post(next.url, { route: rest }, requestId);
  return track(
    new Promise<number>((resolve) => {
      jobs.push({ hop: next, route: rest, requestId, done: resolve });
      wakeWorker?.();
    }),
  );
}

/** This service's own part of a request: `<service>.compute`, slow or failing when the route says so. */
async function compute(own: Hop | undefined, rest: readonly Hop[], requestId: string | undefined): Promise<number> {
  return tracer.startActiveSpan(`${service}.compute`, async (span) => {
    try {
      // The slow fault is the service's own behaviour: a slow dependency, not a wait in a test.
      if (own?.fault === 'slow') await delay(400);
      if (own?.fault === 'error') {
        const error = new Error(`${service} dependency unavailable`);
        span.recordException(error);
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: error.message });
        return 500;
      }
      return await callNext(own, rest, requestId);
    } finally {
      span.end();
    }
  });
}

interface Message {
  readonly id: string;
  /** The producer's context, injected by the producer's propagator (the message's own headers, as a broker keeps them). */
  readonly headers: Record<string, string>;
}

async function publish(rest: readonly Hop[], requestId: string | undefined): Promise<number> {
  const next = rest[0];
  if (next === undefined) throw new Error('ROLE=producer needs a next hop to publish to');
  const id = randomBytes(8).toString('hex');
  const attributes = { 'messaging.system': 'example-queue', 'messaging.destination.name': 'orders', 'messaging.operation.type': 'send', 'messaging.message.id': id };
  return tracer.startActiveSpan('orders publish', { kind: api.SpanKind.PRODUCER, attributes }, async (span) => {
    const headers: Record<string, string> = {};
    api.propagation.inject(api.context.active(), headers);
    try {
      return await post(new URL('/enqueue', next.url).href, { id, headers } satisfies Message, requestId);
    } finally {
      span.end();
    }
  });
}

/** Consumes one message in a new trace: a root CONSUMER span, linked to the producer's context unless broken. */
function consume(message: Message): void {
  const producerContext = api.trace.getSpanContext(api.propagation.extract(api.ROOT_CONTEXT, message.headers));
  const links = producerContext === undefined || role === 'broken-consumer' ? [] : [{ context: producerContext }];
  const attributes = { 'messaging.system': 'example-queue', 'messaging.destination.name': 'orders', 'messaging.operation.type': 'process', 'messaging.message.id': message.id };
  tracer.startActiveSpan('orders process', { kind: api.SpanKind.CONSUMER, root: true, links, attributes }, api.ROOT_CONTEXT, (span) => {
    tracer.startSpan('reserve stock').end();
    span.end();
  });
}

async function handle(req: import('node:http').IncomingMessage, path: string): Promise<number> {
  const body = (await readJson(req)) as { route?: Hop[]; id?: string; headers?: Record<string, string> } | undefined;
  const requestId = typeof req.headers[REQUEST_ID_HEADER] === 'string' ? req.headers[REQUEST_ID_HEADER] : undefined;
  if (path === '/enqueue' && (role === 'consumer' || role === 'broken-consumer')) {
    const message = body as Message;
    // The worker takes the message after the broker answered, outside the request's context.
    track(new Promise<void>((resolve) => setImmediate(() => api.context.with(api.ROOT_CONTEXT, () => (consume(message), resolve())))));
    return 202;
  }
  const route = body?.route ?? [];
  const [own, ...rest] = route;
  if (role === 'producer') return publish(rest, requestId);
  return compute(own, rest, requestId);
}

/**
 * ROLE=proxy: forwards the request to PROXY_TARGET without its trace headers, and answers what the target answered.
 * With a client span, instrumentation-http injects the context into the forwarded request; the proxy removes it
 * before the request is sent (headers go out with the first write).
 */
function forward(req: import('node:http').IncomingMessage, answer: import('node:http').ServerResponse): void {
  const headers = { ...req.headers };
  for (const name of TRACE_HEADERS) delete headers[name];
  delete headers.host;
  const forwarded = http.request(new URL(req.url ?? '/', proxyTarget), { method: req.method, headers }, (reply) => {
    answer.writeHead(reply.statusCode ?? 502, reply.headers);
    reply.pipe(answer);
  });
  for (const name of TRACE_HEADERS) forwarded.removeHeader(name);
  forwarded.on('error', () => answer.writeHead(502).end());
  req.pipe(forwarded);
}

/** A SERVER span made by hand, as a framework without instrumentation-http would: it forgets to extract the context. */
function handServerSpan<T>(req: import('node:http').IncomingMessage, path: string, work: () => Promise<T>): Promise<T> {
  const attributes: Record<string, string | number> = { 'http.request.method': req.method ?? 'GET', 'url.path': path };
  const port = req.socket.localPort;
  if (port !== undefined) attributes['server.port'] = port;
  for (const name of RECORDED_HEADERS) {
    const value = req.headers[name];
    if (typeof value === 'string') attributes[`http.request.header.${name}`] = value;
  }
  return tracer.startActiveSpan(`${req.method ?? 'GET'} ${path}`, { kind: api.SpanKind.SERVER, attributes }, (span) =>
    work().finally(() => span.end()),
  );
}

const server = http.createServer((req, res) => {
  if (role === 'proxy' && req.url !== '/__flush') {
    forward(req, res);
    return;
  }
  void (async () => {
    let status = 200;
    const path = new URL(req.url ?? '/', 'http://service').pathname;
    try {
      if (path === '/__flush') {
        await Promise.allSettled([...pending]);
        await exporter.forceFlush();
      } else if (req.method !== 'POST') {
        status = 404;
      } else if (serverMode === 'hand') {
        status = await handServerSpan(req, path, () => handle(req, path));
      } else {
        status = await handle(req, path);
      }
    } catch (error) {
      status = 500;
      process.stderr.write(`${service}: ${String(error)}\n`);
    }
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ service, status }));
  })();
});

/** Background work: a cache refresh on a timer, outside any request (its own trace, as a timer callback has no context). */
let timer: NodeJS.Timeout | undefined;
if (timerMillis > 0 && timerUrl !== undefined) {
  timer = setInterval(() => void api.context.with(api.ROOT_CONTEXT, () => post(timerUrl, {}, undefined)).catch(() => undefined), timerMillis);
}
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ service, port: typeof address === 'object' && address !== null ? address.port : 0 })}\n`);
});
exitOnSigterm(service, server, sdk, () => timer);

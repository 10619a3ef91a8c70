/**
 * One small HTTP service of the propagation examples, configured by environment variables so one file can play
 * every part: a caller with a broken propagator, a W3C callee, a queue producer and consumer, a service whose
 * clock is off. Real OpenTelemetry Node SDK, real http instrumentation, real OTLP/HTTP protobuf exporter
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS` as the collector's `run.env` gives them).
 *
 * - `SERVICE_NAME`: `service.name`.
 * - `PROPAGATION`: `w3c` (traceparent + baggage, the default), `w3c-drop-baggage` (traceparent both ways; incoming
 *   baggage is read but never forwarded, as a hand-written propagator that forgot baggage would), `b3` (B3 single
 *   header + baggage) or `none` (no propagator: nothing is injected or extracted).
 * - `ROLE`: `http` (default: `POST /work` calls `CALL_URL` when set), `producer` (`POST /work` publishes a
 *   message to `CALL_URL`'s `/enqueue` under a PRODUCER span, the message carrying the producer's context in its
 *   own headers) or `consumer` (`POST /enqueue` queues the message and answers 202; a worker then starts a NEW
 *   trace with a CONSUMER span linked to the producer's span context).
 * - `MESSAGING_ATTRIBUTES`: `current` (default: the messaging conventions of @opentelemetry/semantic-conventions 1.45:
 *   `messaging.system.name`, `messaging.operation.name` and `.type`, `messaging.destination.name`, `server.address`
 *   and `.port` of the broker, spans named `send orders` and `process orders`) or `legacy` (what instrumentations
 *   written before the conventions' 1.26 renames record: `messaging.system`, `messaging.operation`, and no broker
 *   address), for the messaging rule pack to judge (test/rules/messaging.test.ts).
 * - `CLOCK_OFFSET_MILLIS`: shifts this process's wall clock (`Date.now`, which the SDK reads to timestamp each
 *   span's start; ends are start plus the monotonic duration), as a machine with a wrong clock would.
 * - `TIMER_MILLIS`: with `CALL_URL`, background work: `POST /refresh` to it twice at startup, then on a timer, each
 *   call in a trace of its own (a timer callback has no request context), as a service refreshing a cache does.
 *
 * Every SERVER span records the propagation request headers as `http.request.header.*` attributes
 * (instrumentation-http `headersToSpanAttributes`), which is what lets tracecheck tell a missing propagator from a
 * B3/W3C mismatch. Baggage entries are copied onto each span as `baggage.<key>` attributes (a baggage span
 * processor). A request's `x-test-run-id` header tags its SERVER span with `test.run.id`.
 *
 * It prints `{"service":…,"port":…}` on stdout once listening, and flushes its spans on SIGTERM.
 */
import { baggageAttributes, batchOptionsFromEnv, exitOnSigterm, offsetClock, postJson, readJson, tagRunOfRequest } from './service-parts.ts';

// Before the SDK loads: the SDK reads Date.now() for every span start, so the whole service is off by the offset.
offsetClock(process.env);

const { createRequire } = await import('node:module');
const api = await import('@opentelemetry/api');
const { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } = await import('@opentelemetry/core');
const { B3Propagator, B3InjectEncoding } = await import('@opentelemetry/propagator-b3');
const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
const { NodeSDK } = await import('@opentelemetry/sdk-node');
const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace');
const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');

type Http = typeof import('node:http');

const service = process.env['SERVICE_NAME'] ?? 'service';
const propagation = process.env['PROPAGATION'] ?? 'w3c';
const role = process.env['ROLE'] ?? 'http';
const callUrl = process.env['CALL_URL'];
/** With CALL_URL: refresh a cache from it twice at startup, then every TIMER_MILLIS, each time in a trace of its own. */
const timerMillis = Number(process.env['TIMER_MILLIS'] ?? '0');

/**
 * The request headers every SERVER span records: the propagation headers, plus `host`, which every HTTP/1.1
 * request carries, so a recorded `host` with no propagation header shows that none arrived (rather than that
 * nothing was recorded).
 */
const RECORDED_HEADERS = ['traceparent', 'tracestate', 'baggage', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled', 'host'];

/** Reads incoming W3C baggage, injects none: the baggage stops at this service. */
const baggageReadOnly: import('@opentelemetry/api').TextMapPropagator = {
  inject: () => {},
  extract: (context, carrier, getter) => new W3CBaggagePropagator().extract(context, carrier, getter),
  fields: () => [],
};

function propagator(): import('@opentelemetry/api').TextMapPropagator {
  switch (propagation) {
    case 'none':
      return new CompositePropagator({ propagators: [] });
    case 'w3c-drop-baggage':
      return new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), baggageReadOnly] });
    case 'b3':
      return new CompositePropagator({ propagators: [new B3Propagator({ injectEncoding: B3InjectEncoding.SINGLE_HEADER }), new W3CBaggagePropagator()] });
    case 'w3c':
      return new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
    default:
      throw new Error(`PROPAGATION must be w3c, w3c-drop-baggage, b3 or none; got ${propagation}`);
  }
}


// Batched (every OTEL_BSP_SCHEDULE_DELAY of the collector's env, which the processor must be given), as examples/chain is: a simple processor sends each
// span in an export of its own, and 16 concurrent requests put more than the exporter's 30 concurrent exports in
// flight on a loaded machine; the exporter then drops the span ("Concurrent export limit reached").
const sdk = new NodeSDK({
  serviceName: service,
  textMapPropagator: propagator(),
  spanProcessors: [baggageAttributes(api), new BatchSpanProcessor({ exporter: new OTLPTraceExporter(), ...batchOptionsFromEnv(process.env) })],
  instrumentations: [
    new HttpInstrumentation({
      headersToSpanAttributes: { server: { requestHeaders: RECORDED_HEADERS } },
      requestHook: tagRunOfRequest,
    }),
  ],
});
sdk.start();
// instrumentation-http patches through the CommonJS require hook; a static ESM import would not be patched.
const http = createRequire(import.meta.url)('node:http') as Http;
const tracer = api.trace.getTracer('tracecheck-propagation-example');

function post(url: string, body: unknown): Promise<number> {
  return postJson(http, url, body);
}

interface Message {
  readonly body: string;
  /** The producer's context, injected by the producer's propagator (the message's own headers, as a broker keeps them). */
  readonly headers: Record<string, string>;
}

const legacyMessaging = process.env['MESSAGING_ATTRIBUTES'] === 'legacy';
/** Where this service listens: a consumer is its own queue's broker (its `/enqueue`). */
let brokerUrl: URL | undefined;

/** A messaging span's name and attributes for one operation on the `orders` queue, as `MESSAGING_ATTRIBUTES` says. */
function messagingSpan(operation: 'send' | 'process', broker: URL | undefined): { name: string; attributes: import('@opentelemetry/api').Attributes } {
  if (legacyMessaging) {
    return { name: `orders ${operation === 'send' ? 'publish' : 'process'}`, attributes: { 'messaging.system': 'example-queue', 'messaging.operation': operation === 'send' ? 'publish' : 'process', 'messaging.destination.name': 'orders' } };
  }
  const address = broker === undefined ? {} : { 'server.address': broker.hostname, 'server.port': Number(broker.port) };
  return {
    name: `${operation} orders`,
    attributes: { 'messaging.system.name': 'example-queue', 'messaging.operation.name': operation, 'messaging.operation.type': operation, 'messaging.destination.name': 'orders', ...address },
  };
}

async function publish(): Promise<void> {
  if (callUrl === undefined) throw new Error('ROLE=producer needs CALL_URL');
  const { name, attributes } = messagingSpan('send', new URL(callUrl));
  await tracer.startActiveSpan(name, { kind: api.SpanKind.PRODUCER, attributes }, async (span) => {
    const headers: Record<string, string> = {};
    api.propagation.inject(api.context.active(), headers);
    try {
      await post(`${callUrl}/enqueue`, { body: 'order-1', headers } satisfies Message);
    } finally {
      span.end();
    }
  });
}

/** Consumes one message: a new trace (root CONSUMER span) linked to the span context the message carries. */
function consume(message: Message): void {
  const producerContext = api.trace.getSpanContext(api.propagation.extract(api.ROOT_CONTEXT, message.headers));
  const links = producerContext === undefined ? [] : [{ context: producerContext }];
  const { name, attributes } = messagingSpan('process', brokerUrl);
  tracer.startActiveSpan(name, { kind: api.SpanKind.CONSUMER, root: true, links, attributes }, api.ROOT_CONTEXT, (span) => {
    tracer.startSpan('reserve stock').end();
    span.end();
  });
}

const queue: Message[] = [];
const server = http.createServer((req, res) => {
  void (async () => {
    let status = 200;
    try {
      const path = new URL(req.url ?? '/', 'http://service').pathname;
      const body = await readJson(req);
      if (req.method === 'POST' && path === '/work') {
        if (role === 'producer') await publish();
        else if (callUrl !== undefined) status = await post(`${callUrl}/work`, { from: service });
      } else if (req.method === 'POST' && path === '/refresh') {
        status = 200;
      } else if (req.method === 'POST' && path === '/enqueue' && role === 'consumer') {
        queue.push(body as Message);
        status = 202;
        // The worker takes the message after the broker answered, outside the request's context.
        setImmediate(() => api.context.with(api.ROOT_CONTEXT, () => {
          const message = queue.shift();
          if (message !== undefined) consume(message);
        }));
      } else {
        status = 404;
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
function refresh(): Promise<number> {
  return api.context.with(api.ROOT_CONTEXT, () => post(`${callUrl ?? ''}/refresh`, { from: service }));
}
let timer: NodeJS.Timeout | undefined;
if (timerMillis > 0 && callUrl !== undefined) {
  // Warmed at startup, before any request: the first refreshes run while the service does nothing else.
  await refresh();
  await refresh();
  timer = setInterval(() => void refresh().catch(() => undefined), timerMillis);
}
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  brokerUrl = new URL(`http://127.0.0.1:${port}`);
  process.stdout.write(`${JSON.stringify({ service, port })}\n`);
});
exitOnSigterm(service, server, sdk, () => timer);

/**
 * The parts the example services (examples/propagation/service.ts, examples/chain/service.ts) share: the clock
 * offset they can run with, a POST through the instrumented http module, reading a JSON body, the span processor
 * that copies baggage onto spans, and a SIGTERM that flushes. Import it only after `offsetClock()` ran: nothing
 * here reads the clock at load, but the SDK the services load next does.
 */
import { IncomingMessage } from 'node:http';
import type { Context, Span } from '@opentelemetry/api';

type Http = typeof import('node:http');

/**
 * Shifts this process's `Date.now` by `CLOCK_OFFSET_MILLIS`, as a machine whose clock is off: the SDK reads
 * `Date.now()` for every span start (its end is start plus the monotonic duration). Call it before the SDK loads.
 */
export function offsetClock(env: NodeJS.ProcessEnv): void {
  const offsetMillis = Number(env['CLOCK_OFFSET_MILLIS'] ?? '0');
  if (offsetMillis === 0) return;
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + offsetMillis;
}

/**
 * The batch span processor's options from the env the collector hands out: `@opentelemetry/sdk-trace` 3's
 * `BatchSpanProcessor` reads no `OTEL_BSP_*` variable itself (its delay is 5 s unless given), so a service that
 * builds its own processor passes `OTEL_BSP_SCHEDULE_DELAY` on, or its spans arrive in 5-second bursts.
 */
export function batchOptionsFromEnv(env: NodeJS.ProcessEnv): { scheduledDelayMillis?: number } {
  const delay = Number(env['OTEL_BSP_SCHEDULE_DELAY']);
  return env['OTEL_BSP_SCHEDULE_DELAY'] === undefined || !Number.isFinite(delay) || delay < 0 ? {} : { scheduledDelayMillis: delay };
}

/**
 * POSTs `body` as JSON with `http` (the module instrumentation-http patched: pass the one `createRequire` loaded)
 * and resolves with the answer's status.
 */
export function postJson(http: Http, url: string, body: unknown, headers: Readonly<Record<string, string>> = {}): Promise<number> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** A request's JSON body, or undefined for an empty one. */
export function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text === '' ? undefined : JSON.parse(text));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    req.on('error', reject);
  });
}

/** A span processor that copies the baggage of a span's parent context onto the span as `baggage.<key>` attributes. */
export function baggageAttributes(api: typeof import('@opentelemetry/api')) {
  return {
    onStart(span: Span, parentContext: Context): void {
      const entries = api.propagation.getBaggage(parentContext)?.getAllEntries() ?? [];
      for (const [key, entry] of entries) span.setAttribute(`baggage.${key}`, entry.value);
    },
    onEnd(): void {},
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}

/**
 * instrumentation-http's `requestHook`: a request's `x-test-run-id` header tags its SERVER span with
 * `test.run.id`, as a test's entry request marks the run.
 */
export function tagRunOfRequest(span: Span, request: unknown): void {
  if (!(request instanceof IncomingMessage)) return;
  const runId = request.headers['x-test-run-id'];
  if (typeof runId === 'string' && runId !== '') span.setAttribute('test.run.id', runId);
}

/** On SIGTERM: stop the timer and the server, flush the SDK (every span exported) and exit. */
export function exitOnSigterm(service: string, server: import('node:http').Server, sdk: { shutdown(): Promise<void> }, timer: () => NodeJS.Timeout | undefined): void {
  process.once('SIGTERM', () => {
    clearInterval(timer());
    server.close();
    server.closeAllConnections();
    sdk.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${service}: telemetry shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  });
}

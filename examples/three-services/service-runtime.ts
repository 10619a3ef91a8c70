import { createInterface } from 'node:readline';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Telemetry } from './telemetry.ts';

/** A JSON reply of an example service. */
export interface JsonReply {
  readonly status: number;
  readonly body: unknown;
}

/** A request as the example handlers see it: method, path and the parsed JSON body (`undefined` when empty). */
export interface JsonRequest {
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
}

/** The line a service prints on stdout once it listens; the launcher waits for it. */
export interface ReadyLine {
  readonly service: string;
  readonly port: number;
}

/**
 * Serves `handle` on `PORT` (0, the default, picks a free port) of `LISTEN_HOST` (default 127.0.0.1; containers
 * use 0.0.0.0) and prints one {@link ReadyLine} as JSON on
 * stdout when listening. On SIGTERM or SIGINT it stops accepting requests, shuts the SDK down (which flushes
 * the spans still batched) and exits 0.
 */
export function serveJson(service: string, telemetry: Telemetry, handle: (request: JsonRequest) => Promise<JsonReply>): void {
  const server = telemetry.http.createServer((req, res) => {
    void respond(req, res, handle);
  });
  const port = Number(process.env['PORT'] ?? '0');
  server.listen(port, process.env['LISTEN_HOST'] ?? '127.0.0.1', () => {
    const address = server.address();
    const ready: ReadyLine = { service, port: typeof address === 'object' && address !== null ? address.port : port };
    process.stdout.write(`${JSON.stringify(ready)}\n`);
  });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    server.close();
    server.closeAllConnections();
    telemetry.sdk.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`${service}: telemetry shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function respond(req: IncomingMessage, res: ServerResponse, handle: (request: JsonRequest) => Promise<JsonReply>): Promise<void> {
  let reply: JsonReply;
  try {
    const text = await readBody(req);
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    reply = await handle({ method: req.method ?? 'GET', path: new URL(req.url ?? '/', 'http://service').pathname, body });
  } catch (error) {
    reply = { status: 500, body: { error: error instanceof Error ? error.message : String(error) } };
  }
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Sends a JSON request through the instrumented `http` module, so the CLIENT span is recorded and the active
 * context is injected as `traceparent` / `baggage` headers. Extra `headers` are sent as given.
 */
export function callJson(
  http: Telemetry['http'],
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonReply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        headers: payload === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) });
          } catch (error) {
            reject(new Error(`${method} ${url} answered ${res.statusCode} with a body that is not JSON`, { cause: error }));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * The base URL of a downstream service, named by an environment variable. docker-compose sets it to a URL.
 * The launcher starts all services at once, before their ports are known, so it sets the variable to `stdin`
 * and writes `{"NAME":"http://..."}` as a JSON line on the service's stdin once the downstream announced itself;
 * requests wait for that (they only arrive after the launcher is done).
 */
export function downstreamUrl(name: string): Promise<string> {
  const value = process.env[name];
  if (value === undefined || value === '') return Promise.reject(new Error(`${name} must be set to a URL or to "stdin"`));
  if (value !== 'stdin') return Promise.resolve(value);
  const url = new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      const sent = (line.startsWith('{') ? JSON.parse(line) : {}) as Record<string, unknown>;
      const sentUrl = sent[name];
      if (typeof sentUrl === 'string') {
        // Settle before closing: close() emits 'close' synchronously, which would reject first.
        resolve(sentUrl);
        lines.close();
      }
    });
    lines.on('close', () => reject(new Error(`stdin closed before the launcher sent ${name}`)));
  });
  // Until a request needs it, a missing URL is not an error.
  url.catch(() => {});
  return url;
}

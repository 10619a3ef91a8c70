import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { TracecheckError } from '../errors.ts';
import type { OtlpHttpHandler, OtlpHttpRequest } from './http-handler.ts';
import { isOtlpTracesPath } from './http-handler.ts';

/** Options of {@link listenHttp}. */
export interface ListenHttpOptions {
  /** Interface to bind, e.g. `127.0.0.1`. */
  readonly host: string;
  /** Port to bind; `0` picks a free one (read it from the result). */
  readonly port: number;
  /** The OTLP handler (usually from {@link createOtlpHttpHandler}). */
  readonly handler: OtlpHttpHandler;
  /**
   * A plain node:http listener for paths that are not OTLP traces paths (see {@link isOtlpTracesPath}); without
   * it such requests go to `handler` (which answers 404 or calls its own `fallback`).
   */
  readonly fallback?: RequestListener;
  /** How long `close()` waits for in-flight requests before cutting their connections. Default 10 000. */
  readonly closeTimeoutMillis?: number;
  /**
   * How long a streamed answer (server-sent events) may wait for its reader to take what was written before the
   * connection is cut. Default 60 000.
   */
  readonly streamStallMillis?: number;
}

/** A listening HTTP receiver. */
export interface HttpListener {
  /** Base URL, e.g. `http://127.0.0.1:4318`: what `OTEL_EXPORTER_OTLP_ENDPOINT` wants. */
  readonly url: string;
  /** The bound port (the chosen one when `port: 0` was asked for). */
  readonly port: number;
  /**
   * Stops accepting connections, lets in-flight requests finish (up to `closeTimeoutMillis`), closes idle
   * keep-alive connections, then resolves. Calling it again returns the same promise.
   */
  close(): Promise<void>;
}

function toRequest(req: IncomingMessage): OtlpHttpRequest {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: req.method ?? 'GET',
    path: req.url ?? '/',
    headers,
    // destroyOnReturn: false, because destroying an IncomingMessage destroys its socket, and the handler stops
    // reading early exactly when it still has an answer (413) to send on that socket.
    body: req.iterator({ destroyOnReturn: false }),
  };
}

/**
 * Resolves true when `res` drains (its reader took what was written), false when it closes first or stays full for
 * `stallMillis` (the connection is then destroyed: a reader that stopped reading holds no socket forever).
 */
function drained(res: ServerResponse, stallMillis: number): Promise<boolean> {
  return new Promise((resolve) => {
    const settle = (ok: boolean): void => {
      clearTimeout(deadline);
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = (): void => settle(true);
    const onClose = (): void => settle(false);
    const deadline = setTimeout(() => {
      res.destroy();
      settle(false);
    }, stallMillis);
    deadline.unref();
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/**
 * Writes a streamed answer, asking the stream for its next chunk only once the socket has taken the previous one
 * (backpressure: a reader that stops reading makes the stream wait, not the server buffer). A client that goes away
 * ends the stream through its iterator's `return()`.
 */
async function streamAnswer(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  head: Uint8Array,
  stream: AsyncIterable<Uint8Array>,
  stallMillis: number,
): Promise<void> {
  const iterator = stream[Symbol.asyncIterator]();
  res.on('close', () => void iterator.return?.());
  res.writeHead(status, headers);
  let writable = head.byteLength === 0 || res.write(head);
  try {
    for (;;) {
      if (!writable && !(await drained(res, stallMillis))) break;
      const next = await iterator.next();
      if (next.done === true || res.destroyed) break;
      writable = res.write(next.value);
    }
  } finally {
    res.end();
  }
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Serves an {@link OtlpHttpHandler} on node:http, streaming each request body into it.
 *
 * @example
 * ```ts
 * const handler = createOtlpHttpHandler({ sink });
 * const server = await listenHttp({ host: '127.0.0.1', port: 0, handler });
 * process.env.OTEL_EXPORTER_OTLP_ENDPOINT = server.url;
 * // ...
 * await server.close();
 * ```
 */
export async function listenHttp(options: ListenHttpOptions): Promise<HttpListener> {
  const { handler, fallback } = options;
  const closeTimeoutMillis = options.closeTimeoutMillis ?? 10_000;
  const streamStallMillis = options.streamStallMillis ?? 60_000;
  let closing = false;
  const active = new Set<ServerResponse>();

  const server = createServer((req, res) => {
    if (fallback !== undefined && !isOtlpTracesPath(req.url ?? '/')) {
      fallback(req, res);
      return;
    }
    active.add(res);
    res.on('close', () => {
      active.delete(res);
      // Keep-alive sockets become idle when their last answer is done; during close() free them at once.
      if (closing) server.closeIdleConnections();
    });
    void handler(toRequest(req)).then(
      (response) => {
        const headers: Record<string, string> = { ...response.headers };
        // A body the handler did not read to the end (413) cannot be skipped cheaply: end the connection.
        if (!req.complete || closing) headers['connection'] = 'close';
        if (response.stream !== undefined) {
          void streamAnswer(res, response.status, headers, response.body, response.stream, streamStallMillis);
          return;
        }
        headers['content-length'] = String(response.body.byteLength);
        res.writeHead(response.status, headers);
        res.end(response.body);
      },
      (cause: unknown) => {
        // The handler never rejects by contract; this guards against a handler that is not ours.
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain', connection: 'close' });
        res.end(`internal error: ${cause instanceof Error ? cause.message : String(cause)}`);
      },
    );
  });
  // Errors on a client socket (resets, parse errors) must not take the server down.
  server.on('clientError', (_error: Error, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(new TracecheckError('TC_LISTEN_FAILED', `cannot listen for OTLP/HTTP on ${options.host}:${options.port}: ${error.message}`, { cause: error }));
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${formatHost(options.host)}:${port}`,
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        const deadline = setTimeout(() => server.closeAllConnections(), closeTimeoutMillis);
        deadline.unref();
        server.close(() => {
          clearTimeout(deadline);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}

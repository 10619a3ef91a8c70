// DNS rebinding: a web page on evil.example can make its own name resolve to 127.0.0.1, and the browser then lets
// it read answers from a loopback server as if they were same-origin. The request still says `Host: evil.example`,
// so a loopback-bound server that answers only requests addressed to a loopback name on its own port is out of
// reach. A cross-site request from a page keeps its `Origin`, which is checked the same way (CORS-allowed origins
// excepted).
import type { OtlpHttpRequest, OtlpHttpResponse } from '../receiver/index.ts';

const utf8 = new TextEncoder();

/** Whether `host` (an address to bind, or a host name from a header) names this machine's loopback interface. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/u, '$1').replace(/\.$/u, '');
  // RFC 6761 §6.3: localhost and *.localhost are loopback names, which browsers resolve without DNS.
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
  // 127.0.0.0/8, also as an IPv4-mapped IPv6 address.
  return /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/u.test(name);
}

/** Splits a `Host` header value (`name`, `name:port`, `[v6]:port`) into its name and port (80 when absent). */
function parseHostHeader(value: string): { readonly name: string; readonly port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:[\]]+)(?::(\d{1,5}))?$/u.exec(value.trim());
  if (match === null) return undefined;
  return { name: match[1] as string, port: match[2] === undefined ? 80 : Number(match[2]) };
}

/** Options of {@link createLoopbackGuard}. */
export interface LoopbackGuardOptions {
  /** The port the server is bound to (read per request: it is known only once listening). */
  readonly port: () => number | undefined;
  /** Origins allowed by the CORS configuration, which may call from anywhere. */
  readonly corsAllows?: (origin: string) => boolean;
}

/**
 * A check for servers bound to loopback: answers 421 when `Host` does not name a loopback address or name on the
 * bound port, 403 when an `Origin` is neither such an origin nor allowed by CORS, and `undefined` (go on) otherwise.
 * A request without `Host` (HTTP/1.0 tools) passes; browsers always send one.
 *
 * @example
 * ```ts
 * const guard = createLoopbackGuard({ port: () => 4318 });
 * guard({ method: 'GET', path: '/api/runs', headers: { host: 'evil.example:4318' }, body: new Uint8Array() })?.status; // 421
 * ```
 */
export function createLoopbackGuard(options: LoopbackGuardOptions): (request: OtlpHttpRequest) => OtlpHttpResponse | undefined {
  const sameServer = (name: string, port: number): boolean => isLoopbackHost(name) && port === options.port();
  return (request) => {
    const host = request.headers['host'];
    if (host !== undefined) {
      const parsed = parseHostHeader(host);
      if (parsed === undefined || !sameServer(parsed.name, parsed.port)) {
        return refuse(request, 421, `Host ${JSON.stringify(host)} is not this server: a collector bound to loopback answers only requests addressed to localhost, 127.0.0.1 or [::1] on port ${options.port()} (a DNS-rebinding guard); bind another --host with a token to serve other names`);
      }
    }
    const origin = request.headers['origin'];
    if (origin !== undefined && options.corsAllows?.(origin) !== true) {
      let allowed: boolean;
      try {
        const url = new URL(origin);
        allowed = (url.protocol === 'http:' || url.protocol === 'https:') && sameServer(url.hostname, Number(url.port || (url.protocol === 'https:' ? 443 : 80)));
      } catch {
        allowed = false;
      }
      if (!allowed) {
        return refuse(request, 403, `Origin ${JSON.stringify(origin)} may not call this collector: allow it with --cors-origin (cors.allowedOrigins)`);
      }
    }
    return undefined;
  };
}

/** A refusal in the form of the route asked: a `google.rpc.Status` for OTLP paths, `{ error }` for the query API. */
function refuse(request: OtlpHttpRequest, status: number, message: string): OtlpHttpResponse {
  const otlp = !request.path.startsWith('/api/') && !request.path.startsWith('/healthz');
  // 7 = google.rpc.Code PERMISSION_DENIED.
  const body = otlp ? { code: 7, message } : { error: message };
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', connection: 'close' }, body: utf8.encode(JSON.stringify(body)) };
}

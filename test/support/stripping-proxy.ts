import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The propagation headers a {@link startStrippingProxy} removes. */
const TRACE_HEADERS = ['traceparent', 'tracestate', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled', 'x-b3-parentspanid', 'x-b3-flags'];

/** A running proxy: its URL and how to close it. */
export interface StrippingProxy {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A proxy in the test process (not instrumented) that forwards every request to `target` without the trace
 * headers (W3C and B3), keeping the others (`baggage` among them), as a proxy with a header allow-list does. With
 * `rewriteHost` it sends the target's own `Host` (nginx's default); otherwise the `Host` the caller sent (its own
 * address) is kept. Port 0 on 127.0.0.1.
 */
export async function startStrippingProxy(target: string, rewriteHost: boolean): Promise<StrippingProxy> {
  const targetUrl = new URL(target);
  const server: Server = createServer((incoming, answer) => {
    const headers = { ...incoming.headers };
    for (const name of TRACE_HEADERS) delete headers[name];
    if (rewriteHost) headers.host = targetUrl.host;
    const forwarded = request(new URL(incoming.url ?? '/', targetUrl), { method: incoming.method, headers }, (reply) => {
      answer.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(answer);
    });
    forwarded.on('error', () => answer.writeHead(502).end());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

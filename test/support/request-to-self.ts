// For fixture services that send one request to themselves through instrumentation-http: a server on a loopback
// port answering "ok", one GET to it, then the server closed. Call it only after the SDK has started.
import { createRequire } from 'node:module';
import type * as NodeHttp from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Serves one GET of `path` (with `headers`) to itself over a fresh loopback server, through `node:http` as
 * required now: instrumentation-http patches through the CommonJS require hook, so the module must be required after
 * the SDK started.
 *
 * @example
 * ```ts
 * sdk.start();
 * await requestToSelf('/orders');
 * await sdk.shutdown();
 * ```
 */
export async function requestToSelf(path: string, headers: NodeHttp.OutgoingHttpHeaders = {}): Promise<void> {
  const http = createRequire(import.meta.url)('node:http') as typeof NodeHttp;
  const server = http.createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => {
    http.get(`http://127.0.0.1:${port}${path}`, { headers }, (response) => {
      response.resume();
      response.on('end', resolve);
    }).on('error', reject);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

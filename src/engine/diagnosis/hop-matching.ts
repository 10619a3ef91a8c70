import { firstStartingFrom, serviceNameOf } from '../../model/index.ts';
import type { AttributeValue, Span } from '../../model/index.ts';

// Which root SERVER span a CLIENT span's call reached, when the callee started a new trace: the time window and the
// address the two spans record (port, path, route, peer.service).

/** How a server root fits a client span's call: how far apart they started, and which parts of the address agree. */
export interface HopMatch {
  /** Between the two starts; lower is better. */
  readonly distanceNanos: bigint;
  /** The port or the path agrees, and no port disagrees. */
  readonly addressAgrees: boolean;
  /** The path (or route template) agrees, whatever the port. */
  readonly pathAgrees: boolean;
}

/**
 * How well a server root fits a client span, or undefined when it cannot be the callee: outside the time window,
 * another path, another port (unless the path agrees: a proxy may sit between them), or another service than the
 * client's `peer.service`. Whether a fit with only the path agreeing is enough is the caller's to decide.
 */
export function matchDistance(client: Span, server: Span, toleranceNanos: bigint): HopMatch | undefined {
  if (server.startTimeUnixNano < client.startTimeUnixNano - toleranceNanos) return undefined;
  if (server.startTimeUnixNano > client.endTimeUnixNano + toleranceNanos) return undefined;
  const peerService = client.attributes['peer.service'];
  if (typeof peerService === 'string' && serviceNameOf(server) !== undefined && serviceNameOf(server) !== peerService) return undefined;
  const clientTarget = clientTargetOf(client);
  const serverPort = portOf(server.attributes['server.port'] ?? server.attributes['net.host.port']);
  const serverPath = serverPathOf(server);
  const route = stringOf(server.attributes['http.route']);
  if (clientTarget.path !== undefined) {
    if (serverPath !== undefined && serverPath !== clientTarget.path) return undefined;
    if (serverPath === undefined && route !== undefined && !routeMatches(route, clientTarget.path)) return undefined;
  }
  const portAgrees = clientTarget.port !== undefined && clientTarget.port === serverPort;
  const pathAgrees = clientTarget.path !== undefined && (serverPath === clientTarget.path || (route !== undefined && routeMatches(route, clientTarget.path)));
  const portDisagrees = clientTarget.port !== undefined && serverPort !== undefined && !portAgrees;
  // Another port is another server, unless the path agrees: a proxy between the two (one that rewrites `Host`, as
  // nginx does by default) changes the port the callee sees, not the path.
  if (portDisagrees && !pathAgrees) return undefined;
  const d = server.startTimeUnixNano - client.startTimeUnixNano;
  return { distanceNanos: d < 0n ? -d : d, addressAgrees: !portDisagrees && (portAgrees || pathAgrees), pathAgrees };
}

/**
 * The roots of `byStart` (sorted by start time) that started within the client span's time window, ± the
 * tolerance: the only ones {@link matchDistance} can accept. A long tagged run holds thousands of roots and as many
 * calls to uninstrumented dependencies (no server anywhere), so each call looks only at its own window.
 */
export function rootsInWindow(byStart: readonly Span[], client: Span, toleranceNanos: bigint): readonly Span[] {
  const to = client.endTimeUnixNano + toleranceNanos;
  const low = firstStartingFrom(byStart, client.startTimeUnixNano - toleranceNanos);
  let end = low;
  while (end < byStart.length && (byStart[end] as Span).startTimeUnixNano <= to) end++;
  return byStart.slice(low, end);
}

/** The path a SERVER span recorded it was called on (`url.path`, or `http.target` without its query). */
export function serverPathOf(server: Span): string | undefined {
  return stringOf(server.attributes['url.path']) ?? pathOf(stringOf(server.attributes['http.target']));
}

/** The path a CLIENT span's call went to (`url.path`, `http.target`, or the path of `url.full` / `http.url`). */
export function clientPathOf(client: Span): string | undefined {
  return clientTargetOf(client).path;
}

function clientTargetOf(client: Span): { port: number | undefined; path: string | undefined } {
  const url = stringOf(client.attributes['url.full']) ?? stringOf(client.attributes['http.url']);
  let port = portOf(client.attributes['server.port'] ?? client.attributes['net.peer.port']);
  let path = stringOf(client.attributes['url.path']) ?? pathOf(stringOf(client.attributes['http.target']));
  if (url !== undefined) {
    try {
      const parsed = new URL(url);
      path ??= parsed.pathname;
      port ??= parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);
    } catch {
      // Not a URL: judge by the other attributes.
    }
  }
  return { port, path };
}

function routeMatches(route: string, path: string): boolean {
  const pattern = route
    .split('/')
    .map((part) => (part.startsWith(':') || part.startsWith('{') || part === '*' ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${pattern}/?$`).test(path);
}

function pathOf(target: string | undefined): string | undefined {
  if (target === undefined) return undefined;
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

function portOf(value: AttributeValue | undefined): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

function stringOf(value: AttributeValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

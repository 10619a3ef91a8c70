import { lookup } from 'node:dns/promises';
import { err, ok, type Result } from '../result.ts';

/**
 * The `tracecheck serve` instances that hold a run between them: one sidecar, several replicas behind an
 * OpenTelemetry Collector's load-balancing exporter (listed), or every A record of a DNS name (a Kubernetes
 * headless Service), resolved each time the run is gathered so replicas that came or went are seen.
 */
export type ReplicaSet =
  | { readonly kind: 'urls'; readonly urls: readonly string[] }
  | { readonly kind: 'dns'; readonly host: string; readonly port: number; readonly text: string };

/** How many replicas a set names before resolving: a `dns:` set counts as several (its records may be). */
export function isSingleReplica(replicas: ReplicaSet): boolean {
  return replicas.kind === 'urls' && replicas.urls.length === 1;
}

/** The set as the user gave it, for messages. */
export function describeReplicaSet(replicas: ReplicaSet): string {
  return replicas.kind === 'urls' ? replicas.urls.join(', ') : replicas.text;
}

/**
 * Reads `--collector`: `URL`, `URL1,URL2,...` (each an http: or https: URL of a `tracecheck serve`), or
 * `dns:HOST:PORT` (every A record of HOST is a replica, at http://ADDRESS:PORT).
 *
 * @example
 * ```ts
 * parseReplicaSet('http://10.0.0.5:4318,http://10.0.0.6:4318'); // ok({ kind: 'urls', urls: [...] })
 * parseReplicaSet('dns:tracecheck-replicas.staging.svc.cluster.local:4318'); // ok({ kind: 'dns', ... })
 * ```
 */
export function parseReplicaSet(text: string): Result<ReplicaSet, string> {
  if (text.startsWith('dns:')) {
    const rest = text.slice('dns:'.length);
    const colon = rest.lastIndexOf(':');
    const host = colon === -1 ? '' : rest.slice(0, colon);
    const portText = colon === -1 ? '' : rest.slice(colon + 1);
    const port = Number(portText);
    if (host === '' || host.includes('/') || !/^\d+$/.test(portText) || port < 1 || port > 65535) {
      return err(`--collector ${text}: the dns: form is dns:HOST:PORT (every A record of HOST is a replica's address, PORT its OTLP/HTTP port), e.g. dns:tracecheck-replicas.staging.svc.cluster.local:4318`);
    }
    return ok({ kind: 'dns', host, port, text });
  }
  const parts = text.split(',').map((part) => part.trim());
  const urls: string[] = [];
  for (const part of parts) {
    if (part === '') return err(`--collector ${JSON.stringify(text)} has an empty entry; give URL or URL1,URL2,... without empty items`);
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      return err(`--collector ${JSON.stringify(part)} is not a URL; give the sidecar's HTTP URL, e.g. http://127.0.0.1:4318`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return err(`--collector ${part} must be an http: or https: URL`);
    const normalised = url.href.replace(/\/+$/, '');
    if (urls.includes(normalised)) return err(`--collector names ${normalised} twice: each replica once`);
    urls.push(normalised);
  }
  return ok({ kind: 'urls', urls });
}

/** The replicas' base URLs: the listed ones, or one per A record of the `dns:` name (sorted, so messages are stable). */
export async function resolveReplicaSet(replicas: ReplicaSet): Promise<Result<readonly string[], string>> {
  if (replicas.kind === 'urls') return ok(replicas.urls);
  let addresses: { address: string }[];
  try {
    addresses = await lookup(replicas.host, { all: true, family: 4 });
  } catch (cause) {
    return err(`--collector ${replicas.text}: cannot resolve ${replicas.host}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  const unique = [...new Set(addresses.map((entry) => entry.address))].sort();
  if (unique.length === 0) return err(`--collector ${replicas.text}: ${replicas.host} has no A record, so no replica to ask`);
  return ok(unique.map((address) => `http://${address}:${replicas.port}`));
}

import type { AttributeValue, Span } from '../../model/index.ts';
import type { SpecScalar } from '../../language/index.ts';

/**
 * The span attributes a shape records: the stable ones the OpenTelemetry semantic conventions name, whose values
 * describe what a call is rather than which call it was. Everything else (ids, timestamps, durations, peer
 * addresses and ports, full URLs with ids in them) differs from run to run and is left out.
 */
const STABLE_KEYS: ReadonlySet<string> = new Set(['http.request.method', 'http.route', 'http.response.status_code', 'db.system', 'db.system.name']);
/** Namespaces recorded whole, less their volatile keys. */
const STABLE_PREFIXES = ['messaging.', 'rpc.'] as const;
/** Keys under those namespaces that name one message, one offset or one client: different every run. */
const VOLATILE_KEY = /(?:^|[._])(?:id|ids|offset|partition|conversation_id|client_id|body\.size|envelope\.size|batch\.message_count)$/u;

/** Whether a span attribute belongs in a shape (see {@link stableAttributesOf}). */
export function isStableAttribute(key: string): boolean {
  if (STABLE_KEYS.has(key)) return true;
  return STABLE_PREFIXES.some((p) => key.startsWith(p)) && !VOLATILE_KEY.test(key);
}

/** The stable attributes of a span whose values are scalars, keys sorted. */
export function stableAttributesOf(span: Span): Readonly<Record<string, SpecScalar>> {
  const out: Record<string, SpecScalar> = {};
  for (const key of Object.keys(span.attributes).sort()) {
    if (!isStableAttribute(key)) continue;
    const value = scalarOf(span.attributes[key]);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** An attribute value as a spec scalar (int64 values as numbers), or `undefined` for arrays, maps and bytes. */
export function scalarOf(value: AttributeValue | undefined): SpecScalar | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

import type { AttributeValue, Span } from '../../model/index.ts';
import { RUN_ID_HEADER } from '../../protocol/index.ts';

// What a span says about the request headers its callee received, as http instrumentation records them. The
// propagation diagnosis reads causes from these (which propagation headers arrived, which baggage keys).

/** Attribute prefix under which instrumentation-http records captured request headers (`headersToSpanAttributes`). */
export const REQUEST_HEADER_ATTRIBUTE_PREFIX = 'http.request.header.';

/**
 * Baggage keys a span shows: `<prefix><key>` attributes and, unless `attributesOnly`, the keys of a recorded
 * `baggage` request header.
 */
export function baggageKeysOf(span: Span, prefix: string, attributesOnly = false): Set<string> {
  const keys = new Set<string>();
  for (const key of Object.keys(span.attributes)) if (key.startsWith(prefix) && key.length > prefix.length) keys.add(key.slice(prefix.length));
  if (!attributesOnly) for (const [key] of recordedBaggage(span)) keys.add(key);
  return keys;
}

/** The members of the `baggage` request header a span recorded, as decoded `[key, value]` pairs. */
function recordedBaggage(span: Span): [string, string][] {
  const members: [string, string][] = [];
  for (const value of headerValues(span.attributes[`${REQUEST_HEADER_ATTRIBUTE_PREFIX}baggage`])) {
    // W3C Baggage: comma-separated `key=value;properties` members.
    for (const member of value.split(',')) {
      const equals = member.indexOf('=');
      const key = (equals === -1 ? member : member.slice(0, equals)).trim();
      if (key === '') continue;
      const text = equals === -1 ? '' : (member.slice(equals + 1).split(';')[0] as string).trim();
      members.push([decodeURIComponentSafe(key), decodeURIComponentSafe(text)]);
    }
  }
  return members;
}

/**
 * The value of one baggage entry a span shows: a `<prefix><key>` attribute (a baggage span processor's copy), or
 * the member of its recorded `baggage` request header.
 */
export function baggageValueOf(span: Span, key: string, prefix: string): string | undefined {
  const copied = span.attributes[`${prefix}${key}`];
  if (typeof copied === 'string' && copied !== '') return copied;
  return recordedBaggage(span).find(([name]) => name === key)?.[1];
}

/** Lower-case names of the request headers a SERVER span recorded, or undefined when it recorded none. */
export function recordedHeaders(span: Span): Set<string> | undefined {
  let headers: Set<string> | undefined;
  for (const key of Object.keys(span.attributes)) {
    if (!key.startsWith(REQUEST_HEADER_ATTRIBUTE_PREFIX)) continue;
    headers ??= new Set();
    // instrumentation-http keeps the header name as is (lower case); some SDKs write `_` for `-`.
    headers.add(key.slice(REQUEST_HEADER_ATTRIBUTE_PREFIX.length).toLowerCase().replaceAll('_', '-'));
  }
  return headers;
}

/**
 * Recorded request headers that say nothing about which request a call belongs to: the propagation headers (lost
 * with the context they carry), and headers every request of a client has alike.
 */
const NOT_CORRELATION = new Set([
  'traceparent', 'tracestate', 'baggage', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-sampled', 'x-b3-parentspanid', 'x-b3-flags',
  'host', 'content-type', 'content-length', 'connection', 'accept', 'accept-encoding', 'accept-language', 'user-agent',
  'transfer-encoding', 'keep-alive', RUN_ID_HEADER,
]);

/**
 * The correlation headers a span recorded (`http.request.header.*`, on a SERVER span what it received, on a CLIENT
 * span what it sent): an application's own request id (`x-request-id`, `x-correlation-id`, …), which a service
 * forwards even where it lost the trace context. `[name, value]` pairs, names lower case.
 */
export function correlationHeadersOf(span: Span): [string, string][] {
  const pairs: [string, string][] = [];
  for (const key of Object.keys(span.attributes)) {
    if (!key.startsWith(REQUEST_HEADER_ATTRIBUTE_PREFIX)) continue;
    const name = key.slice(REQUEST_HEADER_ATTRIBUTE_PREFIX.length).toLowerCase().replaceAll('_', '-');
    if (NOT_CORRELATION.has(name)) continue;
    for (const value of headerValues(span.attributes[key])) if (value.trim() !== '') pairs.push([name, value.trim()]);
  }
  return pairs;
}

/** Which recorded propagation header named the caller's span. */
export type PropagationHeaderName = 'traceparent' | 'b3' | 'x-b3-spanid';

/**
 * The span id of the caller's span, as the propagation header a SERVER span recorded names it: the parent id of a
 * W3C `traceparent` (`00-<trace id>-<parent id>-<flags>`), the span id of a single `b3` header
 * (`<trace id>-<span id>[-<sampled>[-<parent id>]]`), or `x-b3-spanid`. That id is the calling client span's id,
 * whether or not the callee then continued the trace, so it pairs the two spans with certainty.
 */
export function propagatedParentIdOf(server: Span): { readonly spanId: string; readonly header: PropagationHeaderName } | undefined {
  for (const value of headerValues(server.attributes[`${REQUEST_HEADER_ATTRIBUTE_PREFIX}traceparent`])) {
    const match = /^\s*[0-9a-f]{2}-[0-9a-f]{32}-([0-9a-f]{16})-[0-9a-f]{2}/iu.exec(value);
    if (match !== null) return { spanId: (match[1] as string).toLowerCase(), header: 'traceparent' };
  }
  for (const value of headerValues(server.attributes[`${REQUEST_HEADER_ATTRIBUTE_PREFIX}b3`])) {
    const match = /^\s*(?:[0-9a-f]{16}|[0-9a-f]{32})-([0-9a-f]{16})(?:-|\s*$)/iu.exec(value);
    if (match !== null) return { spanId: (match[1] as string).toLowerCase(), header: 'b3' };
  }
  for (const name of ['x-b3-spanid', 'x_b3_spanid']) {
    for (const value of headerValues(server.attributes[`${REQUEST_HEADER_ATTRIBUTE_PREFIX}${name}`])) {
      const match = /^\s*([0-9a-f]{16})\s*$/iu.exec(value);
      if (match !== null) return { spanId: (match[1] as string).toLowerCase(), header: 'x-b3-spanid' };
    }
  }
  return undefined;
}

export function headerText(span: Span, name: string): string {
  const values = headerValues(span.attributes[`${REQUEST_HEADER_ATTRIBUTE_PREFIX}${name}`] ?? span.attributes[`${REQUEST_HEADER_ATTRIBUTE_PREFIX}${name.replaceAll('-', '_')}`]);
  return values.length === 0 ? '' : `"${values.join(', ')}"`;
}

function headerValues(value: AttributeValue | undefined): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

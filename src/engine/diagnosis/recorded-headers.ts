import type { AttributeValue, Span } from '../../model/index.ts';

// What a span says about the request headers its callee received, as http instrumentation records them. The
// propagation diagnosis reads causes from these (which propagation headers arrived, which baggage keys).

/** Attribute prefix under which instrumentation-http records captured request headers (`headersToSpanAttributes`). */
export const REQUEST_HEADER_ATTRIBUTE_PREFIX = 'http.request.header.';

/** Baggage keys a span shows: `<prefix><key>` attributes and the keys of a recorded `baggage` request header. */
export function baggageKeysOf(span: Span, prefix: string): Set<string> {
  const keys = new Set<string>();
  for (const key of Object.keys(span.attributes)) if (key.startsWith(prefix) && key.length > prefix.length) keys.add(key.slice(prefix.length));
  for (const value of headerValues(span.attributes[`${REQUEST_HEADER_ATTRIBUTE_PREFIX}baggage`])) {
    // W3C Baggage: comma-separated `key=value;properties` members.
    for (const member of value.split(',')) {
      const key = member.split('=')[0]?.trim();
      if (key !== undefined && key !== '') keys.add(decodeURIComponentSafe(key));
    }
  }
  return keys;
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

import type { AttributeMap, AttributeValue, Span } from '../model/index.ts';

/** Reads one attribute of a span; `undefined` when the span does not have it. */
export type AttributeReader = (span: Span) => AttributeValue | undefined;

/** Which attribute map of a span a key reads, and the key within it. */
export interface AttributeKey {
  readonly scope: 'span' | 'resource' | 'scope';
  readonly name: string;
}

function read(map: AttributeMap, key: string): AttributeValue | undefined {
  // Decoded attribute maps have no Object.prototype in their chain (see emptyAttributes), so a plain read is safe; a
  // hand-built map with Object.prototype would answer `constructor` with a function, which no attribute is.
  const value = map[key];
  return typeof value === 'function' ? undefined : value;
}

/**
 * Splits an attribute key as spec files write it: `span.x` or bare `x` is a span attribute, `resource.x` a resource
 * attribute, `scope.x` an instrumentation-scope attribute.
 */
export function parseAttributeKey(key: string): AttributeKey {
  if (key.startsWith('resource.')) return { scope: 'resource', name: key.slice('resource.'.length) };
  if (key.startsWith('scope.')) return { scope: 'scope', name: key.slice('scope.'.length) };
  return { scope: 'span', name: key.startsWith('span.') ? key.slice('span.'.length) : key };
}

/**
 * Compiles an attribute key as spec files write it (see {@link parseAttributeKey}).
 *
 * @example
 * ```ts
 * attributeReader('resource.service.name')(span); // 'orders'
 * ```
 */
export function attributeReader(key: string): AttributeReader {
  const { scope, name } = parseAttributeKey(key);
  if (scope === 'resource') return (span) => read(span.resource.attributes, name);
  if (scope === 'scope') return (span) => read(span.scope.attributes, name);
  return (span) => read(span.attributes, name);
}

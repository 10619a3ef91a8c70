import type { AttributeMap, AttributeValue } from '../model/attribute-value.ts';
import type { Span } from '../model/span.ts';

/** Reads one attribute of a span; `undefined` when the span does not have it. */
export type AttributeReader = (span: Span) => AttributeValue | undefined;

function read(map: AttributeMap, key: string): AttributeValue | undefined {
  // Decoded attribute maps have no Object.prototype in their chain (see emptyAttributes), so a plain read is safe; a
  // hand-built map with Object.prototype would answer `constructor` with a function, which no attribute is.
  const value = map[key];
  return typeof value === 'function' ? undefined : value;
}

/**
 * Compiles an attribute key as spec files write it: `span.x` or bare `x` is a span attribute,
 * `resource.x` a resource attribute, `scope.x` an instrumentation-scope attribute.
 *
 * @example
 * ```ts
 * attributeReader('resource.service.name')(span); // 'orders'
 * ```
 */
export function attributeReader(key: string): AttributeReader {
  if (key.startsWith('resource.')) {
    const name = key.slice('resource.'.length);
    return (span) => read(span.resource.attributes, name);
  }
  if (key.startsWith('scope.')) {
    const name = key.slice('scope.'.length);
    return (span) => read(span.scope.attributes, name);
  }
  const name = key.startsWith('span.') ? key.slice('span.'.length) : key;
  return (span) => read(span.attributes, name);
}

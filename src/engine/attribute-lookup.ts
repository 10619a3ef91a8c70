import type { AttributeValue, Span } from '../model/index.ts';
import { ATTRIBUTE_SCOPES, attributeMapReader } from '../language/index.ts';

/** Reads one attribute of a span; `undefined` when the span does not have it. */
export type AttributeReader = (span: Span) => AttributeValue | undefined;

/** Which attribute map of a span a key reads, and the key within it. */
export interface AttributeKey {
  readonly scope: 'span' | 'resource' | 'scope';
  readonly name: string;
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
  // The selector language's reading of the same scope and key (src/language/selector-fields.ts).
  const definition = ATTRIBUTE_SCOPES[scope];
  if (definition.per !== 'span') throw new Error(`attributeReader: ${scope} attributes are not one per span`);
  const map = definition.map;
  const read = attributeMapReader(name);
  return (span) => read(map(span));
}

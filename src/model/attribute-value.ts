/**
 * A normalised OTLP `AnyValue`.
 *
 * The OTLP oneof maps onto plain JavaScript values so the engine can compare them directly:
 * - `string_value` → `string`, `bool_value` → `boolean`
 * - `int_value` (int64) → `bigint`, so no precision is lost beyond 2^53
 * - `double_value` → `number`
 * - `bytes_value` → `Uint8Array`
 * - `array_value` → `AttributeValue[]`, `kvlist_value` → {@link AttributeMap}
 * - an `AnyValue` with no field set → `null`
 */
export type AttributeValue =
  | string
  | boolean
  | bigint
  | number
  | Uint8Array
  | null
  | AttributeValue[]
  | AttributeMap;

/** Attributes (and `kvlist_value`s) keyed by attribute name. Later duplicates of a key win. */
export interface AttributeMap {
  [key: string]: AttributeValue;
}

/** The OTLP type name of a value, as spec files name it (`type: int`). */
export type AttributeType = 'string' | 'bool' | 'int' | 'double' | 'bytes' | 'array' | 'kvlist' | 'empty';

/** Returns the OTLP type of a normalised attribute value. */
export function attributeTypeOf(value: AttributeValue): AttributeType {
  switch (typeof value) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'double';
    default:
      if (value === null) return 'empty';
      if (value instanceof Uint8Array) return 'bytes';
      if (Array.isArray(value)) return 'array';
      return 'kvlist';
  }
}

/**
 * The prototype of every attribute map: an empty, frozen object that itself has no prototype. Lookups of absent
 * keys (`constructor`, `toString`) find nothing, and `__proto__` is a plain data key, as with `Object.create(null)`;
 * but V8 keeps objects made from a shared non-null prototype in fast mode, where `Object.create(null)` objects
 * start as slow dictionaries, and attribute reads are the engine's hottest path.
 */
const ATTRIBUTE_MAP_PROTOTYPE: object = Object.freeze(Object.create(null) as object);

/** Creates an empty attribute map, safe for any key (see {@link ATTRIBUTE_MAP_PROTOTYPE}). */
export function emptyAttributes(): AttributeMap {
  return Object.create(ATTRIBUTE_MAP_PROTOTYPE) as AttributeMap;
}

/**
 * Converts an attribute value to something `JSON.stringify` can write without losing information:
 * ints become decimal strings only when they are beyond 2^53, bytes become base64.
 */
export function attributeValueToJson(value: AttributeValue): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(attributeValueToJson);
  if (value !== null && typeof value === 'object') {
    // No prototype, so a key named `__proto__` is an entry like any other (JSON.stringify writes it).
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(value)) out[key] = attributeValueToJson(value[key] as AttributeValue);
    return out;
  }
  return value;
}

/**
 * Converts an attribute map for JSON, each value by {@link attributeValueToJson}. The result has no prototype: on a
 * plain object, `out['__proto__'] = v` would set the prototype and that attribute would vanish.
 *
 * @example
 * ```ts
 * JSON.stringify(attributesToJson(span.attributes)); // '{"http.response.status_code":200,...}'
 * ```
 */
export function attributesToJson(attributes: AttributeMap): Record<string, unknown> {
  return attributeValueToJson(attributes) as Record<string, unknown>;
}

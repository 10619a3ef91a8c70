import { attributeTypeOf, attributeValueToJson } from '../model/index.ts';
import type { AttributeValue } from '../model/index.ts';

/**
 * A value a matcher may look at: a model attribute value, or a plain JSON value that a JSONPath query returned
 * (those are strings, numbers, booleans, null, arrays and plain objects, all of which are attribute values too).
 * `undefined` means "absent".
 */
export type MatchedValue = AttributeValue | undefined;

/** The OTLP type name of a value for messages; JSONPath results that are whole numbers read as `int`. */
export function typeNameOf(value: MatchedValue): string {
  if (value === undefined) return 'absent';
  return attributeTypeOf(value);
}

/**
 * The string form a regex or `contains` reads: strings as they are, ints and doubles in decimal, booleans as
 * `true`/`false`, bytes as base64, arrays and kvlists as JSON.
 */
export function stringFormOf(value: AttributeValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return '';
  const json = attributeValueToJson(value);
  return typeof json === 'string' ? json : JSON.stringify(json);
}

const MAX_SHOWN_CHARS = 80;

/** Writes a value with its type for failure messages: `"200" (string)`, `200 (int)`, `absent`. */
export function showValue(value: MatchedValue): string {
  if (value === undefined) return 'absent';
  return `${showBare(value)} (${typeNameOf(value)})`;
}

/** Writes a value as a spec would: strings quoted, numbers bare, lists and maps as JSON; long text cut short. */
export function showBare(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else if (value === null) text = 'null';
  else if (value === undefined) text = 'absent';
  else text = JSON.stringify(attributeValueToJson(value as AttributeValue));
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS - 3)}...` : text;
}

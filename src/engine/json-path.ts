import { JSONPath } from 'jsonpath-plus';
import type { AttributeValue } from '../model/index.ts';
import { showBare, showValue, type MatchedValue } from './value-format.ts';

/**
 * JSONPath over attribute values, for the `jsonpath` matcher (value-matcher.ts): the document an attribute gives
 * (kvlists and arrays as they are, strings parsed as JSON, the last one remembered), and paths evaluated by a
 * direct walk when they are only names, indexes and `*`, else by jsonpath-plus.
 */

export type JsonDocument = { ok: true; doc: unknown } | { ok: false; why: string };

/**
 * The last JSON string parsed, and what it gave. Several paths into one attribute, and one attribute judged by
 * several expectations (which go trace by trace), then parse it once. Documents are only read, never changed.
 */
let lastJsonText: string | undefined;
let lastJsonDocument: JsonDocument = { ok: false, why: '' };

/** JSONPath reads plain data: kvlists and arrays as they are (bigint kept), strings parsed as JSON. */
export function jsonDocumentOf(value: MatchedValue): JsonDocument {
  if (value === undefined) return { ok: false, why: 'the attribute is absent' };
  if (typeof value === 'string') {
    if (value !== lastJsonText) {
      try {
        lastJsonDocument = { ok: true, doc: JSON.parse(value) as unknown };
      } catch {
        lastJsonDocument = { ok: false, why: `the string ${showBare(value)} is not JSON` };
      }
      lastJsonText = value;
    }
    return lastJsonDocument;
  }
  if (Array.isArray(value) || (typeof value === 'object' && value !== null && !(value instanceof Uint8Array))) {
    return { ok: true, doc: value };
  }
  return { ok: false, why: `JSONPath needs a kvlist, array or JSON string, got ${showValue(value)}` };
}

/** A path component the simple walker reads as jsonpath-plus does: `*`, an identifier-like name, an index. */
const SIMPLE_COMPONENT = /^(?:\*|[A-Za-z_][A-Za-z0-9_-]*|\d+)$/u;

/**
 * The components of a path made only of names, indexes and `*` (as jsonpath-plus's own parser splits it), or
 * undefined for anything else (recursive descent, filters, slices, unions, quoted names with dots), which
 * jsonpath-plus evaluates. Such simple paths are most of what specs write, and walking them directly costs a
 * fraction of jsonpath-plus's general evaluation.
 */
export function simplePath(path: string): readonly string[] | undefined {
  const components = JSONPath.toPathArray(path);
  if (components[0] !== '$') return undefined;
  const rest = components.slice(1);
  return rest.every((c) => SIMPLE_COMPONENT.test(c)) ? rest : undefined;
}

/** Evaluates a simple path (see {@link simplePath}) with jsonpath-plus's results: own properties, `*` over values. */
function walkSimplePath(doc: unknown, components: readonly string[]): AttributeValue[] {
  let current: unknown[] = [doc];
  for (let c = 0; c < components.length; c++) {
    const component = components[c] as string;
    const next: unknown[] = [];
    for (let n = 0; n < current.length; n++) {
      const node = current[n];
      if (node === null || typeof node !== 'object') continue;
      if (component === '*') {
        if (Array.isArray(node)) for (let i = 0; i < node.length; i++) next.push(node[i]);
        else for (const key of Object.keys(node)) next.push((node as Record<string, unknown>)[key]);
      } else if (Object.hasOwn(node, component)) {
        next.push((node as Record<string, unknown>)[component]);
      }
    }
    current = next;
  }
  return current as AttributeValue[];
}

/** Evaluates a JSONPath, through the simple walker when the path allows it, else jsonpath-plus. */
export function evaluateJsonPath(path: string, doc: unknown, simple: readonly string[] | undefined = simplePath(path)): AttributeValue[] {
  if (simple !== undefined) return walkSimplePath(doc, simple);
  return JSONPath({ path, json: doc as object, wrap: true, eval: 'safe' }) as AttributeValue[];
}


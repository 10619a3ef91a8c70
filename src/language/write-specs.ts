import { Document, isMap, isSeq, type YAMLMap } from 'yaml';
import type { SpecDefinition } from './types.ts';

/** A spec to write, with a comment to put above it. */
export interface CommentedSpec {
  readonly definition: SpecDefinition;
  /** Lines written as `# ...` above the spec. */
  readonly comment?: readonly string[];
}

/**
 * Writes specs as a spec file (`specs: [...]`) in YAML a person can edit: block style, flow style for short
 * leaves (`attributes`, `count`), the header and each spec's comment as `#` lines. Loading the text back gives the same
 * definitions (test/language/write-specs.test.ts).
 *
 * @example
 * ```ts
 * const text = writeSpecFile([{ definition: { name: 'x', expect: [{ connected: true }] }, comment: ['recorded'] }], ['by hand']);
 * ```
 */
export function writeSpecFile(specs: readonly CommentedSpec[], header: readonly string[] = []): string {
  const doc = new Document({ specs: specs.map((s) => s.definition) });
  if (header.length > 0) doc.commentBefore = header.map((line) => ` ${line}`).join('\n');
  const list = doc.get('specs', true);
  if (isSeq(list)) {
    list.items.forEach((item, i) => {
      const comment = specs[i]?.comment ?? [];
      if (isMap(item) && comment.length > 0) item.commentBefore = comment.map((line) => ` ${line}`).join('\n');
      if (isMap(item)) flowAttributes(item);
    });
  }
  return doc.toString({ lineWidth: 0 });
}

const FLOW_KEYS: ReadonlySet<string> = new Set(['attributes', 'count']);

/** Shows `attributes:` and `count:` mappings on one line: they are leaves, and the tree reads better without them spread out. */
function flowAttributes(map: YAMLMap): void {
  for (const pair of map.items) {
    const value = pair.value;
    if (isMap(value)) {
      const key = (pair.key as { value?: unknown } | null)?.value;
      if (FLOW_KEYS.has(String(key))) value.flow = true;
      else flowAttributes(value);
    } else if (isSeq(value)) {
      for (const item of value.items) if (isMap(item)) flowAttributes(item);
    }
  }
}

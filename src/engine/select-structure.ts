import type { StructuralRelation } from '../spec/selector-ast.ts';
import type { TraceIndex } from './trace-index.ts';

/**
 * For each span position, whether it stands in `relation` to some span of `left`:
 * `>` its parent is in left, `>>` an ancestor is, `<` a child is, `<<` a descendant is, `~` a sibling is
 * (another span with the same parent node; roots and orphans have no siblings).
 * Every relation is linear in the number of spans: walks up the tree stop at the first span already decided.
 */
export function relatedToSet(relation: StructuralRelation, left: Uint8Array, index: TraceIndex): Uint8Array {
  const parent = index.parent;
  const n = parent.length;
  const out = new Uint8Array(n);
  switch (relation) {
    case '>':
      for (let i = 0; i < n; i += 1) {
        const p = parent[i] as number;
        if (p >= 0 && left[p] === 1) out[i] = 1;
      }
      return out;
    case '<':
      for (let j = 0; j < n; j += 1) {
        const p = parent[j] as number;
        if (left[j] === 1 && p >= 0) out[p] = 1;
      }
      return out;
    case '<<':
      for (let j = 0; j < n; j += 1) {
        if (left[j] !== 1) continue;
        // Mark every ancestor; stop where an earlier walk already marked (its ancestors are marked too).
        let p = parent[j] as number;
        let steps = 0;
        while (p >= 0 && out[p] === 0 && steps < n) {
          out[p] = 1;
          p = parent[p] as number;
          steps += 1;
        }
      }
      return out;
    case '>>': {
      // 0 = unknown, 1 = has an ancestor in left, 2 = has none. Every span on one upward walk shares the answer:
      // a span is only passed over when it is not in left itself.
      const state = out;
      const path: number[] = [];
      for (let i = 0; i < n; i += 1) {
        if (state[i] !== 0) continue;
        path.length = 0;
        path.push(i);
        let answer = 2;
        let current = i;
        for (let steps = 0; steps <= n; steps += 1) {
          const p = parent[current] as number;
          if (p < 0) break;
          if (left[p] === 1) {
            answer = 1;
            break;
          }
          if (state[p] !== 0) {
            answer = state[p] as number;
            break;
          }
          path.push(p);
          current = p;
        }
        for (const position of path) state[position] = answer;
      }
      for (let i = 0; i < n; i += 1) out[i] = state[i] === 1 ? 1 : 0;
      return out;
    }
    case '~': {
      const leftChildren = new Int32Array(n);
      for (let j = 0; j < n; j += 1) {
        const p = parent[j] as number;
        if (left[j] === 1 && p >= 0) leftChildren[p] = (leftChildren[p] as number) + 1;
      }
      for (let i = 0; i < n; i += 1) {
        const p = parent[i] as number;
        // A span is not its own sibling: discount it when it is in left itself.
        if (p >= 0 && (leftChildren[p] as number) - (left[i] as number) > 0) out[i] = 1;
      }
      return out;
    }
  }
}

import type { StructuralRelation } from '../language/index.ts';
import type { TraceIndex } from './trace-index.ts';

/**
 * For each span position, whether it stands in `relation` to some span of `left`:
 * `>` its parent is in left, `>>` an ancestor is, `<` a child is, `<<` a descendant is, `~` a sibling is
 * (another span with the same parent node; roots and orphans have no siblings).
 * Every relation is one or two linear passes; ancestors and descendants follow the trace's top-down order.
 * Writes into `into` when given (zeroed, as long as the trace).
 */
export function relatedToSet(relation: StructuralRelation, left: Uint8Array, index: TraceIndex, into?: Uint8Array): Uint8Array {
  const parent = index.parent;
  const n = parent.length;
  // `into`, when given, is zeroed and of the trace's length (a buffer the caller reuses across traces).
  const out = into ?? new Uint8Array(n);
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
    case '<<': {
      // Bottom-up: a span has a descendant in left when some child is in left or has one itself.
      const order = index.topDown;
      for (let k = n - 1; k >= 0; k -= 1) {
        const i = order[k] as number;
        const p = parent[i] as number;
        if (p >= 0 && (left[i] === 1 || out[i] === 1)) out[p] = 1;
      }
      return out;
    }
    case '>>': {
      // Top-down: a span has an ancestor in left when its parent is in left or has one itself.
      const order = index.topDown;
      for (let k = 0; k < n; k += 1) {
        const i = order[k] as number;
        const p = parent[i] as number;
        if (p >= 0 && (left[p] === 1 || out[p] === 1)) out[i] = 1;
      }
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

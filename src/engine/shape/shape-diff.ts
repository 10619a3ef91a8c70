import type { SpanNode, Trace } from '../../model/index.ts';
import { parseCount, type CountRange, type ShapeMode, type ShapeNode, type SpecScalar } from '../../language/index.ts';
import type { ShapeDiff, ShapeDifference, ShapeFieldChange } from '../results.ts';
import { ShapeGrouper, type SpanGroup } from './actual-shape.ts';
import { scalarOf } from './stable-attributes.ts';

/** A trace's differences from a shape, and notes for the spans they concern (span id → note). */
export interface ShapeComparison {
  readonly diff: ShapeDiff;
  readonly marks: ReadonlyMap<string, string>;
}

interface Pair {
  readonly e: number;
  readonly a: number;
  readonly score: number;
}

/**
 * Compares a trace with a shape tree (docs/snapshots.md, "How a trace matches"). Siblings pair up by identity
 * (service, name, kind): first the pairs that agree on all three and on the most other fields, then pairs that
 * agree on two of the three, which are reported as one changed span (a renamed span is `changed`, not a missing
 * span and an extra one). Whatever is left is missing or extra, reported once at the top of its subtree.
 * Ties are broken by position, so the result is the same whatever order the spans arrived in.
 */
export function compareShape(shape: ShapeNode, trace: Trace, mode: ShapeMode): ShapeComparison {
  const comparer = new ShapeComparer(mode);
  const roots = [...trace.roots, ...trace.orphans];
  comparer.siblings([shape], comparer.row(roots), [], undefined);
  return { diff: { mode, traceId: trace.traceId, differences: comparer.out }, marks: comparer.marks };
}

/** `service: name (kind)` of a shape node; unset fields show as `*`. */
export function shapeLabel(node: { readonly service?: string | undefined; readonly name: string; readonly kind?: string | undefined }): string {
  return `${node.service ?? '*'}: ${node.name} (${node.kind ?? '*'})`;
}

class ShapeComparer {
  readonly mode: ShapeMode;
  readonly grouper: ShapeGrouper;
  readonly out: ShapeDifference[] = [];
  readonly marks = new Map<string, string>();
  /** Whether a shape node's subtree matches a span's, judged once per pair for the whole comparison. */
  readonly #clean: Map<ShapeNode, Map<SpanNode, boolean>>;

  constructor(mode: ShapeMode, grouper?: ShapeGrouper, clean?: Map<ShapeNode, Map<SpanNode, boolean>>) {
    this.mode = mode;
    this.grouper = grouper ?? new ShapeGrouper(mode === 'exact' ? 'causal' : 'canonical');
    this.#clean = clean ?? new Map();
  }

  /** Siblings as the mode compares them: groups with counts, or (subset) one group per span. */
  row(nodes: readonly SpanNode[]): readonly SpanGroup[] {
    if (this.mode !== 'subset') return this.grouper.group(nodes);
    return this.grouper.group(nodes).flatMap((g) => g.nodes.map((n) => ({ ...g, nodes: [n] })));
  }

  siblings(expected: readonly ShapeNode[], actual: readonly SpanGroup[], path: readonly string[], parent: SpanNode | undefined): void {
    const pairs: Pair[] = [];
    expected.forEach((e, ei) => actual.forEach((a, ai) => {
      const score = this.score(e, a, path);
      if (score > 0) pairs.push({ e: ei, a: ai, score });
    }));
    pairs.sort((x, y) => y.score - x.score || Math.abs(x.e - x.a) - Math.abs(y.e - y.a) || x.e - y.e || x.a - y.a);
    const takenBy = new Map<number, number[]>();
    const usedActual = new Set<number>();
    for (const pair of pairs) {
      if (usedActual.has(pair.a)) continue;
      const taken = takenBy.get(pair.e) ?? [];
      const wanted = this.mode === 'subset' ? countRangeOf(expected[pair.e] as ShapeNode).max : 1;
      if (taken.length >= wanted) continue;
      taken.push(pair.a);
      takenBy.set(pair.e, taken);
      usedActual.add(pair.a);
    }
    expected.forEach((e, ei) => {
      const taken = (takenBy.get(ei) ?? []).map((ai) => actual[ai] as SpanGroup);
      if (taken.length === 0) {
        const spanCount = subtreeCount(e);
        this.out.push({ change: 'missing', path, node: shapeLabel(e), spanCount, spanIds: [] });
        if (parent !== undefined) this.marks.set(parent.span.spanId, `missing child: ${shapeLabel(e)}`);
        return;
      }
      this.pair(e, taken, path);
    });
    if (this.mode !== 'subset') {
      actual.forEach((a, ai) => {
        if (usedActual.has(ai)) return;
        const spanIds = a.nodes.flatMap(subtreeSpanIds);
        this.out.push({ change: 'extra', path, node: shapeLabel(a), spanCount: spanIds.length, spanIds });
        for (const node of a.nodes) this.marks.set(node.span.spanId, 'extra: not in the shape');
      });
    }
    if (this.mode === 'exact') this.order(expected, actual, takenBy, path);
  }

  pair(e: ShapeNode, taken: readonly SpanGroup[], path: readonly string[]): void {
    const first = taken[0] as SpanGroup;
    const fields = this.fields(e, first);
    const count = taken.reduce((n, g) => n + g.nodes.length, 0);
    const wanted = countRangeOf(e);
    if (count < wanted.min || (this.mode !== 'subset' && count > wanted.max)) fields.push({ field: 'count', expected: describeRange(wanted, this.mode), actual: count });
    if (fields.length > 0) {
      const spanIds = taken.flatMap((g) => g.nodes.map((n) => n.span.spanId));
      this.out.push({ change: 'changed', path, node: shapeLabel(e), spanCount: count, fields, spanIds });
      const note = `changed: ${fields.map((f) => `${f.field} ${show(f.expected)} → ${show(f.actual)}`).join(', ')}`;
      for (const id of spanIds) this.marks.set(id, note);
    }
    if (this.mode === 'subset' && e.children === undefined) return;
    const node = first.nodes[0] as SpanNode;
    // The path names the shape's node (the trace's fields where the shape leaves them out): a renamed span's
    // children are shown under the name the reader wrote.
    const label = shapeLabel({ service: e.service ?? first.service, name: e.name, kind: e.kind ?? first.kind });
    this.siblings(e.children ?? [], this.row(node.children), [...path, label], node);
  }

  fields(e: ShapeNode, a: SpanGroup): ShapeFieldChange[] {
    const out: ShapeFieldChange[] = [];
    if (e.service !== undefined && e.service !== a.service) out.push({ field: 'service', expected: e.service, actual: a.service ?? null });
    if (e.name !== a.name) out.push({ field: 'name', expected: e.name, actual: a.name });
    if (e.kind !== undefined && e.kind !== a.kind) out.push({ field: 'kind', expected: e.kind, actual: a.kind });
    if (e.status !== undefined && e.status !== a.status) out.push({ field: 'status', expected: e.status, actual: a.status });
    for (const [key, value] of Object.entries(e.attributes ?? {})) {
      for (const node of a.nodes) {
        const actual = scalarOf(node.span.attributes[key]) ?? null;
        if (!sameScalar(value, actual)) {
          out.push({ field: `attributes.${key}`, expected: value, actual });
          break;
        }
      }
    }
    return out;
  }

  /** How well a shape node and a group fit: 0 when they cannot be the same span. */
  score(e: ShapeNode, a: SpanGroup, path: readonly string[]): number {
    const identity = [e.name === a.name, e.service === undefined || e.service === a.service, e.kind === undefined || e.kind === a.kind].filter(Boolean).length;
    if (identity < 2) return 0;
    let score = identity === 3 ? 100 : 10;
    const fields = this.fields(e, a);
    if (!fields.some((f) => f.field === 'status')) score += 4;
    if (!fields.some((f) => f.field.startsWith('attributes.'))) score += 2;
    const range = countRangeOf(e);
    if (a.nodes.length >= range.min && a.nodes.length <= range.max) score += 1;
    // Only identity matches compete on their subtrees: a partial pair is a fallback, and judging the subtree of
    // every pair of siblings that share a service and kind would make wide traces quadratic at each level.
    if (identity === 3 && this.#subtreeMatches(e, a.nodes[0] as SpanNode, path)) score += 8;
    return score;
  }

  /** Among equals, the one whose subtree matches too: judged on a scratch comparer, so nothing is reported. */
  #subtreeMatches(e: ShapeNode, node: SpanNode, path: readonly string[]): boolean {
    let byNode = this.#clean.get(e);
    if (byNode === undefined) {
      byNode = new Map();
      this.#clean.set(e, byNode);
    }
    let clean = byNode.get(node);
    if (clean === undefined) {
      const scratch = new ShapeComparer(this.mode, this.grouper, this.#clean);
      if (!(this.mode === 'subset' && e.children === undefined)) scratch.siblings(e.children ?? [], scratch.row(node.children), path, node);
      clean = scratch.out.length === 0;
      byNode.set(node, clean);
    }
    return clean;
  }

  /**
   * Exact mode: the shape lists siblings in causal order. Each listed sibling must not lie in an earlier causal
   * step than the one listed before it; concurrent siblings (one step) may be listed in any order.
   */
  order(expected: readonly ShapeNode[], actual: readonly SpanGroup[], takenBy: ReadonlyMap<number, readonly number[]>, path: readonly string[]): void {
    const paired = expected.flatMap((_, ei) => (takenBy.get(ei) ?? []).map((ai) => ({ ei, a: actual[ai] as SpanGroup })));
    const inOrder = paired.every((p, i) => i === 0 || (paired[i - 1] as { a: SpanGroup }).a.lastStep <= p.a.firstStep);
    if (inOrder) return;
    const byActual = [...paired].sort((x, y) => x.a.firstStep - y.a.firstStep || actual.indexOf(x.a) - actual.indexOf(y.a));
    this.out.push({
      change: 'order',
      path: path.slice(0, -1),
      node: path[path.length - 1] ?? '(trace)',
      spanCount: paired.length,
      expectedOrder: paired.map((p) => shapeLabel(expected[p.ei] as ShapeNode)),
      actualOrder: byActual.map((p) => shapeLabel(p.a)),
      spanIds: byActual.map((p) => p.a.nodes[0]?.span.spanId ?? ''),
    });
  }
}

function sameScalar(expected: SpecScalar, actual: SpecScalar): boolean {
  return expected === actual || (typeof expected === 'number' && typeof actual === 'number' && Number(expected) === Number(actual));
}

function show(value: SpecScalar): string {
  return typeof value === 'string' ? `"${value}"` : String(value);
}

/** A node's count as a range; a count the validator would refuse counts as 1 (compileShapeExpectation refuses it first). */
export function countRangeOf(node: ShapeNode): CountRange {
  if (node.count === undefined) return { min: 1, max: 1 };
  const parsed = parseCount(node.count);
  return parsed.ok ? parsed.value : { min: 1, max: 1 };
}

/** A count as a diff shows it: `2`, or a range `1..3`, `≥1` (always `≥` in subset mode). */
function describeRange(range: CountRange, mode: ShapeMode): number | string {
  if (mode === 'subset' || range.max === Infinity) return `≥${range.min}`;
  return range.min === range.max ? range.min : `${range.min}..${range.max}`;
}

function subtreeCount(node: ShapeNode): number {
  return countRangeOf(node).min * (1 + (node.children ?? []).reduce((n, c) => n + subtreeCount(c), 0));
}

function subtreeSpanIds(node: SpanNode): string[] {
  return [node.span.spanId, ...node.children.flatMap(subtreeSpanIds)];
}

/** One line per difference, for messages and plain text: `- missing  a › b › orders: GET /x (client)`. */
export function describeDifference(d: ShapeDifference): string {
  const where = d.path.length === 0 ? '' : ` under ${d.path[d.path.length - 1] ?? ''}`;
  switch (d.change) {
    case 'missing':
      return `missing: ${d.node}${where}${d.spanCount > 1 ? ` (${d.spanCount} spans)` : ''}`;
    case 'extra':
      return `extra: ${d.node}${where}${d.spanCount > 1 ? ` (${d.spanCount} spans)` : ''}`;
    case 'changed':
      return `changed: ${d.node}${where}: ${(d.fields ?? []).map((f) => `${f.field} ${show(f.expected)} → ${show(f.actual)}`).join(', ')}`;
    case 'order':
      return `order of the children of ${d.node}: expected ${(d.expectedOrder ?? []).join(', ')}; got ${(d.actualOrder ?? []).join(', ')}`;
  }
}

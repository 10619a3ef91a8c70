import type { ShapeNode, SpecDefinition } from '../../language/index.ts';
import type { SpanNode, Trace } from '../../model/index.ts';
import { ShapeGrouper, type SpanGroup } from './actual-shape.ts';
import { shapeLabel } from './shape-diff.ts';
import { isStableAttribute } from './stable-attributes.ts';

/** One spec of a recording: a distinct trace shape and how many traces had it. */
export interface RecordedShape {
  readonly definition: SpecDefinition;
  /** How many traces of the run had this shape. */
  readonly traceCount: number;
  /** Why the spec is not plain (e.g. it had to fall back to `mode: subset`), for a comment beside it. */
  readonly note?: string;
}

/** What {@link recordShapes} found in a run. */
export interface ShapeRecording {
  readonly shapes: readonly RecordedShape[];
  readonly traceCount: number;
  /** Traces left out because they were not one tree (several roots, or spans whose parent never arrived). */
  readonly incompleteTraceCount: number;
  /** Span attribute keys seen in the run and left out of the shapes (volatile or not semantic-convention). */
  readonly droppedAttributeKeys: readonly string[];
}

interface Distinct {
  readonly root: SpanNode;
  readonly signature: string;
  readonly labels: ReadonlySet<string>;
  readonly shape: ShapeNode;
  traceCount: number;
}

/**
 * Records a run as specs: one `shape:` expectation (mode `exact`) per distinct trace shape, each selecting its
 * traces by root span. Shapes come from {@link ShapeGrouper} in causal order, so recording the same program
 * twice gives the same specs whatever the timing of concurrent calls. When several shapes share a root, each is
 * told apart by a span only it has (`traces.where`); a shape with no such span (all of its spans are in another)
 * is recorded with `mode: subset`, and says so.
 *
 * @example
 * ```ts
 * const recording = recordShapes(run.traces());
 * for (const shape of recording.shapes) console.log(shape.definition.name, shape.traceCount);
 * ```
 */
export function recordShapes(traces: readonly Trace[]): ShapeRecording {
  const grouper = new ShapeGrouper('causal');
  const distinct = new Map<string, Distinct>();
  const dropped = new Set<string>();
  let incomplete = 0;
  for (const trace of traces) {
    for (const span of trace.spans) for (const key of Object.keys(span.attributes)) if (!isStableAttribute(key)) dropped.add(key);
    const root = trace.roots[0];
    if (trace.roots.length !== 1 || trace.orphans.length > 0 || root === undefined) {
      incomplete += 1;
      continue;
    }
    const signature = grouper.signature(root);
    const known = distinct.get(signature);
    if (known !== undefined) known.traceCount += 1;
    else distinct.set(signature, { root, signature, labels: labelsOf(root), shape: toShapeNode(grouper, grouper.group([root])[0] as SpanGroup), traceCount: 1 });
  }
  // Shapes that differ only in how many identical siblings they had (an order of one item, an order of two)
  // become one shape with count ranges: told apart they could not be, as they have the same spans.
  const bySkeleton = new Map<string, Distinct[]>();
  for (const d of [...distinct.values()].sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0))) {
    const key = JSON.stringify([rootSelector(d.root), withoutCounts(d.shape)]);
    bySkeleton.set(key, [...(bySkeleton.get(key) ?? []), d]);
  }
  const byRoot = new Map<string, Distinct[]>();
  for (const same of bySkeleton.values()) {
    const first = same[0] as Distinct;
    const merged = same.length === 1 ? first : { ...first, shape: mergeCounts(same.map((d) => d.shape)), traceCount: same.reduce((n, d) => n + d.traceCount, 0) };
    const key = rootSelector(first.root);
    byRoot.set(key, [...(byRoot.get(key) ?? []), merged]);
  }
  const shapes: RecordedShape[] = [];
  for (const [root, group] of byRoot) {
    group.forEach((d, i) => {
      const shape = d.shape;
      const name = `shape of ${shapeLabel(shape)}${group.length === 1 ? '' : ` #${i + 1}`}`;
      const others = group.filter((o) => o !== d);
      const own = [...d.labels].sort().find((label) => others.every((o) => !o.labels.has(label)));
      const traces = { root, ...(own === undefined || others.length === 0 ? {} : { where: own }), count: { min: 1 } };
      const subset = others.length > 0 && own === undefined;
      shapes.push({
        definition: { name, traces, expect: [{ name: 'the trace has the recorded shape', shape, ...(subset ? { mode: 'subset' as const } : {}) }] },
        traceCount: d.traceCount,
        ...(subset ? { note: 'every span of this shape is also in another shape with the same root, so its traces cannot be told apart: checked as a subset' } : {}),
      });
    });
  }
  return { shapes, traceCount: traces.length, incompleteTraceCount: incomplete, droppedAttributeKeys: [...dropped].sort() };
}

function toShapeNode(grouper: ShapeGrouper, group: SpanGroup): ShapeNode {
  const children = grouper.childrenOf(group.nodes[0] as SpanNode);
  return {
    ...(group.service === undefined ? {} : { service: group.service }),
    name: group.name,
    kind: group.kind as NonNullable<ShapeNode['kind']>,
    status: group.status as NonNullable<ShapeNode['status']>,
    ...(Object.keys(group.attributes).length === 0 ? {} : { attributes: group.attributes }),
    ...(group.nodes.length === 1 ? {} : { count: group.nodes.length }),
    ...(children.length === 0 ? {} : { children: children.map((c) => toShapeNode(grouper, c)) }),
  };
}

/** A selector for this span's service, name, kind and (when given) status. */
function spanSelector(node: SpanNode, kind: string, status: string | undefined, service: string | undefined): string {
  return [
    ...(service === undefined ? [] : [`service = ${JSON.stringify(service)}`]),
    `name = ${JSON.stringify(node.span.name)}`,
    `kind = ${kind}`,
    ...(status === undefined ? [] : [`status = ${status}`]),
  ].join(' && ');
}

/**
 * The root's service, name and kind: not its status, so that a run whose root failed is still judged against the
 * shape (and fails naming the status) instead of selecting no trace.
 */
function rootSelector(root: SpanNode): string {
  const group = new ShapeGrouper('canonical').group([root])[0] as SpanGroup;
  return spanSelector(root, group.kind, undefined, group.service);
}

/** Every span of a tree as a selector, for telling shapes that share a root apart. */
function labelsOf(root: SpanNode): Set<string> {
  const grouper = new ShapeGrouper('canonical');
  const out = new Set<string>();
  const walk = (node: SpanNode): void => {
    const g = grouper.group([node])[0] as SpanGroup;
    out.add(spanSelector(node, g.kind, g.status, g.service));
    node.children.forEach(walk);
  };
  walk(root);
  return out;
}

function withoutCounts(node: ShapeNode): unknown {
  const { count: _count, children, ...rest } = node;
  return { ...rest, children: (children ?? []).map(withoutCounts) };
}

/** Shapes with one skeleton (see withoutCounts) as one, each count the range of theirs. */
function mergeCounts(shapes: readonly ShapeNode[]): ShapeNode {
  const first = shapes[0] as ShapeNode;
  const counts = shapes.map((s) => (typeof s.count === 'number' ? s.count : 1));
  const min = Math.min(...counts);
  const max = Math.max(...counts);
  const { count: _count, children, ...rest } = first;
  return {
    ...rest,
    ...(min === max ? (min === 1 ? {} : { count: min }) : { count: { min, max } }),
    ...(children === undefined ? {} : { children: children.map((_, i) => mergeCounts(shapes.map((s) => (s.children ?? [])[i] as ShapeNode))) }),
  };
}

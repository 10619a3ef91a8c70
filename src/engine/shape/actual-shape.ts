import { serviceNameOf, spanKindNames, statusCodeNames, type SpanNode } from '../../model/index.ts';
import type { SpecScalar } from '../../language/index.ts';
import { stableAttributesOf } from './stable-attributes.ts';

/**
 * How siblings of a trace are put in a row before they are compared or recorded:
 * - `causal`: by time, in steps. Sorted by start, a sibling that starts before every earlier sibling of its step
 *   has ended overlaps it and joins the step; one that starts after they all ended begins the next step. Within a
 *   step (concurrent calls) siblings are in canonical order, so the row does not depend on which concurrent call
 *   happened to start first.
 * - `canonical`: every sibling in canonical order (by service, name, kind, status, stable attributes, children).
 */
export type SiblingOrder = 'causal' | 'canonical';

/** Identical adjacent siblings of a row, taken together: one node of a shape with its count. */
export interface SpanGroup {
  readonly service: string | undefined;
  readonly name: string;
  readonly kind: string;
  readonly status: string;
  readonly attributes: Readonly<Record<string, SpecScalar>>;
  /** The spans of the group, in the row's order; the group's count is their number. */
  readonly nodes: readonly SpanNode[];
  /** Everything a shape records about one of the spans and its subtree, as one comparable string. */
  readonly signature: string;
  /** The causal steps (see {@link SiblingOrder}) of the group's first and last span; 0 in canonical order. */
  readonly firstStep: number;
  readonly lastStep: number;
}

interface Placed {
  readonly node: SpanNode;
  readonly step: number;
}

/** Groups siblings into a row (see {@link SiblingOrder}), merging identical neighbours. */
export class ShapeGrouper {
  readonly order: SiblingOrder;
  readonly #signatures = new WeakMap<SpanNode, string>();
  readonly #children = new WeakMap<SpanNode, readonly SpanGroup[]>();

  constructor(order: SiblingOrder) {
    this.order = order;
  }

  /** The children of a span, grouped. */
  childrenOf(node: SpanNode): readonly SpanGroup[] {
    let groups = this.#children.get(node);
    if (groups === undefined) {
      groups = this.group(node.children);
      this.#children.set(node, groups);
    }
    return groups;
  }

  /** Siblings (or a trace's roots) as a row of groups. */
  group(siblings: readonly SpanNode[]): readonly SpanGroup[] {
    const row = this.order === 'causal' ? this.#causalRow(siblings) : [...siblings].sort((a, b) => compare(this.signature(a), this.signature(b))).map((node) => ({ node, step: 0 }));
    const groups: SpanGroup[] = [];
    let current: Placed[] = [];
    for (const placed of row) {
      const first = current[0];
      if (first !== undefined && this.signature(first.node) !== this.signature(placed.node)) {
        groups.push(this.#toGroup(current));
        current = [];
      }
      current.push(placed);
    }
    if (current.length > 0) groups.push(this.#toGroup(current));
    return groups;
  }

  /** The signature of a span and its subtree. */
  signature(node: SpanNode): string {
    let signature = this.#signatures.get(node);
    if (signature === undefined) {
      const span = node.span;
      signature = JSON.stringify([
        serviceNameOf(span) ?? '',
        span.name,
        spanKindNames[span.kind] ?? String(span.kind),
        statusCodeNames[span.status.code] ?? String(span.status.code),
        stableAttributesOf(span),
        this.childrenOf(node).map((g) => [g.signature, g.nodes.length]),
      ]);
      this.#signatures.set(node, signature);
    }
    return signature;
  }

  #causalRow(siblings: readonly SpanNode[]): Placed[] {
    // node.children is ordered by start time, then span id (model/trace.ts); roots are sorted here.
    const byStart = [...siblings].sort((a, b) => (a.span.startTimeUnixNano < b.span.startTimeUnixNano ? -1 : a.span.startTimeUnixNano > b.span.startTimeUnixNano ? 1 : 0));
    const row: Placed[] = [];
    let step: SpanNode[] = [];
    let stepEnd = 0n;
    const flush = (): void => {
      const index = row.length === 0 ? 0 : (row[row.length - 1] as Placed).step + 1;
      for (const node of step.sort((a, b) => compare(this.signature(a), this.signature(b)))) row.push({ node, step: index });
      step = [];
    };
    for (const node of byStart) {
      if (step.length > 0 && node.span.startTimeUnixNano >= stepEnd) flush();
      step.push(node);
      if (node.span.endTimeUnixNano > stepEnd) stepEnd = node.span.endTimeUnixNano;
    }
    flush();
    return row;
  }

  #toGroup(placed: readonly Placed[]): SpanGroup {
    const nodes = placed.map((p) => p.node);
    const span = (nodes[0] as SpanNode).span;
    return {
      service: serviceNameOf(span),
      name: span.name,
      kind: spanKindNames[span.kind] ?? String(span.kind),
      status: statusCodeNames[span.status.code] ?? String(span.status.code),
      attributes: stableAttributesOf(span),
      nodes,
      signature: this.signature(nodes[0] as SpanNode),
      firstStep: (placed[0] as Placed).step,
      lastStep: (placed[placed.length - 1] as Placed).step,
    };
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

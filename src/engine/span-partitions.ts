import type { Span } from '../model/span.ts';
import type { SpanNode, Trace } from '../model/trace.ts';
import type { SelectorAst } from '../spec/selector-ast.ts';

/**
 * A condition every span a selector picks must meet, that a trace's spans can be grouped by: `root`,
 * `service = "x"`, `name = "x"`, `kind = k` or `status = s` in the selector's top-level `&&`. The selector then
 * looks only at the spans of that group (see {@link candidatesOf}) instead of at every span of the trace.
 */
export type PartitionKey =
  | { readonly by: 'root' }
  | { readonly by: 'service' | 'name'; readonly value: string }
  | { readonly by: 'kind' | 'status'; readonly value: number };

/**
 * The partition keys a (non-structural) selector requires: `root`, and the equality conditions of its top-level
 * `&&` on `service` (or `resource.service.name`), `name`, `kind` and `status`. Empty when it requires none of
 * them (an `||`, a negation, an attribute condition): such a selector looks at every span. Conditions in
 * `except` are left out (a template's conditions whose value changes per binding).
 */
export function partitionKeysOf(ast: SelectorAst, except?: ReadonlySet<SelectorAst>): PartitionKey[] {
  if (except?.has(ast) === true) return [];
  switch (ast.type) {
    case 'group':
      return partitionKeysOf(ast.inner, except);
    case 'and':
      return ast.operands.flatMap((operand) => partitionKeysOf(operand, except));
    case 'flag':
      return ast.field.type === 'intrinsic' && ast.field.name === 'root' ? [{ by: 'root' }] : [];
    case 'comparison': {
      if (ast.op !== '=') return [];
      if (ast.field.type === 'intrinsic' && ast.field.name === 'root') return ast.value.type === 'bool' && ast.value.value ? [{ by: 'root' }] : [];
      const { field, value } = ast;
      if (field.type === 'attribute') {
        return field.scope === 'resource' && field.key === 'service.name' && value.type === 'string' ? [{ by: 'service', value: value.value }] : [];
      }
      if ((field.name === 'service' || field.name === 'name') && value.type === 'string') return [{ by: field.name, value: value.value }];
      if (field.name === 'kind' && value.type === 'kind') return [{ by: 'kind', value: value.value }];
      if (field.name === 'status' && value.type === 'status') return [{ by: 'status', value: value.value }];
      return [];
    }
    default:
      return [];
  }
}

/**
 * Whether a selector is nothing but its one partition key (`root`, `service = "x"`, `kind = client`, ...): its
 * selection is then the group itself, with no condition left to judge.
 */
export function isOnlyPartitionKey(ast: SelectorAst): boolean {
  while (ast.type === 'group') ast = ast.inner;
  return ast.type !== 'and' && partitionKeysOf(ast).length === 1;
}

/** Kind and status numbers below this are grouped (keywords name 0-5). */
const MAX_GROUPED_NUMBER = 8;

/** The shared selection of nothing. */
const NONE: readonly Span[] = Object.freeze([]);

/** Spans of one trace, in trace order, with the position of each in the trace's `spans`. */
export interface SpanGroup {
  readonly spans: readonly Span[];
  /** `positions[i]` is the position of `spans[i]` in the trace (entries past `spans.length` mean nothing). */
  readonly positions: ArrayLike<number>;
}

const EMPTY_GROUP: SpanGroup = { spans: NONE, positions: [] };

/** 0, 1, 2, ...: the positions of a trace's own spans, shared by every trace and grown as needed. */
let identity = new Int32Array(0);

function identityPositions(n: number): Int32Array {
  if (identity.length < n) identity = Int32Array.from({ length: Math.max(n, identity.length * 2) }, (_, i) => i);
  return identity;
}

/** A group being collected: spans and positions pushed together. */
class GroupBuilder implements SpanGroup {
  readonly spans: Span[] = [];
  readonly positions: number[] = [];

  add(span: Span, position: number): void {
    this.spans.push(span);
    this.positions.push(position);
  }
}

/**
 * A trace's spans grouped five ways, each grouping made on first use (names one at a time): every selector that
 * requires `root`, or names a service, a span name, a kind or a status in its `&&`, then looks at that group only.
 * Groups keep trace order, and know where each of their spans sits in the trace (for structural selectors).
 */
class TracePartitions {
  readonly #trace: Trace;
  readonly #spans: readonly Span[];
  #all: SpanGroup | undefined;
  #roots: SpanGroup | undefined;
  #byService: Map<string, SpanGroup> | undefined;
  #byName: Map<string, SpanGroup> | undefined;
  #byKind: SpanGroup[] | undefined;
  #byStatus: SpanGroup[] | undefined;

  constructor(trace: Trace) {
    this.#trace = trace;
    this.#spans = trace.spans;
  }

  /** Every span of the trace, as a group. */
  all(): SpanGroup {
    return (this.#all ??= { spans: this.#spans, positions: identityPositions(this.#spans.length) });
  }

  /** The group `key` names. */
  of(key: PartitionKey): SpanGroup {
    switch (key.by) {
      case 'root':
        return (this.#roots ??= this.#groupRoots());
      case 'service':
        return (this.#byService ??= this.#groupByService()).get(key.value) ?? EMPTY_GROUP;
      case 'name':
        return this.#named(key.value);
      case 'kind':
        return (this.#byKind ??= this.#groupByNumber((span) => span.kind))[key.value] ?? EMPTY_GROUP;
      case 'status':
        return (this.#byStatus ??= this.#groupByNumber((span) => span.status.code))[key.value] ?? EMPTY_GROUP;
    }
  }

  #groupRoots(): SpanGroup {
    // Roots are in trace order (the store sorts them as it sorts spans), so one walk finds their positions.
    const roots = this.#trace.roots;
    const group = new GroupBuilder();
    for (let i = 0, r = 0; i < this.#spans.length && r < roots.length; i++) {
      const span = this.#spans[i] as Span;
      if (span !== (roots[r] as SpanNode).span) continue;
      group.add(span, i);
      r++;
    }
    return group;
  }

  #groupByService(): Map<string, SpanGroup> {
    const groups = new Map<string, GroupBuilder>();
    // Spans of one export share their resource object, and a trace holds a handful: the last resource's group
    // answers most spans without reading the attribute.
    let lastResource: Span['resource'] | undefined;
    let lastGroup: GroupBuilder | undefined;
    for (let i = 0; i < this.#spans.length; i++) {
      const span = this.#spans[i] as Span;
      if (span.resource !== lastResource) {
        lastResource = span.resource;
        const service = span.resource.attributes['service.name'];
        if (typeof service === 'string') {
          lastGroup = groups.get(service);
          if (lastGroup === undefined) groups.set(service, (lastGroup = new GroupBuilder()));
        } else lastGroup = undefined;
      }
      lastGroup?.add(span, i);
    }
    return groups;
  }

  /**
   * The spans of one name, collected when that name is first asked for. A trace has many names and selectors ask
   * for few of them, so grouping every span by name (a hash of each span's name) would cost more than it saves.
   */
  #named(name: string): SpanGroup {
    const byName = (this.#byName ??= new Map());
    let group = byName.get(name);
    if (group === undefined) {
      const builder = new GroupBuilder();
      for (let i = 0; i < this.#spans.length; i++) if ((this.#spans[i] as Span).name === name) builder.add(this.#spans[i] as Span, i);
      byName.set(name, (group = builder));
    }
    return group;
  }

  #groupByNumber(read: (span: Span) => number): GroupBuilder[] {
    const groups: GroupBuilder[] = [];
    for (let i = 0; i < this.#spans.length; i++) {
      const span = this.#spans[i] as Span;
      const value = read(span);
      // Kinds are 0-5 and statuses 0-2; a value the wire carried beyond those is no keyword a selector can name.
      if (!(value >= 0 && value < MAX_GROUPED_NUMBER)) continue;
      (groups[value] ??= new GroupBuilder()).add(span, i);
    }
    return groups;
  }
}

// Groups are derived from the trace alone, and traces are immutable snapshots (the store builds a new object when
// spans arrive), so they are kept per trace object, as the tree index and the clock-skew correction are: a later
// evaluation of an unchanged trace reuses them. Judging goes trace by trace, so the last trace answers most asks
// without a hash lookup.
const partitionsByTrace = new WeakMap<Trace, TracePartitions>();
let lastTrace: Trace | undefined;
let lastPartitions: TracePartitions | undefined;

/**
 * The spans of `trace` a selector requiring `keys` needs to look at, with their positions: the smallest of the
 * groups the keys name (every span the selector can pick is in each), or all of the trace's spans when there are
 * no keys.
 */
export function groupOf(trace: Trace, keys: readonly PartitionKey[]): SpanGroup {
  if (trace !== lastTrace || lastPartitions === undefined) {
    let partitions = partitionsByTrace.get(trace);
    if (partitions === undefined) {
      partitions = new TracePartitions(trace);
      partitionsByTrace.set(trace, partitions);
    }
    lastPartitions = partitions;
    lastTrace = trace;
  }
  if (keys.length === 0) return lastPartitions.all();
  let smallest: SpanGroup | undefined;
  for (const key of keys) {
    const group = lastPartitions.of(key);
    if (smallest === undefined || group.spans.length < smallest.spans.length) smallest = group;
  }
  return smallest as SpanGroup;
}

/** The spans of {@link groupOf}, in trace order. */
export function candidatesOf(trace: Trace, keys: readonly PartitionKey[]): readonly Span[] {
  return keys.length === 0 ? trace.spans : groupOf(trace, keys).spans;
}

// Over 400 lines on purpose: span groups, one accelerator (docs/evaluation.md). A selector's group keys come from
// the field table. A trace's groups are built lazily, cheapest key first, and reused while the trace lasts. The
// keys, the per-trace partitions and the lookup share the group codes and scratch arrays, so they stay together.
// The reference implementation (selectors/reference.ts) never uses them.
import type { Resource, Span, Trace } from '../model/index.ts';
import { INTRINSIC_FIELDS, type SelectorAst } from '../language/index.ts';
import { readsOnlyResource } from './selectors/generated.ts';
import { compileCondition } from './selectors/reference.ts';
import { NO_SPANS } from './selectors/selector-types.ts';
import { indexTrace } from './trace-index.ts';

/**
 * A condition every span a selector picks must meet, that a trace's spans can be grouped by: `root`,
 * `service = "x"`, `name = "x"`, `kind = k` or `status = s` in the selector's top-level `&&`, or its conditions
 * on the resource alone (`resource.deployment.environment = "prod"`), judged once per resource object. The
 * selector then looks only at the spans of that group (see {@link candidatesOf}) instead of at every span.
 */
export type PartitionKey =
  | { readonly by: 'root' }
  | { readonly by: 'service' | 'name'; readonly value: string }
  | { readonly by: 'kind' | 'status'; readonly value: number }
  | { readonly by: 'resource'; readonly accepts: (resource: Resource) => boolean };

/** The operands of a selector's top-level `&&` (the selector itself when it is no `&&`), braces removed. */
function conjuncts(ast: SelectorAst): SelectorAst[] {
  while (ast.type === 'group') ast = ast.inner;
  return ast.type === 'and' ? ast.operands.flatMap(conjuncts) : [ast];
}

/** The group a single condition names, if it names one (see {@link PartitionKey}): the field table says which fields key a group. */
function simpleKeyOf(ast: SelectorAst): PartitionKey | undefined {
  if (ast.type === 'flag') return ast.field.type === 'intrinsic' && INTRINSIC_FIELDS[ast.field.name].type === 'bool' && groupKeyOf(ast.field.name) === 'root' ? { by: 'root' } : undefined;
  if (ast.type !== 'comparison' || ast.op !== '=') return undefined;
  const { field, value } = ast;
  // `resource.service.name` is the field `service` spelled out.
  const group = field.type === 'attribute' ? (field.scope === 'resource' && field.key === 'service.name' ? 'service' : undefined) : groupKeyOf(field.name);
  switch (group) {
    case 'root':
      return value.type === 'bool' && value.value ? { by: 'root' } : undefined;
    case 'service':
    case 'name':
      return value.type === 'string' ? { by: group, value: value.value } : undefined;
    case 'kind':
    case 'status':
      return value.type === group ? { by: group, value: value.value } : undefined;
    case undefined:
      return undefined;
  }
}

function groupKeyOf(name: keyof typeof INTRINSIC_FIELDS): string | undefined {
  const definition = INTRINSIC_FIELDS[name];
  return 'group' in definition ? definition.group : undefined;
}

/** The conditions on the resource alone, as one key judging each resource object once (with `memos`). */
function resourceKey(conditions: readonly SelectorAst[], memos: boolean): PartitionKey {
  const first = conditions[0] as SelectorAst;
  const all: SelectorAst = conditions.length === 1 ? first : { type: 'and', operands: conditions, offset: first.offset, length: first.length };
  const judge = compileCondition(all);
  if (!memos) return { by: 'resource', accepts: (resource) => judge({ resource } as Span) };
  const verdicts = new WeakMap<Resource, boolean>();
  return {
    by: 'resource',
    accepts(resource) {
      let verdict = verdicts.get(resource);
      if (verdict === undefined) {
        verdict = judge({ resource } as Span);
        verdicts.set(resource, verdict);
      }
      return verdict;
    },
  };
}

/** What {@link partitionKeysOf} may do: remember resource verdicts (`memos`), and leave some conditions out (`except`). */
export interface PartitionOptions {
  readonly memos?: boolean;
  readonly except?: ReadonlySet<SelectorAst>;
}

/**
 * The partition keys a (non-structural) selector requires: `root`, and the equality conditions of its top-level
 * `&&` on the fields that key a group (`service` or `resource.service.name`, `name`, `kind`, `status`), and one
 * key for its other conditions on the resource alone. Empty when it requires none of them (an `||`, a negation, a
 * span attribute condition): such a selector looks at every span. Conditions in `except` are left out (a
 * template's conditions whose value changes per binding).
 */
export function partitionKeysOf(ast: SelectorAst, options: PartitionOptions = {}): PartitionKey[] {
  const keys: PartitionKey[] = [];
  const onResource: SelectorAst[] = [];
  for (const condition of conjuncts(ast)) {
    if (options.except?.has(condition) === true) continue;
    const key = simpleKeyOf(condition);
    if (key !== undefined) keys.push(key);
    else if (readsOnlyResource(condition)) onResource.push(condition);
  }
  if (onResource.length > 0) keys.push(resourceKey(onResource, options.memos ?? true));
  // Cheapest first (see groupOf): the roots come from the trace index; a kind's or status's group from one grouping
  // every such selector shares; a service's likewise, reading one attribute per resource; a name's from a walk
  // comparing every span's name; the resource key's from judging each resource object.
  return keys.sort((a, b) => KEY_COST[a.by] - KEY_COST[b.by]);
}

/** The order in which {@link groupOf} looks at a selector's keys: cheapest to make first. */
const KEY_COST: Readonly<Record<PartitionKey['by'], number>> = { root: 0, kind: 1, status: 1, service: 2, name: 3, resource: 4 };

/**
 * A selector's candidates this few (a trace's root, say) are filtered at once: making one more group to narrow
 * them (a walk over the whole trace for a name) would cost more than judging them all. In bench/evaluate.ts's first
 * evaluation, the four selectors of a root or a kind with a name took 47 ms instead of 54 (medians of 10,
 * 2026-12-04).
 */
const FEW_CANDIDATES = 8;

/**
 * Whether a selector is nothing but its one partition key (`root`, `service = "x"`, `kind = client`,
 * `resource.x = "y" && resource.z = "w"`, ...): its selection is then the group itself, with no condition left to
 * judge.
 */
export function isOnlyPartitionKey(ast: SelectorAst): boolean {
  const all = conjuncts(ast);
  const simple = all.filter((condition) => simpleKeyOf(condition) !== undefined).length;
  const onResource = all.filter((condition) => simpleKeyOf(condition) === undefined && readsOnlyResource(condition)).length;
  return simple + onResource === all.length && simple + (onResource > 0 ? 1 : 0) === 1;
}

/** Kind and status numbers below this are grouped (keywords name 0-5). */
const MAX_GROUPED_NUMBER = 8;

/** Spans of one trace, in trace order, with the position of each in the trace's `spans`. */
export interface SpanGroup {
  readonly spans: readonly Span[];
  /** `positions[i]` is the position of `spans[i]` in the trace (entries past `spans.length` mean nothing). */
  readonly positions: readonly number[];
}

/**
 * A group, its positions worked out when first asked: only structural selectors ask (a few groups of a trace), and
 * every group is made on a trace's first look. Positions are a plain array, not an `Int32Array`: a typed array of
 * more than 16 numbers keeps its memory outside V8's heap, and making one cost about 1.9 µs against 0.1 to 0.3 µs
 * for a plain array of the same numbers (node 24, 2026-12-03).
 */
class Group implements SpanGroup {
  readonly spans: readonly Span[];
  readonly #traceSpans: readonly Span[];
  #positions: readonly number[] | undefined;

  constructor(spans: readonly Span[], traceSpans: readonly Span[], positions: readonly number[] | undefined) {
    this.spans = spans;
    this.#traceSpans = traceSpans;
    this.#positions = positions;
  }

  get positions(): readonly number[] {
    return (this.#positions ??= positionsWithin(this.spans, this.#traceSpans));
  }
}

/** Where each span of `group` (some of `all`, in the same order) sits in `all`: one walk over both. */
function positionsWithin(group: readonly Span[], all: readonly Span[]): number[] {
  const positions = new Array<number>(group.length);
  let k = 0;
  for (let i = 0; i < all.length && k < group.length; i++) if (all[i] === group[k]) positions[k++] = i;
  return positions;
}

const EMPTY_GROUP: SpanGroup = new Group(NO_SPANS, NO_SPANS, []);

/** 0, 1, 2, ...: the positions of a trace's own spans, shared by every trace and grown as needed. */
const identity: number[] = [];

function identityPositions(n: number): readonly number[] {
  for (let i = identity.length; i < n; i++) identity.push(i);
  return identity;
}

/** Which resources of a trace a resource key takes, scratch for {@link TracePartitions}. */
let taken = new Uint8Array(16);

/** Scratch for making groups: each span's group number (-1: none), or the positions of one group's spans. */
let scratch = new Int32Array(128);

function scratchOf(n: number): Int32Array {
  if (scratch.length < n) scratch = new Int32Array(Math.max(n, scratch.length * 2));
  return scratch;
}

/**
 * The group of the spans at the first `count` entries of `positions` (ascending), made at its exact size. Groups
 * live as long as their trace; made at once from positions, no array grows and none is copied to drop the slack
 * growing left.
 */
function groupAt(spans: readonly Span[], positions: ArrayLike<number>, count: number): SpanGroup {
  if (count === 0) return EMPTY_GROUP;
  const groupSpans = new Array<Span>(count);
  for (let k = 0; k < count; k++) groupSpans[k] = spans[positions[k] as number] as Span;
  return new Group(groupSpans, spans, undefined);
}

/**
 * The groups of one grouping, from each span's group number in `codes` (-1: in none): counted, then filled, so
 * that each group is made at its exact size at once.
 */
function groupsByCode(spans: readonly Span[], codes: Int32Array, groupCount: number): SpanGroup[] {
  const counts = new Int32Array(groupCount);
  for (let i = 0; i < spans.length; i++) {
    const g = codes[i] as number;
    if (g >= 0) counts[g] = (counts[g] as number) + 1;
  }
  const groups: Span[][] = [];
  for (let g = 0; g < groupCount; g++) groups.push(new Array<Span>(counts[g] as number));
  counts.fill(0);
  for (let i = 0; i < spans.length; i++) {
    const g = codes[i] as number;
    if (g < 0) continue;
    const k = counts[g] as number;
    counts[g] = k + 1;
    (groups[g] as Span[])[k] = spans[i] as Span;
  }
  return groups.map((group) => new Group(group, spans, undefined));
}

/**
 * A trace's spans grouped six ways, each grouping made on first use (names one at a time): every selector that
 * requires `root`, or names a service, a span name, a kind, a status or conditions on the resource in its `&&`,
 * then looks at that group only. Groups keep trace order, and know where each of their spans sits in the trace
 * (for structural selectors).
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
  /** The trace's distinct resource objects, in order of first appearance, with their span counts. */
  #resources: { readonly resources: Resource[]; readonly counts: number[] } | undefined;
  /** The spans of each of {@link #resources}, made only when a selector takes some resources but not all. */
  #byResource: SpanGroup[] | undefined;

  constructor(trace: Trace) {
    this.#trace = trace;
    this.#spans = trace.spans;
  }

  /** Every span of the trace, as a group. */
  all(): SpanGroup {
    return (this.#all ??= new Group(this.#spans, this.#spans, identityPositions(this.#spans.length)));
  }

  /** The group a key other than a resource key names. */
  of(key: Exclude<PartitionKey, { readonly by: 'resource' }>): SpanGroup {
    switch (key.by) {
      case 'root':
        return (this.#roots ??= this.#groupRoots());
      case 'service':
        return (this.#byService ??= this.#groupByService()).get(key.value) ?? EMPTY_GROUP;
      case 'name':
        return this.#named(key.value);
      case 'kind':
        return (this.#byKind ??= this.#groupByNumber(false))[key.value] ?? EMPTY_GROUP;
      case 'status':
        return (this.#byStatus ??= this.#groupByNumber(true))[key.value] ?? EMPTY_GROUP;
    }
  }

  /**
   * The spans of the resources `accepts` takes: a trace has a handful of resource objects, each judged once. When
   * they hold `limit` spans or more, `undefined`: a smaller group is already at hand, and merging several
   * resources' spans into trace order would cost more than it saves.
   */
  ofResources(accepts: (resource: Resource) => boolean, limit: number): SpanGroup | undefined {
    const { resources, counts } = (this.#resources ??= this.#distinctResources());
    if (taken.length < resources.length) taken = new Uint8Array(Math.max(resources.length, taken.length * 2));
    let count = 0;
    let spanCount = 0;
    let only = -1;
    for (let r = 0; r < resources.length; r++) {
      const take = accepts(resources[r] as Resource);
      taken[r] = take ? 1 : 0;
      if (!take) continue;
      count++;
      only = r;
      spanCount += counts[r] as number;
    }
    // Decided from the counts alone, with no group made: every resource taken (a condition all services meet, as
    // `resource.deployment.environment = "prod"` is) gives the trace itself, and a smaller group at hand wins.
    if (count === resources.length) return spanCount < limit ? this.all() : undefined;
    if (spanCount >= limit) return undefined;
    if (count === 0) return EMPTY_GROUP;
    if (count === 1) return (this.#byResource ??= this.#groupByResource(resources))[only] as SpanGroup;
    // Several resources, but not all: their spans in trace order, by one walk over the trace.
    const positions = scratchOf(spanCount);
    let k = 0;
    let lastResource: Resource | undefined;
    let lastTaken = false;
    for (let i = 0; i < this.#spans.length; i++) {
      const resource = (this.#spans[i] as Span).resource;
      if (resource !== lastResource) {
        lastResource = resource;
        lastTaken = taken[resources.indexOf(resource)] === 1;
      }
      if (lastTaken) positions[k++] = i;
    }
    return groupAt(this.#spans, positions, k);
  }

  /** The trace's distinct resource objects, in order of first appearance, and how many spans each has. */
  #distinctResources(): { resources: Resource[]; counts: number[] } {
    const resources: Resource[] = [];
    const counts: number[] = [];
    let last = -1;
    for (let i = 0; i < this.#spans.length; i++) {
      const resource = (this.#spans[i] as Span).resource;
      if (last < 0 || resources[last] !== resource) {
        last = resources.indexOf(resource);
        if (last < 0) {
          last = resources.push(resource) - 1;
          counts.push(0);
        }
      }
      counts[last] = (counts[last] as number) + 1;
    }
    return { resources, counts };
  }

  /** The spans of each of `resources` (the trace's distinct ones), in trace order. */
  #groupByResource(resources: readonly Resource[]): SpanGroup[] {
    const codes = scratchOf(this.#spans.length);
    let last = -1;
    for (let i = 0; i < this.#spans.length; i++) {
      const resource = (this.#spans[i] as Span).resource;
      if (last < 0 || resources[last] !== resource) last = resources.indexOf(resource);
      codes[i] = last;
    }
    return groupsByCode(this.#spans, codes, resources.length);
  }

  #groupRoots(): SpanGroup {
    // The index holds the roots' positions, in trace order.
    const { roots } = indexTrace(this.#trace);
    return groupAt(this.#spans, roots, roots.length);
  }

  #groupByService(): Map<string, SpanGroup> {
    const services: string[] = [];
    const codes = scratchOf(this.#spans.length);
    // Spans of one export share their resource object, and a trace holds a handful: the last resource's group
    // answers most spans without reading the attribute.
    let lastResource: Span['resource'] | undefined;
    let lastCode = -1;
    for (let i = 0; i < this.#spans.length; i++) {
      const resource = (this.#spans[i] as Span).resource;
      if (resource !== lastResource) {
        lastResource = resource;
        const service = resource.attributes['service.name'];
        if (typeof service === 'string') {
          lastCode = services.indexOf(service);
          if (lastCode < 0) lastCode = services.push(service) - 1;
        } else lastCode = -1;
      }
      codes[i] = lastCode;
    }
    const groups = groupsByCode(this.#spans, codes, services.length);
    const byService = new Map<string, SpanGroup>();
    for (let g = 0; g < services.length; g++) byService.set(services[g] as string, groups[g] as SpanGroup);
    return byService;
  }

  /**
   * The spans of one name, collected when that name is first asked for. A trace has many names and selectors ask
   * for few of them, so grouping every span by name (a hash of each span's name) would cost more than it saves.
   */
  #named(name: string): SpanGroup {
    const byName = (this.#byName ??= new Map());
    let group = byName.get(name);
    if (group === undefined) {
      const positions = scratchOf(this.#spans.length);
      let k = 0;
      for (let i = 0; i < this.#spans.length; i++) if ((this.#spans[i] as Span).name === name) positions[k++] = i;
      byName.set(name, (group = groupAt(this.#spans, positions, k)));
    }
    return group;
  }

  /** Spans by kind (`byStatus` false) or status code, indexed by the number (an empty group for a number no span has). */
  #groupByNumber(byStatus: boolean): SpanGroup[] {
    const codes = scratchOf(this.#spans.length);
    let groupCount = 0;
    for (let i = 0; i < this.#spans.length; i++) {
      const span = this.#spans[i] as Span;
      const value = byStatus ? span.status.code : span.kind;
      // Kinds are 0-5 and statuses 0-2; a value the wire carried beyond those is no keyword a selector can name.
      const grouped = value >= 0 && value < MAX_GROUPED_NUMBER;
      codes[i] = grouped ? value : -1;
      if (grouped && value >= groupCount) groupCount = value + 1;
    }
    return groupsByCode(this.#spans, codes, groupCount);
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
 * no keys. Keys come cheapest first ({@link partitionKeysOf}), and once the candidates are few
 * ({@link FEW_CANDIDATES}) the later keys are not looked at: the result is then a superset of what those keys would
 * leave, which the selector's filter narrows. A single key always applies, so its group is exact.
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
  let smallest = lastPartitions.all();
  for (let k = 0; k < keys.length; k++) {
    // The first key always applies: a selector that is nothing but its key takes its group as the selection.
    if (k > 0 && smallest.spans.length <= FEW_CANDIDATES) break;
    const key = keys[k] as PartitionKey;
    const group = key.by === 'resource' ? lastPartitions.ofResources(key.accepts, smallest.spans.length) : lastPartitions.of(key);
    if (group !== undefined && group.spans.length < smallest.spans.length) smallest = group;
  }
  return smallest;
}

/** The spans of {@link groupOf}, in trace order. */
export function candidatesOf(trace: Trace, keys: readonly PartitionKey[]): readonly Span[] {
  return keys.length === 0 ? trace.spans : groupOf(trace, keys).spans;
}

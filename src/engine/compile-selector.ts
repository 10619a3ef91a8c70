import type { Span, Trace } from '../model/index.ts';
import { formatSelector, type SelectorAst } from '../language/index.ts';
import { ALL_ACCELERATORS, type Accelerators } from './selectors/accelerators.ts';
import { compileFilter } from './selectors/generated.ts';
import { compileReference, isStructural } from './selectors/reference.ts';
import { NO_SPANS, type CompiledSelector } from './selectors/selector-types.ts';
import { relatedToSet } from './select-structure.ts';
import { candidatesOf, groupOf, isOnlyPartitionKey, partitionKeysOf } from './span-partitions.ts';
import { indexTrace, loneSpanIndex, type TraceIndex } from './trace-index.ts';

export type { CompiledSelector };

/**
 * Evaluates a set expression over a whole trace into a membership mask (1 = selected) by span position. The mask
 * is a buffer of the evaluator's, valid until its next call: masks are consumed as soon as they are made.
 */
type MaskEvaluator = (index: TraceIndex) => Uint8Array;

/**
 * A zeroed mask of `n` positions in a buffer reused across calls. Masks of most traces are over 64 bytes, which V8
 * keeps outside the heap: a fresh one per trace and node would cost an allocation and a finalisation each.
 */
function maskBuffer(): (n: number) => Uint8Array {
  let buffer = new Uint8Array(128);
  let view = buffer.subarray(0, 0);
  return (n) => {
    if (buffer.length < n) buffer = new Uint8Array(Math.max(n, buffer.length * 2));
    if (view.length !== n || view.buffer !== buffer.buffer) view = buffer.subarray(0, n);
    return view.fill(0);
  };
}

function compileMask(ast: SelectorAst, accelerators: Accelerators): MaskEvaluator {
  const buffer = maskBuffer();
  if (ast.type === 'all') return (index) => buffer(index.spans.length).fill(1);
  if (!isStructural(ast)) {
    const filter = compileFilter(ast, accelerators);
    return (index) => filter.mask(index.spans, buffer(index.spans.length));
  }
  switch (ast.type) {
    case 'group':
      return compileMask(ast.inner, accelerators);
    case 'not': {
      const inner = compileMask(ast.operand, accelerators);
      return (index) => {
        const mask = inner(index);
        for (let i = 0; i < mask.length; i += 1) mask[i] = mask[i] === 1 ? 0 : 1;
        return mask;
      };
    }
    case 'and':
    case 'or': {
      const operands = ast.operands.map((operand) => compileMask(operand, accelerators));
      const isAnd = ast.type === 'and';
      return (index) => {
        const [first, ...rest] = operands as [MaskEvaluator, ...MaskEvaluator[]];
        const mask = first(index);
        for (const operand of rest) {
          const other = operand(index);
          for (let i = 0; i < mask.length; i += 1) mask[i] = isAnd ? (mask[i] as number) & (other[i] as number) : (mask[i] as number) | (other[i] as number);
        }
        return mask;
      };
    }
    case 'structural': {
      const left = compileMask(ast.left, accelerators);
      const right = compileMask(ast.right, accelerators);
      const { relation, negated } = ast;
      return (index) => {
        const related = relatedToSet(relation, left(index), index, buffer(index.spans.length));
        const mask = right(index);
        const want = negated ? 0 : 1;
        for (let i = 0; i < mask.length; i += 1) if (mask[i] === 1 && related[i] !== want) mask[i] = 0;
        return mask;
      };
    }
    default:
      // Leaves are never structural; isStructural sent them to the predicate path above.
      return compileMask({ type: 'group', brace: false, inner: ast, offset: ast.offset, length: ast.length }, accelerators);
  }
}

/**
 * Compiles a parsed selector with the accelerators asked for (all by default). With none, this is the reference
 * implementation (selectors/reference.ts); each accelerator selects exactly what the reference selects. Conditions
 * become span predicates (regexes, literal conversions and lookup sets are built here, once); structural
 * operators work on a per-trace index of the tree shared by all selectors.
 *
 * @example
 * ```ts
 * const parsed = parseSelector('{ service = "orders" && kind = server } > { kind = client }');
 * if (parsed.ok) {
 *   const selector = compileSelector(parsed.value);
 *   for (const trace of run.traces()) console.log(selector.select(trace).map((span) => span.name));
 * }
 * ```
 */
export function compileSelector(ast: SelectorAst, accelerators: Accelerators = ALL_ACCELERATORS): CompiledSelector {
  if (!accelerators.codegen && !accelerators.groups && !accelerators.memos && !accelerators.structure) return compileReference(ast);
  const text = formatSelector(ast);
  if (!isStructural(ast)) {
    const filter = compileFilter(ast, accelerators);
    if (!accelerators.groups) return { ast, text, structural: false, select: (trace) => filter.select(trace.spans), matchesSpan: (span) => filter.matches(span) };
    // A selector that requires `root`, a service, a name, a kind, a status or something of the resource looks only
    // at the spans of that group (see span-partitions.ts), in trace order as the selection must be; one that is
    // nothing but its group (`kind = client`) has nothing left to judge in it.
    const keys = partitionKeysOf(ast, accelerators);
    const select = isOnlyPartitionKey(ast) ? (trace: Trace): readonly Span[] => candidatesOf(trace, keys) : (trace: Trace): readonly Span[] => filter.select(candidatesOf(trace, keys));
    return { ast, text, structural: false, select, matchesSpan: (span) => filter.matches(span) };
  }
  if (!accelerators.structure) {
    // The tree walk of the reference, with each side's conditions accelerated.
    return compileReference(ast, (condition) => compileFilter(condition, accelerators).matches);
  }
  const evaluate = compileMask(ast, accelerators);
  const direct = directRelationOf(ast);
  const selectDirectly = direct === undefined ? undefined : compileDirectRelation(direct, accelerators);
  // The mask of the last trace asked about is kept (in the evaluator's buffers, until its next evaluation), so that
  // asking span by span costs one evaluation per trace: judging goes trace by trace.
  let lastTrace: Trace | undefined;
  let last: { index: TraceIndex; mask: Uint8Array } | undefined;
  const maskOf = (trace: Trace): { index: TraceIndex; mask: Uint8Array } => {
    if (trace !== lastTrace || last === undefined) {
      const index = indexTrace(trace);
      last = { index, mask: evaluate(index) };
      lastTrace = trace;
    }
    return last;
  };
  return {
    ast,
    text,
    structural: true,
    select(trace) {
      if (selectDirectly !== undefined) return selectDirectly(trace);
      const { index, mask } = maskOf(trace);
      let n = 0;
      for (let i = 0; i < mask.length; i += 1) n += mask[i] as number;
      if (n === mask.length) return index.spans;
      const selected: Span[] = [];
      for (let i = 0; n > 0; i += 1) {
        if (mask[i] === 1) {
          selected.push(index.spans[i] as Span);
          n -= 1;
        }
      }
      return selected;
    },
    matchesSpan(span, trace) {
      const { index, mask } = maskOf(trace);
      const position = index.positionBySpanId.get(span.spanId);
      if (position !== undefined && span.traceId === trace.traceId) return mask[position] === 1;
      // The lone span's evaluation reuses the mask buffers: the kept mask is gone.
      lastTrace = undefined;
      return evaluate(loneSpanIndex(span))[0] === 1;
    },
  };
}

/** `{ A } > { B }` or `{ A } >> { B }`, negated or not, with plain conditions on both sides: the usual structural selector. */
interface DirectRelation {
  readonly left: SelectorAst;
  readonly right: SelectorAst;
  readonly relation: '>' | '>>';
  readonly negated: boolean;
}

function directRelationOf(ast: SelectorAst): DirectRelation | undefined {
  while (ast.type === 'group') ast = ast.inner;
  if (ast.type !== 'structural' || (ast.relation !== '>' && ast.relation !== '>>') || isStructural(ast.left) || isStructural(ast.right)) return undefined;
  return { left: ast.left, right: ast.right, relation: ast.relation, negated: ast.negated };
}

/**
 * Selection for a {@link DirectRelation}, span by span instead of mask by mask: the left side marks its spans
 * (from its span group) in a buffer, then each span of the right side's group that meets its condition looks at
 * its parent (`>`) or up its ancestors (`>>`, remembering the answer for every ancestor walked past, so a trace
 * costs one step per span at most). Only the two groups are looked at, where the mask path judges every span of
 * the trace for each side and combines whole masks. `matchesSpan` keeps the mask path; tests hold the two equal.
 */
function compileDirectRelation(relation: DirectRelation, accelerators: Accelerators): (trace: Trace) => readonly Span[] {
  const side = (ast: SelectorAst) => {
    const grouped = accelerators.groups;
    return { filter: compileFilter(ast, accelerators), keys: grouped ? partitionKeysOf(ast, accelerators) : [], only: grouped && isOnlyPartitionKey(ast) };
  };
  const left = side(relation.left);
  const right = side(relation.right);
  const marksBuffer = maskBuffer();
  const answersBuffer = maskBuffer();
  const ancestors = relation.relation === '>>';
  return (trace) => {
    const { parent } = indexTrace(trace);
    const n = parent.length;
    const marks = marksBuffer(n);
    const lefts = groupOf(trace, left.keys);
    const leftPositions = lefts.positions;
    for (let j = 0; j < lefts.spans.length; j++) {
      if (left.only || left.filter.matches(lefts.spans[j] as Span)) marks[leftPositions[j] as number] = 1;
    }
    const answers = ancestors ? answersBuffer(n) : marks;
    const rights = groupOf(trace, right.keys);
    const rightPositions = rights.positions;
    let selected: Span[] | undefined;
    for (let j = 0; j < rights.spans.length; j++) {
      const span = rights.spans[j] as Span;
      if (!right.only && !right.filter.matches(span)) continue;
      const position = rightPositions[j] as number;
      let related: boolean;
      if (ancestors) related = hasMarkedAncestor(position, parent, marks, answers);
      else {
        const p = parent[position] as number;
        related = p >= 0 && marks[p] === 1;
      }
      if (related !== relation.negated) (selected ??= []).push(span);
    }
    return selected ?? NO_SPANS;
  };
}

/**
 * Whether some ancestor of `position` is marked. `answers` remembers it per span (0 not known yet, 1 yes, 2 no):
 * the walk up stops at a marked span, a span whose answer is known, or the top, and every span walked past gets
 * the same answer (its ancestors above are the ones the walk saw).
 */
function hasMarkedAncestor(position: number, parent: readonly number[], marks: Uint8Array, answers: Uint8Array): boolean {
  let answer = 2;
  let stop = parent[position] as number;
  while (stop >= 0) {
    if (marks[stop] === 1) {
      answer = 1;
      break;
    }
    const known = answers[stop] as number;
    if (known !== 0) {
      answer = known;
      break;
    }
    stop = parent[stop] as number;
  }
  for (let p = parent[position] as number; p !== stop; p = parent[p] as number) answers[p] = answer;
  return answer === 1;
}


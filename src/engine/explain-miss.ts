import type { Span, Trace } from '../model/index.ts';
import { formatSelector } from '../language/index.ts';
import type { SelectorAst, StructuralRelation } from '../language/index.ts';
import type { NearMiss } from './results.ts';
import { compileCondition, compileReference, isStructural } from './selectors/reference.ts';
import type { CompiledSelector } from './selectors/selector-types.ts';
import { relatedToSet } from './select-structure.ts';
import { indexTrace } from './trace-index.ts';
import { summarizeSpan } from './span-summary.ts';

const RELATION_WORDS: Readonly<Record<StructuralRelation, string>> = {
  '>': 'parent',
  '>>': 'an ancestor',
  '<': 'a child',
  '<<': 'a descendant',
  '~': 'a sibling',
};

/** Judges which clauses of a selector one span misses. */
type ClauseJudge = (span: Span, trace: Trace) => string[];

/** The selector as it names itself in a relation clause: braced, so that it reads as one span set. */
function asSpanSet(ast: SelectorAst): string {
  const text = formatSelector(ast);
  return ast.type === 'group' || ast.type === 'all' ? text : `{ ${text} }`;
}

/**
 * Splits a selector into clauses and compiles a judge that lists the clauses a span misses, as source text.
 * Conjunctions are split into their operands; a disjunction of compound branches reports the branch that came
 * closest; a structural selector reports the right-hand clauses and the relation (e.g. `parent matches { kind =
 * client }`) separately; any other node is one clause.
 */
function compileJudge(ast: SelectorAst): ClauseJudge {
  switch (ast.type) {
    case 'group':
      return compileJudge(ast.inner);
    case 'and': {
      const judges = ast.operands.map(compileJudge);
      return (span, trace) => judges.flatMap((judge) => judge(span, trace));
    }
    case 'or': {
      if (ast.operands.every((operand) => operand.type !== 'and' && !(operand.type === 'group' && operand.inner.type === 'and'))) break;
      const selector = compileReference(ast);
      const judges = ast.operands.map(compileJudge);
      return (span, trace) => {
        if (selector.matchesSpan(span, trace)) return [];
        let best: string[] | undefined;
        for (const judge of judges) {
          const missed = judge(span, trace);
          if (best === undefined || missed.length < best.length) best = missed;
        }
        return best ?? [];
      };
    }
    case 'structural': {
      const right = compileJudge(ast.right);
      const left = compileReference(ast.left);
      const words = RELATION_WORDS[ast.relation];
      const clause = `${ast.negated ? `no ${words.replace(/^(a|an) /u, '')}` : words} matches ${asSpanSet(ast.left)}`;
      const { relation, negated } = ast;
      // Relation masks are per trace; near misses are rare and short-lived, so a plain map keyed by trace is enough.
      const related = new Map<Trace, Uint8Array>();
      return (span, trace) => {
        const missed = right(span, trace);
        const index = indexTrace(trace);
        const position = index.positionBySpanId.get(span.spanId);
        let holds: boolean;
        if (position !== undefined && span.traceId === trace.traceId) {
          let mask = related.get(trace);
          if (mask === undefined) {
            const leftMask = new Uint8Array(index.spans.length);
            for (let i = 0; i < leftMask.length; i += 1) if (left.matchesSpan(index.spans[i] as Span, trace)) leftMask[i] = 1;
            mask = relatedToSet(relation, leftMask, index);
            related.set(trace, mask);
          }
          holds = (mask[position] === 1) !== negated;
        } else {
          // A span outside the trace has no relations at all.
          holds = negated;
        }
        return holds ? missed : [...missed, clause];
      };
    }
    default:
      break;
  }
  const text = formatSelector(ast);
  if (isStructural(ast)) {
    const selector: CompiledSelector = compileReference(ast);
    return (span, trace) => (selector.matchesSpan(span, trace) ? [] : [text]);
  }
  const predicate = compileCondition(ast);
  return (span) => (predicate(span) ? [] : [text]);
}

/**
 * For a selector that matched nothing, the spans that came closest: those missing the fewest clauses, first in
 * trace order among equals, each with the clauses it missed as source text. Spans that match are not near misses.
 *
 * @param ast - the selector.
 * @param spans - the candidates, usually every span of `trace`.
 * @param trace - the trace the candidates belong to (structural clauses are judged in it).
 * @param limit - how many near misses to return.
 *
 * @example
 * ```ts
 * const parsed = parseSelector('service = "orders" && kind = server && name = "POST /orders"');
 * if (parsed.ok) explainMiss(parsed.value, trace.spans, trace);
 * // [{ span: { service: 'orders', name: 'POST /orders', kind: 'client', ... }, missedClauses: ['kind = server'] }]
 * ```
 */
export function explainMiss(ast: SelectorAst, spans: readonly Span[], trace: Trace, limit = 3): NearMiss[] {
  if (limit <= 0) return [];
  const judge = compileJudge(ast);
  const ranked: { span: Span; missed: string[]; order: number }[] = [];
  for (let order = 0; order < spans.length; order += 1) {
    const span = spans[order] as Span;
    const missed = judge(span, trace);
    if (missed.length > 0) ranked.push({ span, missed, order });
  }
  ranked.sort((a, b) => a.missed.length - b.missed.length || a.order - b.order);
  return ranked.slice(0, limit).map(({ span, missed }) => ({ span: summarizeSpan(span), missedClauses: missed }));
}

import type { Span } from '../model/span.ts';
import type { Trace } from '../model/trace.ts';
import { err, ok, type Result } from '../result.ts';
import type { Literal, SelectorAst } from '../spec/selector-ast.ts';
import { parseSelector } from '../spec/selector-parser.ts';
import type { SpecScalar } from '../spec/types.ts';
import { findReferences, interpolate } from '../spec/values.ts';
import { explainMiss } from './explain-miss.ts';
import type { NearMiss } from './results.ts';
import { compileClosure, compileTieredFilter, isStructural, type SpanFilter, type SpanPredicate } from './select-predicate.ts';
import type { SelectorHandle } from './selector-cache.ts';

/** A condition whose literals hold `${var:..}`, and its predicate for the values bound last. */
interface TemplatedLeaf {
  readonly node: Extract<SelectorAst, { type: 'comparison' | 'membership' }>;
  /** Index of the leaf's predicate in the template's slots. */
  readonly slot: number;
}

/** Whether a literal is a string holding a reference (what the template substitutes). */
function isTemplated(literal: Literal): boolean {
  return literal.type === 'string' && literal.value.includes('${') && findReferences(literal.value).references.length > 0;
}

function substituteLiteral(literal: Literal, vars: ReadonlyMap<string, SpecScalar>, env: Readonly<Record<string, string | undefined>>): Result<Literal, string> {
  if (!isTemplated(literal) || literal.type !== 'string') return ok(literal);
  const filled = interpolate(literal.value, { env, vars });
  if (!filled.ok) return err(filled.error.message);
  return ok({ ...literal, value: filled.value, raw: JSON.stringify(filled.value) });
}

/**
 * A selector whose `${var:..}` references all sit inside quoted strings (`span.order.id = "${var:orderId}"`, the
 * usual way to find the spans of a captured id): parsed and compiled once, then bound to each set of values. A
 * binding recompiles only the conditions that hold a reference, as closures, and the rest of the selector keeps
 * its compiled (and, over a large run, generated) code, where substituting the text would parse and compile a new
 * selector per trace. The value goes into the string as it is: quotes or backslashes in it need no escaping.
 *
 * Structural selectors are not templated (their per-trace masks assume one meaning per selector); nor is a
 * selector with a reference outside a string. {@link SelectorTemplate.of} answers `undefined` for those, and the
 * caller substitutes the text instead.
 */
export class SelectorTemplate {
  readonly #source: string;
  readonly #ast: SelectorAst;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #leaves: readonly TemplatedLeaf[];
  readonly #names: readonly string[];
  /** The predicates of the templated leaves for the binding being judged: set by a bound handle before it selects. */
  #slots: SpanPredicate[];
  readonly #filter: SpanFilter;

  private constructor(source: string, ast: SelectorAst, env: Readonly<Record<string, string | undefined>>, leaves: readonly TemplatedLeaf[], names: readonly string[]) {
    this.#source = source;
    this.#names = names;
    this.#ast = ast;
    this.#env = env;
    this.#leaves = leaves;
    this.#slots = leaves.map(() => () => false);
    const overrides = new Map<SelectorAst, SpanPredicate>(leaves.map((leaf) => [leaf.node, (span: Span) => (this.#slots[leaf.slot] as SpanPredicate)(span)]));
    this.#filter = compileTieredFilter(ast, undefined, overrides);
  }

  /** The template of `source`, or `undefined` when it cannot be one (see the class). */
  static of(source: string, env: Readonly<Record<string, string | undefined>>): SelectorTemplate | undefined {
    const references = findReferences(source);
    if (references.malformed.length > 0 || !references.references.some((r) => r.kind === 'var')) return undefined;
    const parsed = parseSelector(source);
    if (!parsed.ok || isStructural(parsed.value)) return undefined;
    const leaves: TemplatedLeaf[] = [];
    const literals: Literal[] = [];
    const visit = (node: SelectorAst): void => {
      switch (node.type) {
        case 'group':
          return visit(node.inner);
        case 'not':
          return visit(node.operand);
        case 'and':
        case 'or':
          return node.operands.forEach(visit);
        case 'comparison':
        case 'membership': {
          const held = (node.type === 'comparison' ? [node.value] : node.values).filter(isTemplated);
          if (held.length > 0) {
            leaves.push({ node, slot: leaves.length });
            literals.push(...held);
          }
          return;
        }
        default:
          return;
      }
    };
    visit(parsed.value);
    // Every reference of the source must lie in one of those strings: one elsewhere changes the selector's shape.
    const inside = (offset: number): boolean => literals.some((l) => offset > l.offset && offset < l.offset + l.length);
    if (!references.references.every((r) => inside(r.offset))) return undefined;
    const names = [...new Set(references.references.filter((r) => r.kind === 'var').map((r) => r.name))];
    return new SelectorTemplate(source, parsed.value, env, leaves, names);
  }

  /** The selector with these values: a handle like the selector cache's, or why a value is missing. */
  bind(vars: ReadonlyMap<string, SpecScalar>): Result<SelectorHandle, string> {
    const bound = new Map<SelectorAst, SelectorAst>();
    const predicates: SpanPredicate[] = [];
    for (const leaf of this.#leaves) {
      const node = leaf.node;
      let substituted: SelectorAst;
      if (node.type === 'comparison') {
        const value = substituteLiteral(node.value, vars, this.#env);
        if (!value.ok) return value;
        substituted = { ...node, value: value.value };
      } else {
        const values: Literal[] = [];
        for (const literal of node.values) {
          const value = substituteLiteral(literal, vars, this.#env);
          if (!value.ok) return value;
          values.push(value.value);
        }
        substituted = { ...node, values };
      }
      bound.set(node, substituted);
      predicates[leaf.slot] = compileClosure(substituted);
    }
    // The values this binding used, kept for its text: the caller's map may take later captures.
    const used = new Map<string, SpecScalar>();
    for (const name of this.#names) {
      const value = vars.get(name);
      if (value !== undefined) used.set(name, value);
    }
    return ok(new BoundSelector(this, predicates, bound, used));
  }

  /** The template's filter, its templated leaves now judging by `predicates` (until the next call). */
  using(predicates: SpanPredicate[]): SpanFilter {
    this.#slots = predicates;
    return this.#filter;
  }

  /** The text of the selector with these values, for messages. */
  textFor(vars: ReadonlyMap<string, SpecScalar>): string {
    const filled = interpolate(this.#source, { env: this.#env, vars });
    return filled.ok ? filled.value : this.#source;
  }

  /** The tree with the bound leaves in place of the templated ones. */
  astWith(bound: ReadonlyMap<SelectorAst, SelectorAst>): SelectorAst {
    const rebuild = (node: SelectorAst): SelectorAst => {
      const replaced = bound.get(node);
      if (replaced !== undefined) return replaced;
      switch (node.type) {
        case 'group':
          return { ...node, inner: rebuild(node.inner) };
        case 'not':
          return { ...node, operand: rebuild(node.operand) };
        case 'and':
        case 'or':
          return { ...node, operands: node.operands.map(rebuild) };
        default:
          return node;
      }
    };
    return rebuild(this.#ast);
  }
}

/** A {@link SelectorTemplate} bound to one set of values. It remembers its last selection: a judge asks twice per trace. */
class BoundSelector implements SelectorHandle {
  readonly #template: SelectorTemplate;
  readonly #predicates: SpanPredicate[];
  readonly #bound: ReadonlyMap<SelectorAst, SelectorAst>;
  readonly #vars: ReadonlyMap<string, SpecScalar>;
  #source: string | undefined;
  #lastTrace: Trace | undefined;
  #lastSpans: readonly Span[] = [];

  constructor(template: SelectorTemplate, predicates: SpanPredicate[], bound: ReadonlyMap<SelectorAst, SelectorAst>, vars: ReadonlyMap<string, SpecScalar>) {
    this.#template = template;
    this.#predicates = predicates;
    this.#bound = bound;
    this.#vars = vars;
  }

  get source(): string {
    return (this.#source ??= this.#template.textFor(this.#vars));
  }

  select(trace: Trace): readonly Span[] {
    if (this.#lastTrace !== trace) {
      this.#lastSpans = this.#template.using(this.#predicates).select(trace.spans);
      this.#lastTrace = trace;
    }
    return this.#lastSpans;
  }

  has(_trace: Trace, span: Span): boolean {
    return this.#template.using(this.#predicates).matches(span);
  }

  explain(spans: readonly Span[], trace: Trace, limit: number): NearMiss[] {
    return explainMiss(this.#template.astWith(this.#bound), spans, trace, limit);
  }
}

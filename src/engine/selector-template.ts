import type { Span, Trace } from '../model/index.ts';
import { err, ok, type Result } from '../result.ts';
import { findReferences, parseSelector } from '../language/index.ts';
import type { Literal, SelectorAst, SpecScalar } from '../language/index.ts';
import { explainMiss } from './explain-miss.ts';
import type { NearMiss } from './results.ts';
import { INTRINSIC_FIELDS } from '../language/index.ts';
import type { ComparisonNode } from '../language/index.ts';
import type { Accelerators } from './selectors/accelerators.ts';
import { compileFilter } from './selectors/generated.ts';
import { compileCondition, isStructural, spanFieldReader } from './selectors/reference.ts';
import type { SpanFilter, SpanPredicate } from './selectors/selector-types.ts';
import type { SelectorHandle } from './selector-cache.ts';
import { candidatesOf, partitionKeysOf, type PartitionKey } from './span-partitions.ts';

/** Whether a literal is a string holding a reference (what the template substitutes). */
function isTemplated(literal: Literal): boolean {
  return literal.type === 'string' && literal.value.includes('${') && findReferences(literal.value).references.length > 0;
}

/**
 * A templated string split once into text and variable names (`${env:..}` filled in already), so that filling it
 * per binding is a concatenation, not a regular expression. Fills as `interpolate` does: `$${` is a literal `${`,
 * a value is written with `String`.
 */
class StringFiller {
  readonly #parts: readonly (string | { readonly name: string })[];

  private constructor(parts: readonly (string | { readonly name: string })[]) {
    this.#parts = parts;
  }

  /** The filler of `text`, or `undefined` when an `${env:..}` in it is unset (substitution then reports it). */
  static of(text: string, env: Readonly<Record<string, string | undefined>>): StringFiller | undefined {
    const parts: (string | { readonly name: string })[] = [];
    let at = 0;
    const literal = (to: number): void => {
      if (to > at) parts.push(text.slice(at, to).replaceAll('$${', '${'));
    };
    for (const reference of findReferences(text).references) {
      literal(reference.offset);
      at = reference.offset + reference.length;
      if (reference.kind === 'var') parts.push({ name: reference.name });
      else {
        const value = env[reference.name];
        if (value === undefined) return undefined;
        parts.push(value);
      }
    }
    literal(text.length);
    return new StringFiller(parts);
  }

  /** The filled text, or the names without a value. */
  fill(vars: ReadonlyMap<string, SpecScalar>): string | { readonly missing: readonly string[] } {
    let out = '';
    let missing: string[] | undefined;
    for (const part of this.#parts) {
      if (typeof part === 'string') out += part;
      else {
        const value = vars.get(part.name);
        if (value === undefined) (missing ??= []).push(part.name);
        else out += String(value);
      }
    }
    return missing === undefined ? out : { missing };
  }
}

/**
 * For a condition `field = "${var:..}"` or `field != "${var:..}"` on a field with one value per span: a predicate
 * that compares the field with the string `value()` answers at each call, as the reference would with that string
 * written in. One closure then serves every binding. `undefined` for any other condition, and for ids (a spec may
 * write them in either case).
 */
function compileParametricComparison(node: ComparisonNode, value: () => string): SpanPredicate | undefined {
  if ((node.op !== '=' && node.op !== '!=') || node.value.type !== 'string') return undefined;
  // Ids compare case-insensitively (the literal is lower-cased when compiled), so they are not read this way.
  if (node.field.type === 'intrinsic' && INTRINSIC_FIELDS[node.field.name].type === 'id') return undefined;
  const read = spanFieldReader(node.field);
  if (read === undefined) return undefined;
  const equal = node.op === '=';
  return (span) => {
    const actual = read(span);
    return actual !== undefined && (actual === value()) === equal;
  };
}

/** A literal the template fills, where it sits in the source, and its filler. */
interface TemplatedLiteral {
  readonly literal: Extract<Literal, { type: 'string' }>;
  readonly filler: StringFiller;
}

/** A condition whose literals hold `${var:..}`. */
interface TemplatedLeaf {
  readonly node: Extract<SelectorAst, { type: 'comparison' | 'membership' }>;
  /** Index of the leaf's predicate in the template's slots. */
  readonly slot: number;
  /** Its literals in order, the templated ones with a filler. */
  readonly literals: readonly (TemplatedLiteral | Literal)[];
}

function isFilled(entry: TemplatedLiteral | Literal): entry is TemplatedLiteral {
  return 'filler' in entry;
}

/**
 * A selector whose `${var:..}` references all sit inside quoted strings (`span.order.id = "${var:orderId}"`, the
 * usual way to find the spans of a captured id): parsed and compiled once, then bound to each set of values. A
 * binding recompiles only the conditions that hold a reference, as closures, and the rest of the selector keeps
 * its compiled (and, over a large run, generated) code, where substituting the text would parse and compile a new
 * selector per trace. The value goes into the string as it is: quotes or backslashes in it need no escaping.
 *
 * Structural selectors are not templated (their per-trace masks assume one meaning per selector); nor is a
 * selector with a reference outside a string, or one that does not parse with its references in (a reference in
 * a regex or an id, which the parser checks). {@link SelectorTemplate.of} answers `undefined` for those, and the
 * caller substitutes the text instead.
 */
export class SelectorTemplate {
  readonly #source: string;
  readonly #ast: SelectorAst;
  readonly #leaves: readonly TemplatedLeaf[];
  /** Every templated literal, in source order (for the text of a binding). */
  readonly #filled: readonly TemplatedLiteral[];
  /** The predicates of the templated leaves for the binding being judged: set by a bound handle before it selects. */
  #slots: SpanPredicate[];
  /** The values of the binding being judged, one per templated literal (what parametric leaves read). */
  readonly #current: { values: readonly string[] } = { values: [] };
  /** The leaves that read their value from {@link #current}, by slot: a binding compiles a predicate for the others only. */
  readonly #parametric: readonly boolean[];
  readonly #filter: SpanFilter;
  /** What every binding requires of a span, whatever its values: the groups it looks at (see candidatesOf). */
  readonly #keys: readonly PartitionKey[];
  /** The last binding, reused while the values stay the same (the usual case across a spec's run scope). */
  #last: { readonly values: readonly string[]; readonly handle: Result<SelectorHandle, string> } | undefined;

  private constructor(source: string, ast: SelectorAst, leaves: readonly TemplatedLeaf[], accelerators: Accelerators) {
    this.#source = source;
    this.#ast = ast;
    this.#leaves = leaves;
    this.#filled = leaves.flatMap((leaf) => leaf.literals.filter(isFilled)).sort((a, b) => a.literal.offset - b.literal.offset);
    this.#slots = leaves.map(() => () => false);
    // A leaf `field = "${var:..}"` (or `!=`) is judged by one predicate reading the binding's value, so a binding
    // makes no closure (a fresh closure per trace would also run unoptimised); other leaves get a predicate per
    // binding, in their slot.
    const parametric = leaves.map((leaf) => {
      const literal = leaf.node.type === 'comparison' ? leaf.literals[0] : undefined;
      if (literal === undefined || !isFilled(literal) || leaf.node.type !== 'comparison') return undefined;
      const index = this.#filled.indexOf(literal);
      return compileParametricComparison(leaf.node, () => this.#current.values[index] as string);
    });
    this.#parametric = parametric.map((predicate) => predicate !== undefined);
    const overrides = new Map<SelectorAst, SpanPredicate>(leaves.map((leaf, i) => [leaf.node, parametric[i] ?? ((span: Span) => (this.#slots[leaf.slot] as SpanPredicate)(span))]));
    this.#filter = compileFilter(ast, accelerators, overrides);
    this.#keys = accelerators.groups ? partitionKeysOf(ast, { memos: accelerators.memos, except: new Set(leaves.map((leaf) => leaf.node)) }) : [];
  }

  /** The template of `source`, or `undefined` when it cannot be one (see the class) or `accelerators.templates` is off. */
  static of(source: string, env: Readonly<Record<string, string | undefined>>, accelerators: Accelerators): SelectorTemplate | undefined {
    if (!accelerators.templates) return undefined;
    const references = findReferences(source);
    if (references.malformed.length > 0 || !references.references.some((r) => r.kind === 'var')) return undefined;
    const parsed = parseSelector(source);
    if (!parsed.ok || isStructural(parsed.value)) return undefined;
    const leaves: TemplatedLeaf[] = [];
    let fillable = true;
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
          const written = node.type === 'comparison' ? [node.value] : node.values;
          if (!written.some(isTemplated)) return;
          const literals = written.map((literal): TemplatedLiteral | Literal => {
            if (!isTemplated(literal) || literal.type !== 'string') return literal;
            const filler = StringFiller.of(literal.value, env);
            if (filler === undefined) fillable = false;
            return filler === undefined ? literal : { literal, filler };
          });
          leaves.push({ node, slot: leaves.length, literals });
          return;
        }
        default:
          return;
      }
    };
    visit(parsed.value);
    // Every reference of the source must lie in one of those strings: one elsewhere changes the selector's shape.
    const filled = leaves.flatMap((leaf) => leaf.literals.filter(isFilled).map((entry) => entry.literal));
    const inside = (offset: number): boolean => filled.some((l) => offset > l.offset && offset < l.offset + l.length);
    if (!fillable || !references.references.every((r) => inside(r.offset))) return undefined;
    return new SelectorTemplate(source, parsed.value, leaves, accelerators);
  }

  /** The selector with these values: a handle like the selector cache's, or which values are missing. */
  bind(vars: ReadonlyMap<string, SpecScalar>): Result<SelectorHandle, string> {
    const values: string[] = [];
    let missing: Set<string> | undefined;
    for (const entry of this.#filled) {
      const value = entry.filler.fill(vars);
      if (typeof value === 'string') values.push(value);
      else for (const name of value.missing) (missing ??= new Set()).add(name);
    }
    if (missing !== undefined) {
      const names = [...missing];
      return err(`unknown variable${names.length === 1 ? '' : 's'}: ${names.join(', ')}`);
    }
    const last = this.#last;
    if (last !== undefined && last.values.length === values.length && last.values.every((v, i) => v === values[i])) return last.handle;
    const predicates: SpanPredicate[] = [];
    if (this.#parametric.includes(false)) {
      const bound = this.boundTree(values);
      for (const leaf of this.#leaves) if (this.#parametric[leaf.slot] !== true) predicates[leaf.slot] = compileCondition(bound.get(leaf.node) as SelectorAst);
    }
    const handle = ok(new BoundSelector(this, predicates, values));
    this.#last = { values, handle };
    return handle;
  }

  /** Each templated leaf with these values in place (one per templated literal, in source order). */
  boundTree(values: readonly string[]): Map<SelectorAst, SelectorAst> {
    const byLiteral = new Map<Literal, string>(this.#filled.map((entry, i) => [entry.literal, values[i] as string]));
    const bound = new Map<SelectorAst, SelectorAst>();
    for (const leaf of this.#leaves) {
      const literals = leaf.literals.map((entry): Literal => {
        if (!isFilled(entry)) return entry;
        const value = byLiteral.get(entry.literal) as string;
        return { ...entry.literal, value, raw: JSON.stringify(value) };
      });
      const node = leaf.node;
      bound.set(node, node.type === 'comparison' ? { ...node, value: literals[0] as Literal } : { ...node, values: literals });
    }
    return bound;
  }

  /** The spans of `trace` a binding needs to look at, in trace order. */
  candidates(trace: Trace): readonly Span[] {
    return candidatesOf(trace, this.#keys);
  }

  /** The template's filter, its templated leaves now judging by `predicates` and `values` (until the next call). */
  using(predicates: SpanPredicate[], values: readonly string[]): SpanFilter {
    this.#slots = predicates;
    this.#current.values = values;
    return this.#filter;
  }

  /** The text of the selector with these values (one per templated literal, in source order), for messages. */
  textFor(values: readonly string[]): string {
    let out = '';
    let at = 0;
    this.#filled.forEach((entry, i) => {
      out += `${this.#source.slice(at, entry.literal.offset)}${JSON.stringify(values[i])}`;
      at = entry.literal.offset + entry.literal.length;
    });
    return out + this.#source.slice(at);
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
  readonly #values: readonly string[];
  #source: string | undefined;
  #lastTrace: Trace | undefined;
  #lastSpans: readonly Span[] = [];

  constructor(template: SelectorTemplate, predicates: SpanPredicate[], values: readonly string[]) {
    this.#template = template;
    this.#predicates = predicates;
    this.#values = values;
  }

  get source(): string {
    return (this.#source ??= this.#template.textFor(this.#values));
  }

  select(trace: Trace): readonly Span[] {
    if (this.#lastTrace !== trace) {
      this.#lastSpans = this.#template.using(this.#predicates, this.#values).select(this.#template.candidates(trace));
      this.#lastTrace = trace;
    }
    return this.#lastSpans;
  }

  has(_trace: Trace, span: Span): boolean {
    return this.#template.using(this.#predicates, this.#values).matches(span);
  }

  explain(spans: readonly Span[], trace: Trace, limit: number): NearMiss[] {
    return explainMiss(this.#template.astWith(this.#template.boundTree(this.#values)), spans, trace, limit);
  }
}

import type { Span } from '../../model/index.ts';
import type { FieldRef, SelectorAst } from '../../language/index.ts';
import { ATTRIBUTE_SCOPES, INTRINSIC_FIELDS, type FixedJsType } from '../../language/index.ts';
import type { Accelerators } from './accelerators.ts';
import { literalValue, membershipSource, OPERATORS, type SourceContext } from './operators.ts';
import { compileCondition, type LeafOverrides } from './reference.ts';
import { NO_SPANS, type SpanFilter, type SpanPredicate } from './selector-types.ts';

/**
 * Accelerators of conditions (selectors without structural operators): generated code, resource memos, operand
 * order by cost, and tiering from closures to generated code. Each answers exactly what the reference
 * (./reference.ts) answers; the generated code takes every field's read and every operator's test from their
 * tables (src/language/selector-fields.ts, ./operators.ts) in source form.
 */

/** Source reading one attribute of a map; keys that name `Object.prototype` members must not find the prototype's. */
export function mapRead(map: string, key: string): string {
  const k = JSON.stringify(key);
  return key in Object.prototype ? `(Object.hasOwn(${map}, ${k}) ? ${map}[${k}] : undefined)` : `${map}[${k}]`;
}

/**
 * Source reading a field of `span`, from the tables, and what is known of its value: `always` present, and its
 * JavaScript type when fixed. Fields of events and links answer `undefined`: generated code calls their closure.
 */
function fieldSource(field: FieldRef): { read: string; always: boolean; jsType: FixedJsType | undefined } | undefined {
  if (field.type === 'intrinsic') {
    const definition = INTRINSIC_FIELDS[field.name];
    if (definition.per !== 'span') return undefined;
    return { read: definition.source, always: !definition.optional, jsType: 'jsType' in definition ? definition.jsType : undefined };
  }
  const scope = ATTRIBUTE_SCOPES[field.scope];
  if (scope.per !== 'span') return undefined;
  const own = mapRead(scope.source, field.key);
  // Not `??`: an attribute holding an empty AnyValue (null) is present and hides the fallback's.
  const read = scope.fallback === undefined ? own : `(${own} !== undefined ? ${own} : ${mapRead(scope.fallback.source, field.key)})`;
  return { read, always: false, jsType: undefined };
}

/** How many resource verdicts generated code keeps in variables: more than the services of a typical trace. */
const RESOURCE_MEMO_SLOTS = 8;

/**
 * Source that remembers a verdict per object in generated code (a span's resource or scope, shared by many spans):
 * the last {@link RESOURCE_MEMO_SLOTS} objects and their verdicts in variables of the generated scope, tested by
 * pointer (no hashing), refilled round-robin by a miss function. `judge` is statements that set `const verdict`
 * (a boolean) for the object `o`. Used by selectors and by the condition scans of expectations.
 */
export function objectMemoSource(name: string, judge: string): { readonly declarations: string; lookup(object: string): string } {
  const slots = Array.from({ length: RESOURCE_MEMO_SLOTS }, (_, i) => i);
  const declarations = `let ${slots.map((i) => `${name}o${i} = null, ${name}v${i} = false`).join(', ')}, ${name}next = 0;
    function ${name}miss(o) {
      ${judge}
      switch (${name}next) { ${slots.map((i) => `case ${i}: ${name}o${i} = o; ${name}v${i} = verdict; break;`).join(' ')} }
      ${name}next = (${name}next + 1) % ${RESOURCE_MEMO_SLOTS};
      return verdict;
    }`;
  return {
    declarations,
    lookup: (object) => `(${slots.map((i) => `${object} === ${name}o${i} ? ${name}v${i} : `).join('')}${name}miss(${object}))`,
  };
}

/** Whether a condition reads nothing but the span's resource (the tables say which fields and scopes do). */
export function readsOnlyResource(ast: SelectorAst): boolean {
  if (ast.type !== 'comparison' && ast.type !== 'membership' && ast.type !== 'exists') return false;
  const field = ast.field;
  const definition = field.type === 'intrinsic' ? INTRINSIC_FIELDS[field.name] : ATTRIBUTE_SCOPES[field.scope];
  return 'readsOnlyResource' in definition && definition.readsOnlyResource === true;
}

/** A rough cost of judging a condition, from the tables, to order the operands of `&&` and `||`. */
function costOf(ast: SelectorAst): number {
  switch (ast.type) {
    case 'group':
      return costOf(ast.inner);
    case 'not':
      return costOf(ast.operand);
    case 'and':
    case 'or':
      return ast.operands.reduce((sum, operand) => sum + costOf(operand), 0);
    case 'all':
      return 0;
    case 'structural':
      return 100;
    default: {
      const field = ast.field;
      let cost = field.type === 'intrinsic' ? INTRINSIC_FIELDS[field.name].cost : ATTRIBUTE_SCOPES[field.scope].cost;
      if (ast.type === 'comparison' && (ast.op === '=~' || ast.op === '!~' || ast.op === 'contains')) cost += 3;
      if (ast.type === 'membership') cost += 1;
      return cost;
    }
  }
}

/** Operands cheapest first; equal costs keep their written order. Conditions have no side effects, so order is free. */
function byCost(operands: readonly SelectorAst[]): SelectorAst[] {
  return operands
    .map((operand, index) => ({ operand, index, cost: costOf(operand) }))
    .sort((a, b) => a.cost - b.cost || a.index - b.index)
    .map((entry) => entry.operand);
}

/**
 * Builds one JavaScript function per selector (the approach of ajv and fast-json-stringify): the hot loop then
 * runs straight-line property reads and comparisons that V8 inlines, instead of three closure calls per condition.
 * Literals are written into the source; regexes, sets and closures are passed in as constants. Only text the
 * parser produced and the tables' source forms reach the source, and every string goes through JSON.stringify.
 */
class PredicateSource {
  readonly constants: unknown[] = [];
  /** Declarations and helper functions for the generated scope, shared by `matches`, `select` and `mask`. */
  readonly preamble: string[] = [];
  private temps = 0;
  private memos = 0;
  private readonly overrides: LeafOverrides | undefined;
  private readonly useMemos: boolean;

  constructor(overrides: LeafOverrides | undefined, useMemos: boolean) {
    this.overrides = overrides;
    this.useMemos = useMemos;
  }

  readonly constant = (value: unknown): string => {
    this.constants.push(value);
    return `c[${this.constants.length - 1}]`;
  };

  get tempCount(): number {
    return this.temps;
  }

  /**
   * A condition that reads only the resource (`service`, `resource.x`) is judged once per resource object: the
   * model shares one object per `ResourceSpans`, so a trace's spans carry a handful of resources, one per
   * service and export (see {@link objectMemoSource}); a WeakMap behind the generated memo holds the verdicts of
   * every resource seen, without keeping resources alive.
   */
  private resourceMemo(ast: SelectorAst): string {
    const reference = compileCondition(ast);
    const verdicts = new WeakMap<object, boolean>();
    const judge = (resource: Span['resource']): boolean => {
      let verdict = verdicts.get(resource);
      if (verdict === undefined) {
        verdict = reference({ resource } as Span);
        verdicts.set(resource, verdict);
      }
      return verdict;
    };
    this.memos += 1;
    const memo = objectMemoSource(`m${this.memos}`, `const verdict = ${this.constant(judge)}(o);`);
    this.preamble.push(memo.declarations);
    return memo.lookup('span.resource');
  }

  expression(ast: SelectorAst): string {
    const override = this.overrides?.get(ast);
    // Before the resource memo too: an overridden condition's verdict changes when its predicate is swapped.
    if (override !== undefined) return `${this.constant(override)}(span)`;
    switch (ast.type) {
      case 'group':
        return this.expression(ast.inner);
      case 'all':
        return 'true';
      case 'not':
        return `!(${this.expression(ast.operand)})`;
      case 'and':
        return `(${byCost(ast.operands).map((operand) => this.expression(operand)).join(' && ')})`;
      case 'or':
        return `(${byCost(ast.operands).map((operand) => this.expression(operand)).join(' || ')})`;
      case 'structural':
        throw new Error('compileSpanFilter: structural selectors need a trace');
      default:
        if (this.useMemos && readsOnlyResource(ast)) return this.resourceMemo(ast);
        return this.leaf(ast) ?? `${this.constant(compileCondition(ast))}(span)`;
    }
  }

  /** Inline source for a condition, or `undefined` to call its reference closure. */
  private leaf(ast: Extract<SelectorAst, { type: 'comparison' | 'membership' | 'exists' | 'flag' }>): string | undefined {
    const field = fieldSource(ast.field);
    if (field === undefined) return undefined;
    if (ast.type === 'exists') return field.always ? 'true' : `(${field.read} !== undefined)`;
    if (ast.type === 'comparison' && ast.value.type === 'nil') return ast.op === '=' ? `(${field.read} === undefined)` : `(${field.read} !== undefined)`;
    this.temps += 1;
    const v = field.always ? field.read : `v${this.temps}`;
    const context: SourceContext = { v, jsType: field.jsType, constant: this.constant };
    let test: string | undefined;
    if (ast.type === 'flag') test = `${v} === true`;
    else if (ast.type === 'membership') {
      test = membershipSource(
        ast.values.map((literal) => literalValue(literal, ast.field)),
        ast.negated,
        context,
      );
    } else test = OPERATORS[ast.op].source(literalValue(ast.value, ast.field), context);
    if (test === undefined) return undefined;
    // `(v = read) !== undefined && test`: read once, and a condition on an absent field is false.
    return field.always ? test : `((${v} = ${field.read}) !== undefined && ${test})`;
  }
}

/** Compiles a condition (no structural operators) into a {@link SpanFilter} of generated code; `memos` judges resource conditions once per resource. */
export function compileSpanFilter(ast: SelectorAst, overrides?: LeafOverrides, memos = true): SpanFilter {
  const source = new PredicateSource(overrides, memos);
  const body = source.expression(ast);
  const temps = Array.from({ length: source.tempCount }, (_, i) => `v${i + 1}`);
  const locals = temps.length > 0 ? `let ${temps.join(', ')};` : '';
  const code = `
    ${source.preamble.join('\n')}
    function matches(span) { ${locals} return ${body}; }
    const picked = [];
    function select(spans) {
      ${locals}
      let n = 0;
      for (let i = 0; i < spans.length; i++) { const span = spans[i]; if (${body}) picked[n++] = span; }
      return n === spans.length ? spans : n === 0 ? none : picked.slice(0, n);
    }
    function mask(spans, into) {
      ${locals}
      const out = into === undefined ? new Uint8Array(spans.length) : into;
      for (let i = 0; i < spans.length; i++) { const span = spans[i]; if (${body}) out[i] = 1; }
      return out;
    }
    return { matches, select, mask };`;
  return new Function('c', 'none', code)(source.constants, NO_SPANS) as SpanFilter;
}

/** A {@link SpanFilter} of the reference's closures: a loop calling the predicate. */
export function closureFilter(predicate: SpanPredicate): SpanFilter {
  return {
    matches: predicate,
    select(spans) {
      const out: Span[] = [];
      for (const span of spans) if (predicate(span)) out.push(span);
      return out.length === spans.length ? spans : out.length === 0 ? NO_SPANS : out;
    },
    mask(spans, into) {
      const out = into ?? new Uint8Array(spans.length);
      for (let i = 0; i < spans.length; i++) if (predicate(spans[i] as Span)) out[i] = 1;
      return out;
    },
  };
}

/**
 * How many spans a condition judges through closures before its generated code is worth compiling: about where
 * the closures' extra cost per span (tens of nanoseconds) adds up to the tens of microseconds generating costs.
 * Selectors that look only at a span group reach it after a few traces, not after a few hundred.
 */
export const GENERATE_CODE_AFTER_SPANS = 512;

/**
 * A run at least this large is judged with generated code from the start: its selectors and scans would mostly
 * reach {@link GENERATE_CODE_AFTER_SPANS} anyway, and the closures they ran first were more code for V8 to warm up.
 * In bench/evaluate.ts (100k spans) skipping the closure tier took the cold first evaluation from about 330 to
 * 290 ms of main-thread CPU and the warm one from 86 to 80 ms; below this size a one-off selector still never pays
 * for generated code it would hardly use.
 */
export const GENERATE_AT_ONCE_SPANS = 16 * GENERATE_CODE_AFTER_SPANS;

/**
 * The accelerators to compile with for a run whose size is known before judging (`evaluateSpecsNow`): `tiering`
 * off when the run has {@link GENERATE_AT_ONCE_SPANS} spans or more, else as asked. No verdict changes.
 */
export function acceleratorsForRunOf(accelerators: Accelerators, spanCount: number): Accelerators {
  return accelerators.tiering && spanCount >= GENERATE_AT_ONCE_SPANS ? Object.freeze({ ...accelerators, tiering: false }) : accelerators;
}

/**
 * Counts the spans a compiled condition judges and generates its code once they reach `afterSpans`: the returned
 * function is told how many spans a call is about to judge and answers the generated code, or undefined while the
 * closures should still do the work.
 */
export function generateAfter<T>(generate: () => T, afterSpans: number = GENERATE_CODE_AFTER_SPANS): (spans: number) => T | undefined {
  let generated: T | undefined;
  let judged = 0;
  return (spans) => {
    if (generated === undefined) {
      judged += spans;
      if (judged >= afterSpans) generated = generate();
    }
    return generated;
  };
}

/**
 * A condition compiled with the accelerators asked for: the reference's closures when `codegen` is off; generated
 * code at once when `tiering` is off; else closures until {@link GENERATE_CODE_AFTER_SPANS} spans were judged, then
 * generated code. Generating costs tens of microseconds, which a selector run over a large run repays many times
 * and a one-off selector (a small test's run) never does.
 */
export function compileFilter(ast: SelectorAst, accelerators: Accelerators, overrides?: LeafOverrides, generateAfterSpans = GENERATE_CODE_AFTER_SPANS): SpanFilter {
  const closures = closureFilter(compileCondition(ast, overrides));
  if (!accelerators.codegen) return closures;
  const generate = (): SpanFilter => compileSpanFilter(ast, overrides, accelerators.memos);
  if (!accelerators.tiering) return generate();
  const tier = generateAfter(generate, generateAfterSpans);
  return {
    matches: (span) => (tier(1) ?? closures).matches(span),
    select: (spans) => (tier(spans.length) ?? closures).select(spans),
    mask: (spans, into) => (tier(spans.length) ?? closures).mask(spans, into),
  };
}

import type { SourcePosition } from '../errors.ts';
import { err, ok, type Result } from '../result.ts';
import { findReferences, interpolate, interpolateSelector, parseCount, parseDuration, RULE_PACKS, specExpectations } from '../language/index.ts';
import type {
  BudgetExpectation,
  CountRange,
  Expectation,
  NoErrorsExpectation,
  OrderExpectation,
  PropagatesExpectation,
  SequenceExpectation,
  ShapeExpectation,
  SpansExpectation,
  SpecDefinition,
  SpecScalar,
} from '../language/index.ts';
import { BUDGET_LIMIT_KEYS, EXPECTATION_KINDS, type ExpectationKind } from '../language/index.ts';
import { budgetIsOverTraces, compileBudgetExpectation } from './expectations/budget.ts';
import { compileCompleteExpectation } from './expectations/complete.ts';
import { compileConnectedExpectation } from './expectations/connected.ts';
import { compileNoErrorsExpectation } from './expectations/no-errors.ts';
import { compileOrderExpectation, compileSequenceExpectation } from './expectations/order.ts';
import { compilePropagatesExpectation } from './expectations/propagates.ts';
import { compileShapeExpectation } from './expectations/shape.ts';
import { compileSpansExpectation, prepareSpansExpectation, spansCountRange } from './expectations/spans.ts';
import type { Judge } from './judge.ts';
import type { SelectorCache, SelectorHandle } from './selector-cache.ts';
import { SelectorTemplate } from './selector-template.ts';

/**
 * A spec loaded from a file (see `loadSpecFiles` in src/language): the definition plus where it was written.
 * The engine reads it structurally, so specs built in code and specs from files are judged alike.
 */
export interface LoadedSpecLike {
  readonly definition: SpecDefinition;
  readonly file: string;
  readonly source: SourcePosition;
  /** Position of a path inside the spec, e.g. `['expect', 2]`. */
  positionOf(path: readonly (string | number)[]): SourcePosition | undefined;
}

/** A spec as the engine accepts it: a plain definition, or one loaded from a file. */
export type SpecInput = SpecDefinition | LoadedSpecLike;

/** One expectation, compiled; `${var:NAME}` expectations compile per unit, once per distinct substitution. */
export interface CompiledExpectation {
  readonly kind: ExpectationKind | 'invalid';
  readonly name: string;
  readonly scope: 'trace' | 'run';
  /**
   * Whether the expectation can only be judged once the run has settled: absence, counts with a maximum,
   * budgets, `noErrors`, `connected` (more spans could still break them). Positive expectations hold the
   * moment the spans that satisfy them arrive.
   */
  readonly needsSettled: boolean;
  readonly source: SourcePosition | undefined;
  /** `warn`: a failure is reported but does not fail the spec. */
  readonly severity: 'error' | 'warn';
  judgeFor(vars: ReadonlyMap<string, SpecScalar>): Result<Judge, string>;
}

/** A spec, compiled once, judged many times. */
export interface CompiledSpec {
  readonly name: string;
  readonly file: string | undefined;
  readonly source: SourcePosition | undefined;
  /** From the spec's `timeout`; `undefined` when it has none. */
  readonly timeoutMillis: number | undefined;
  readonly traceRoot: string | undefined;
  readonly traceWhere: string | undefined;
  readonly traceCount: Result<CountRange, string>;
  /** Problems with the spec itself (bad timeout, bad vars), reported as a failed `traces` result. */
  readonly problems: readonly string[];
  readonly vars: ReadonlyMap<string, SpecScalar>;
  readonly expectations: readonly CompiledExpectation[];
}

/** Where `${env:NAME}` values come from. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** Which kind an expectation is, by its naming key; an error when none or several are present. */
export function kindOf(expectation: Expectation): Result<ExpectationKind, string> {
  const present = EXPECTATION_KINDS.filter((k) => Object.hasOwn(expectation, k));
  if (present.length === 1) return ok(present[0] as ExpectationKind);
  if (present.length === 0) return err(`an expectation needs one of ${EXPECTATION_KINDS.join(', ')}`);
  return err(`an expectation has one kind, but this one has ${present.join(' and ')}`);
}

function defaultName(kind: ExpectationKind, e: Expectation): string {
  switch (kind) {
    case 'spans': {
      const s = e as SpansExpectation;
      return s.count === 'none' || s.count === 0 ? `no spans ${s.spans}` : `spans ${s.spans}`;
    }
    case 'order':
      return `order ${(e as OrderExpectation).order.first} → ${(e as OrderExpectation).order.then}`;
    case 'sequence':
      return `sequence ${(e as SequenceExpectation).sequence.join(' → ')}`;
    case 'budget': {
      const b = (e as BudgetExpectation).budget;
      const limits = BUDGET_LIMIT_KEYS.filter((l) => b[l] !== undefined).map((l) => `${l} ${String(b[l])}`);
      return `budget ${budgetIsOverTraces(e as BudgetExpectation) ? 'traces' : (b.spans ?? 'spans')} ${limits.join(', ')}`;
    }
    case 'noErrors': {
      const n = (e as NoErrorsExpectation).noErrors;
      return n === true ? 'no errors' : `no errors in ${n}`;
    }
    case 'connected':
      return 'trace is connected';
    case 'complete':
      return 'trace is complete';
    case 'propagates':
      return `context propagates ${(e as PropagatesExpectation).propagates.from} → ${(e as PropagatesExpectation).propagates.to}`;
    case 'shape':
      return `${(e as ShapeExpectation).mode ?? 'exact'} shape of ${(e as ShapeExpectation).shape.name}`;
  }
}

function needsSettled(kind: ExpectationKind, e: Expectation): boolean {
  switch (kind) {
    case 'spans': {
      const range = spansCountRange(e as SpansExpectation);
      // More spans can only add distinct values: a bound on them, like a maximum count, waits for the settled run.
      return (range.ok && range.value.max !== Infinity) || (e as SpansExpectation).distinct !== undefined;
    }
    case 'budget':
    case 'noErrors':
    case 'connected':
    case 'complete':
    case 'shape':
      return true;
    default:
      return false;
  }
}

function compileKind(kind: ExpectationKind, e: Expectation, selectors: SelectorCache): Result<Judge, string> {
  switch (kind) {
    case 'spans':
      return compileSpansExpectation(e as SpansExpectation, selectors);
    case 'order':
      return compileOrderExpectation(e as OrderExpectation, selectors);
    case 'sequence':
      return compileSequenceExpectation(e as SequenceExpectation, selectors);
    case 'budget':
      return compileBudgetExpectation(e as BudgetExpectation, selectors);
    case 'noErrors':
      return compileNoErrorsExpectation(e as NoErrorsExpectation, selectors);
    case 'connected':
      return compileConnectedExpectation();
    case 'complete':
      return compileCompleteExpectation();
    case 'propagates':
      return compilePropagatesExpectation(e as PropagatesExpectation, selectors);
    case 'shape':
      return compileShapeExpectation(e as ShapeExpectation);
  }
}

/** Whether the string at `path` of an expectation is a selector (the keys validate checks with checkSelector). */
function isSelectorPath(path: readonly (string | number)[]): boolean {
  const [key, inner, innermost] = path;
  switch (key) {
    case 'spans':
    case 'noErrors':
      return path.length === 1;
    case 'sequence':
      return path.length === 2;
    case 'order':
      return path.length === 2 && (inner === 'first' || inner === 'then');
    case 'propagates':
      return path.length === 2 && (inner === 'from' || inner === 'to');
    case 'budget':
      return path.length === 2 && inner === 'spans';
    case 'links':
      return path.length === 3 && innermost === 'to';
    default:
      return false;
  }
}

/**
 * Substitutes `${env:..}` and `${var:..}` in every string of an expectation (keys stay as written); in its
 * selectors, a reference inside a quoted string stands for its value (see interpolateSelector).
 * Fails listing the unknown names.
 */
function interpolateDeep(value: unknown, env: EnvSource, vars: ReadonlyMap<string, SpecScalar>): Result<unknown, { message: string; onlyVars: boolean }> {
  const problems: string[] = [];
  let onlyVars = true;
  const walk = (v: unknown, path: readonly (string | number)[]): unknown => {
    if (typeof v === 'string') {
      const r = isSelectorPath(path) ? interpolateSelector(v, { env, vars }) : interpolate(v, { env, vars });
      if (r.ok) return r.value;
      problems.push(r.error.message);
      if (r.error.malformed.length > 0 || r.error.unknown.some((u) => u.kind === 'env')) onlyVars = false;
      return v;
    }
    if (Array.isArray(v)) return v.map((inner, i) => walk(inner, [...path, i]));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(v)) out[k] = walk(inner, [...path, k]);
      return out;
    }
    return v;
  };
  const out = walk(value, []);
  return problems.length === 0 ? ok(out) : err({ message: [...new Set(problems)].join('; '), onlyVars });
}

/**
 * A spec that names its traces (`traces:`) is about each of them, so its expectations hold per trace; a spec that
 * does not is about the run as a whole (a test's traces, linked consumer traces and all), so they hold over the
 * run. Budgets over whole traces compare traces with each other and are always judged over the run.
 */
function defaultScope(kind: string | undefined, e: Expectation, selectsTraces: boolean): 'trace' | 'run' {
  if (!selectsTraces) return 'run';
  return kind === 'budget' && budgetIsOverTraces(e as BudgetExpectation) ? 'run' : 'trace';
}

function compileExpectation(e: Expectation, env: EnvSource, specVars: ReadonlyMap<string, SpecScalar>, selectors: SelectorCache, source: SourcePosition | undefined, selectsTraces: boolean): CompiledExpectation {
  const kind = kindOf(e);
  const scope = e.scope ?? defaultScope(kind.ok ? kind.value : undefined, e, selectsTraces);
  if (!kind.ok) {
    const failure = err(kind.error);
    return { kind: 'invalid', name: e.name ?? 'invalid expectation', scope, needsSettled: false, source, severity: 'error', judgeFor: () => failure };
  }
  const name = e.name ?? defaultName(kind.value, e);
  const base = { kind: kind.value, name, scope, needsSettled: needsSettled(kind.value, e), source, severity: e.severity ?? 'error' };
  const once = interpolateDeep(e, env, specVars);
  if (once.ok) {
    const compiled = compileKind(kind.value, once.value as Expectation, selectors);
    return { ...base, judgeFor: () => compiled };
  }
  if (!once.error.onlyVars) {
    const failure = err(once.error.message);
    return { ...base, judgeFor: () => failure };
  }
  const variant = variantCompiler(kind.value, e, env, specVars, selectors);
  if (variant.remembers) return { ...base, judgeFor: variant.compile };
  // Captured variables differ per trace: compile once per distinct combination of the values it uses,
  // keyed by those values alone so that a repeat costs a map lookup, not a substitution.
  const names = referencedVars(e);
  const byValues = new Map<string, Result<Judge, string>>();
  return {
    ...base,
    judgeFor(vars) {
      let key = '';
      for (const name of names) {
        const value = vars.get(name);
        key += value === undefined ? '\u0000u' : `\u0000${typeof value}:${String(value)}`;
      }
      let compiled = byValues.get(key);
      if (compiled === undefined) {
        compiled = variant.compile(vars);
        byValues.set(key, compiled);
      }
      return compiled;
    },
  };
}

const UNKNOWN_VAR_HINT = "(define it in the spec's vars or capture it in an earlier expectation)";

/**
 * How an expectation with `${var:..}` compiles for one set of values. A `spans` expectation whose variables appear
 * only in its selector (looking up a captured id, the usual case) compiles its conditions once; each set of values
 * then costs a binding of the selector's template (see selector-template.ts), or a selector when the references
 * are not all inside quoted strings. Any other compiles whole, with every string substituted.
 */
function variantCompiler(
  kind: ExpectationKind,
  e: Expectation,
  env: EnvSource,
  specVars: ReadonlyMap<string, SpecScalar>,
  selectors: SelectorCache,
): { readonly compile: (vars: ReadonlyMap<string, SpecScalar>) => Result<Judge, string>; readonly remembers: boolean } {
  if (kind === 'spans') {
    const { spans: selector, ...rest } = e as SpansExpectation;
    const fixed = referencedVars(rest).length === 0 ? interpolateDeep(rest, env, specVars) : undefined;
    if (fixed?.ok === true) {
      const complete = prepareSpansExpectation(fixed.value as Omit<SpansExpectation, 'spans'>, selectors);
      const template = SelectorTemplate.of(selector, env, selectors.accelerators);
      if (template !== undefined) {
        // The template remembers its last binding; the judge made for it is remembered here.
        let last: { handle: SelectorHandle; judge: Result<Judge, string> } | undefined;
        const compile = (vars: ReadonlyMap<string, SpecScalar>): Result<Judge, string> => {
          const bound = template.bind(vars);
          if (!bound.ok) return err(`${bound.error} ${UNKNOWN_VAR_HINT}`);
          if (last?.handle !== bound.value) last = { handle: bound.value, judge: complete(bound.value) };
          return last.judge;
        };
        return { compile, remembers: true };
      }
      const compile = (vars: ReadonlyMap<string, SpecScalar>): Result<Judge, string> => {
        const filled = interpolateSelector(selector, { env, vars });
        return filled.ok ? complete(filled.value) : err(`${filled.error.message} ${UNKNOWN_VAR_HINT}`);
      };
      return { compile, remembers: false };
    }
  }
  const compile = (vars: ReadonlyMap<string, SpecScalar>): Result<Judge, string> => {
    const filled = interpolateDeep(e, env, vars);
    return filled.ok ? compileKind(kind, filled.value as Expectation, selectors) : err(`${filled.error.message} ${UNKNOWN_VAR_HINT}`);
  };
  return { compile, remembers: false };
}

/** The names of every `${var:NAME}` in the strings of a value. */
function referencedVars(value: unknown): string[] {
  const names = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      for (const ref of findReferences(v).references) if (ref.kind === 'var') names.add(ref.name);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return [...names].sort();
}

/**
 * Compiles a spec once: selectors parsed and compiled (shared through `selectors`), regexes built, durations
 * and counts parsed, JSONPaths checked. Nothing throws: a problem becomes a failing result when judged.
 */
export function compileSpec(input: SpecInput, env: EnvSource, selectors: SelectorCache): CompiledSpec {
  const loaded = 'definition' in input ? input : undefined;
  const spec = loaded === undefined ? (input as SpecDefinition) : loaded.definition;
  const problems: string[] = [];
  const vars = new Map<string, SpecScalar>();
  for (const [name, value] of Object.entries(spec.vars ?? {})) {
    if (typeof value === 'string') {
      const filled = interpolate(value, { env, vars });
      if (filled.ok) vars.set(name, filled.value);
      else problems.push(`vars.${name}: ${filled.error.message}`);
    } else vars.set(name, value);
  }
  let timeoutMillis: number | undefined;
  if (spec.timeout !== undefined) {
    const parsed = parseDuration(spec.timeout);
    if (parsed.ok) timeoutMillis = Number(parsed.value / 1_000_000n);
    else problems.push(`timeout: ${parsed.error}`);
  }
  const fill = (text: string | undefined, what: string): string | undefined => {
    if (text === undefined) return undefined;
    const filled = interpolateSelector(text, { env, vars });
    if (filled.ok) return filled.value;
    problems.push(`traces.${what}: ${filled.error.message}`);
    return text;
  };
  const position = (path: readonly (string | number)[]): SourcePosition | undefined => loaded?.positionOf(path);
  const expanded = specExpectations(spec);
  for (const name of expanded.unknownPacks) problems.push(`extends: unknown rule pack "${name}" (known: ${RULE_PACKS.map((p) => p.name).join(', ')})`);
  return {
    name: spec.name,
    file: loaded?.file,
    source: loaded?.source,
    timeoutMillis,
    traceRoot: fill(spec.traces?.root, 'root'),
    traceWhere: fill(spec.traces?.where, 'where'),
    traceCount: spec.traces?.count === undefined ? ok({ min: 1, max: Infinity }) : parseCount(spec.traces.count),
    problems,
    vars,
    expectations: expanded.expectations.map(({ expectation, path }) => compileExpectation(expectation, env, vars, selectors, position(path), spec.traces !== undefined)),
  };
}

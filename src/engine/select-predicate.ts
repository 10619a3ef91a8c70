import type { AttributeMap, AttributeValue, Span } from '../model/index.ts';
import { specRegex } from '../language/index.ts';
import type { ComparisonNode, FieldRef, Literal, MembershipNode, SelectorAst } from '../language/index.ts';

/** Whether one span satisfies a condition. Compiled once per selector; calls allocate nothing for plain values. */
export type SpanPredicate = (span: Span) => boolean;

/** Tests a present value (never `undefined`). */
type ValueTest = (value: AttributeValue) => boolean;

/** Reads a field of a span; `undefined` means absent. */
type FieldReader = (span: Span) => AttributeValue | undefined;

/** A field whose value is judged per span (`single`) or per event, true when any event holds (`events`). */
type FieldAccess =
  | { readonly kind: 'single'; readonly read: FieldReader }
  | { readonly kind: 'events'; readonly read: (event: Span['events'][number]) => AttributeValue | undefined }
  | { readonly kind: 'links'; readonly read: (link: Span['links'][number]) => AttributeValue | undefined };

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId', 'link.traceId', 'link.spanId']);

/** Reads `key` of an attribute map. Keys that name `Object.prototype` members must not find the prototype's. */
function attributeReader(key: string): (map: AttributeMap) => AttributeValue | undefined {
  if (key in Object.prototype) return (map) => (Object.hasOwn(map, key) ? map[key] : undefined);
  return (map) => map[key];
}

function fieldAccess(field: FieldRef): FieldAccess {
  if (field.type === 'attribute') {
    const get = attributeReader(field.key);
    switch (field.scope) {
      case 'span':
        return { kind: 'single', read: (span) => get(span.attributes) };
      case 'resource':
        return { kind: 'single', read: (span) => get(span.resource.attributes) };
      case 'scope':
        return { kind: 'single', read: (span) => get(span.scope.attributes) };
      case 'event':
        return { kind: 'events', read: (event) => get(event.attributes) };
      case 'link':
        return { kind: 'links', read: (link) => get(link.attributes) };
      case 'any':
        return {
          kind: 'single',
          read: (span) => {
            const own = get(span.attributes);
            return own === undefined ? get(span.resource.attributes) : own;
          },
        };
    }
  }
  switch (field.name) {
    case 'name':
      return { kind: 'single', read: (span) => span.name };
    case 'kind':
      return { kind: 'single', read: (span) => span.kind };
    case 'status':
      return { kind: 'single', read: (span) => span.status.code };
    case 'statusMessage':
      return { kind: 'single', read: (span) => span.status.message };
    case 'duration':
      return {
        kind: 'single',
        read: (span) => (span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n),
      };
    case 'service': {
      const get = attributeReader('service.name');
      return { kind: 'single', read: (span) => get(span.resource.attributes) };
    }
    case 'scope':
      return { kind: 'single', read: (span) => span.scope.name };
    case 'scope.version':
      return { kind: 'single', read: (span) => span.scope.version };
    case 'traceId':
      return { kind: 'single', read: (span) => span.traceId };
    case 'spanId':
      return { kind: 'single', read: (span) => span.spanId };
    case 'parentSpanId':
      return { kind: 'single', read: (span) => span.parentSpanId };
    case 'root':
      return { kind: 'single', read: (span) => span.parentSpanId === undefined };
    case 'event.name':
      return { kind: 'events', read: (event) => event.name };
    case 'link.traceId':
      return { kind: 'links', read: (link) => link.traceId };
    case 'link.spanId':
      return { kind: 'links', read: (link) => link.spanId };
  }
}

function isNumeric(value: AttributeValue): value is number | bigint {
  return typeof value === 'number' || typeof value === 'bigint';
}

/** The literal as the value it compares with: ints, durations (nanoseconds), kinds and statuses are numbers or bigints. */
function literalValue(literal: Literal, field: FieldRef): string | number | bigint | boolean | null {
  switch (literal.type) {
    case 'string':
      // Ids are stored as lower-case hex; a spec may write them in either case.
      return field.type === 'intrinsic' && ID_FIELDS.has(field.name) ? literal.value.toLowerCase() : literal.value;
    case 'int':
    case 'double':
    case 'kind':
    case 'status':
      return literal.value;
    case 'duration':
      return literal.nanos;
    case 'bool':
      return literal.value;
    case 'nil':
      return null;
  }
}

/** Equality with a literal: numbers compare numerically across int64 (bigint) and double; otherwise same type and value. */
function equalityTest(expected: string | number | bigint | boolean | null): ValueTest {
  if (typeof expected === 'number' || typeof expected === 'bigint') {
    // `==` between bigint and number compares mathematical values exactly (5n == 5, 2n**60n != 2**60 + 1).
    return (value) => isNumeric(value) && value == expected;
  }
  return (value) => value === expected;
}

/**
 * The text regular expressions and `contains` read: strings as they are, ints, doubles and booleans as `String`
 * writes them (`200`, `2.5`, `true`); structured values have none (docs/selectors.md, Values).
 */
function textOf(value: AttributeValue): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return undefined;
}

function comparisonTest(node: ComparisonNode): ValueTest {
  const expected = literalValue(node.value, node.field);
  switch (node.op) {
    case '=':
      return equalityTest(expected);
    case '!=': {
      const equal = equalityTest(expected);
      return (value) => !equal(value);
    }
    case '=~':
    case '!~': {
      const pattern = specRegex(String(expected));
      const wanted = node.op === '=~';
      return (value) => {
        const subject = textOf(value);
        return subject !== undefined && pattern.test(subject) === wanted;
      };
    }
    case 'contains': {
      const equal = equalityTest(expected);
      if (typeof expected === 'string') {
        return (value) => {
          if (Array.isArray(value)) return value.some(equal);
          const text = textOf(value);
          return text !== undefined && text.includes(expected);
        };
      }
      // Only arrays hold elements; the callback is the precompiled test, so no closure is made per span.
      return (value) => Array.isArray(value) && value.some(equal);
    }
    case '<':
    case '<=':
    case '>':
    case '>=': {
      if (typeof expected === 'string') {
        switch (node.op) {
          case '<':
            return (value) => typeof value === 'string' && value < expected;
          case '<=':
            return (value) => typeof value === 'string' && value <= expected;
          case '>':
            return (value) => typeof value === 'string' && value > expected;
          case '>=':
            return (value) => typeof value === 'string' && value >= expected;
        }
      }
      const limit = expected as number | bigint;
      // Relational operators between bigint and number are exact in JavaScript; NaN compares false.
      switch (node.op) {
        case '<':
          return (value) => isNumeric(value) && value < limit;
        case '<=':
          return (value) => isNumeric(value) && value <= limit;
        case '>':
          return (value) => isNumeric(value) && value > limit;
        case '>=':
          return (value) => isNumeric(value) && value >= limit;
      }
    }
  }
}

function membershipTest(node: MembershipNode): ValueTest {
  const expected = node.values.map((literal) => literalValue(literal, node.field));
  let test: ValueTest;
  if (expected.every((value) => typeof value === 'string')) {
    const set = new Set<unknown>(expected);
    test = (value) => typeof value === 'string' && set.has(value);
  } else {
    const tests = expected.map(equalityTest);
    test = (value) => {
      for (const equal of tests) if (equal(value)) return true;
      return false;
    };
  }
  return node.negated ? (value) => !test(value) : test;
}

/** A predicate true when the field is present and `test` holds (for event fields: for some event). */
function presentAnd(access: FieldAccess, test: ValueTest): SpanPredicate {
  if (access.kind === 'single') {
    const read = access.read;
    return (span) => {
      const value = read(span);
      return value !== undefined && test(value);
    };
  }
  if (access.kind === 'links') {
    const read = access.read;
    return (span) => {
      for (const link of span.links) {
        const value = read(link);
        if (value !== undefined && test(value)) return true;
      }
      return false;
    };
  }
  const read = access.read;
  return (span) => {
    for (const event of span.events) {
      const value = read(event);
      if (value !== undefined && test(value)) return true;
    }
    return false;
  };
}

const always: ValueTest = () => true;

/**
 * For a selector template's condition `field = "${var:..}"` or `field != "${var:..}"` on a field with one value: a
 * predicate that compares the field with the string `value()` answers at each call, as {@link compileClosure}
 * would with that string written in. One closure then serves every binding of the template. `undefined` for any
 * other condition, and for ids (a spec may write them in either case).
 */
export function compileParametricComparison(node: ComparisonNode, value: () => string): SpanPredicate | undefined {
  if ((node.op !== '=' && node.op !== '!=') || node.value.type !== 'string') return undefined;
  if (node.field.type === 'intrinsic' && ID_FIELDS.has(node.field.name)) return undefined;
  const access = fieldAccess(node.field);
  if (access.kind !== 'single') return undefined;
  const read = access.read;
  const equal = node.op === '=';
  return (span) => {
    const actual = read(span);
    return actual !== undefined && (actual === value()) === equal;
  };
}

/**
 * Conditions judged by a predicate of the caller's instead of being compiled from the tree: a selector template
 * (see selector-template.ts) swaps the predicates of its `${var:..}` conditions per set of values while the rest
 * stays compiled once. Keys are nodes of the tree being compiled.
 */
export type LeafOverrides = ReadonlyMap<SelectorAst, SpanPredicate>;

/**
 * Compiles a condition into a predicate made of closures: the reference semantics (the generated code of
 * {@link compilePredicate} must agree with it, and tests check that it does), and the path for conditions the
 * generated code does not inline (events, `contains`, regular expressions on attributes, long numeric lists).
 */
export function compileClosure(ast: SelectorAst, overrides?: LeafOverrides): SpanPredicate {
  const override = overrides?.get(ast);
  if (override !== undefined) return override;
  const compile = (inner: SelectorAst): SpanPredicate => compileClosure(inner, overrides);
  switch (ast.type) {
    case 'comparison': {
      const access = fieldAccess(ast.field);
      if (ast.value.type === 'nil') {
        const present = presentAnd(access, always);
        return ast.op === '=' ? (span) => !present(span) : present;
      }
      return presentAnd(access, comparisonTest(ast));
    }
    case 'membership':
      return presentAnd(fieldAccess(ast.field), membershipTest(ast));
    case 'exists':
      return presentAnd(fieldAccess(ast.field), always);
    case 'flag':
      return presentAnd(fieldAccess(ast.field), (value) => value === true);
    case 'all':
      return () => true;
    case 'group':
      return compile(ast.inner);
    case 'not': {
      const inner = compile(ast.operand);
      return (span) => !inner(span);
    }
    // Conditions have no side effects, so the cheapest operands can decide first, as in the generated code.
    case 'and': {
      const operands = byCost(ast.operands).map(compile);
      if (operands.length === 2) {
        const [a, b] = operands as [SpanPredicate, SpanPredicate];
        return (span) => a(span) && b(span);
      }
      return (span) => {
        for (const operand of operands) if (!operand(span)) return false;
        return true;
      };
    }
    case 'or': {
      const operands = byCost(ast.operands).map(compile);
      if (operands.length === 2) {
        const [a, b] = operands as [SpanPredicate, SpanPredicate];
        return (span) => a(span) || b(span);
      }
      return (span) => {
        for (const operand of operands) if (operand(span)) return true;
        return false;
      };
    }
    case 'structural':
      throw new Error('compileClosure: structural selectors need a trace; use compileSelector');
  }
}

/** JavaScript source of a literal that `===`, `==` and `<` can use directly. */
function literalSource(value: string | number | bigint | boolean | null): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
  return JSON.stringify(value);
}

/** Source reading one attribute of a map; keys that name `Object.prototype` members must not find the prototype's. */
function mapRead(map: string, key: string): string {
  const k = JSON.stringify(key);
  return key in Object.prototype ? `(Object.hasOwn(${map}, ${k}) ? ${map}[${k}] : undefined)` : `${map}[${k}]`;
}

/**
 * Source reading a field of `span`, and what is known of its value: `always` present (intrinsics but `service`
 * and `parentSpanId`), and its JavaScript `type` when fixed. Event fields return `undefined`: they need a loop.
 */
function fieldSource(field: FieldRef): { read: string; always: boolean; type?: 'string' | 'number' | 'bigint' | 'boolean' } | undefined {
  if (field.type === 'attribute') {
    switch (field.scope) {
      case 'span':
        return { read: mapRead('span.attributes', field.key), always: false };
      case 'resource':
        return { read: mapRead('span.resource.attributes', field.key), always: false };
      case 'scope':
        return { read: mapRead('span.scope.attributes', field.key), always: false };
      case 'any':
        // Not `??`: an attribute holding an empty AnyValue (null) is present and hides the resource's.
        return {
          read: `(${mapRead('span.attributes', field.key)} !== undefined ? ${mapRead('span.attributes', field.key)} : ${mapRead('span.resource.attributes', field.key)})`,
          always: false,
        };
      case 'event':
      case 'link':
        return undefined;
    }
  }
  switch (field.name) {
    case 'name':
      return { read: 'span.name', always: true, type: 'string' };
    case 'kind':
      return { read: 'span.kind', always: true, type: 'number' };
    case 'status':
      return { read: 'span.status.code', always: true, type: 'number' };
    case 'statusMessage':
      return { read: 'span.status.message', always: true, type: 'string' };
    case 'duration':
      return { read: '(span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n)', always: true, type: 'bigint' };
    case 'service':
      return { read: mapRead('span.resource.attributes', 'service.name'), always: false };
    case 'scope':
      return { read: 'span.scope.name', always: true, type: 'string' };
    case 'scope.version':
      return { read: 'span.scope.version', always: true, type: 'string' };
    case 'traceId':
      return { read: 'span.traceId', always: true, type: 'string' };
    case 'spanId':
      return { read: 'span.spanId', always: true, type: 'string' };
    case 'parentSpanId':
      return { read: 'span.parentSpanId', always: false, type: 'string' };
    case 'root':
      return { read: '(span.parentSpanId === undefined)', always: true, type: 'boolean' };
    case 'event.name':
    case 'link.traceId':
    case 'link.spanId':
      return undefined;
  }
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

/** Whether a condition reads nothing but the span's resource. */
export function readsOnlyResource(ast: SelectorAst): boolean {
  if (ast.type !== 'comparison' && ast.type !== 'membership' && ast.type !== 'exists') return false;
  const field = ast.field;
  return field.type === 'intrinsic' ? field.name === 'service' : field.scope === 'resource';
}

/** A rough cost of judging a condition, to order the operands of `&&` and `||`: intrinsics before attribute lookups before regexes and event loops. */
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
      // Resource conditions are remembered per resource object (see resourceMemo), so they cost little more than an intrinsic.
      const scopeCost = field.type === 'attribute' ? (field.scope === 'resource' ? 2 : field.scope === 'any' ? 5 : 3) : 1;
      let cost = field.type === 'intrinsic' ? (field.name === 'duration' || field.name === 'service' ? 2 : 1) : scopeCost;
      if (field.type === 'intrinsic' ? field.name.startsWith('event.') || field.name.startsWith('link.') : field.scope === 'event' || field.scope === 'link') cost += 6;
      if (ast.type === 'comparison' && (ast.op === '=~' || ast.op === '!~' || ast.op === 'contains')) cost += 3;
      if (ast.type === 'membership') cost += 1;
      return cost;
    }
  }
}

/** Operands cheapest first; equal costs keep their written order. */
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
 * parser produced reaches the source, and every string goes through JSON.stringify.
 */
class PredicateSource {
  readonly constants: unknown[] = [];
  private temps = 0;
  private readonly overrides: LeafOverrides | undefined;

  constructor(overrides?: LeafOverrides) {
    this.overrides = overrides;
  }

  private constant(value: unknown): string {
    this.constants.push(value);
    return `c[${this.constants.length - 1}]`;
  }

  /** A fresh variable name for a field value read once per span. */
  temp(): string {
    this.temps += 1;
    return `v${this.temps}`;
  }

  get tempCount(): number {
    return this.temps;
  }

  /** Declarations and helper functions for the generated scope, shared by `matches`, `select` and `mask`. */
  readonly preamble: string[] = [];
  private memos = 0;

  /**
   * A condition that reads only the resource (`service`, `resource.x`) is judged once per resource object: the
   * model shares one object per `ResourceSpans`, so a trace's spans carry a handful of resources, one per
   * service and export (see {@link objectMemoSource}); a WeakMap behind the generated memo holds the verdicts of
   * every resource seen, without keeping resources alive.
   */
  private resourceMemo(ast: SelectorAst): string {
    const reference = compileClosure(ast);
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
      // Conditions have no side effects, so the cheapest operands can decide first.
      case 'and':
        return `(${byCost(ast.operands).map((operand) => this.expression(operand)).join(' && ')})`;
      case 'or':
        return `(${byCost(ast.operands).map((operand) => this.expression(operand)).join(' || ')})`;
      default:
        if (readsOnlyResource(ast)) return this.resourceMemo(ast);
        return this.leaf(ast) ?? `${this.constant(compileClosure(ast))}(span)`;
    }
  }

  /** Inline source for a condition, or `undefined` to call its closure. */
  private leaf(ast: SelectorAst): string | undefined {
    if (ast.type !== 'comparison' && ast.type !== 'membership' && ast.type !== 'exists' && ast.type !== 'flag') return undefined;
    const field = fieldSource(ast.field);
    if (field === undefined) return undefined;
    const v = field.always ? field.read : this.temp();
    // `(v = read) !== undefined && test`: read once, and a condition on an absent field is false.
    const guard = (test: string): string => (field.always ? test : `((${v} = ${field.read}) !== undefined && ${test})`);
    if (ast.type === 'exists') return field.always ? 'true' : `(${field.read} !== undefined)`;
    if (ast.type === 'flag') return guard(`${v} === true`);
    if (ast.type === 'membership') {
      const values = ast.values.map((literal) => literalValue(literal, ast.field));
      if (values.every((value) => typeof value === 'number' || typeof value === 'bigint') && values.length <= 8 && field.type !== 'number') {
        const any = values.map((value) => `${v} == ${literalSource(value)}`).join(' || ');
        const numericValue = field.type === 'bigint' ? 'true' : `(typeof ${v} === "number" || typeof ${v} === "bigint")`;
        return guard(ast.negated ? `!(${numericValue} && (${any}))` : `${numericValue} && (${any})`);
      }
      if (!values.every((value) => typeof value === 'string') && field.type !== 'number') return guard(`${this.constant(membershipTest(ast))}(${v})`);
      // Set.has uses SameValueZero: strings match strings, and kind/status numbers match numbers.
      const set = this.constant(new Set(values));
      return guard(ast.negated ? `!${set}.has(${v})` : `${set}.has(${v})`);
    }
    const expected = literalValue(ast.value, ast.field);
    if (ast.value.type === 'nil') return ast.op === '=' ? `(${field.read} === undefined)` : `(${field.read} !== undefined)`;
    const literal = literalSource(expected);
    const numeric = typeof expected === 'number' || typeof expected === 'bigint';
    // Typed intrinsics need no type test: their value is always of the literal's type (the parser checked it).
    const numericValue = field.type === 'number' || field.type === 'bigint' ? 'true' : `(typeof ${v} === "number" || typeof ${v} === "bigint")`;
    const stringValue = field.type === 'string' ? 'true' : `typeof ${v} === "string"`;
    switch (ast.op) {
      case '=':
        return guard(numeric ? (field.type === 'number' ? `${v} === ${literal}` : `${numericValue} && ${v} == ${literal}`) : `${v} === ${literal}`);
      case '!=':
        return guard(numeric ? (field.type === 'number' ? `${v} !== ${literal}` : `!(${numericValue} && ${v} == ${literal})`) : `${v} !== ${literal}`);
      case '<':
      case '<=':
      case '>':
      case '>=':
        return guard(`${numeric ? numericValue : stringValue} && ${v} ${ast.op} ${literal}`);
      case '=~':
      case '!~':
        if (field.type !== 'string') return undefined;
        return guard(`${ast.op === '=~' ? '' : '!'}${this.constant(specRegex(String(expected)))}.test(${v})`);
      case 'contains':
        if (field.type !== 'string' || typeof expected !== 'string') return undefined;
        return guard(`${v}.includes(${literal})`);
    }
  }
}

/**
 * Compiles a selector without structural operators into a span predicate. Regexes, literal conversions and
 * lookup sets are built here, once.
 *
 * Semantics: a comparison on an absent field is false, whatever the operator (`span.x != "a"` does not match a
 * span without `span.x`; `!(span.x = "a")` does). `= nil` is true exactly when the field is absent. Fields of
 * events and links (`event.name`, `event.x`, `link.traceId`, `link.x`) hold when some event (link) of the span
 * satisfies the condition; `= nil` on them means the span has no event (link) with that field.
 */
export function compilePredicate(ast: SelectorAst): SpanPredicate {
  return compileSpanFilter(ast).matches;
}

/** The selection of nothing, shared: selections are read, never written. */
export const NO_SPANS: readonly Span[] = Object.freeze([]);

/** A condition compiled three ways, each a generated loop so the condition is inlined rather than called per span. */
export interface SpanFilter {
  readonly matches: SpanPredicate;
  /**
   * The spans that match, in the given order. Allocates nothing when none or all match (the shared empty array, or
   * `spans` itself), else an array of exactly the matches: the loop collects them in a buffer it keeps.
   */
  select(spans: readonly Span[]): readonly Span[];
  /** A membership mask (1 = matches) by position; written into `into` when given (zeroed, as long as `spans`). */
  mask(spans: readonly Span[], into?: Uint8Array): Uint8Array;
}

/** Compiles a condition (no structural operators) into a {@link SpanFilter}; see {@link compilePredicate} for semantics. */
export function compileSpanFilter(ast: SelectorAst, overrides?: LeafOverrides): SpanFilter {
  const source = new PredicateSource(overrides);
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

/**
 * How many spans a condition judges through closures before its generated code is worth compiling: about where
 * the closures' extra cost per span (tens of nanoseconds) adds up to the tens of microseconds generating costs.
 * Selectors that look only at a span group reach it after a few traces, not after a few hundred.
 */
export const GENERATE_CODE_AFTER_SPANS = 512;

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
 * A {@link SpanFilter} that starts as closures ({@link compileClosure}) and switches to generated code
 * ({@link compileSpanFilter}) once it has judged {@link GENERATE_CODE_AFTER_SPANS} spans. Generating code costs
 * tens of microseconds, which a selector run over a large run repays many times, and a one-off selector (a
 * captured value substituted per trace, a small test's run) never does; the two paths agree (tests check it).
 */
export function compileTieredFilter(ast: SelectorAst, generateAfterSpans = GENERATE_CODE_AFTER_SPANS, overrides?: LeafOverrides): SpanFilter {
  const closure = compileClosure(ast, overrides);
  const tier = generateAfter(() => compileSpanFilter(ast, overrides), generateAfterSpans);
  return {
    matches: (span) => (tier(1)?.matches ?? closure)(span),
    select(spans) {
      const fast = tier(spans.length);
      if (fast !== undefined) return fast.select(spans);
      const out: Span[] = [];
      for (const span of spans) if (closure(span)) out.push(span);
      return out;
    },
    mask(spans, into) {
      const fast = tier(spans.length);
      if (fast !== undefined) return fast.mask(spans, into);
      const out = into ?? new Uint8Array(spans.length);
      for (let i = 0; i < spans.length; i++) if (closure(spans[i] as Span)) out[i] = 1;
      return out;
    },
  };
}

/** Whether a selector uses a structural operator anywhere (and so needs the trace tree to judge a span). */
export function isStructural(ast: SelectorAst): boolean {
  switch (ast.type) {
    case 'structural':
      return true;
    case 'group':
      return isStructural(ast.inner);
    case 'not':
      return isStructural(ast.operand);
    case 'and':
    case 'or':
      return ast.operands.some(isStructural);
    default:
      return false;
  }
}

import type { AttributeMap, AttributeValue } from '../model/attribute-value.ts';
import type { Span } from '../model/span.ts';
import type { ComparisonNode, FieldRef, Literal, MembershipNode, SelectorAst } from '../spec/selector-ast.ts';

/** Whether one span satisfies a condition. Compiled once per selector; calls allocate nothing for plain values. */
export type SpanPredicate = (span: Span) => boolean;

/** Tests a present value (never `undefined`). */
type ValueTest = (value: AttributeValue) => boolean;

/** Reads a field of a span; `undefined` means absent. */
type FieldReader = (span: Span) => AttributeValue | undefined;

/** A field whose value is judged per span (`single`) or per event, true when any event holds (`events`). */
type FieldAccess =
  | { readonly kind: 'single'; readonly read: FieldReader }
  | { readonly kind: 'events'; readonly read: (event: Span['events'][number]) => AttributeValue | undefined };

const ID_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

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

/** The string form a regular expression is matched against; structured values have none. */
function regexSubject(value: AttributeValue): string | undefined {
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
      const pattern = new RegExp(String(expected), 'u');
      const wanted = node.op === '=~';
      return (value) => {
        const subject = regexSubject(value);
        return subject !== undefined && pattern.test(subject) === wanted;
      };
    }
    case 'contains': {
      const equal = equalityTest(expected);
      if (typeof expected === 'string') {
        return (value) => (typeof value === 'string' ? value.includes(expected) : Array.isArray(value) && value.some(equal));
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
 * Compiles a selector without structural operators into a span predicate. Regexes, literal conversions and
 * lookup sets are built here, once.
 *
 * Semantics: a comparison on an absent field is false, whatever the operator (`span.x != "a"` does not match a
 * span without `span.x`; `!(span.x = "a")` does). `= nil` is true exactly when the field is absent. Fields of
 * events (`event.name`, `event.x`) hold when some event of the span satisfies the condition.
 */
export function compilePredicate(ast: SelectorAst): SpanPredicate {
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
      return compilePredicate(ast.inner);
    case 'not': {
      const inner = compilePredicate(ast.operand);
      return (span) => !inner(span);
    }
    case 'and': {
      const operands = ast.operands.map(compilePredicate);
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
      const operands = ast.operands.map(compilePredicate);
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
      throw new Error('compilePredicate: structural selectors need a trace; use compileSelector');
  }
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

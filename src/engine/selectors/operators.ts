import type { AttributeValue } from '../../model/index.ts';
import type { ComparisonOperator, FieldRef, Literal } from '../../language/index.ts';
import { INTRINSIC_FIELDS, type FixedJsType } from '../../language/index.ts';
import { specRegex } from '../../language/index.ts';

/**
 * The operators of the selector language, defined once: for each, its meaning as a test of a present value (what
 * the reference implementation runs), and beside it the same meaning as JavaScript source for generated code.
 * A `source` answering `undefined` means generated code calls `test` instead. The shared selector suite holds the
 * two forms equal in every implementation.
 */

/** A literal as the value it compares with: ints, durations (nanoseconds), kinds and statuses as numbers or bigints. */
export type Expected = string | number | bigint | boolean | null;

/** Tests a present value (never `undefined`). */
export type ValueTest = (value: AttributeValue) => boolean;

/** The literal as the value it compares with. Ids are stored as lower-case hex; a spec may write them in either case. */
export function literalValue(literal: Literal, field: FieldRef): Expected {
  switch (literal.type) {
    case 'string':
      return field.type === 'intrinsic' && INTRINSIC_FIELDS[field.name].type === 'id' ? literal.value.toLowerCase() : literal.value;
    case 'int':
    case 'double':
    case 'kind':
    case 'status':
    case 'bool':
      return literal.value;
    case 'duration':
      return literal.nanos;
    case 'nil':
      return null;
  }
}

export function isNumeric(value: AttributeValue): value is number | bigint {
  return typeof value === 'number' || typeof value === 'bigint';
}

/**
 * The text regular expressions and `contains` read: strings as they are, ints, doubles and booleans as `String`
 * writes them (`200`, `2.5`, `true`); structured values have none (docs/selectors.md, Values).
 */
export function textOf(value: AttributeValue): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Equality with a literal: numbers compare numerically across int64 (bigint) and double; otherwise same type and value. */
export function equalityTest(expected: Expected): ValueTest {
  // `==` between bigint and number compares mathematical values exactly (5n == 5, 2n**60n != 2**60 + 1).
  if (typeof expected === 'number' || typeof expected === 'bigint') return (value) => isNumeric(value) && value == expected;
  return (value) => value === expected;
}

/** JavaScript source of a literal that `===`, `==` and `<` can use directly. */
export function literalSource(value: Expected): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
  return JSON.stringify(value);
}

/** What generated code knows when it writes an operator: the variable holding the value, and that value's fixed type. */
export interface SourceContext {
  /** The variable (or expression without side effects) holding the present value. */
  readonly v: string;
  /** The value's JavaScript type when the field fixes it. */
  readonly jsType: FixedJsType | undefined;
  /** Passes a value into the generated scope and answers the expression naming it. */
  readonly constant: (value: unknown) => string;
}

export interface OperatorDefinition {
  /** The meaning: a test of a present value against the literal. */
  test(expected: Expected): ValueTest;
  /** The same test as JavaScript source, or `undefined` to call `test`. */
  source(expected: Expected, context: SourceContext): string | undefined;
}

/** Source true when `v` is a number or a bigint. */
function numericSource({ v, jsType }: SourceContext): string {
  return jsType === 'number' || jsType === 'bigint' ? 'true' : `(typeof ${v} === "number" || typeof ${v} === "bigint")`;
}

/** Source of `v == expected` with the meaning of {@link equalityTest}. */
function equalSource(expected: Expected, context: SourceContext): string {
  const { v, jsType } = context;
  const literal = literalSource(expected);
  if (typeof expected !== 'number' && typeof expected !== 'bigint') return `${v} === ${literal}`;
  // Same JavaScript type on both sides: strict equality says the same as `==`, and V8 inlines it.
  if (jsType === typeof expected) return `${v} === ${literal}`;
  return `(${numericSource(context)} && ${v} == ${literal})`;
}

function ordering(op: '<' | '<=' | '>' | '>='): OperatorDefinition {
  const compare = (a: string | number | bigint, b: string | number | bigint): boolean => {
    // Relational operators between bigint and number are exact in JavaScript; NaN compares false.
    switch (op) {
      case '<':
        return a < b;
      case '<=':
        return a <= b;
      case '>':
        return a > b;
      case '>=':
        return a >= b;
    }
  };
  return {
    test(expected) {
      if (typeof expected === 'string') return (value) => typeof value === 'string' && compare(value, expected);
      const limit = expected as number | bigint;
      return (value) => isNumeric(value) && compare(value, limit);
    },
    source(expected, context) {
      const { v, jsType } = context;
      const typeTest = typeof expected === 'string' ? (jsType === 'string' ? 'true' : `typeof ${v} === "string"`) : numericSource(context);
      return `(${typeTest} && ${v} ${op} ${literalSource(expected)})`;
    },
  };
}

function regex(wanted: boolean): OperatorDefinition {
  return {
    test(expected) {
      const pattern = specRegex(String(expected));
      return (value) => {
        const subject = textOf(value);
        return subject !== undefined && pattern.test(subject) === wanted;
      };
    },
    // Values of other types are read through their text: the test does that.
    source: (expected, { v, jsType, constant }) => (jsType === 'string' ? `${wanted ? '' : '!'}${constant(specRegex(String(expected)))}.test(${v})` : undefined),
  };
}

/** The comparison operators. `= nil` and `!= nil` are not here: they test presence, before any operator runs. */
export const OPERATORS: Readonly<Record<ComparisonOperator, OperatorDefinition>> = {
  '=': { test: equalityTest, source: equalSource },
  '!=': {
    test(expected) {
      const equal = equalityTest(expected);
      return (value) => !equal(value);
    },
    source: (expected, context) => `!(${equalSource(expected, context)})`,
  },
  '<': ordering('<'),
  '<=': ordering('<='),
  '>': ordering('>'),
  '>=': ordering('>='),
  '=~': regex(true),
  '!~': regex(false),
  contains: {
    // A substring of the value's text, or an element of an array.
    test(expected) {
      const equal = equalityTest(expected);
      if (typeof expected !== 'string') return (value) => Array.isArray(value) && value.some(equal);
      return (value) => {
        if (Array.isArray(value)) return value.some(equal);
        const text = textOf(value);
        return text !== undefined && text.includes(expected);
      };
    },
    source: (expected, { v, jsType }) => (jsType === 'string' && typeof expected === 'string' ? `${v}.includes(${literalSource(expected)})` : undefined),
  },
};

/** `field in [...]` (or `not in`): equal to one of the values. */
export function membershipTest(expected: readonly Expected[], negated: boolean): ValueTest {
  const tests = expected.map(equalityTest);
  const test: ValueTest = (value) => {
    for (const equal of tests) if (equal(value)) return true;
    return false;
  };
  return negated ? (value) => !test(value) : test;
}

/** Source for {@link membershipTest}: a `Set` for strings, kinds and statuses, a chain of `==` for a few numbers. */
export function membershipSource(expected: readonly Expected[], negated: boolean, context: SourceContext): string {
  const not = negated ? '!' : '';
  if (expected.every((value) => typeof value === 'string') || (context.jsType === 'number' && expected.every((value) => typeof value === 'number'))) {
    // Set.has uses SameValueZero: strings match strings, kind and status numbers match numbers.
    return `${not}${context.constant(new Set<unknown>(expected))}.has(${context.v})`;
  }
  if (expected.length <= 8 && expected.every((value) => typeof value === 'number' || typeof value === 'bigint')) {
    return `${not}(${expected.map((value) => equalSource(value, context)).join(' || ')})`;
  }
  return `${context.constant(membershipTest(expected, negated))}(${context.v})`;
}

import { JSONPath } from 'jsonpath-plus';
import type { AttributeValue } from '../model/index.ts';
import { err, ok, type Result } from '../result.ts';
import { ATTRIBUTE_TYPE_NAMES, countInRange, describeCount, parseCount, specRegex, VALUE_MATCHER_KEYS } from '../language/index.ts';
import type { SpecScalar, ValueMatcher } from '../language/index.ts';
import { showBare, showValue, stringFormOf, typeNameOf, type MatchedValue } from './value-format.ts';
import { evaluateJsonPath, jsonDocumentOf, simplePath } from './json-path.ts';

/**
 * A {@link ValueMatcher} compiled once: regexes built, JSONPaths checked, counts parsed.
 * `test` returns `undefined` when the value matches, else why not (`expected = 200, got "200" (string)`).
 */
export interface CompiledValueMatcher {
  /** The condition as text, e.g. `= 200`, `matches /^GET /`, `type int`. */
  readonly description: string;
  test(value: MatchedValue): string | undefined;
  /**
   * For simple conditions: JavaScript source of an expression over the variable named `v` that is true only when
   * `test` would pass (it may be false where `test` passes too, e.g. for bytes equal to a string). Generated scans
   * inline it and call `test` only when it is false, so a conforming value costs no call.
   */
  readonly fastAccept?: (v: string) => string;
}

/** JavaScript source of a scalar literal for generated code, or undefined when it has no exact one. */
function literalOf(value: unknown): string | undefined {
  if (typeof value === 'string' || typeof value === 'boolean' || value === null) return JSON.stringify(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  return undefined;
}

/** A sufficient condition for equality with a scalar written in a spec (see {@link equalityTest}). */
function equalityFastAccept(expected: unknown): ((v: string) => string) | undefined {
  const literal = literalOf(expected);
  if (literal === undefined) return undefined;
  // An integer in a spec equals an int64 (bigint) attribute of that value, and a double of that value.
  if (typeof expected === 'number' && Number.isSafeInteger(expected)) return (v) => `(${v} === ${expected}n || ${v} === ${literal})`;
  return (v) => `${v} === ${literal}`;
}

const FAST_TYPE_TESTS: Readonly<Record<string, string>> = { string: 'string', bool: 'boolean', int: 'bigint', double: 'number' };

/** Fast accepts of the keys of a matcher object, or undefined when one of its keys has none. */
function objectFastAccept(m: Exclude<ValueMatcher, SpecScalar | readonly SpecScalar[]>): ((v: string) => string) | undefined {
  const parts: ((v: string) => string)[] = [];
  for (const key of Object.keys(m)) {
    const value = (m as Record<string, unknown>)[key];
    if (key === 'equals') {
      const fast = equalityFastAccept(value);
      if (fast === undefined) return undefined;
      parts.push(fast);
    } else if (key === 'exists' && value === true) {
      parts.push((v) => `${v} !== undefined`);
    } else if (key === 'type' && typeof value === 'string' && FAST_TYPE_TESTS[value] !== undefined) {
      const jsType = FAST_TYPE_TESTS[value];
      parts.push((v) => `typeof ${v} === "${jsType}"`);
    } else if ((key === 'lt' || key === 'lte' || key === 'gt' || key === 'gte') && typeof value === 'number' && Number.isFinite(value)) {
      // JavaScript compares a bigint with a number exactly, as orderingCheck does.
      const op = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[key];
      parts.push((v) => `((typeof ${v} === "bigint" || typeof ${v} === "number") && ${v} ${op} ${value})`);
    } else if (key === 'in' && Array.isArray(value) && value.length <= 8) {
      const alternatives = value.map(equalityFastAccept);
      if (alternatives.some((a) => a === undefined)) return undefined;
      parts.push((v) => `(${(alternatives as ((v: string) => string)[]).map((a) => a(v)).join(' || ')})`);
    } else {
      return undefined;
    }
  }
  return parts.length === 0 ? undefined : (v) => parts.map((part) => part(v)).join(' && ');
}

type Check = (value: MatchedValue) => string | undefined;

const MATCHER_KEYS: ReadonlySet<string> = new Set(VALUE_MATCHER_KEYS.keys);

/**
 * Equality as specs mean it: ints written in specs equal int64 (bigint) attributes of the same value, and
 * numbers compare numerically across int and double; lists and maps compare element by element; bytes equal
 * their base64 text. No other coercion: the string `"200"` does not equal the int `200`.
 */
export function valuesEqual(actual: MatchedValue, expected: unknown): boolean {
  if (actual === undefined) return false;
  if (typeof expected === 'number' || typeof expected === 'bigint') {
    return (typeof actual === 'number' || typeof actual === 'bigint') && compareNumbers(actual, expected) === 0;
  }
  if (typeof expected === 'string') {
    if (typeof actual === 'string') return actual === expected;
    return actual instanceof Uint8Array && stringFormOf(actual) === expected;
  }
  if (typeof expected === 'boolean') return actual === expected;
  if (expected === null) return actual === null;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => valuesEqual(actual[i], e));
  }
  if (typeof expected === 'object' && expected !== undefined) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual) || actual instanceof Uint8Array) return false;
    const keys = Object.keys(expected);
    if (keys.length !== Object.keys(actual).length) return false;
    return keys.every((k) => valuesEqual(actual[k], (expected as Record<string, unknown>)[k]));
  }
  return false;
}

/** Compares two numbers exactly, whichever of bigint and number each is. */
export function compareNumbers(a: bigint | number, b: bigint | number): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN;
  // Mixed: an integral double converts to bigint exactly; otherwise compare as doubles (beyond 2^53 the
  // fraction of a double is zero anyway, so this loses nothing that matters).
  const [big, num, sign] = typeof a === 'bigint' ? [a, b as number, 1] : [b as bigint, a as number, -1];
  if (Number.isInteger(num)) {
    const n = BigInt(num);
    return sign * (big < n ? -1 : big > n ? 1 : 0);
  }
  const d = Number(big);
  return sign * (d < num ? -1 : d > num ? 1 : d === num ? 0 : NaN);
}

/**
 * {@link valuesEqual} specialised for one expected value: the common scalar cases avoid converting the
 * expected number to bigint on every call, which matters over 100k spans.
 */
export function equalityTest(expected: unknown): (actual: MatchedValue) => boolean {
  if (typeof expected === 'number' && Number.isInteger(expected)) {
    const big = BigInt(expected);
    return (actual) => (typeof actual === 'bigint' ? actual === big : typeof actual === 'number' ? actual === expected : false);
  }
  if (typeof expected === 'number') {
    return (actual) => (typeof actual === 'number' ? actual === expected : typeof actual === 'bigint' ? Number(actual) === expected : false);
  }
  if (typeof expected === 'string') {
    return (actual) => actual === expected || (actual instanceof Uint8Array && stringFormOf(actual) === expected);
  }
  if (typeof expected === 'boolean' || expected === null) return (actual) => actual === expected;
  return (actual) => valuesEqual(actual, expected);
}

const NUMERIC_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/u;

function orderingCheck(op: 'lt' | 'lte' | 'gt' | 'gte', bound: number | string): Result<Check, string> {
  const symbol = { lt: '<', lte: '<=', gt: '>', gte: '>=' }[op];
  const holds = (c: number): boolean => (op === 'lt' ? c < 0 : op === 'lte' ? c <= 0 : op === 'gt' ? c > 0 : c >= 0);
  let numeric: number | bigint | undefined;
  if (typeof bound === 'number') numeric = bound;
  else if (typeof bound === 'string' && NUMERIC_TEXT.test(bound.trim())) {
    const t = bound.trim();
    numeric = /^[-+]?\d+$/u.test(t) ? BigInt(t) : Number(t);
  } else if (typeof bound !== 'string') return err(`"${op}" needs a number or a string, got ${showBare(bound)}`);
  const expectedText = `${symbol} ${showBare(bound)}`;
  // An integral bound is kept as bigint too, so int64 attributes compare without a conversion per span.
  const bigBound = typeof numeric === 'bigint' ? numeric : typeof numeric === 'number' && Number.isInteger(numeric) ? BigInt(numeric) : undefined;
  return ok((value) => {
    if (numeric !== undefined) {
      if (typeof value === 'bigint' && bigBound !== undefined) {
        return holds(value < bigBound ? -1 : value > bigBound ? 1 : 0) ? undefined : `expected ${expectedText}, got ${showValue(value)}`;
      }
      if (typeof value === 'bigint' || typeof value === 'number') {
        return holds(compareNumbers(value, numeric)) ? undefined : `expected ${expectedText}, got ${showValue(value)}`;
      }
      return `expected a number ${expectedText}, got ${showValue(value)}`;
    }
    if (typeof value === 'string') {
      const c = value < (bound as string) ? -1 : value > (bound as string) ? 1 : 0;
      return holds(c) ? undefined : `expected ${expectedText}, got ${showValue(value)}`;
    }
    return `expected a string ${expectedText}, got ${showValue(value)}`;
  });
}

/** How many answers a regex matcher keeps, by subject string. */
const REGEX_ANSWERS_KEPT = 64;

function regexCheck(pattern: string, negate: boolean): Result<Check, string> {
  let regex: RegExp;
  try {
    regex = specRegex(pattern);
  } catch (cause) {
    return err(`invalid regular expression /${pattern}/: ${(cause as Error).message}`);
  }
  // Attributes a regex checks are mostly few-valued (methods, routes, hosts), so answers are kept: the last one
  // costs a string compare to reuse, the others a hash lookup instead of a match. The kept answers are bounded,
  // for attributes of many values (ids, full URLs).
  const answers = new Map<string, boolean>();
  let lastSubject: string | undefined;
  let lastMatched = false;
  return ok((value) => {
    if (value === undefined) return negate ? undefined : `expected to match /${pattern}/, got absent`;
    const subject = stringFormOf(value);
    if (subject !== lastSubject) {
      let matched = answers.get(subject);
      if (matched === undefined) {
        matched = regex.test(subject);
        if (answers.size >= REGEX_ANSWERS_KEPT) answers.clear();
        answers.set(subject, matched);
      }
      lastMatched = matched;
      lastSubject = subject;
    }
    const matched = lastMatched;
    if (matched === !negate) return undefined;
    return `expected ${negate ? 'not ' : ''}to match /${pattern}/, got ${showValue(value)}`;
  });
}

/** An array has the element; any other value holds the text in its string form, the one `matches` reads. */
function containsCheck(needle: SpecScalar): Check {
  const text = String(needle);
  return (value) => {
    if (Array.isArray(value)) {
      return value.some((v) => valuesEqual(v, needle)) ? undefined : `expected a list containing ${showBare(needle)}, got ${showValue(value)}`;
    }
    if (value === undefined) return `expected a string or list containing ${showBare(needle)}, got ${showValue(value)}`;
    return stringFormOf(value).includes(text) ? undefined : `expected to contain ${showBare(text)}, got ${showValue(value)}`;
  };
}

const TYPE_NAMES: ReadonlySet<string> = new Set(ATTRIBUTE_TYPE_NAMES);

function jsonpathCheck(path: string, matcher: Exclude<ValueMatcher, SpecScalar | readonly SpecScalar[]>): Result<{ check: Check; text: string }, string> {
  let simple: readonly string[] | undefined;
  try {
    simple = simplePath(path);
    // A dry run on an empty document surfaces syntax errors now rather than per span.
    JSONPath({ path, json: {}, wrap: true, eval: 'safe' });
  } catch (cause) {
    return err(`invalid JSONPath "${path}": ${(cause as Error).message}`);
  }
  const parts: { kind: 'value' | 'every' | 'some'; m: CompiledValueMatcher }[] = [];
  for (const kind of ['value', 'every', 'some'] as const) {
    const sub = matcher[kind];
    if (sub === undefined) continue;
    const compiled = compileValueMatcher(sub);
    if (!compiled.ok) return err(`jsonpath "${path}" ${kind}: ${compiled.error}`);
    parts.push({ kind, m: compiled.value });
  }
  let countRange: { min: number; max: number } | undefined;
  if (matcher.count !== undefined) {
    const parsed = parseCount(matcher.count);
    if (!parsed.ok) return err(`jsonpath "${path}" count: ${parsed.error}`);
    countRange = parsed.value;
  }
  const requireSome = parts.length === 0 && countRange === undefined;
  const descriptions = parts.map((p) => `${p.kind} ${p.m.description}`);
  if (countRange !== undefined) descriptions.push(`count ${describeCount(countRange)}`);
  if (requireSome) descriptions.push('finds something');
  const text = `jsonpath ${path} ${descriptions.join(', ')}`;
  const check: Check = (value) => {
    const doc = jsonDocumentOf(value);
    if (!doc.ok) return `jsonpath ${path}: ${doc.why}`;
    let results: AttributeValue[];
    try {
      results = evaluateJsonPath(path, doc.doc, simple);
    } catch (cause) {
      return `jsonpath ${path} failed: ${(cause as Error).message}`;
    }
    if (requireSome && results.length === 0) return `jsonpath ${path} found nothing`;
    if (countRange !== undefined && !countInRange(results.length, countRange)) {
      return `jsonpath ${path}: expected ${describeCount(countRange, 'result')}, found ${results.length}`;
    }
    for (const { kind, m } of parts) {
      if (kind === 'value') {
        const why = m.test(results[0]);
        if (why !== undefined) return `jsonpath ${path}: ${results.length === 0 ? 'found nothing, ' : ''}${why}`;
      } else if (kind === 'every') {
        // "every" over no results is refused: a path that finds nothing is almost always a wrong path.
        if (results.length === 0) return `jsonpath ${path} found nothing (every ${m.description})`;
        for (let i = 0; i < results.length; i++) {
          const why = m.test(results[i]);
          if (why !== undefined) return `jsonpath ${path} result #${i + 1}: ${why}`;
        }
      } else if (!results.some((r) => m.test(r) === undefined)) {
        return `jsonpath ${path}: no result ${m.description} among ${results.length} (${results.slice(0, 5).map(showValue).join(', ')})`;
      }
    }
    return undefined;
  };
  return ok({ check, text });
}

/**
 * Compiles a value condition from a spec. A bare scalar means `equals`; a bare list equals an array value
 * element by element. Several keys in one object must all hold. Errors (an invalid regex or JSONPath, an
 * unknown key) come back as a result, never thrown.
 *
 * @example
 * ```ts
 * const m = compileValueMatcher({ gte: 200, lt: 300 });
 * if (m.ok) m.value.test(204n); // undefined: it matches
 * ```
 */
export function compileValueMatcher(matcher: ValueMatcher): Result<CompiledValueMatcher, string> {
  if (matcher === null || typeof matcher !== 'object' || Array.isArray(matcher)) {
    const expected = matcher;
    const equal = equalityTest(expected);
    const fastAccept = equalityFastAccept(expected);
    return ok({
      description: `= ${showBare(expected)}`,
      test: (value) => (equal(value) ? undefined : `expected ${showBare(expected)}, got ${showValue(value)}`),
      ...(fastAccept === undefined ? {} : { fastAccept }),
    });
  }
  const m = matcher as Exclude<ValueMatcher, SpecScalar | readonly SpecScalar[]>;
  const checks: Check[] = [];
  const texts: string[] = [];
  for (const key of Object.keys(m)) {
    if (!MATCHER_KEYS.has(key)) return err(`unknown matcher key "${key}" (use one of ${[...MATCHER_KEYS].join(', ')})`);
  }
  if (m.jsonpath !== undefined) {
    const compiled = jsonpathCheck(m.jsonpath, m);
    if (!compiled.ok) return compiled;
    checks.push(compiled.value.check);
    texts.push(compiled.value.text);
  } else if (m.value !== undefined || m.every !== undefined || m.some !== undefined || m.count !== undefined) {
    return err('"value", "every", "some" and "count" apply to a "jsonpath" result; add a jsonpath');
  }
  if (m.exists !== undefined) {
    const want = m.exists;
    texts.push(want ? 'exists' : 'is absent');
    checks.push((value) => ((value !== undefined) === want ? undefined : want ? 'expected it to exist, but it is absent' : `expected it to be absent, got ${showValue(value)}`));
  }
  if (m.type !== undefined) {
    const want = m.type;
    if (!TYPE_NAMES.has(want)) return err(`unknown type "${String(want)}" (use ${[...TYPE_NAMES].join(', ')})`);
    texts.push(`type ${want}`);
    checks.push((value) => (typeNameOf(value) === want ? undefined : `expected type ${want}, got ${showValue(value)}`));
  }
  if (m.equals !== undefined) {
    const expected = m.equals;
    const equal = equalityTest(expected);
    texts.push(`= ${showBare(expected)}`);
    checks.push((value) => (equal(value) ? undefined : `expected ${showBare(expected)}, got ${showValue(value)}`));
  }
  if (m.notEquals !== undefined) {
    const unwanted = m.notEquals;
    const equal = equalityTest(unwanted);
    texts.push(`!= ${showBare(unwanted)}`);
    checks.push((value) => (equal(value) ? `expected anything but ${showBare(unwanted)}, got ${showValue(value)}` : undefined));
  }
  for (const op of ['lt', 'lte', 'gt', 'gte'] as const) {
    const bound = m[op];
    if (bound === undefined) continue;
    const compiled = orderingCheck(op, bound);
    if (!compiled.ok) return compiled;
    texts.push(`${{ lt: '<', lte: '<=', gt: '>', gte: '>=' }[op]} ${showBare(bound)}`);
    checks.push(compiled.value);
  }
  for (const [key, negate] of [['matches', false], ['notMatches', true]] as const) {
    const pattern = m[key];
    if (pattern === undefined) continue;
    if (typeof pattern !== 'string') return err(`"${key}" needs a regular expression string`);
    const compiled = regexCheck(pattern, negate);
    if (!compiled.ok) return compiled;
    texts.push(`${negate ? 'not ' : ''}matches /${pattern}/`);
    checks.push(compiled.value);
  }
  for (const [key, negate] of [['in', false], ['notIn', true]] as const) {
    const list = m[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) return err(`"${key}" needs a list of values`);
    const listText = `[${list.map(showBare).join(', ')}]`;
    const tests = list.map(equalityTest);
    texts.push(`${negate ? 'not in' : 'in'} ${listText}`);
    checks.push((value) => {
      // A loop, not tests.some(...): that would make a closure per value judged.
      let found = false;
      for (let i = 0; i < tests.length && !found; i++) found = (tests[i] as (actual: MatchedValue) => boolean)(value);
      if (found !== negate) return undefined;
      return `expected ${negate ? 'none of' : 'one of'} ${listText}, got ${showValue(value)}`;
    });
  }
  if (m.contains !== undefined) {
    texts.push(`contains ${showBare(m.contains)}`);
    checks.push(containsCheck(m.contains));
  }
  if (checks.length === 0) return err('an empty matcher checks nothing; use e.g. { exists: true }');
  const description = texts.join(' and ');
  const fastAccept = objectFastAccept(m);
  const fast = fastAccept === undefined ? {} : { fastAccept };
  if (checks.length === 1) return ok({ description, test: checks[0] as Check, ...fast });
  return ok({
    description,
    ...fast,
    test: (value) => {
      for (const check of checks) {
        const why = check(value);
        if (why !== undefined) return why;
      }
      return undefined;
    },
  });
}

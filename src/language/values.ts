import { err, ok, type Result } from '../result.ts';
import type { CountSource, DurationSource, SpecScalar } from './types.ts';

/**
 * Nanoseconds per duration unit, for spec values (`budget: { max: 1.5s }`) and selector literals
 * (`duration > 300ms`) alike. `µs` and `us` are the same unit; `m` is minutes, `h` hours.
 */
export const NANOS_PER_UNIT: Readonly<Record<string, bigint>> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const NANOS_PER_MILLI = 1_000_000n;

/** The units a duration string may use, as a phrase for messages. */
export const DURATION_UNITS_HINT = 'use ns, us, ms, s, m or h, e.g. "300ms" or "1.5s"';

const DURATION_PATTERN = /^(\d+(?:\.\d*)?|\.\d+)\s*([^\s\d.]*)$/u;

/**
 * Converts a non-negative decimal numeral (`"1.5"`) times `scale` into an exact bigint, or `undefined` when
 * the result would have a fraction. Decimal arithmetic on digits avoids binary-float rounding (`0.1s`).
 */
function scaleDecimal(numeral: string, scale: bigint): bigint | undefined {
  const [whole = '', fraction = ''] = numeral.split('.');
  const digits = BigInt(`${whole}${fraction}` || '0');
  const divisor = 10n ** BigInt(fraction.length);
  const scaled = digits * scale;
  return scaled % divisor === 0n ? scaled / divisor : undefined;
}

/**
 * Parses a duration as spec files write it into nanoseconds.
 *
 * A number is milliseconds (`250` = 250ms, `0.5` = 500us). A string is a non-negative decimal with a unit:
 * `ns`, `us` (or `µs`), `ms`, `s`, `m` (minutes), `h` (hours); a space between number and unit is allowed (`"300 ms"`).
 * A string without a unit is refused rather than guessed.
 *
 * @example
 * ```ts
 * parseDuration('1.5s');  // { ok: true, value: 1_500_000_000n }
 * parseDuration(250);     // { ok: true, value: 250_000_000n }
 * parseDuration('300 msec'); // { ok: false, error: 'unknown duration unit "msec" in "300 msec" (use ns, us, ms, s, m or h, ...)' }
 * ```
 */
export function parseDuration(source: DurationSource): Result<bigint, string> {
  if (typeof source === 'number') {
    if (!Number.isFinite(source) || source < 0) {
      return err(`duration ${String(source)} must be a non-negative number of milliseconds`);
    }
    if (Number.isInteger(source)) return ok(BigInt(source) * NANOS_PER_MILLI);
    const text = String(source);
    // Exponent forms (1e-7) are not decimal numerals; they are rare enough to round to the nanosecond.
    const exact = /e/iu.test(text) ? undefined : scaleDecimal(text, NANOS_PER_MILLI);
    return ok(exact ?? BigInt(Math.round(source * 1e6)));
  }
  if (typeof source !== 'string') {
    return err(`expected a duration such as "300ms" or a number of milliseconds, got ${describeValueType(source)}`);
  }
  const text = source.trim();
  if (text.startsWith('-')) return err(`duration "${source}" must not be negative`);
  const match = DURATION_PATTERN.exec(text);
  if (match === null) return err(`"${source}" is not a duration (${DURATION_UNITS_HINT})`);
  const [, numeral = '', unit = ''] = match;
  if (unit === '') {
    return err(`duration "${source}" has no unit (write "${numeral}ms" for milliseconds; ${DURATION_UNITS_HINT})`);
  }
  const scale = NANOS_PER_UNIT[unit];
  if (scale === undefined) return err(`unknown duration unit "${unit}" in "${source}" (${DURATION_UNITS_HINT})`);
  const nanos = scaleDecimal(numeral, scale);
  if (nanos === undefined) return err(`duration "${source}" is finer than one nanosecond`);
  return ok(nanos);
}

const FORMAT_UNITS: readonly { readonly unit: string; readonly nanos: bigint }[] = [
  { unit: 'm', nanos: 60_000_000_000n },
  { unit: 's', nanos: 1_000_000_000n },
  { unit: 'ms', nanos: 1_000_000n },
  { unit: 'us', nanos: 1_000n },
];

/**
 * Formats nanoseconds for people: the largest unit that keeps the number at least 1, three significant digits,
 * trailing zeros dropped (`412ms`, `1.2s`, `85us`, `1.04ms`, `730ns`). Seconds are used up to 100s, then minutes.
 */
export function formatDurationNanos(ns: bigint): string {
  if (ns < 0n) return `-${formatDurationNanos(-ns)}`;
  for (const { unit, nanos } of FORMAT_UNITS) {
    if (unit === 'm' && ns < 100_000_000_000n) continue;
    if (ns >= nanos) return `${threeSignificant(Number(ns) / Number(nanos))}${unit}`;
  }
  return `${ns}ns`;
}

function threeSignificant(value: number): string {
  const decimals = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return String(Number(value.toFixed(decimals)));
}

/** A count range; `max` is `Infinity` when unbounded. */
export interface CountRange {
  readonly min: number;
  readonly max: number;
}

function isCountNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

function countNumberProblem(key: string, value: unknown): string {
  const subject = key === '' ? 'count' : `count ${key}`;
  const got = typeof value === 'number' ? String(value) : describeValueType(value);
  return `${subject} must be a non-negative whole number, got ${got}`;
}

/**
 * Parses a count as spec files write it: a number means exactly, `'none'` means zero, or an object with
 * `exactly`, or `min` and/or `max`.
 *
 * @example
 * ```ts
 * parseCount({ min: 2 }); // { ok: true, value: { min: 2, max: Infinity } }
 * parseCount('none');     // { ok: true, value: { min: 0, max: 0 } }
 * ```
 */
export function parseCount(source: CountSource): Result<CountRange, string> {
  if (source === 'none') return ok({ min: 0, max: 0 });
  if (typeof source === 'number') {
    return isCountNumber(source) ? ok({ min: source, max: source }) : err(countNumberProblem('', source));
  }
  if (typeof source !== 'object' || source === null || Array.isArray(source)) {
    return err(`expected a count (a number, "none", or { min, max } / { exactly }), got ${describeValueType(source)}`);
  }
  const { exactly, min, max } = source;
  if (exactly !== undefined) {
    if (min !== undefined || max !== undefined) return err('count takes either "exactly" or "min"/"max", not both');
    return isCountNumber(exactly) ? ok({ min: exactly, max: exactly }) : err(countNumberProblem('exactly', exactly));
  }
  if (min === undefined && max === undefined) return err('count needs "exactly", "min" or "max"');
  if (min !== undefined && !isCountNumber(min)) return err(countNumberProblem('min', min));
  if (max !== undefined && !isCountNumber(max)) return err(countNumberProblem('max', max));
  const range = { min: min ?? 0, max: max ?? Infinity };
  if (range.min > range.max) return err(`count min ${range.min} is greater than max ${range.max}`);
  return ok(range);
}

/**
 * Describes a count range in words: `none`, `exactly 1`, `at least 1`, `at most 3`, `between 2 and 5`.
 * A `noun` is appended with a plural `s` when the number is not 1 (`exactly 1 span`, `at least 2 spans`).
 */
export function describeCount(range: CountRange, noun?: string): string {
  const unit = (n: number): string => (noun === undefined ? '' : ` ${noun}${n === 1 ? '' : 's'}`);
  if (range.max === 0) return noun === undefined ? 'none' : `no ${noun}s`;
  if (range.min === range.max) return `exactly ${range.min}${unit(range.min)}`;
  if (range.max === Infinity) return `at least ${range.min}${unit(range.min)}`;
  if (range.min === 0) return `at most ${range.max}${unit(range.max)}`;
  return `between ${range.min} and ${range.max}${unit(range.max)}`;
}

/** Whether `n` lies in the range. */
export function countInRange(n: number, range: CountRange): boolean {
  return n >= range.min && n <= range.max;
}

/** One `${kind:NAME}` reference inside a string, with its 0-based offset and length in that string. */
export interface Reference {
  readonly kind: 'env' | 'var';
  readonly name: string;
  readonly offset: number;
  readonly length: number;
}

/** A `${...}` that is neither `${env:NAME}` nor `${var:NAME}`. */
export interface MalformedReference {
  readonly text: string;
  readonly offset: number;
  readonly length: number;
}

const REFERENCE_PATTERN = /\$\$\{|\$\{([^}]*)\}/gu;
const REFERENCE_BODY = /^(env|var):([A-Za-z_][A-Za-z0-9_.-]*)$/u;

/**
 * Lists the `${env:NAME}` and `${var:NAME}` references in a string, and any malformed `${...}`.
 * `$${` is an escape for a literal `${` and is not a reference.
 */
export function findReferences(text: string): { references: Reference[]; malformed: MalformedReference[] } {
  const references: Reference[] = [];
  const malformed: MalformedReference[] = [];
  for (const match of text.matchAll(REFERENCE_PATTERN)) {
    if (match[0] === '$${') continue;
    const body = REFERENCE_BODY.exec(match[1] ?? '');
    const offset = match.index;
    if (body === null) malformed.push({ text: match[0], offset, length: match[0].length });
    else references.push({ kind: body[1] as 'env' | 'var', name: body[2] ?? '', offset, length: match[0].length });
  }
  return { references, malformed };
}

/** Where `${env:...}` and `${var:...}` values come from. */
export interface InterpolationScope {
  /** Environment variables, e.g. `process.env`. An unset or `undefined` entry is unknown. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Spec variables and captured values. */
  readonly vars: Readonly<Record<string, SpecScalar | undefined>> | ReadonlyMap<string, SpecScalar>;
}

/** Why a string could not be interpolated: the names that had no value, and malformed `${...}` forms. */
export interface InterpolationError {
  readonly message: string;
  readonly unknown: readonly Reference[];
  readonly malformed: readonly MalformedReference[];
}

function lookupVar(vars: InterpolationScope['vars'], name: string): SpecScalar | undefined {
  if (vars instanceof Map) return vars.get(name);
  const record = vars as Readonly<Record<string, SpecScalar | undefined>>;
  return Object.hasOwn(record, name) ? record[name] : undefined;
}

/**
 * Substitutes `${env:NAME}` and `${var:NAME}` in `text`. `$${` writes a literal `${`. A `null` variable
 * becomes `null`. Every unknown name is listed in the error, not just the first. `write` turns a value's text
 * into what is written at the reference's offset (a selector escapes it inside quoted strings, see
 * selector-references.ts); by default the text itself.
 *
 * @example
 * ```ts
 * interpolate('service = "${env:SVC}" && span.order.id = "${var:orderId}"',
 *   { env: { SVC: 'orders' }, vars: { orderId: 'o-17' } });
 * // { ok: true, value: 'service = "orders" && span.order.id = "o-17"' }
 * ```
 */
export function interpolate(text: string, scope: InterpolationScope, write?: (value: string, offset: number) => string): Result<string, InterpolationError> {
  if (!text.includes('${')) return ok(text);
  const unknown: Reference[] = [];
  const malformed: MalformedReference[] = [];
  const out = text.replace(REFERENCE_PATTERN, (whole: string, bodyText: string | undefined, offset: number) => {
    if (whole === '$${') return '${';
    const body = REFERENCE_BODY.exec(bodyText ?? '');
    if (body === null) {
      malformed.push({ text: whole, offset, length: whole.length });
      return whole;
    }
    const kind = body[1] as 'env' | 'var';
    const name = body[2] ?? '';
    const value = kind === 'env' ? scope.env[name] : lookupVar(scope.vars, name);
    if (value === undefined) {
      unknown.push({ kind, name, offset, length: whole.length });
      return whole;
    }
    return write === undefined ? String(value) : write(String(value), offset);
  });
  if (unknown.length === 0 && malformed.length === 0) return ok(out);
  const parts: string[] = [];
  const envNames = unknown.filter((r) => r.kind === 'env').map((r) => r.name);
  const varNames = unknown.filter((r) => r.kind === 'var').map((r) => r.name);
  if (envNames.length > 0) parts.push(`environment variable${envNames.length === 1 ? '' : 's'} not set: ${envNames.join(', ')}`);
  if (varNames.length > 0) parts.push(`unknown variable${varNames.length === 1 ? '' : 's'}: ${varNames.join(', ')}`);
  if (malformed.length > 0) {
    parts.push(`malformed reference${malformed.length === 1 ? '' : 's'} ${malformed.map((m) => m.text).join(', ')} (write \${env:NAME} or \${var:NAME}; $\${ for a literal \${)`);
  }
  return err({ message: parts.join('; '), unknown, malformed });
}

/** Names a value's type for messages: `a string`, `a list`, `a mapping`, `a number`, `nothing`. */
export function describeValueType(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return `a string ("${value.length > 40 ? `${value.slice(0, 37)}...` : value}")`;
    case 'number':
      return `a number (${String(value)})`;
    case 'boolean':
      return `a boolean (${String(value)})`;
    case 'object':
      return 'a mapping';
    default:
      return typeof value;
  }
}

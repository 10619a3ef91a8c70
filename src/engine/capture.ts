import { durationNanosOf, serviceNameOf, spanKindNames, statusCodeNames } from '../model/index.ts';
import type { Span } from '../model/index.ts';
import type { SpecScalar } from '../language/index.ts';
import { attributeReader } from './attribute-lookup.ts';
import { stringFormOf } from './value-format.ts';

/** Reads a field of a span as a spec scalar, for `capture`; `undefined` when the span has no such value. */
export type FieldReader = (span: Span) => SpecScalar | undefined;

const INTRINSICS: Readonly<Record<string, FieldReader>> = {
  name: (s) => s.name,
  service: (s) => serviceNameOf(s),
  traceId: (s) => s.traceId,
  spanId: (s) => s.spanId,
  parentSpanId: (s) => s.parentSpanId,
  kind: (s) => spanKindNames[s.kind] ?? String(s.kind),
  status: (s) => statusCodeNames[s.status.code] ?? String(s.status.code),
  statusMessage: (s) => s.status.message,
  /** In milliseconds, as spec durations are written. */
  duration: (s) => Number(durationNanosOf(s)) / 1e6,
};

/**
 * Compiles a capture field: the intrinsics `name`, `service`, `traceId`, `spanId`, `parentSpanId`, `kind`,
 * `status`, `statusMessage`, `duration` (milliseconds), or an attribute key (`span.x`, `resource.x`,
 * `scope.x`, bare `x`). Ints within 2^53 are captured as numbers, larger ones and lists as their text.
 */
export function captureReader(field: string): FieldReader {
  const intrinsic = Object.hasOwn(INTRINSICS, field) ? INTRINSICS[field] : undefined;
  if (intrinsic !== undefined) return intrinsic;
  const read = attributeReader(field);
  return (span) => {
    const value = read(span);
    if (value === undefined) return undefined;
    if (value === null || typeof value === 'string' || typeof value === 'boolean' || typeof value === 'number') return value;
    if (typeof value === 'bigint') return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
    return stringFormOf(value);
  };
}

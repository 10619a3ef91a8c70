/**
 * What a model span must look like for an SDK `ReadableSpan`, derived independently of our decoders from the
 * SDK's own recorded data and the OTLP mapping rules the JS serializers follow (kind + 1, flags with the
 * has-is-remote bit, integers as int64, other numbers as doubles).
 */
import type { HrTime } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { emptyAttributes } from '../../src/model/attribute-value.ts';
import type { AttributeMap, AttributeValue } from '../../src/model/attribute-value.ts';

/** Nanoseconds since the epoch of an SDK `HrTime`. */
export function hrTimeToNanos([seconds, nanos]: HrTime): bigint {
  return BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
}

/** The model value the OTLP serializers produce for an SDK attribute value. */
export function expectedValue(value: unknown): AttributeValue {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(expectedValue);
  if (value !== null && typeof value === 'object') return expectedAttributes(value as Record<string, unknown>);
  return null;
}

/** The model attribute map for SDK attributes. */
export function expectedAttributes(attributes: Record<string, unknown> | undefined): AttributeMap {
  const out = emptyAttributes();
  for (const [key, value] of Object.entries(attributes ?? {})) if (value !== undefined) out[key] = expectedValue(value);
  return out;
}

function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | 0x100 | (isRemote === true ? 0x200 : 0);
}

/** The model span (resource and scope included) the decoders must produce for an SDK span. */
export function expectedSpan(s: ReadableSpan): Record<string, unknown> {
  const ctx = s.spanContext();
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: s.parentSpanContext?.spanId,
    traceState: ctx.traceState?.serialize() ?? '',
    name: s.name,
    kind: s.kind + 1,
    startTimeUnixNano: hrTimeToNanos(s.startTime),
    endTimeUnixNano: hrTimeToNanos(s.endTime),
    attributes: expectedAttributes(s.attributes),
    droppedAttributesCount: s.droppedAttributesCount,
    events: s.events.map((e) => ({
      timeUnixNano: hrTimeToNanos(e.time),
      name: e.name,
      attributes: expectedAttributes(e.attributes),
      droppedAttributesCount: e.droppedAttributesCount ?? 0,
    })),
    droppedEventsCount: s.droppedEventsCount,
    links: s.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      traceState: l.context.traceState?.serialize() ?? '',
      attributes: expectedAttributes(l.attributes),
      droppedAttributesCount: l.droppedAttributesCount ?? 0,
      flags: spanFlags(l.context.traceFlags, l.context.isRemote),
    })),
    droppedLinksCount: s.droppedLinksCount,
    status: { code: s.status.code, message: s.status.message ?? '' },
    flags: spanFlags(ctx.traceFlags, s.parentSpanContext?.isRemote),
    resource: {
      attributes: expectedAttributes(s.resource.attributes),
      droppedAttributesCount: 0,
      schemaUrl: s.resource.schemaUrl ?? '',
    },
    scope: {
      name: s.instrumentationScope.name,
      version: s.instrumentationScope.version ?? '',
      attributes: emptyAttributes(),
      droppedAttributesCount: 0,
      schemaUrl: s.instrumentationScope.schemaUrl ?? '',
    },
  };
}

import type { AttributeMap } from './attribute-value.ts';

/** OTLP `Span.SpanKind`, by its wire number. */
export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
/** One of the {@link SpanKind} numbers (0-5); unknown wire values are kept as they came. */
export type SpanKind = number;

/** Lower-case names of span kinds, as spec files and reports write them. */
export const spanKindNames: Readonly<Record<number, string>> = {
  0: 'unspecified',
  1: 'internal',
  2: 'server',
  3: 'client',
  4: 'producer',
  5: 'consumer',
};

/** OTLP `Status.StatusCode`, by its wire number. */
export const StatusCode = {
  UNSET: 0,
  OK: 1,
  ERROR: 2,
} as const;
/** One of the {@link StatusCode} numbers (0-2). */
export type StatusCode = number;

/** Lower-case names of status codes, as spec files and reports write them. */
export const statusCodeNames: Readonly<Record<number, string>> = { 0: 'unset', 1: 'ok', 2: 'error' };

/** The resource that produced a span. One object is shared by every span of one `ResourceSpans`. */
export interface Resource {
  readonly attributes: AttributeMap;
  readonly droppedAttributesCount: number;
  /** `ResourceSpans.schema_url`; `''` when absent. */
  readonly schemaUrl: string;
}

/** The instrumentation scope of a span. One object is shared by every span of one `ScopeSpans`. */
export interface InstrumentationScope {
  readonly name: string;
  readonly version: string;
  readonly attributes: AttributeMap;
  readonly droppedAttributesCount: number;
  /** `ScopeSpans.schema_url`; `''` when absent. */
  readonly schemaUrl: string;
}

/** A timed event on a span (`Span.Event`). */
export interface SpanEvent {
  readonly timeUnixNano: bigint;
  readonly name: string;
  readonly attributes: AttributeMap;
  readonly droppedAttributesCount: number;
}

/** A link from a span to another span, possibly of another trace (`Span.Link`). */
export interface SpanLink {
  /** 32 lower-case hex digits. */
  readonly traceId: string;
  /** 16 lower-case hex digits. */
  readonly spanId: string;
  readonly traceState: string;
  readonly attributes: AttributeMap;
  readonly droppedAttributesCount: number;
  readonly flags: number;
}

/** A span's status (`Status`). */
export interface SpanStatus {
  readonly code: StatusCode;
  readonly message: string;
}

/**
 * A normalised span: what every layer past `src/otlp` sees, whichever encoding or transport it came by.
 * Ids are lower-case hex, times are bigint nanoseconds since the Unix epoch.
 */
export interface Span {
  /** 32 lower-case hex digits. */
  readonly traceId: string;
  /** 16 lower-case hex digits. */
  readonly spanId: string;
  /** 16 lower-case hex digits, or `undefined` for a root span (empty or absent on the wire). */
  readonly parentSpanId: string | undefined;
  readonly traceState: string;
  readonly name: string;
  readonly kind: SpanKind;
  readonly startTimeUnixNano: bigint;
  readonly endTimeUnixNano: bigint;
  readonly attributes: AttributeMap;
  readonly droppedAttributesCount: number;
  readonly events: readonly SpanEvent[];
  readonly droppedEventsCount: number;
  readonly links: readonly SpanLink[];
  readonly droppedLinksCount: number;
  readonly status: SpanStatus;
  /** `Span.flags`: low 8 bits are W3C trace flags; 0x100 has-is-remote, 0x200 parent-is-remote. */
  readonly flags: number;
  readonly resource: Resource;
  readonly scope: InstrumentationScope;
}

/** {@link Span} with its members writable, for the one constructor that sets them. */
type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The one maker of model spans: the decoders (through `src/otlp/span-factory.ts`), the clock-skew correction,
 * redaction and the run's root span all construct this class, so every span shares one hidden class and the code
 * that reads spans stays monomorphic. Its members are those of {@link Span}, in its order (and the proto's), declared
 * once there: the interface of the same name gives the class their types (writable for the constructor; every maker
 * hands the record out as a read-only `Span`). It adds no behaviour.
 *
 * A class and not an object literal, for speed: V8 tracks an object literal's allocation site and, once most of
 * its objects survive a scavenge (a store keeps the spans it is sent), allocates them in the old generation from
 * then on ("pretenuring"), where each allocation and each pointer written into it costs more. Constructed objects
 * have no allocation site to pretenure. See `src/v8-shapes.ts` for the measurement.
 *
 * @example
 * ```ts
 * const moved = spanWithTimes(span, span.startTimeUnixNano + 5_000n, span.endTimeUnixNano + 5_000n);
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
export interface SpanRecord extends Writable<Span> {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class SpanRecord {
  constructor(
    traceId: string,
    spanId: string,
    parentSpanId: string | undefined,
    traceState: string,
    name: string,
    kind: SpanKind,
    startTimeUnixNano: bigint,
    endTimeUnixNano: bigint,
    attributes: AttributeMap,
    droppedAttributesCount: number,
    events: readonly SpanEvent[],
    droppedEventsCount: number,
    links: readonly SpanLink[],
    droppedLinksCount: number,
    status: SpanStatus,
    flags: number,
    resource: Resource,
    scope: InstrumentationScope,
  ) {
    // Assigned to \`this\` by name, one by one: V8 counts these assignments to size the object, so all 18 members
    // sit inside it (through an alias, it reserved too few and put the rest in a separate array: 24 bytes more a span).
    this.traceId = traceId;
    this.spanId = spanId;
    this.parentSpanId = parentSpanId;
    this.traceState = traceState;
    this.name = name;
    this.kind = kind;
    this.startTimeUnixNano = startTimeUnixNano;
    this.endTimeUnixNano = endTimeUnixNano;
    this.attributes = attributes;
    this.droppedAttributesCount = droppedAttributesCount;
    this.events = events;
    this.droppedEventsCount = droppedEventsCount;
    this.links = links;
    this.droppedLinksCount = droppedLinksCount;
    this.status = status;
    this.flags = flags;
    this.resource = resource;
    this.scope = scope;
  }
}

/** `span` with other start and end times: a {@link SpanRecord} like every other span, not a spread copy of another shape. */
export function spanWithTimes(span: Span, startTimeUnixNano: bigint, endTimeUnixNano: bigint): Span {
  return new SpanRecord(
    span.traceId,
    span.spanId,
    span.parentSpanId,
    span.traceState,
    span.name,
    span.kind,
    startTimeUnixNano,
    endTimeUnixNano,
    span.attributes,
    span.droppedAttributesCount,
    span.events,
    span.droppedEventsCount,
    span.links,
    span.droppedLinksCount,
    span.status,
    span.flags,
    span.resource,
    span.scope,
  );
}

/** The `service.name` resource attribute of a span, or `undefined`. */
export function serviceNameOf(span: Span): string | undefined {
  const name = span.resource.attributes['service.name'];
  return typeof name === 'string' ? name : undefined;
}

/** A span's duration in nanoseconds (0 when the end precedes the start). */
export function durationNanosOf(span: Span): bigint {
  const d = span.endTimeUnixNano - span.startTimeUnixNano;
  return d > 0n ? d : 0n;
}

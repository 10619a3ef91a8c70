import { SpanKind, StatusCode, type AttributeMap, type AttributeValue, type Span, type SpanEvent, type SpanLink } from '../model/index.ts';
import { didYouMean } from './did-you-mean.ts';

/**
 * The fields of the selector language, defined once (docs/selectors.md, "Fields").
 *
 * Each entry says everything any part of tracecheck needs to know about a field: the parser takes the names, the
 * value types and which fields may be absent; the engine's reference implementation (src/engine/selectors/
 * reference.ts) reads the field with `read`; its accelerators take the source form for generated code, the span
 * group an equality keys, whether the field reads the resource alone, and a cost for ordering `&&` operands.
 * Adding a field is adding an entry here: every implementation picks it up.
 */

/** What values an intrinsic field holds, which decides the literals and operators it accepts. */
export type IntrinsicValueType = 'string' | 'id' | 'kind' | 'status' | 'duration' | 'bool' | 'count';

/** The span groups an equality condition can key (see src/engine/span-partitions.ts). */
export type SpanGroupKey = 'root' | 'service' | 'name' | 'kind' | 'status';

/** The JavaScript type a field's value always has, when it has one: generated comparisons then skip the type test. */
export type FixedJsType = 'string' | 'number' | 'bigint' | 'boolean';

interface FieldCommon {
  /** The values it holds: decides the literals and operators the parser accepts. */
  readonly type: IntrinsicValueType;
  /** Whether a span may lack it, so that `= nil` means something. */
  readonly optional: boolean;
  /** Relative cost of judging a condition on it, to put the cheapest operands of `&&` and `||` first. */
  readonly cost: number;
}

/** A field with one value per span. */
export interface SpanField extends FieldCommon {
  readonly per: 'span';
  /** How to read it: the definition. `undefined` means absent. */
  readonly read: (span: Span) => AttributeValue | undefined;
  /** The same read as JavaScript source over a variable `span`, for generated code. */
  readonly source: string;
  /** The JavaScript type of the value when it is always the same. */
  readonly jsType?: FixedJsType;
  /** Set when the value comes from the span's resource alone: a condition on it is judged once per resource object. */
  readonly readsOnlyResource?: true;
  /** The span group that `field = value` keys, if any. */
  readonly group?: SpanGroupKey;
}

/** A field with one value per event of the span: a condition holds when some event meets it. */
export interface EventField extends FieldCommon {
  readonly per: 'event';
  readonly read: (event: SpanEvent) => AttributeValue | undefined;
}

/** A field with one value per link of the span: a condition holds when some link meets it. */
export interface LinkField extends FieldCommon {
  readonly per: 'link';
  readonly read: (link: SpanLink) => AttributeValue | undefined;
}

/** One intrinsic field. */
export type IntrinsicField = SpanField | EventField | LinkField;

/** Reads `key` of an attribute map; keys naming `Object.prototype` members must not find the prototype's. */
export function readAttribute(map: AttributeMap, key: string): AttributeValue | undefined {
  return Object.hasOwn(map, key) ? map[key] : undefined;
}

/**
 * A reader of one key, as {@link readAttribute} reads it: only a key that names an `Object.prototype` member
 * (`constructor`, `toString`) pays for the own-property test.
 */
export function attributeMapReader(key: string): (map: AttributeMap) => AttributeValue | undefined {
  if (key in Object.prototype) return (map) => readAttribute(map, key);
  return (map) => map[key];
}

/**
 * The intrinsic fields. `satisfies` keeps each entry's literal type, so {@link IntrinsicName} is exactly these keys.
 */
export const INTRINSIC_FIELDS = {
  name: { type: 'string', optional: false, cost: 1, per: 'span', read: (span) => span.name, source: 'span.name', jsType: 'string', group: 'name' },
  kind: { type: 'kind', optional: false, cost: 1, per: 'span', read: (span) => span.kind, source: 'span.kind', jsType: 'number', group: 'kind' },
  status: { type: 'status', optional: false, cost: 1, per: 'span', read: (span) => span.status.code, source: 'span.status.code', jsType: 'number', group: 'status' },
  statusMessage: { type: 'string', optional: false, cost: 1, per: 'span', read: (span) => span.status.message, source: 'span.status.message', jsType: 'string' },
  duration: {
    type: 'duration',
    optional: false,
    cost: 2,
    per: 'span',
    // A span that ends before it starts lasted no time.
    read: (span) => (span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n),
    source: '(span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n)',
    jsType: 'bigint',
  },
  service: {
    type: 'string',
    optional: true,
    cost: 2,
    per: 'span',
    read: (span) => readAttribute(span.resource.attributes, 'service.name'),
    source: 'span.resource.attributes["service.name"]',
    readsOnlyResource: true,
    group: 'service',
  },
  scope: { type: 'string', optional: false, cost: 1, per: 'span', read: (span) => span.scope.name, source: 'span.scope.name', jsType: 'string' },
  'scope.version': { type: 'string', optional: false, cost: 1, per: 'span', read: (span) => span.scope.version, source: 'span.scope.version', jsType: 'string' },
  traceId: { type: 'id', optional: false, cost: 1, per: 'span', read: (span) => span.traceId, source: 'span.traceId', jsType: 'string' },
  spanId: { type: 'id', optional: false, cost: 1, per: 'span', read: (span) => span.spanId, source: 'span.spanId', jsType: 'string' },
  parentSpanId: { type: 'id', optional: true, cost: 1, per: 'span', read: (span) => span.parentSpanId, source: 'span.parentSpanId', jsType: 'string' },
  root: { type: 'bool', optional: false, cost: 1, per: 'span', read: (span) => span.parentSpanId === undefined, source: '(span.parentSpanId === undefined)', jsType: 'boolean', group: 'root' },
  'event.name': { type: 'string', optional: true, cost: 7, per: 'event', read: (event) => event.name },
  'event.count': { type: 'count', optional: false, cost: 1, per: 'span', read: (span) => span.events.length, source: 'span.events.length', jsType: 'number' },
  'link.traceId': { type: 'id', optional: true, cost: 7, per: 'link', read: (link) => link.traceId },
  'link.spanId': { type: 'id', optional: true, cost: 7, per: 'link', read: (link) => link.spanId },
  'link.count': { type: 'count', optional: false, cost: 1, per: 'span', read: (span) => span.links.length, source: 'span.links.length', jsType: 'number' },
} as const satisfies Readonly<Record<string, IntrinsicField>>;

/** The built-in span fields. */
export type IntrinsicName = keyof typeof INTRINSIC_FIELDS;

/** The entry of `name`, typed as any field (not as its literal entry). */
export function intrinsicField(name: IntrinsicName): IntrinsicField {
  return INTRINSIC_FIELDS[name];
}

/**
 * Where an attribute is looked up: `span.x`, `resource.x`, `scope.x` (instrumentation-scope attributes),
 * `event.x` (any event of the span), `link.x` (any link of the span), or `.x` (the span attribute, else the
 * resource attribute).
 */
export type AttributeScope = 'span' | 'resource' | 'scope' | 'event' | 'link' | 'any';

/** How the attributes of one scope are found, in the form of the intrinsic fields. */
export type AttributeScopeDefinition =
  | {
      readonly per: 'span';
      /** The map to look in. */
      readonly map: (span: Span) => AttributeMap;
      /** The same as JavaScript source over `span`. */
      readonly source: string;
      /** A map to look in when the first lacks the key (`.x`: the span's, then the resource's). */
      readonly fallback?: { readonly map: (span: Span) => AttributeMap; readonly source: string };
      readonly readsOnlyResource?: true;
      readonly cost: number;
    }
  | { readonly per: 'event'; readonly map: (event: SpanEvent) => AttributeMap; readonly cost: number }
  | { readonly per: 'link'; readonly map: (link: SpanLink) => AttributeMap; readonly cost: number };

/** The attribute scopes. Costs: the resource's verdicts are remembered per resource object, so they cost little. */
export const ATTRIBUTE_SCOPES: Readonly<Record<AttributeScope, AttributeScopeDefinition>> = {
  span: { per: 'span', map: (span) => span.attributes, source: 'span.attributes', cost: 3 },
  resource: { per: 'span', map: (span) => span.resource.attributes, source: 'span.resource.attributes', readsOnlyResource: true, cost: 2 },
  scope: { per: 'span', map: (span) => span.scope.attributes, source: 'span.scope.attributes', cost: 3 },
  any: {
    per: 'span',
    map: (span) => span.attributes,
    source: 'span.attributes',
    fallback: { map: (span) => span.resource.attributes, source: 'span.resource.attributes' },
    cost: 5,
  },
  event: { per: 'event', map: (event) => event.attributes, cost: 9 },
  link: { per: 'link', map: (link) => link.attributes, cost: 9 },
};

/** Intrinsics that a span may lack (`service` without `service.name`, `parentSpanId` of a root), so `= nil` means something. */
export const OPTIONAL_INTRINSICS: ReadonlySet<IntrinsicName> = new Set(
  (Object.keys(INTRINSIC_FIELDS) as IntrinsicName[]).filter((name) => intrinsicField(name).optional),
);

/** Span kind keywords → OTLP `SpanKind`. */
export const KIND_KEYWORDS: Readonly<Record<string, number>> = {
  unspecified: SpanKind.UNSPECIFIED,
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

/** Status keywords → OTLP `StatusCode`. */
export const STATUS_KEYWORDS: Readonly<Record<string, number>> = {
  unset: StatusCode.UNSET,
  ok: StatusCode.OK,
  error: StatusCode.ERROR,
};

/** Prefixes that introduce an attribute key. */
export const ATTRIBUTE_PREFIXES = ['span.', 'resource.', 'scope.', 'event.', 'link.'] as const;

/**
 * The candidate closest to `word` when it is close enough to be a likely typo, else `undefined`
 * (case-insensitive; see {@link didYouMean}).
 */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  return didYouMean(word, [...candidates]);
}

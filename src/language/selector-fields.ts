import type { IntrinsicName } from './selector-ast.ts';
import { SpanKind, StatusCode } from '../model/index.ts';
import { didYouMean } from './did-you-mean.ts';

/** What values an intrinsic field holds, which decides the literals and operators it accepts. */
export type IntrinsicValueType = 'string' | 'id' | 'kind' | 'status' | 'duration' | 'bool';

/** The intrinsic fields of the selector language and the type of their values. */
export const INTRINSIC_FIELDS: Readonly<Record<IntrinsicName, IntrinsicValueType>> = {
  name: 'string',
  kind: 'kind',
  status: 'status',
  statusMessage: 'string',
  duration: 'duration',
  service: 'string',
  scope: 'string',
  'scope.version': 'string',
  traceId: 'id',
  spanId: 'id',
  parentSpanId: 'id',
  root: 'bool',
  'event.name': 'string',
  'link.traceId': 'id',
  'link.spanId': 'id',
};

/** Intrinsics that a span may lack (`service` without `service.name`, `parentSpanId` of a root), so `= nil` means something. */
export const OPTIONAL_INTRINSICS: ReadonlySet<IntrinsicName> = new Set<IntrinsicName>(['service', 'parentSpanId', 'event.name', 'link.traceId', 'link.spanId']);

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

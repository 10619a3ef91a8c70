import type { IntrinsicName } from './selector-ast.ts';
import { SpanKind, StatusCode } from '../model/span.ts';

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
};

/** Intrinsics that a span may lack (`service` without `service.name`, `parentSpanId` of a root), so `= nil` means something. */
export const OPTIONAL_INTRINSICS: ReadonlySet<IntrinsicName> = new Set<IntrinsicName>(['service', 'parentSpanId']);

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
export const ATTRIBUTE_PREFIXES = ['span.', 'resource.', 'scope.', 'event.'] as const;

/** Edit distance (insertions, deletions, substitutions, adjacent transpositions), case-insensitive. */
function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows: number[][] = [];
  for (let i = 0; i <= s.length; i += 1) {
    const row: number[] = [i];
    for (let j = 1; j <= t.length; j += 1) row.push(i === 0 ? j : 0);
    rows.push(row);
  }
  for (let i = 1; i <= s.length; i += 1) {
    const row = rows[i] as number[];
    const prev = rows[i - 1] as number[];
    for (let j = 1; j <= t.length; j += 1) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = best;
    }
  }
  return (rows[s.length] as number[])[t.length] as number;
}

/**
 * The candidate closest to `word`, when it is close enough to be a likely typo (at most a third of the word's
 * length, and at most 3 edits), else `undefined`.
 */
export function closestName(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance <= bestDistance && (best === undefined || distance < bestDistance)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

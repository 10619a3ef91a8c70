import { randomBytes } from 'node:crypto';
import { emptyAttributes, SpanKind, SpanRecord, StatusCode } from '../model/index.ts';
import type { AttributeMap, InstrumentationScope, Resource, Span } from '../model/index.ts';
import { DEFAULT_RUN_ID_ATTRIBUTE } from './run-id.ts';

/** `service.name` of the root spans a test process creates with `run.headers()`. */
export const TEST_SERVICE_NAME = 'tracecheck-test';
/** Name of the root span behind `run.headers()`. */
export const TEST_ROOT_SPAN_NAME = 'test request';

/** Headers that make a request the child of a fresh root span of a run. */
export interface RunHeaders {
  /** W3C Trace Context: `00-<trace id>-<span id>-01` (sampled). */
  readonly traceparent: string;
  /** W3C Baggage: `test.run.id=<run id>` (percent-encoded), for services that copy baggage onto their spans. */
  readonly baggage: string;
  readonly [name: string]: string;
}

/** A root span and the headers that continue it. */
export interface RootSpanAndHeaders {
  readonly span: Span;
  readonly headers: RunHeaders;
}

const scope: InstrumentationScope = {
  name: 'tracecheck',
  version: '0.1.0',
  attributes: emptyAttributes(),
  droppedAttributesCount: 0,
  schemaUrl: '',
};

function attributes(entries: Record<string, string>): AttributeMap {
  const map = emptyAttributes();
  for (const [key, value] of Object.entries(entries)) map[key] = value;
  return map;
}

/**
 * Creates the root span a test process without an SDK stands in for: a new trace, tagged with the run id (span
 * and resource attribute), kind `internal`, starting and ending now (the test does not know when its request
 * will end; a zero-length internal root keeps clock-skew adjustment, which looks at client → server pairs, out of
 * it). Its `traceparent` makes the services' spans its children, so trace inheritance puts them in the run.
 *
 * @example
 * ```ts
 * const { span, headers } = createRootSpan('run-42');
 * store.ingest([span], { transport: 'memory', runId: 'run-42' });
 * await fetch(url, { headers });
 * ```
 */
export function createRootSpan(runId: string, runIdAttribute: string = DEFAULT_RUN_ID_ATTRIBUTE): RootSpanAndHeaders {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  const nowNanos = BigInt(Date.now()) * 1_000_000n;
  const resource: Resource = {
    attributes: attributes({ 'service.name': TEST_SERVICE_NAME, [runIdAttribute]: runId }),
    droppedAttributesCount: 0,
    schemaUrl: '',
  };
  // The members in the order of Span: a root (no parent), no trace state, no events or links, nothing dropped.
  const span: Span = new SpanRecord(
    traceId,
    spanId,
    /* parentSpanId */ undefined,
    /* traceState */ '',
    TEST_ROOT_SPAN_NAME,
    SpanKind.INTERNAL,
    /* startTimeUnixNano */ nowNanos,
    /* endTimeUnixNano */ nowNanos,
    attributes({ [runIdAttribute]: runId }),
    /* droppedAttributesCount */ 0,
    /* events */ [],
    /* droppedEventsCount */ 0,
    /* links */ [],
    /* droppedLinksCount */ 0,
    { code: StatusCode.UNSET, message: '' },
    // W3C trace flags: sampled. OTLP's Span.flags keeps them in its low byte.
    /* flags */ 1,
    resource,
    scope,
  );
  return {
    span,
    headers: {
      traceparent: `00-${traceId}-${spanId}-01`,
      baggage: `${encodeURIComponent(runIdAttribute)}=${encodeURIComponent(runId)}`,
    },
  };
}

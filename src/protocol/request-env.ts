import type { RunHeaders } from './root-span.ts';
import { runIdHeaderName } from './run-id.ts';

/** The run id `tracecheck run` hands CMD. */
export const RUN_ID_ENV = 'TRACECHECK_RUN_ID';
/** The W3C `traceparent` of the run's root span: test requests that carry it put the services' spans in the run. */
export const TRACEPARENT_ENV = 'TRACECHECK_TRACEPARENT';
/** The W3C `baggage` carrying the run id, for services that copy baggage onto their spans. */
export const BAGGAGE_ENV = 'TRACECHECK_BAGGAGE';
/** Every header a test request should carry, as one JSON object (run id header, `traceparent`, `baggage`). */
export const REQUEST_HEADERS_ENV = 'TRACECHECK_HEADERS';
/**
 * The collector's OTLP/gRPC endpoint, handed to CMD beside the `OTEL_*` variables (which name one protocol's
 * endpoint), for a service that must export over gRPC while the others use OTLP/HTTP.
 */
export const GRPC_ENDPOINT_ENV = 'TRACECHECK_OTLP_GRPC_ENDPOINT';

/**
 * The variables `tracecheck run` hands CMD so that its test requests join the run: the run id, and the headers
 * each request to a service should carry, one by one (for `curl -H "traceparent: $TRACECHECK_TRACEPARENT"`) and
 * as one JSON object (for `fetch(url, { headers: JSON.parse(process.env.TRACECHECK_HEADERS) })`).
 *
 * @example
 * ```ts
 * const { headers } = createRootSpan('run-42');
 * buildRequestEnv('run-42', headers);
 * // { TRACECHECK_RUN_ID: 'run-42', TRACECHECK_TRACEPARENT: '00-…-01', TRACECHECK_BAGGAGE: 'test.run.id=run-42',
 * //   TRACECHECK_HEADERS: '{"x-test-run-id":"run-42","traceparent":"00-…-01","baggage":"test.run.id=run-42"}' }
 * ```
 */
export function buildRequestEnv(runId: string, root: RunHeaders, runIdHeader?: string): Record<string, string> {
  const headers = { [runIdHeaderName(runIdHeader)]: runId, traceparent: root.traceparent, baggage: root.baggage };
  return {
    [RUN_ID_ENV]: runId,
    [TRACEPARENT_ENV]: root.traceparent,
    [BAGGAGE_ENV]: root.baggage,
    [REQUEST_HEADERS_ENV]: JSON.stringify(headers),
  };
}

import type { OtlpEncoding } from '../otlp/index.ts';
import { encodeExportResponse, encodeRpcStatus } from '../otlp/index.ts';
import { runIdHeaderName } from '../protocol/index.ts';
import type { SpanSink } from '../store/index.ts';
import { parseContentEncoding, decompressBody, supportedContentCodings } from './content-encoding.ts';
import type { CorsOptions } from './cors.ts';
import { createCorsPolicy } from './cors.ts';
import { checkAuthorization, exportTraces, handledOf, notifyObserver } from './export-traces.ts';
import type { ExportHandled, ExportObserver, ExportOutcome, ExportPolicy } from './export-traces.ts';
import { contentTypeOfOtlpEncoding, otlpEncodingOfContentType } from './media-type.ts';
import { readBody } from './read-body.ts';
import { grpcStatusOfHttpStatus, RpcCode } from './status-codes.ts';

/** One HTTP request as the transport-independent handler sees it. */
export interface OtlpHttpRequest {
  /** Upper-case method, e.g. `POST`. */
  readonly method: string;
  /** The request target's path; a query string, if any, is ignored for routing. */
  readonly path: string;
  /** Header values by lower-case name; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body, whole or streaming (chunked uploads need no `Content-Length`). */
  readonly body: Uint8Array | AsyncIterable<Uint8Array>;
}

/** One HTTP answer. Header names are lower-case. */
export interface OtlpHttpResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
  /**
   * A streamed continuation sent after `body`, without `content-length` (e.g. server-sent events). The server
   * calls the iterator's `return()` when the client goes away, so the stream can release what it holds.
   */
  readonly stream?: AsyncIterable<Uint8Array>;
}

/** An async request → response function: the OTLP handler itself, or a route composed with it. */
export type OtlpHttpHandler = (request: OtlpHttpRequest) => Promise<OtlpHttpResponse>;

/** Options of {@link createOtlpHttpHandler}. */
export interface OtlpHttpHandlerOptions {
  /** Receives every accepted span, with the request's run id. */
  readonly sink: SpanSink;
  /**
   * Largest accepted body in bytes, checked while the body streams in AND after decompression
   * (OTLP spec: limit after decompression; default 64 MiB). Over it → 413.
   */
  readonly maxBodyBytes?: number;
  /** Header carrying the test-run id (lower-case). Default `x-test-run-id`. */
  readonly runIdHeader?: string;
  /** CORS for browser exporters; off when absent. */
  readonly cors?: CorsOptions;
  /** When set, OTLP requests need `Authorization: Bearer <authToken>`; 401 otherwise. */
  readonly authToken?: string;
  /** Whether the sink takes exports now; when false, exports are answered 503 with `Retry-After`. Default: always. */
  readonly acceptingExports?: () => boolean;
  /**
   * Answers requests whose path is not an OTLP traces path (`/v1/traces`, `/`), e.g. the sidecar's
   * `GET /api/...`; without it those get 404. The fallback sees the request untouched (body unread).
   */
  readonly fallback?: OtlpHttpHandler;
  /** Told of every OTLP export request (POST) once answered: outcome, spans, latency. For metrics. */
  readonly onExportHandled?: ExportObserver;
}

/** OTLP/HTTP's default body limit: 64 MiB (spec recommendation; the Collector uses 20 MiB). */
export const defaultMaxBodyBytes = 64 * 1024 * 1024;

/**
 * Whether `path` is where OTLP/HTTP trace exports go: `/v1/traces`, or `/` because a signal-specific endpoint
 * variable (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is used as-is, without `/v1/traces` appended.
 * A trailing slash and a query string are tolerated.
 */
export function isOtlpTracesPath(path: string): boolean {
  const question = path.indexOf('?');
  const bare = question === -1 ? path : path.slice(0, question);
  return bare === '/' || bare === '' || bare === '/v1/traces' || bare === '/v1/traces/';
}

const utf8 = new TextEncoder();

/**
 * Creates the OTLP/HTTP trace receiver as a plain async function, independent of any server, so it can be
 * called in-process or mounted on node:http ({@link listenHttp}) or another framework.
 *
 * Every answer follows the OTLP/HTTP spec (see docs/receiver.md for the full table): 200 with an
 * `ExportTraceServiceResponse` in the request's encoding (with `partial_success` when spans were rejected),
 * 400 with a `google.rpc.Status` for undecodable data, 413 over the size limit, 415 for an unknown content type
 * or encoding, 405 for other methods, 404 for other paths. It never rejects: a bug becomes a 500 with a Status
 * body and the next request is served normally.
 *
 * @example
 * ```ts
 * const handler = createOtlpHttpHandler({ sink: { ingest: (spans, ctx) => console.log(ctx.runId, spans.length) } });
 * const response = await handler({
 *   method: 'POST',
 *   path: '/v1/traces',
 *   headers: { 'content-type': 'application/json', 'x-test-run-id': 'run-1' },
 *   body: new TextEncoder().encode('{"resourceSpans":[]}'),
 * });
 * // response.status === 200
 * ```
 */
export function createOtlpHttpHandler(options: OtlpHttpHandlerOptions): OtlpHttpHandler {
  const maxBodyBytes = options.maxBodyBytes ?? defaultMaxBodyBytes;
  const runIdHeader = runIdHeaderName(options.runIdHeader);
  const cors = options.cors === undefined ? undefined : createCorsPolicy(options.cors);
  const policy: ExportPolicy = { authToken: options.authToken, maxBodyBytes, acceptingExports: options.acceptingExports };
  const allow = cors === undefined ? 'POST' : 'POST, OPTIONS';
  const { sink, fallback } = options;

  const answer = (
    status: number,
    encoding: OtlpEncoding,
    message: string,
    origin: string | undefined,
    extraHeaders: Record<string, string> = {},
  ): OtlpHttpResponse => ({
    status,
    headers: {
      'content-type': contentTypeOfOtlpEncoding(encoding),
      ...(cors?.responseHeaders(origin) ?? {}),
      ...extraHeaders,
    },
    body: encodeRpcStatus(encoding, grpcStatusOfHttpStatus(status), message),
  });

  /** `noteOutcome` hears the export core's outcome, when the request got that far. */
  const handleOtlp = async (request: OtlpHttpRequest, noteOutcome: (outcome: ExportOutcome) => void): Promise<OtlpHttpResponse> => {
    const { headers } = request;
    const origin = headers['origin'];
    const contentType = headers['content-type'];
    const encoding = otlpEncodingOfContentType(contentType);
    // Errors found before the encoding is known are answered in JSON: readable by people and curl.
    const errorEncoding: OtlpEncoding = encoding ?? 'json';

    if (request.method === 'OPTIONS' && cors !== undefined) {
      if (origin === undefined || !cors.allows(origin)) {
        return answer(403, 'json', `CORS: origin ${origin === undefined ? '(none)' : `"${origin}"`} is not allowed; add it to cors.allowedOrigins`, origin);
      }
      return {
        status: 204,
        headers: cors.preflightHeaders(origin, headers['access-control-request-headers']),
        body: new Uint8Array(0),
      };
    }
    if (request.method !== 'POST') {
      return answer(405, errorEncoding, `method ${request.method} is not allowed; OTLP/HTTP exports use POST`, origin, { allow });
    }
    // The bearer check comes before the body is read: an unauthenticated client cannot make us buffer it.
    const unauthenticated = checkAuthorization(headers['authorization'], policy);
    if (unauthenticated !== undefined) {
      noteOutcome(unauthenticated);
      return answerOutcome(unauthenticated, errorEncoding, origin);
    }
    if (encoding === undefined) {
      const got = contentType === undefined ? 'no Content-Type' : `Content-Type "${contentType}"`;
      return answer(415, 'json', `unsupported media type: ${got}; use application/x-protobuf or application/json`, origin);
    }
    const codings = parseContentEncoding(headers['content-encoding']);
    if (!codings.ok) {
      return answer(415, encoding, codings.error.message, origin, {
        'accept-encoding': supportedContentCodings.join(', '),
      });
    }
    // A declared length over the limit is refused before reading a byte.
    const declaredLength = Number(headers['content-length']);
    if (Number.isFinite(declaredLength) && declaredLength > maxBodyBytes) {
      return answer(413, encoding, `request body of ${declaredLength} bytes is larger than the limit of ${maxBodyBytes} bytes`, origin, {
        connection: 'close',
      });
    }
    const raw = await readBody(request.body, maxBodyBytes);
    if (!raw.ok) {
      const status = raw.error.kind === 'too-large' ? 413 : 400;
      return answer(status, encoding, raw.error.message, origin, { connection: 'close' });
    }
    const inflated = await decompressBody(raw.value, codings.value, maxBodyBytes);
    if (!inflated.ok) {
      const status = inflated.error.kind === 'too-large' ? 413 : inflated.error.kind === 'unsupported' ? 415 : 400;
      return answer(status, encoding, inflated.error.message, origin);
    }
    const outcome = await exportTraces(
      { bytes: inflated.value, encoding, runId: headers[runIdHeader], authorization: headers['authorization'], transport: 'http' },
      sink,
      policy,
    );
    noteOutcome(outcome);
    return answerOutcome(outcome, encoding, origin);
  };

  /** OTLP/HTTP's answer to each outcome of the export core. */
  const answerOutcome = (outcome: ExportOutcome, encoding: OtlpEncoding, origin: string | undefined): OtlpHttpResponse => {
    switch (outcome.kind) {
      case 'ok':
      case 'partial':
        return {
          status: 200,
          headers: { 'content-type': contentTypeOfOtlpEncoding(encoding), ...(cors?.responseHeaders(origin) ?? {}) },
          body: encodeExportResponse(
            encoding,
            outcome.kind === 'partial' ? { rejectedSpans: outcome.rejectedSpans, errorMessage: outcome.errorMessage } : undefined,
          ),
        };
      case 'unauthenticated':
        return answer(401, encoding, `${outcome.message}: send "Authorization: Bearer <token>"`, origin, { 'www-authenticate': 'Bearer' });
      case 'invalid':
        return answer(400, encoding, outcome.message, origin);
      case 'tooLarge':
        return answer(413, encoding, outcome.message, origin);
      case 'unavailable':
        // 503 is retryable in OTLP/HTTP, and Retry-After tells the exporter when (the Status body says it too).
        return {
          status: 503,
          headers: {
            'content-type': contentTypeOfOtlpEncoding(encoding),
            ...(cors?.responseHeaders(origin) ?? {}),
            'retry-after': String(outcome.retryAfterSeconds),
          },
          body: encodeRpcStatus(encoding, RpcCode.UNAVAILABLE, outcome.message, outcome.retryAfterSeconds),
        };
    }
  };

  return async (request) => {
    try {
      if (!isOtlpTracesPath(request.path)) {
        if (fallback !== undefined) return await fallback(request);
        return answer(404, 'json', `no route for ${request.path}; OTLP/HTTP traces go to POST /v1/traces`, request.headers['origin']);
      }
      if (request.method !== 'POST') return await handleOtlp(request, () => {});
      const startedAtMillis = performance.now();
      let outcome: ExportOutcome | undefined;
      let response: OtlpHttpResponse;
      try {
        response = await handleOtlp(request, (noted) => (outcome = noted));
      } catch (cause) {
        response = internalError(cause);
      }
      const handled = outcome === undefined ? refusedBeforeCore(response.status, startedAtMillis) : handledOf('http', outcome, startedAtMillis);
      notifyObserver(options.onExportHandled, handled);
      return response;
    } catch (cause) {
      return internalError(cause);
    }
  };
}

/** What a request refused before the export core saw it came to, by its status. */
function refusedBeforeCore(status: number, startedAtMillis: number): ExportHandled {
  if (status === 413) return handledOf('http', { kind: 'tooLarge', message: '' }, startedAtMillis);
  if (status === 400) return handledOf('http', { kind: 'invalid', message: '' }, startedAtMillis);
  return handledOf('http', status === 415 ? 'unsupported' : 'internal', startedAtMillis);
}

/** A 500 built without the encoders, in case they are what failed. */
function internalError(cause: unknown): OtlpHttpResponse {
  const detail = cause instanceof Error ? cause.message : String(cause);
  // 13 = google.rpc.Code INTERNAL.
  const body = utf8.encode(JSON.stringify({ code: 13, message: `internal error in the receiver: ${detail}` }));
  return { status: 500, headers: { 'content-type': 'application/json' }, body };
}

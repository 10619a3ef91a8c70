import type { OtlpEncoding } from './decoded-export.ts';
import { otlpMessageType } from './proto-root.ts';

/** `ExportTracePartialSuccess`: spans the server dropped, and why. The client must not retry them. */
export interface PartialSuccess {
  readonly rejectedSpans: number;
  readonly errorMessage: string;
}

const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);

/**
 * Encodes an `ExportTraceServiceResponse` in the request's encoding (an exporter that sent protobuf must get
 * protobuf back). Without a partial success (or with zero rejected spans and no message) the response is
 * empty: zero bytes, which is a valid protobuf message, or `{}` in JSON.
 *
 * @example
 * ```ts
 * const body = encodeExportResponse('json', { rejectedSpans: 2, errorMessage: 'trace id is 15 bytes' });
 * // {"partialSuccess":{"rejectedSpans":"2","errorMessage":"trace id is 15 bytes"}}
 * ```
 */
export function encodeExportResponse(encoding: OtlpEncoding, partialSuccess?: PartialSuccess): Uint8Array {
  const partial = partialSuccess !== undefined && (partialSuccess.rejectedSpans !== 0 || partialSuccess.errorMessage !== '') ? partialSuccess : undefined;
  if (encoding === 'json') {
    // int64 is written as a decimal string, as OTLP/JSON encoders must.
    if (partial === undefined) return utf8.encode('{}');
    return utf8.encode(JSON.stringify({ partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage } }));
  }
  if (partial === undefined) return EMPTY;
  const type = otlpMessageType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');
  return type.encode(type.fromObject({ partialSuccess: { rejectedSpans: partial.rejectedSpans, errorMessage: partial.errorMessage } })).finish();
}

/** The `type_url` of a `google.rpc.RetryInfo` packed in a `google.protobuf.Any`. */
const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * Encodes a `google.rpc.Status` error body (HTTP 4xx/5xx): `code` is a gRPC status code (3 INVALID_ARGUMENT
 * for bad data), `message` says what was wrong. JSON form: `{"code":3,"message":"..."}`. With
 * `retryDelaySeconds`, `details` carries a `google.rpc.RetryInfo` (OTLP's throttling hint: when to retry).
 *
 * @example
 * ```ts
 * const body = encodeRpcStatus('protobuf', 3, 'invalid OTLP protobuf: payload truncated');
 * const retry = encodeRpcStatus('json', 14, 'the save file is full', 1);
 * // {"code":14,"message":"the save file is full","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1s"}]}
 * ```
 */
export function encodeRpcStatus(encoding: OtlpEncoding, code: number, message: string, retryDelaySeconds?: number): Uint8Array {
  if (encoding === 'json') {
    // The proto3 JSON mapping: an Any is its message's fields plus "@type"; a Duration is "<seconds>s".
    const details = retryDelaySeconds === undefined ? undefined : [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: `${retryDelaySeconds}s` }];
    return utf8.encode(JSON.stringify(details === undefined ? { code, message } : { code, message, details }));
  }
  const type = otlpMessageType('google.rpc.Status');
  // protobufjs keeps Any's field names as declared (type_url), whatever keepCase says.
  const any = otlpMessageType('google.protobuf.Any');
  const details = retryDelaySeconds === undefined ? [] : [any.create({ type_url: RETRY_INFO_TYPE_URL, value: encodeRetryInfo(retryDelaySeconds) })];
  return type.encode(type.create({ code, message, details })).finish();
}

/** A serialized `google.rpc.RetryInfo { retry_delay: { seconds } }`. */
export function encodeRetryInfo(retryDelaySeconds: number): Uint8Array {
  const type = otlpMessageType('google.rpc.RetryInfo');
  return type.encode(type.fromObject({ retryDelay: { seconds: Math.floor(retryDelaySeconds), nanos: Math.round((retryDelaySeconds % 1) * 1e9) } })).finish();
}

/**
 * Reads an upstream's `ExportTraceServiceResponse` (what `--forward` gets back): its partial success, or `undefined`
 * when every span was accepted or the body is not a response it can read (a success status is trusted then).
 *
 * @example
 * ```ts
 * const partial = decodeExportResponse(new Uint8Array(await response.arrayBuffer()), 'protobuf');
 * if (partial !== undefined) console.warn(`${partial.rejectedSpans} spans rejected: ${partial.errorMessage}`);
 * ```
 */
export function decodeExportResponse(bytes: Uint8Array, encoding: OtlpEncoding): PartialSuccess | undefined {
  try {
    const message =
      encoding === 'json'
        ? (JSON.parse(new TextDecoder().decode(bytes)) as { partialSuccess?: { rejectedSpans?: string | number; errorMessage?: string } })
        : (otlpMessageType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse').toObject(
            otlpMessageType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse').decode(bytes),
            { longs: String },
          ) as { partialSuccess?: { rejectedSpans?: string; errorMessage?: string } });
    const rejectedSpans = Number(message.partialSuccess?.rejectedSpans ?? 0);
    const errorMessage = message.partialSuccess?.errorMessage ?? '';
    return rejectedSpans > 0 || errorMessage !== '' ? { rejectedSpans, errorMessage } : undefined;
  } catch {
    return undefined;
  }
}

import type { OtlpEncoding } from '../otlp/index.ts';

/**
 * The OTLP encoding named by a `Content-Type` header, or `undefined` when it names neither OTLP/HTTP encoding.
 *
 * Media types are case-insensitive and may carry parameters (RFC 9110 §8.3.1), so
 * `Application/JSON; charset=utf-8` is JSON. OTLP/HTTP defines exactly two: `application/x-protobuf` and
 * `application/json`.
 */
export function otlpEncodingOfContentType(contentType: string | undefined): OtlpEncoding | undefined {
  if (contentType === undefined) return undefined;
  const semicolon = contentType.indexOf(';');
  const essence = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (essence === 'application/x-protobuf') return 'protobuf';
  if (essence === 'application/json') return 'json';
  return undefined;
}

/** The `Content-Type` an OTLP/HTTP answer in `encoding` carries. */
export function contentTypeOfOtlpEncoding(encoding: OtlpEncoding): string {
  return encoding === 'protobuf' ? 'application/x-protobuf' : 'application/json';
}

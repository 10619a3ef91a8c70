import type { Span } from '../model/index.ts';
import type { Result } from '../result.ts';

/** What one export request decodes to: the accepted spans and how many were rejected (partial success). */
export interface DecodedExport {
  readonly spans: Span[];
  /** Spans dropped because they cannot be stored (e.g. a trace id that is not 16 bytes, an all-zero span id). */
  readonly rejectedSpans: number;
  /** Why spans were rejected, for `partial_success.error_message`; `''` when none were. */
  readonly rejectionMessage: string;
}

/** Why a whole export request could not be decoded; answered with HTTP 400 / gRPC INVALID_ARGUMENT. */
export interface DecodeError {
  readonly message: string;
}

/** The outcome of decoding one export request. */
export type DecodeResult = Result<DecodedExport, DecodeError>;

/** The two OTLP encodings. */
export type OtlpEncoding = 'protobuf' | 'json';

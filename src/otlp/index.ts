export type { DecodedExport, DecodeError, DecodeResult, OtlpEncoding } from './decoded-export.ts';
export { decodeExportRequestProtobuf } from './decode-protobuf.ts';
export { decodeExportRequestJson } from './decode-json.ts';
export type { PartialSuccess } from './encode-response.ts';
export { decodeExportResponse, encodeExportResponse, encodeRetryInfo, encodeRpcStatus } from './encode-response.ts';
export type { OtlpJsonExportRequest } from './encode-json.ts';
export { encodeSpansAsOtlpJson } from './encode-json.ts';
export { encodeSpansAsOtlpProtobuf } from './encode-protobuf.ts';
export { PROTO_DIR, otlpProtoRoot } from './proto-root.ts';

export type { DecodedExport, DecodeError, DecodeResult, OtlpEncoding } from './decoded-export.ts';
export { decodeExportRequestProtobuf } from './decode-protobuf.ts';
export { decodeExportRequestJson } from './decode-json.ts';

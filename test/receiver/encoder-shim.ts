// THROWAWAY: stands in for engineer A's encoders until src/otlp/index.ts exports them; delete then.
import protobuf from 'protobufjs';
import { fileURLToPath } from 'node:url';

const protoRoot = fileURLToPath(new URL('../../proto/', import.meta.url));
const root = new protobuf.Root();
root.resolvePath = (_origin, target) => protoRoot + target;
root.loadSync(['google/rpc/status.proto', 'opentelemetry/proto/collector/trace/v1/trace_service.proto']);
const statusType = root.lookupType('google.rpc.Status');
const responseType = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse');

export function encodeExportResponse(encoding: 'protobuf' | 'json', partial?: { rejectedSpans: number; errorMessage: string }): Uint8Array {
  const value = partial === undefined ? {} : { partialSuccess: { rejectedSpans: partial.rejectedSpans, errorMessage: partial.errorMessage } };
  if (encoding === 'json') {
    const json = partial === undefined ? {} : { partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage } };
    return new TextEncoder().encode(JSON.stringify(json));
  }
  return responseType.encode(responseType.fromObject(value)).finish();
}

export function encodeRpcStatus(encoding: 'protobuf' | 'json', code: number, message: string): Uint8Array {
  if (encoding === 'json') return new TextEncoder().encode(JSON.stringify({ code, message }));
  return statusType.encode(statusType.fromObject({ code, message })).finish();
}

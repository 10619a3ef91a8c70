// The receivers: one transport-neutral export core (decode, bearer check, run id, ingest, partial success) and the
// OTLP/HTTP and OTLP/gRPC transports that map its outcomes to their status codes. They hand spans to a SpanSink
// and know nothing of runs or storage.
export { checkAuthorization, exportTraces, handledOf, notifyObserver, RETRY_AFTER_SECONDS } from './export-traces.ts';
export { bearerMatches, secretsEqual } from './bearer-token.ts';
export type {
  ExportHandled,
  ExportInvalid,
  ExportObserver,
  ExportOk,
  ExportOutcome,
  ExportPartial,
  ExportPolicy,
  ExportRequest,
  ExportTooLarge,
  ExportUnauthenticated,
  ExportUnavailable,
} from './export-traces.ts';
export { createOtlpHttpHandler, defaultMaxBodyBytes, isOtlpTracesPath } from './http-handler.ts';
export type { OtlpHttpHandler, OtlpHttpHandlerOptions, OtlpHttpRequest, OtlpHttpResponse } from './http-handler.ts';
export { listenHttp } from './node-http.ts';
export type { HttpListener, ListenHttpOptions } from './node-http.ts';
export { createTraceServiceHandlers, listenGrpc, traceExportMethodPath, traceServiceDefinition } from './grpc-service.ts';
export type { GrpcListener, GrpcReceiverOptions, ListenGrpcOptions } from './grpc-service.ts';
export { createCorsPolicy } from './cors.ts';
export type { CorsOptions, CorsPolicy } from './cors.ts';
export { supportedContentCodings } from './content-encoding.ts';
export type { ContentCoding } from './content-encoding.ts';
export { otlpEncodingOfContentType } from './media-type.ts';
export { RpcCode } from './status-codes.ts';

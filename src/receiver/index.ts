// The receiver transports: they decode OTLP and hand spans to a SpanSink; they know nothing of runs or storage.
export { createOtlpHttpHandler, defaultMaxBodyBytes, isOtlpTracesPath } from './http-handler.ts';
export type { OtlpHttpHandler, OtlpHttpHandlerOptions, OtlpHttpRequest, OtlpHttpResponse } from './http-handler.ts';
export { listenHttp } from './node-http.ts';
export type { HttpListener, ListenHttpOptions } from './node-http.ts';
export { createTraceServiceHandlers, listenGrpc, traceExportMethodPath, traceServiceDefinition } from './grpc-service.ts';
export type { GrpcListener, GrpcReceiverOptions, ListenGrpcOptions } from './grpc-service.ts';
export type { CorsOptions } from './cors.ts';
export { supportedContentCodings } from './content-encoding.ts';
export type { ContentCoding } from './content-encoding.ts';
export { otlpEncodingOfContentType } from './media-type.ts';
export { RpcCode } from './status-codes.ts';

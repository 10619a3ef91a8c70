// The run protocol: how a span is marked as a test run's, defined once. The run id header and its validation,
// the OTEL_* environment that makes an SDK export into a run, and the root span behind `run.headers()`.
export {
  checkRunId,
  DEFAULT_RUN_ID_ATTRIBUTE,
  isUsableRunId,
  newRunId,
  RUN_ID_HEADER,
  runIdHeaderName,
  runIdOfRequestValue,
} from './run-id.ts';
export { buildExportEnv, EXPORT_DELAY_MILLIS, EXPORT_PROTOCOLS } from './export-env.ts';
export type { ExportCompression, ExportEnvOptions, ExportProtocol, ExportTarget } from './export-env.ts';
export { createRootSpan, TEST_ROOT_SPAN_NAME, TEST_SERVICE_NAME } from './root-span.ts';
export type { RootSpanAndHeaders, RunHeaders } from './root-span.ts';
export { BAGGAGE_ENV, buildRequestEnv, GRPC_ENDPOINT_ENV, REQUEST_HEADERS_ENV, RUN_ID_ENV, TRACEPARENT_ENV } from './request-env.ts';

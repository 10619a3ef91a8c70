export { startCollector } from './collector.ts';
export type { Collector, CollectorOptions, CollectorRun, ExportEnvOptions, LiveRunView } from './collector.ts';
export { createQueryApi, MAX_SETTLE_QUERY_MILLIS } from './query-api.ts';
export type { QueryApiOptions, RunSummaryJson } from './query-api.ts';
export { traceToJson, spanToJson, attributesToJson } from './trace-json.ts';
export type { TraceJson, SpanJson } from './trace-json.ts';
export { createRunStream } from './run-stream.ts';
export { DEFAULT_MAX_PENDING_SAVE_BYTES, openSaveFile, saveLineOf } from './save-file.ts';
export type { SaveFile, SaveFileOptions, SaveFileStats, SaveRefusal } from './save-file.ts';

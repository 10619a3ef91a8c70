/**
 * Trace assertions inside test suites: spec objects judged against runs, remote runs mirrored from a collector
 * in another process, headers that mark a test's requests, the matchers and the suite setup helpers.
 */
export { expectSpecs, formatSpecObjectProblem, SPEC_OBJECT_FILE } from './expect-specs.ts';
export type { ExpectOptions, ExpectResult, SpecObject } from './expect-specs.ts';
export type { TestRun } from './test-run.ts';
export { createRootSpan, TEST_ROOT_SPAN_NAME, TEST_SERVICE_NAME } from './root-span.ts';
export type { RootSpanAndHeaders, RunHeaders } from './root-span.ts';
export { startCollector, withTestRuns } from './local-collector.ts';
export type { Collector, CollectorRun } from './local-collector.ts';
export { connectCollector } from './remote-collector.ts';
export type { ConnectOptions, RemoteCollector, RemoteRun } from './remote-collector.ts';
export { SseReader } from './sse-reader.ts';
export type { ServerSentEvent } from './sse-reader.ts';
export { describeFailure } from './failure-message.ts';
export { tracecheckMatchers } from './matchers.ts';
export { matchTraceSnapshot, traceSnapshotFile, TRACE_SNAPSHOT_DIR_ENV } from './trace-snapshot.ts';
export type { SnapshotTarget, SnapshotUpdate, TraceSnapshotOptions, TraceSnapshotOutcome } from './trace-snapshot.ts';
export { judgeHaveSpan } from './have-span.ts';
export type { HaveSpanOptions, MatcherContext, MatcherOutcome, TracecheckMatchers } from './matchers.ts';
export { connectSuiteCollector, startSuiteCollector, SUITE_AUTH_TOKEN_ENV, SUITE_URL_ENV } from './suite-collector.ts';
export type { SuiteCollector, SuiteConnection } from './suite-collector.ts';
export { instrumentTestProcess } from './instrument-test-process.ts';
export type { InstrumentTestProcessOptions, TestProcessTelemetry } from './instrument-test-process.ts';

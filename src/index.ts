/**
 * tracecheck's library API: an in-process OTLP collector that groups spans into test runs and reconstructs
 * their traces, a spec language for what those traces must look like, the engine that judges them, and the
 * reporters that say what broke; and assertions on runs from inside test suites. Only the names below are public;
 * everything else may change.
 *
 * @example
 * ```ts
 * import { startCollector, evaluateSpecs, createReporter } from 'tracecheck';
 *
 * const collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
 * const run = collector.run();                       // a fresh test run
 * spawn('node', ['service.js'], { env: { ...process.env, ...run.env } });
 * // ... drive the service ...
 * const result = await evaluateSpecs(
 *   [{ name: 'orders is called', expect: [{ spans: '{ service = "orders" && kind = server }' }] }],
 *   run,
 * );
 * console.log(createReporter('pretty').render(result));
 * await collector.close();
 * ```
 *
 * @packageDocumentation
 */

// Collector lifecycle and runs (wire → store).
export { startCollector } from './testing/index.ts';
export type { Collector, CollectorRun } from './testing/index.ts';
export type { CollectorOptions, ExportEnvOptions, ForwardOptions, LogFormat, RedactionMode, RedactionRules, TraceVerdict } from './server/index.ts';
// The durable save file a collector appends every export to before acknowledging it (`save` option).
export { openSaveFile, saveLineOf } from './server/index.ts';
export type { SaveFile, SaveFileOptions, SaveFileStats, SaveRefusal } from './server/index.ts';
export type { RunEviction, RunSource, SettleOptions, SettleOutcome, SpanStoreOptions, SpanStoreStats, SpanStoreView } from './store/index.ts';
export { diagnosePropagation, diagnoseRun } from './engine/index.ts';
export type { PropagationDiagnostic, PropagationCause, DiagnoseOptions } from './engine/index.ts';
export { adjustClockSkew, skewAdjustmentOf } from './engine/index.ts';

// The normalised model every layer past the decoders sees.
export type {
  AttributeMap,
  AttributeType,
  AttributeValue,
  InstrumentationScope,
  Resource,
  Span,
  SpanEvent,
  SpanLink,
  SpanNode,
  SpanStatus,
  Trace,
} from './model/index.ts';
export { SpanKind, StatusCode, attributeTypeOf, durationNanosOf, serviceNameOf } from './model/index.ts';

// OTLP codecs, for saved traces and custom transports.
export { decodeExportRequestJson, decodeExportRequestProtobuf, encodeSpansAsOtlpJson } from './otlp/index.ts';
export type { DecodeResult, DecodedExport } from './otlp/index.ts';

// The spec language.
export type {
  AttributeMatchers,
  BudgetExpectation,
  ConnectedExpectation,
  CompleteExpectation,
  CountSource,
  DurationMatcher,
  DurationSource,
  EventMatcher,
  Expectation,
  ExpectationKind,
  LinkMatcher,
  NoErrorsExpectation,
  OrderExpectation,
  PropagatesExpectation,
  SelectorSource,
  SequenceExpectation,
  ShapeExpectation,
  ShapeMode,
  ShapeNode,
  SpansExpectation,
  SpecDefinition,
  SpecScalar,
  StatusMatcher,
  TraceSelection,
  ValueMatcher,
} from './language/index.ts';
export { EXPECTATION_KINDS, loadSpecFiles, loadSpecText, validateSpecObject, parseSelector } from './language/index.ts';
export type { LoadedSpec } from './language/index.ts';
// The rule packs (`extends: [tracecheck:semconv/http, ...]`, docs/instrumentation-rules.md).
export { RULE_PACKS, rulePack, SEMCONV_VERSION } from './language/index.ts';
export type { DistinctCount, RuleDefinition, RuleOverride, RulePack } from './language/index.ts';

// The engine and its read-only result model.
export { evaluateSpecs, evaluateSpecsNow, ACCELERATOR_NAMES, ACCELERATORS_ENV } from './engine/index.ts';
export type { Accelerators } from './engine/index.ts';
export type {
  EvaluateOptions,
  ExpectationResult,
  ExpectationResultKind,
  NearMiss,
  RunNote,
  RunNoteCode,
  RunNoteDiagnostic,
  RunResult,
  ShapeDiff,
  ShapeDifference,
  ShapeFieldChange,
  SpanSummary,
  SpecResult,
  TraceTree,
  TraceTreeNode,
} from './engine/index.ts';
// Snapshots: record traces as a spec of shapes (docs/snapshots.md).
export { formatSnapshot, recordShapes } from './engine/index.ts';
export type { RecordedShape, ShapeRecording } from './engine/index.ts';

// Reports.
export { createReporter, renderTraceTree, analysisScores } from './report/index.ts';
export type { AnalysisScores, RuleScore, ServiceScore } from './report/index.ts';
// The html report (docs/html-report.md): the result model and the run's traces, drawn in one self-contained page.
export { createHtmlReporter } from './report/index.ts';
export type { HtmlReportData, HtmlReporterOptions } from './report/index.ts';
export { viewTraces } from './engine/index.ts';
export type { SpanEventView, SpanLinkView, SpanView, TraceView } from './engine/index.ts';
export type { Reporter, ReporterName, ReporterOptions } from './report/index.ts';

// Errors and results.
export { TracecheckError, TRACECHECK_ERROR_CODES, SpecInvalidError, formatSpecProblem } from './errors.ts';
export type { TracecheckErrorCode, SourcePosition, SpecProblem } from './errors.ts';
export type { Result } from './result.ts';

// Assertions inside test suites: spec objects on runs, remote runs for test workers, suite setup. The matchers
// are in the `tracecheck/vitest`, `tracecheck/jest` and `tracecheck/node-test` entry points.
export {
  connectCollector,
  connectSuiteCollector,
  createRootSpan,
  describeFailure,
  expectSpecs,
  instrumentTestProcess,
  startSuiteCollector,
  SUITE_AUTH_TOKEN_ENV,
  SUITE_URL_ENV,
  tracecheckMatchers,
} from './testing/index.ts';
export type {
  ConnectOptions,
  ExpectOptions,
  ExpectResult,
  HaveSpanOptions,
  InstrumentTestProcessOptions,
  RemoteCollector,
  RemoteRun,
  RunHeaders,
  SpecObject,
  SuiteCollector,
  SuiteConnection,
  TestProcessTelemetry,
  TestRun,
} from './testing/index.ts';

export { evaluateSpecs, evaluateSpecsNow, DEFAULT_EVALUATE_TIMEOUT_MILLIS } from './evaluate.ts';
export type { EvaluateOptions, EvaluateNowOptions } from './evaluate.ts';
export { ACCELERATOR_NAMES, ACCELERATORS_ENV } from './selectors/accelerators.ts';
export type { Accelerators } from './selectors/accelerators.ts';
export type { SpecInput, LoadedSpecLike, EnvSource } from './compile-spec.ts';
export type {
  RunResult,
  SpecResult,
  ExpectationResult,
  ExpectationResultKind,
  SpanSummary,
  TraceTree,
  TraceTreeNode,
  NearMiss,
  RunNote,
  RunNoteCode,
  RunNoteDiagnostic,
  ShapeDiff,
  ShapeDifference,
  ShapeFieldChange,
} from './results.ts';
export { diagnosePropagation, diagnoseRun } from './diagnosis/propagation.ts';
export type {
  ContextLostDiagnostic,
  ContextTie,
  DiagnoseOptions,
  HopDiagnostic,
  HopPairing,
  PropagationCause,
  PropagationDiagnostic,
} from './diagnosis/propagation.ts';
export { adjustClockSkew, skewAdjustmentOf } from './clock-skew.ts';
export { compileSelector } from './select.ts';
export type { CompiledSelector } from './select.ts';
export { explainMiss } from './explain-miss.ts';
export { summarizeSpan } from './span-summary.ts';
export { viewTraces } from './trace-view.ts';
export type { SpanEventView, SpanLinkView, SpanView, TraceView } from './trace-view.ts';
export { compileValueMatcher, valuesEqual } from './value-matcher.ts';
export type { CompiledValueMatcher } from './value-matcher.ts';
export { recordShapes } from './shape/record-shape.ts';
export type { RecordedShape, ShapeRecording } from './shape/record-shape.ts';
export { formatSnapshot } from './shape/format-snapshot.ts';

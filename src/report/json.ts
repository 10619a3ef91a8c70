import type { ExpectationResult, ExpectationResultKind, RunNote, RunResult, ShapeDiff, SpanSummary, SpecResult, TraceTree } from '../engine/index.ts';
import type { SourcePosition } from '../errors.ts';
import type { Reporter } from './reporter.ts';
import { isFailure, isWarning } from './warnings.ts';

/**
 * The JSON report's shape, version 2 (version 1 had `notes` as strings; they are now `{ code, message, diagnostic? }`).
 * Keys are always present (`null` when there is nothing to say), so consumers can rely on them; new keys may be
 * added, existing ones keep their meaning while `version` is 2.
 * Times are milliseconds (numbers) or nanoseconds since the epoch (decimal strings, as in OTLP/JSON).
 */
export interface JsonReport {
  readonly version: 2;
  readonly runId: string;
  /** Every spec passed. */
  readonly passed: boolean;
  /** Whether the run had settled (quiet, no orphans) or the deadline came first. */
  readonly settled: boolean;
  readonly spanCount: number;
  readonly traceCount: number;
  readonly durationMillis: number;
  readonly summary: {
    readonly specs: { readonly total: number; readonly passed: number; readonly failed: number };
    /** `failed` counts failures of severity `error`; `warnings` failures of severity `warn` (which fail nothing). */
    readonly expectations: { readonly total: number; readonly passed: number; readonly failed: number; readonly warnings: number };
  };
  /** Notes about the run itself: `{ code, message, diagnostic? }` (see `RunNote`). */
  readonly notes: readonly RunNote[];
  readonly specs: readonly JsonSpecReport[];
}

/** One spec in a {@link JsonReport}. */
export interface JsonSpecReport {
  readonly name: string;
  /** The spec file, or `null` for a spec given in code. */
  readonly file: string | null;
  readonly source: SourcePosition | null;
  readonly passed: boolean;
  readonly matchedTraceCount: number;
  readonly durationMillis: number;
  readonly expectations: readonly JsonExpectationReport[];
}

/** One expectation in a {@link JsonReport}. */
export interface JsonExpectationReport {
  readonly name: string;
  /** `spans`, `order`, `sequence`, `budget`, `noErrors`, `connected`, `complete`, `propagates`, `shape`, `traces` or `invalid`. */
  readonly kind: ExpectationResultKind;
  readonly passed: boolean;
  /** `error` (a failure fails the spec) or `warn` (a failure is a warning; the spec still passes). */
  readonly severity: 'error' | 'warn';
  readonly message: string;
  readonly expected: string;
  readonly actual: string;
  /** Where the expectation is written, or `null`. */
  readonly source: SourcePosition | null;
  /** Ids of the spans the result is about (the offending ones for a failure). */
  readonly spanIds: readonly string[];
  /** Those spans in full. */
  readonly spans: readonly SpanSummary[];
  /** For a selector that matched nothing: the closest spans and the clauses each missed. */
  readonly nearMisses: readonly { readonly spanId: string; readonly traceId: string; readonly span: SpanSummary; readonly missedClauses: readonly string[] }[];
  /** The relevant trace of a failure, as a tree, or `null`. */
  readonly trace: TraceTree | null;
  /** A failed `shape` expectation: its missing, extra, changed and reordered spans; otherwise `null`. */
  readonly shapeDiff: ShapeDiff | null;
}

/**
 * Converts a run result to the documented {@link JsonReport} object (what the json reporter writes).
 *
 * @example
 * ```ts
 * const report = toJsonReport(result);
 * if (!report.passed) for (const spec of report.specs) console.log(spec.name, spec.passed);
 * ```
 */
export function toJsonReport(result: RunResult): JsonReport {
  const specs = result.specs.map(toSpecReport);
  const expectations = result.specs.flatMap((s) => s.expectations);
  const expPassed = expectations.filter((e) => e.passed).length;
  const expFailed = expectations.filter(isFailure).length;
  const specsPassed = result.specs.filter((s) => s.passed).length;
  return {
    version: 2,
    runId: result.runId,
    passed: result.passed,
    settled: result.settled,
    spanCount: result.spanCount,
    traceCount: result.traceCount,
    durationMillis: result.durationMillis,
    summary: {
      specs: { total: result.specs.length, passed: specsPassed, failed: result.specs.length - specsPassed },
      expectations: { total: expectations.length, passed: expPassed, failed: expFailed, warnings: expectations.filter(isWarning).length },
    },
    notes: result.notes.map((note) => ({ ...note })),
    specs,
  };
}

/** The machine reporter: {@link toJsonReport}, pretty-printed with two spaces and a final newline. */
export function createJsonReporter(): Reporter {
  return {
    name: 'json',
    render: (result) => JSON.stringify(toJsonReport(result), null, 2) + '\n',
  };
}

function toSpecReport(spec: SpecResult): JsonSpecReport {
  return {
    name: spec.name,
    file: spec.file ?? null,
    source: spec.source ?? null,
    passed: spec.passed,
    matchedTraceCount: spec.matchedTraceCount,
    durationMillis: spec.durationMillis,
    expectations: spec.expectations.map(toExpectationReport),
  };
}

function toExpectationReport(e: ExpectationResult): JsonExpectationReport {
  return {
    name: e.name,
    kind: e.kind,
    passed: e.passed,
    severity: e.severity ?? 'error',
    message: e.message,
    expected: e.expected,
    actual: e.actual,
    source: e.source ?? null,
    spanIds: e.spans.map((s) => s.spanId),
    spans: e.spans,
    nearMisses: (e.nearMisses ?? []).map((m) => ({
      spanId: m.span.spanId,
      traceId: m.span.traceId,
      span: m.span,
      missedClauses: m.missedClauses,
    })),
    trace: e.trace ?? null,
    shapeDiff: e.shapeDiff ?? null,
  };
}

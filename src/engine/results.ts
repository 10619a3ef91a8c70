import type { SourcePosition } from '../errors.ts';
import type { ExpectationKind } from '../language/index.ts';

/**
 * The read-only public result model. The engine produces it; reporters, matchers and the CLI read it and
 * never see the engine's internals. Every value here is plain data (JSON-serialisable but for nothing:
 * times are decimal strings of nanoseconds).
 */

/** A span as a report shows it. */
export interface SpanSummary {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly service: string | undefined;
  /** Lower-case kind name, e.g. `server`. */
  readonly kind: string;
  /** Lower-case status name, e.g. `error`. */
  readonly status: string;
  readonly statusMessage: string;
  /** Decimal nanoseconds since the epoch. */
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly durationMillis: number;
  /** Span attributes, values converted for JSON (see `attributeValueToJson`). */
  readonly attributes: Readonly<Record<string, unknown>>;
}

/** A node of a trace drawing: the span, its children, and whether the failure points at it. */
export interface TraceTreeNode {
  readonly span: SpanSummary;
  /** True for the spans the failure is about (drawn marked). */
  readonly marked: boolean;
  /** A note shown beside the span, e.g. `missed: service = "orders"`. */
  readonly note?: string;
  /** Clock-skew adjustment applied to this span, in nanoseconds (decimal string), when any. */
  readonly skewAdjustmentNanos?: string;
  readonly children: readonly TraceTreeNode[];
}

/** A trace as a failure shows it: its roots (and orphans, as extra roots flagged `orphan`). */
export interface TraceTree {
  readonly traceId: string;
  readonly roots: readonly (TraceTreeNode & { readonly orphan?: boolean })[];
}

/** For a selector that matched nothing: a near miss and the clauses it failed. */
export interface NearMiss {
  readonly span: SpanSummary;
  /** Clauses of the selector this span did not satisfy, as source text, e.g. `kind = server`. */
  readonly missedClauses: readonly string[];
}

/** One field of a span that a shape expected otherwise: `name`, `status`, `count`, `attributes.http.route`, ... */
export interface ShapeFieldChange {
  readonly field: string;
  /** As the shape has it (`null` for an attribute the shape expects absent). */
  readonly expected: string | number | boolean | null;
  /** As the trace has it; `null` for an absent attribute. */
  readonly actual: string | number | boolean | null;
}

/**
 * One difference between a trace and a `shape:` tree:
 * - `missing`: a span (with its subtree) of the shape is not in the trace;
 * - `extra`: a span (with its subtree) of the trace is not in the shape;
 * - `changed`: a span is there with different fields (`fields` says which);
 * - `order`: the right children, in another causal order than the shape lists them.
 */
export interface ShapeDifference {
  readonly change: 'missing' | 'extra' | 'changed' | 'order';
  /** The shape's spans from the root down to the parent of the span concerned, as `service: name (kind)`. */
  readonly path: readonly string[];
  /** The span concerned (as the shape has it, for `missing` and `changed`; for `order`, the parent). */
  readonly node: string;
  /** How many spans the difference stands for (a node's count, its subtree included for missing and extra). */
  readonly spanCount: number;
  /** `changed`: what differs. */
  readonly fields?: readonly ShapeFieldChange[];
  /** `order`: the children as the shape lists them, and as the trace has them. */
  readonly expectedOrder?: readonly string[];
  readonly actualOrder?: readonly string[];
  /** Ids of the trace's spans concerned (none for `missing`). */
  readonly spanIds: readonly string[];
}

/** How a trace differs from a `shape:` tree: the smallest set of differences that explains it. */
export interface ShapeDiff {
  readonly mode: 'exact' | 'any-order' | 'subset';
  readonly traceId: string;
  readonly differences: readonly ShapeDifference[];
}

/** What an {@link ExpectationResult} is about. */
export type ExpectationResultKind = ExpectationKind | 'traces' | 'invalid';

/** The result of one expectation. */
export interface ExpectationResult {
  readonly name: string;
  /**
   * The kind of expectation (`spans`, `order`, ...); `traces` for the spec's trace selection; `invalid` for an
   * expectation that names no kind, or several, and so could not be judged.
   */
  readonly kind: ExpectationResultKind;
  readonly passed: boolean;
  /**
   * `warn` for an expectation written with `severity: warn`: when it fails, the failure is reported and counted
   * as a warning, and its spec still passes. Absent for ordinary expectations (severity `error`).
   */
  readonly severity?: 'warn';
  /** One line for a pass; for a failure, what went wrong in words a person can act on. */
  readonly message: string;
  /** What was expected, as text (e.g. `at least 1 span`, `p95 <= 300ms`). */
  readonly expected: string;
  /** What was found, as text (e.g. `0 spans`, `p95 = 412ms`). */
  readonly actual: string;
  /** The spans the result is about (the offending ones for a failure). */
  readonly spans: readonly SpanSummary[];
  /** Near misses when a selector matched nothing. */
  readonly nearMisses?: readonly NearMiss[];
  /** The relevant trace, drawn, for a failure. */
  readonly trace?: TraceTree;
  /** A failed `shape` expectation: how the trace differs from the shape. */
  readonly shapeDiff?: ShapeDiff;
  /** Where the expectation is written, when it came from a file. */
  readonly source?: SourcePosition;
  /** How long judging this expectation took, when the engine measured it (JUnit `testcase time`). */
  readonly durationMillis?: number;
}

/** The result of one spec. */
export interface SpecResult {
  readonly name: string;
  /** The spec file, when it came from one. */
  readonly file?: string;
  readonly source?: SourcePosition;
  /** True when every expectation holds, or fails only with `severity: warn`. */
  readonly passed: boolean;
  /** How many traces the spec's trace selection matched. */
  readonly matchedTraceCount: number;
  readonly expectations: readonly ExpectationResult[];
  readonly durationMillis: number;
}

/**
 * Why a note about a run was written:
 * - `clock-skew`: a callee's spans were shifted to fit inside their caller's client span (ordering and latency
 *   checks used the adjusted times);
 * - `propagation-broken`: a callee started a new trace instead of continuing the caller's;
 * - `context-lost`: a service lost its own context, so its outgoing call started a new trace;
 * - `baggage-dropped`: the trace continued, but without baggage entries present upstream;
 * - `trace-incomplete`: spans still waited for a parent that never arrived;
 * - `run-evicted`: the run was evicted from the store (span cap reached) before it settled;
 * - `collector-closed`: the collector closed before the run settled;
 * - `not-judged`: the spec object or the options were invalid, so nothing was judged;
 * - `stream-ended`: a remote run's stream from the collector ended early;
 * - `export-failed`: a span the test process sent to the collector (a `headers()` root span) was not accepted.
 */
export type RunNoteCode =
  | 'clock-skew'
  | 'propagation-broken'
  | 'context-lost'
  | 'baggage-dropped'
  | 'link-missing'
  | 'trace-incomplete'
  | 'run-evicted'
  | 'collector-closed'
  | 'not-judged'
  | 'stream-ended'
  | 'export-failed'
  | 'replica-unreachable';

/** The structured facts behind a {@link RunNote}; each field is present when the note's kind has it. */
export interface RunNoteDiagnostic {
  /** The trace the note is about (for several, the one with the most telling evidence). */
  readonly traceId?: string;
  /**
   * The spans the note is about, e.g. a broken hop's client and server spans (then the proxy's server span between
   * them, when an instrumented proxy stripped the context), or a shifted span's parent and itself.
   */
  readonly spanIds?: readonly string[];
  readonly callerService?: string;
  readonly calleeService?: string;
  /** Propagation notes: the likely cause, e.g. `no-propagator` (see docs/diagnostics.md). */
  readonly cause?: string;
  /** Clock-skew notes: the least and the most a span was shifted, in nanoseconds (decimal strings, may be negative). */
  readonly offsetNanos?: { readonly min: string; readonly max: string };
  /** How many: shifted spans (clock skew), orphan spans, spans held at eviction, problems (not judged). */
  readonly count?: number;
  /** Baggage keys seen upstream and missing downstream. */
  readonly missingBaggageKeys?: readonly string[];
  /**
   * Propagation notes of a hop: what paired the client span with the server span (`traceparent`, `b3`,
   * `x-b3-spanid`, `parent`, `message-id`, `address`, `run-id`, `time`) and how sure that is (`certain`, `likely`,
   * `possible`); of a lost context, what tied the lost call to the running request (`request-header`,
   * `only-candidate`, `time`).
   */
  readonly pairing?: { readonly evidence: string; readonly confidence: 'certain' | 'likely' | 'possible' };
}

/**
 * A note about the run itself, beside the spec results: plain data, rendered to prose only by reporters.
 *
 * @example
 * ```ts
 * for (const note of result.notes) if (note.code === 'propagation-broken') console.warn(note.diagnostic?.calleeService, note.message);
 * ```
 */
export interface RunNote {
  readonly code: RunNoteCode;
  /** One line a person can act on, e.g. `gateway → orders: orders started a new trace (…); likely cause: …`. */
  readonly message: string;
  readonly diagnostic?: RunNoteDiagnostic;
}

/** The result of evaluating specs against one run. */
export interface RunResult {
  readonly runId: string;
  readonly passed: boolean;
  readonly specs: readonly SpecResult[];
  /** Spans and traces the run held when judged. */
  readonly spanCount: number;
  readonly traceCount: number;
  /** Whether the run had settled (quiet, no orphans) or the deadline came first. */
  readonly settled: boolean;
  /** Notes about the run itself: evictions, clock skew, propagation diagnostics, incomplete traces. */
  readonly notes: readonly RunNote[];
  readonly durationMillis: number;
}

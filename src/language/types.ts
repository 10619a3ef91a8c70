/**
 * The spec language as typed objects. A YAML or JSON spec file loads into exactly these shapes, and
 * `run.expect({...})` takes them directly, so files and code are interchangeable.
 *
 * Strings that hold a selector use the selector language (see docs/spec-language.md), e.g.
 * `{ service = "orders" && kind = server } >> { kind = client && status = error }`.
 * Every string may use `${env:NAME}` (read when the spec loads) and `${var:NAME}` (a value captured earlier
 * in the same spec, per trace).
 *
 * @example
 * ```ts
 * const spec: SpecDefinition = {
 *   name: 'checkout crosses three services',
 *   traces: { root: 'name = "POST /checkout"', count: { min: 1 } },
 *   expect: [
 *     { name: 'orders is called', spans: '{ service = "orders" && kind = server }', count: 1 },
 *     { name: 'fast enough', budget: { over: 'traces', max: '1s' } },
 *   ],
 * };
 * ```
 */

import type {
  ATTRIBUTE_TYPE_NAMES,
  BUDGET_OVER,
  EXPECTATION_SCOPES,
  EXPECTATION_SEVERITIES,
  ORDER_RELATIONS,
  QUANTIFIERS,
  RULE_SEVERITIES,
  SHAPE_MODES,
  SPAN_KIND_NAMES,
  STATUS_NAMES,
} from './description.ts';

/** A selector in the selector language. */
export type SelectorSource = string;

/** A duration: a number of milliseconds, or a string with a unit: `ns`, `us`, `ms`, `s`, `m`, `h` (e.g. `"300ms"`). */
export type DurationSource = number | string;

/** How many: a number means exactly; `'none'` means zero. */
export type CountSource =
  | number
  | 'none'
  | { readonly exactly?: number; readonly min?: number; readonly max?: number };

/** A scalar as written in a spec. Ints written in specs compare equal to int64 attributes of the same value. */
export type SpecScalar = string | number | boolean | null;

/**
 * A condition on one attribute value. A bare scalar means `equals`. With several keys, all must hold.
 */
export type ValueMatcher =
  | SpecScalar
  | readonly SpecScalar[]
  | {
      readonly equals?: unknown;
      readonly notEquals?: unknown;
      readonly lt?: number | string;
      readonly lte?: number | string;
      readonly gt?: number | string;
      readonly gte?: number | string;
      /** A regular expression (JavaScript syntax) the string form of the value must match. */
      readonly matches?: string;
      readonly notMatches?: string;
      readonly in?: readonly SpecScalar[];
      readonly notIn?: readonly SpecScalar[];
      /** The string contains this, or the array has this element. */
      readonly contains?: SpecScalar;
      readonly exists?: boolean;
      readonly type?: (typeof ATTRIBUTE_TYPE_NAMES)[number];
      /**
       * JSONPath (jsonpath-plus) into a kvlist/array value or a string holding JSON; `value` is then matched
       * against the first result, or `every`/`some` against each result.
       */
      readonly jsonpath?: string;
      readonly value?: ValueMatcher;
      readonly every?: ValueMatcher;
      readonly some?: ValueMatcher;
      readonly count?: CountSource;
    };

/**
 * Attribute conditions keyed by attribute. `span.x` or bare `x` is a span attribute, `resource.x` a resource
 * attribute, `scope.x` an instrumentation-scope attribute.
 */
export type AttributeMatchers = Readonly<Record<string, ValueMatcher>>;

/** A duration condition: a bare duration means "at most"; or a comparison object. */
export type DurationMatcher =
  | DurationSource
  | { readonly lt?: DurationSource; readonly lte?: DurationSource; readonly gt?: DurationSource; readonly gte?: DurationSource };

/** A status by name; `{ not: 'error' }` for "anything but". */
export type StatusMatcher = StatusName | { readonly not: StatusName };

/** A span status by name. */
export type StatusName = (typeof STATUS_NAMES)[number];

/** An event condition: by name, with attributes; `absent: true` requires no such event. */
export interface EventMatcher {
  readonly name: string;
  readonly attributes?: AttributeMatchers;
  readonly absent?: boolean;
  readonly count?: CountSource;
}

/** A link condition: the span links to a span that the selector matches (in any trace of the run). */
export interface LinkMatcher {
  readonly to: SelectorSource;
  readonly attributes?: AttributeMatchers;
}

/** Fields every expectation may carry. */
interface ExpectationBase {
  /** Shown in reports; defaults to a description generated from the expectation. */
  readonly name?: string;
  /**
   * `trace`: the expectation must hold in each trace the spec selects.
   * `run`: it is judged once over the spans of all the selected traces together.
   * Default: `trace` when the spec has a `traces` selection, `run` when it has none (it is then about the run).
   */
  readonly scope?: (typeof EXPECTATION_SCOPES)[number];
  /** `error` (default): a failure fails the spec. `warn`: a failure is reported and counted, and the spec still passes. */
  readonly severity?: (typeof EXPECTATION_SEVERITIES)[number];
}

/** Spans that must (or must not) exist, and what each (or one) of them must look like. */
export interface SpansExpectation extends ExpectationBase {
  readonly spans: SelectorSource;
  /** Default `{ min: 1 }`. `'none'` or `0` asserts absence. */
  readonly count?: CountSource;
  /** `all` (default): every matched span must satisfy the conditions below; `any`: at least one. */
  readonly quantifier?: (typeof QUANTIFIERS)[number];
  readonly attributes?: AttributeMatchers;
  readonly duration?: DurationMatcher;
  readonly status?: StatusMatcher;
  readonly events?: readonly EventMatcher[];
  readonly links?: readonly LinkMatcher[];
  /** Values to capture from the first matched span, for `${var:NAME}` later in the spec: `NAME: field`. */
  readonly capture?: Readonly<Record<string, string>>;
  /**
   * How many different values a field (`name`, `service`, an attribute: the fields `capture` reads) takes over the
   * matched spans, e.g. `{ of: name, count: { max: 100 } }`: span names of bounded cardinality.
   */
  readonly distinct?: DistinctCount;
  /**
   * Each matched span starts and ends inside the run's window (from when the run began to its last export's
   * arrival, by the collector's clock), give or take this tolerance, e.g. `5s`. Judged only where the run's window
   * is known (a run collected in this process); over saved traces it holds without judging.
   */
  readonly withinRun?: DurationSource;
}

/** A count of the distinct values of one field over the matched spans. */
export interface DistinctCount {
  readonly of: string;
  readonly count: CountSource;
}

/** How an earlier step relates to a later one in `order` and `sequence`. */
export type OrderRelation = (typeof ORDER_RELATIONS)[number];

/** Ordering between two span sets, across services. */
export interface OrderExpectation extends ExpectationBase {
  readonly order: {
    readonly first: SelectorSource;
    readonly then: SelectorSource;
    /**
     * `ends-before-start` (default): every `first` span ends before every `then` span starts.
     * `starts-before`: every `first` span starts before every `then` span starts.
     */
    readonly relation?: OrderRelation;
  };
}

/** A sequence of N steps: each step's spans follow the previous step's (relation as in `order`). */
export interface SequenceExpectation extends ExpectationBase {
  readonly sequence: readonly SelectorSource[];
  readonly relation?: OrderRelation;
}

/** A latency budget over spans or whole traces. */
export interface BudgetExpectation extends ExpectationBase {
  readonly budget: {
    /** `spans` (default when `spans` is given): span durations; `traces`: root start to last span end. */
    readonly over?: (typeof BUDGET_OVER)[number];
    /** Which spans (with `over: spans`); default every span. */
    readonly spans?: SelectorSource;
    readonly max?: DurationSource;
    readonly p50?: DurationSource;
    readonly p95?: DurationSource;
    readonly p99?: DurationSource;
  };
}

/** No span in the set has status ERROR (and, with `exceptions: true`, none has an `exception` event). */
export interface NoErrorsExpectation extends ExpectationBase {
  readonly noErrors: SelectorSource | true;
  readonly exceptions?: boolean;
}

/** The trace is connected: one root and no orphans. */
export interface ConnectedExpectation extends ExpectationBase {
  readonly connected: true;
}

/**
 * Every call the trace makes is answered inside it: no CLIENT (or PRODUCER) span of the trace pairs, by the evidence
 * docs/diagnostics.md lists, with a SERVER-rooted (or CONSUMER) trace outside it. Calls to uninstrumented
 * dependencies (a database, a third-party API: no server span anywhere) do not count.
 */
export interface CompleteExpectation extends ExpectationBase {
  readonly complete: true;
}

/** Context propagates from spans of `from` to spans of `to`: each `from` span has a `to` descendant. */
export interface PropagatesExpectation extends ExpectationBase {
  readonly propagates: { readonly from: SelectorSource; readonly to: SelectorSource };
}

/**
 * One span of a `shape:` tree, or `count` identical siblings. `name` is required; `service`, `kind` and `status`
 * default to "any"; `attributes` are compared for equality (only the keys listed); `children` absent means none
 * (in `subset` mode: any).
 */
export interface ShapeNode {
  readonly service?: string;
  readonly name: string;
  readonly kind?: (typeof SPAN_KIND_NAMES)[number];
  readonly status?: StatusName;
  readonly attributes?: Readonly<Record<string, SpecScalar>>;
  /**
   * How many identical siblings this node stands for: a number, or a range such as `{ min: 1, max: 3 }`
   * (a recording writes one when runs differed only in how many); default 1 (in `subset` mode: at least this many).
   */
  readonly count?: CountSource;
  readonly children?: readonly ShapeNode[];
}

/** How a trace must match a `shape:` tree (see SHAPE_MODES). */
export type ShapeMode = (typeof SHAPE_MODES)[number];

/** The whole trace has this tree of spans (docs/snapshots.md). */
export interface ShapeExpectation extends ExpectationBase {
  readonly shape: ShapeNode;
  /** Default `exact`. */
  readonly mode?: ShapeMode;
}

/** One expectation; the key that names its kind (`spans`, `order`, ...) tells which. */
export type Expectation =
  | SpansExpectation
  | OrderExpectation
  | SequenceExpectation
  | BudgetExpectation
  | NoErrorsExpectation
  | ConnectedExpectation
  | CompleteExpectation
  | PropagatesExpectation
  | ShapeExpectation;

/** Which traces of the run a spec applies to, and how many the run must contain. */
export interface TraceSelection {
  /** The root span matches this selector. */
  readonly root?: SelectorSource;
  /** Some span of the trace matches this selector. */
  readonly where?: SelectorSource;
  /** Default `{ min: 1 }`. */
  readonly count?: CountSource;
}

/** One spec: a name, which traces it applies to, and its expectations. */
export interface SpecDefinition {
  readonly name: string;
  readonly description?: string;
  /** Default: every trace of the run, at least one. */
  readonly traces?: TraceSelection;
  /** Values usable as `${var:NAME}`; may themselves use `${env:NAME}`. */
  readonly vars?: Readonly<Record<string, SpecScalar>>;
  /** How long to wait for positive expectations before judging, e.g. `"10s"`. */
  readonly timeout?: DurationSource;
  /** The spec's own expectations; may be left out when `extends` brings rules. */
  readonly expect?: readonly Expectation[];
  /**
   * Rule packs whose rules are added to `expect`, e.g. `['tracecheck:semconv/http', 'tracecheck:hygiene']`
   * (docs/instrumentation-rules.md lists them rule by rule).
   */
  readonly extends?: readonly string[];
  /** Rules of the extended packs turned off, lowered to warnings or raised to errors, by rule id, each with a reason. */
  readonly rules?: Readonly<Record<string, RuleOverride>>;
}

/** How one rule of an extended pack is judged in this spec, and why. */
export interface RuleOverride {
  readonly severity: (typeof RULE_SEVERITIES)[number];
  /** Why: kept with the spec, so the next reader knows whether the exception still holds. */
  readonly reason: string;
}

/** A spec file holds one spec, or `specs: [...]`, or several YAML documents. */
export interface SpecFile {
  readonly specs: readonly SpecDefinition[];
}

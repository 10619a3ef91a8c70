/**
 * The spec layer: the description of the spec language's objects (description.ts), its typed objects, the loader for YAML/JSON spec files, the validator that
 * reports every problem with file:line:col, the selector parser, and the value helpers (durations, counts,
 * `${env:...}` / `${var:...}`) that the engine shares.
 */
export type {
  AttributeMatchers,
  BudgetExpectation,
  ConnectedExpectation,
  CompleteExpectation,
  CountSource,
  DistinctCount,
  DurationMatcher,
  DurationSource,
  EventMatcher,
  Expectation,
  LinkMatcher,
  NoErrorsExpectation,
  OrderExpectation,
  PropagatesExpectation,
  RuleOverride,
  SelectorSource,
  SequenceExpectation,
  ShapeExpectation,
  ShapeMode,
  ShapeNode,
  SpansExpectation,
  SpecDefinition,
  SpecFile,
  SpecScalar,
  StatusMatcher,
  TraceSelection,
  ValueMatcher,
} from './types.ts';
export { loadSpecFiles, loadSpecText, SPEC_FILE_EXTENSIONS } from './loader.ts';
export type { LoadedSpec, LoadOptions } from './loader.ts';
export { validateSpecDocuments, validateSpecObject } from './validate.ts';
export { writeSpecFile } from './write-specs.ts';
export type { CommentedSpec } from './write-specs.ts';
export {
  ATTRIBUTE_TYPE_NAMES,
  BUDGET_EXPECTATION_KEYS,
  BUDGET_KEYS,
  BUDGET_LIMIT_KEYS,
  BUDGET_OVER,
  CONNECTED_EXPECTATION_KEYS,
  COMPLETE_EXPECTATION_KEYS,
  COUNT_KEYS,
  DISTINCT_KEYS,
  DURATION_MATCHER_KEYS,
  EDITOR_KEYS,
  EVENT_MATCHER_KEYS,
  EXPECTATION_COMMON_KEYS,
  EXPECTATION_KIND_KEYS,
  EXPECTATION_KINDS,
  EXPECTATION_SCOPES,
  EXPECTATION_SEVERITIES,
  JSONPATH_RESULT_KEYS,
  LINK_MATCHER_KEYS,
  NO_ERRORS_EXPECTATION_KEYS,
  ORDER_EXPECTATION_KEYS,
  ORDER_KEYS,
  ORDER_RELATIONS,
  PROPAGATES_EXPECTATION_KEYS,
  PROPAGATES_KEYS,
  QUANTIFIERS,
  RULE_OVERRIDE_KEYS,
  RULE_SEVERITIES,
  SEQUENCE_EXPECTATION_KEYS,
  SHAPE_EXPECTATION_KEYS,
  SHAPE_MODES,
  SHAPE_NODE_KEYS,
  SPAN_KIND_NAMES,
  SPANS_EXPECTATION_KEYS,
  SPEC_FILE_KEYS,
  SPEC_KEYS,
  STATUS_MATCHER_KEYS,
  STATUS_NAMES,
  TRACE_SELECTION_KEYS,
  VALUE_MATCHER_KEYS,
} from './description.ts';
export type { ExpectationKind, ObjectKeys } from './description.ts';
export type { SpecDocument, ValidateOptions } from './validate.ts';
export { formatSpecPath } from './problem-collector.ts';
export type { Locate, LocateDetail, LocatedSpecProblem, SpecPath } from './problem-collector.ts';
export {
  countInRange,
  describeCount,
  DURATION_UNITS_HINT,
  findReferences,
  formatDurationNanos,
  interpolate,
  parseCount,
  parseDuration,
} from './values.ts';
export type { CountRange, InterpolationError, InterpolationScope, MalformedReference, Reference } from './values.ts';
export { parseSelector } from './selector-parser.ts';
export { regexProblem, specRegex } from './spec-regex.ts';
export type { RegexProblem } from './spec-regex.ts';
export { formatSelector } from './selector-format.ts';
export { interpolateSelector } from './selector-references.ts';
export type {
  AttributeScope,
  ComparisonNode,
  ComparisonOperator,
  FieldRef,
  IntrinsicName,
  Literal,
  MembershipNode,
  SelectorAst,
  SelectorSyntaxError,
  StructuralRelation,
} from './selector-ast.ts';
export { didYouMean } from './did-you-mean.ts';
export { ATTRIBUTE_SCOPES, attributeMapReader, INTRINSIC_FIELDS } from './selector-fields.ts';
export type { AttributeScopeDefinition, EventField, FixedJsType, IntrinsicField, IntrinsicValueType, LinkField, SpanField, SpanGroupKey } from './selector-fields.ts';
export { analysisSpecs, NO_SERVICE, RULE_PACKS, rulePack, SEMCONV_VERSION, specExpectations } from './rule-packs/index.ts';
export type { RuleDefinition, RulePack, SpecExpectation } from './rule-packs/index.ts';

/**
 * The spec layer: the spec language's typed objects, the loader for YAML/JSON spec files, the validator that
 * reports every problem with file:line:col, the selector parser, and the value helpers (durations, counts,
 * `${env:...}` / `${var:...}`) that the engine shares.
 */
export type {
  AttributeMatchers,
  BudgetExpectation,
  ConnectedExpectation,
  CountSource,
  DurationMatcher,
  DurationSource,
  EventMatcher,
  Expectation,
  LinkMatcher,
  NoErrorsExpectation,
  OrderExpectation,
  PropagatesExpectation,
  SelectorSource,
  SequenceExpectation,
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
export { EXPECTATION_KINDS, validateSpecDocuments, validateSpecObject } from './validate.ts';
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
export { ATTRIBUTE_SCOPES, INTRINSIC_FIELDS, readAttribute } from './selector-fields.ts';
export type { AttributeScopeDefinition, FixedJsType, IntrinsicField, IntrinsicValueType, SpanGroupKey } from './selector-fields.ts';

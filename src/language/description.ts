/**
 * The spec language's objects, key by key: the one description that the validator's key checks (and their
 * did-you-mean), the engine's kind and matcher lists, the TypeScript types in types.ts and the JSON Schema in
 * schema/tracecheck-spec.schema.json all follow. test/language/description.test.ts fails when a key is added to
 * one of them and not to this table (types by a compile-time equality, the schema key for key).
 *
 * Each object kind is `{ keys, required }`: every key it may hold, and the keys it must hold.
 */

/** Keys an object kind may hold, and which of them it must hold. */
export interface ObjectKeys<Key extends string = string, Required extends Key = Key> {
  readonly keys: readonly Key[];
  readonly required: readonly Required[];
}

function objectKeys<const Key extends string, const Required extends Key = never>(
  keys: readonly Key[],
  required: readonly Required[] = [],
): ObjectKeys<Key, Required> {
  return { keys, required };
}

/**
 * The key that names an expectation's kind; exactly one is present in each expectation.
 *
 * @example
 * ```ts
 * EXPECTATION_KINDS.filter((kind) => kind in { spans: '{ kind = server }' }); // ['spans']
 * ```
 */
export const EXPECTATION_KINDS = ['spans', 'order', 'sequence', 'budget', 'noErrors', 'connected', 'complete', 'propagates', 'shape'] as const;

/**
 * One kind of expectation, named by its key: `{ spans: ... }` is a `spans` expectation.
 *
 * @example
 * ```ts
 * const kind: ExpectationKind = 'noErrors';
 * ```
 */
export type ExpectationKind = (typeof EXPECTATION_KINDS)[number];

/** Keys every expectation may carry, whatever its kind. */
export const EXPECTATION_COMMON_KEYS = ['name', 'scope', 'severity'] as const;

/** Keys besides the common ones and the kind's own key, per kind (e.g. `count` belongs to `spans`). */
export const EXPECTATION_KIND_KEYS = {
  spans: ['count', 'quantifier', 'attributes', 'duration', 'status', 'events', 'links', 'capture', 'distinct', 'withinRun'],
  order: [],
  sequence: ['relation'],
  budget: [],
  noErrors: ['exceptions'],
  connected: [],
  complete: [],
  propagates: [],
  shape: ['mode'],
} as const satisfies Readonly<Record<ExpectationKind, readonly string[]>>;

function expectationKeys<const Kind extends ExpectationKind>(kind: Kind): ObjectKeys<
  (typeof EXPECTATION_COMMON_KEYS)[number] | Kind | (typeof EXPECTATION_KIND_KEYS)[Kind][number],
  Kind
> {
  return objectKeys([...EXPECTATION_COMMON_KEYS, kind, ...EXPECTATION_KIND_KEYS[kind]], [kind]);
}

/** `SpansExpectation`. */
export const SPANS_EXPECTATION_KEYS = expectationKeys('spans');
/** `OrderExpectation`. */
export const ORDER_EXPECTATION_KEYS = expectationKeys('order');
/** `SequenceExpectation`. */
export const SEQUENCE_EXPECTATION_KEYS = expectationKeys('sequence');
/** `BudgetExpectation`. */
export const BUDGET_EXPECTATION_KEYS = expectationKeys('budget');
/** `NoErrorsExpectation`. */
export const NO_ERRORS_EXPECTATION_KEYS = expectationKeys('noErrors');
/** `ConnectedExpectation`. */
export const CONNECTED_EXPECTATION_KEYS = expectationKeys('connected');
/** `CompleteExpectation`. */
export const COMPLETE_EXPECTATION_KEYS = expectationKeys('complete');
/** `PropagatesExpectation`. */
export const PROPAGATES_EXPECTATION_KEYS = expectationKeys('propagates');
/** `ShapeExpectation`. */
export const SHAPE_EXPECTATION_KEYS = expectationKeys('shape');

/** A file with `specs: [...]` (`SpecFile`); `$schema` is an editor's, see {@link EDITOR_KEYS}. */
export const SPEC_FILE_KEYS = objectKeys(['specs'], ['specs']);
/** One spec (`SpecDefinition`). */
export const SPEC_KEYS = objectKeys(['name', 'description', 'traces', 'vars', 'timeout', 'expect', 'extends', 'rules'], ['name']);
/** An entry of a spec's `rules:` (`RuleOverride`): how a rule of an extended pack is lowered, and why. */
export const RULE_OVERRIDE_KEYS = objectKeys(['severity', 'reason'], ['severity', 'reason']);
/** The values of a rule override's `severity`: `off` leaves the rule out, `warn` lowers it, `error` raises it. */
export const RULE_SEVERITIES = ['off', 'warn', 'error'] as const;
/**
 * Keys a spec file may carry for editors (a JSON Schema reference) beside {@link SPEC_FILE_KEYS} and
 * {@link SPEC_KEYS}; the loader drops them, so the typed objects do not have them.
 */
export const EDITOR_KEYS = ['$schema'] as const;
/** `traces:` of a spec (`TraceSelection`). */
export const TRACE_SELECTION_KEYS = objectKeys(['root', 'where', 'count']);
/** A count written as a mapping (`CountSource`). */
export const COUNT_KEYS = objectKeys(['exactly', 'min', 'max']);
/** `order:` of an order expectation. */
export const ORDER_KEYS = objectKeys(['first', 'then', 'relation'], ['first', 'then']);
/** `budget:` of a budget expectation. */
export const BUDGET_KEYS = objectKeys(['over', 'spans', 'max', 'p50', 'p95', 'p99']);
/** The limits of a budget; at least one is required. */
export const BUDGET_LIMIT_KEYS = ['max', 'p50', 'p95', 'p99'] as const;
/** `propagates:` of a propagates expectation. */
export const PROPAGATES_KEYS = objectKeys(['from', 'to'], ['from', 'to']);
/** A node of a `shape:` tree (`ShapeNode`): one span, or `count` identical sibling spans. */
export const SHAPE_NODE_KEYS = objectKeys(['service', 'name', 'kind', 'status', 'attributes', 'count', 'children'], ['name']);
/** An entry of `events:` (`EventMatcher`). */
export const EVENT_MATCHER_KEYS = objectKeys(['name', 'attributes', 'absent', 'count'], ['name']);
/** An entry of `links:` (`LinkMatcher`). */
export const LINK_MATCHER_KEYS = objectKeys(['to', 'attributes'], ['to']);
/** `distinct:` of a spans expectation (`DistinctCount`): how many different values a field takes over the matched spans. */
export const DISTINCT_KEYS = objectKeys(['of', 'count'], ['of', 'count']);
/** A duration condition written as a mapping (`DurationMatcher`). */
export const DURATION_MATCHER_KEYS = objectKeys(['lt', 'lte', 'gt', 'gte']);
/** A status condition written as a mapping (`StatusMatcher`). */
export const STATUS_MATCHER_KEYS = objectKeys(['not'], ['not']);
/** A value condition written as a mapping (`ValueMatcher`): its operators. */
export const VALUE_MATCHER_KEYS = objectKeys([
  'equals', 'notEquals', 'lt', 'lte', 'gt', 'gte', 'matches', 'notMatches', 'in', 'notIn', 'contains', 'exists',
  'type', 'jsonpath', 'value', 'every', 'some', 'count',
]);
/** Value-matcher operators that apply to the results of a `jsonpath`, and need one. */
export const JSONPATH_RESULT_KEYS = ['value', 'every', 'some', 'count'] as const;

/** The values of `scope`. */
export const EXPECTATION_SCOPES = ['trace', 'run'] as const;
/**
 * The values of `severity`: `error` (the default) fails the spec; `warn` is reported and counted but does not
 * fail it, so a team can adopt a rule before its services all follow it.
 */
export const EXPECTATION_SEVERITIES = ['error', 'warn'] as const;
/** The values of `quantifier`. */
export const QUANTIFIERS = ['all', 'any'] as const;
/** The values of `relation` (order and sequence). */
export const ORDER_RELATIONS = ['ends-before-start', 'starts-before'] as const;
/** The values of a budget's `over`. */
export const BUDGET_OVER = ['spans', 'traces'] as const;
/**
 * The values of a shape's `mode`: `exact` (the same spans, siblings in causal order), `any-order` (the same
 * spans, siblings in any order), `subset` (the listed spans exist, in any order; other spans may too).
 */
export const SHAPE_MODES = ['exact', 'any-order', 'subset'] as const;
/** Span kind names, as `kind` of a shape node writes them. */
export const SPAN_KIND_NAMES = ['internal', 'server', 'client', 'producer', 'consumer'] as const;
/** Status names. */
export const STATUS_NAMES = ['unset', 'ok', 'error'] as const;
/** The values of a value matcher's `type`: the OTLP attribute value types. */
export const ATTRIBUTE_TYPE_NAMES = ['string', 'bool', 'int', 'double', 'bytes', 'array', 'kvlist'] as const;

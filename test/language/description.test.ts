import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTE_TYPE_NAMES,
  BUDGET_EXPECTATION_KEYS,
  BUDGET_KEYS,
  BUDGET_LIMIT_KEYS,
  BUDGET_OVER,
  CONNECTED_EXPECTATION_KEYS,
  COMPLETE_EXPECTATION_KEYS,
  COUNT_KEYS,
  DURATION_MATCHER_KEYS,
  EDITOR_KEYS,
  EVENT_MATCHER_KEYS,
  EXPECTATION_KINDS,
  EXPECTATION_SCOPES,
  JSONPATH_RESULT_KEYS,
  LINK_MATCHER_KEYS,
  NO_ERRORS_EXPECTATION_KEYS,
  ORDER_EXPECTATION_KEYS,
  ORDER_KEYS,
  ORDER_RELATIONS,
  PROPAGATES_EXPECTATION_KEYS,
  PROPAGATES_KEYS,
  QUANTIFIERS,
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
  type ExpectationKind,
  type ObjectKeys,
} from '../../src/language/description.ts';
import type {
  BudgetExpectation,
  ConnectedExpectation,
  CompleteExpectation,
  CountSource,
  DurationMatcher,
  EventMatcher,
  Expectation,
  LinkMatcher,
  NoErrorsExpectation,
  OrderExpectation,
  PropagatesExpectation,
  SequenceExpectation,
  ShapeExpectation,
  ShapeNode,
  SpansExpectation,
  SpecDefinition,
  SpecFile,
  StatusMatcher,
  TraceSelection,
  ValueMatcher,
} from '../../src/language/types.ts';
import { validateSpecObject } from '../../src/language/validate.ts';

/**
 * The description in src/language/description.ts is the spec language's one definition. This file proves the
 * TypeScript types (at compile time: `npm run typecheck` fails on a mismatch) and the JSON Schema (at run time)
 * agree with it key for key, required keys included; the validator reads its key sets from the description.
 */

// ---- the TypeScript types, checked by the compiler ----

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type KeysOf<D> = D extends { readonly keys: readonly (infer Key)[] } ? Key : never;
type RequiredOf<D> = D extends { readonly required: readonly (infer Required)[] } ? Required : never;
/** `true` only when the type's keys and required keys are exactly the description's. */
type Agrees<T, D> = [Equal<keyof T, KeysOf<D>>, Equal<RequiredKeys<T>, RequiredOf<D>>] extends [true, true] ? true : false;
type ObjectArm<T> = Extract<T, object> extends infer O ? (O extends readonly unknown[] ? never : O) : never;

const typesAgree: Record<string, true> = {
  spec: true satisfies Agrees<SpecDefinition, typeof SPEC_KEYS>,
  specFile: true satisfies Agrees<SpecFile, typeof SPEC_FILE_KEYS>,
  traceSelection: true satisfies Agrees<TraceSelection, typeof TRACE_SELECTION_KEYS>,
  count: true satisfies Agrees<ObjectArm<CountSource>, typeof COUNT_KEYS>,
  spans: true satisfies Agrees<SpansExpectation, typeof SPANS_EXPECTATION_KEYS>,
  order: true satisfies Agrees<OrderExpectation, typeof ORDER_EXPECTATION_KEYS>,
  orderBody: true satisfies Agrees<OrderExpectation['order'], typeof ORDER_KEYS>,
  sequence: true satisfies Agrees<SequenceExpectation, typeof SEQUENCE_EXPECTATION_KEYS>,
  budget: true satisfies Agrees<BudgetExpectation, typeof BUDGET_EXPECTATION_KEYS>,
  budgetBody: true satisfies Agrees<BudgetExpectation['budget'], typeof BUDGET_KEYS>,
  noErrors: true satisfies Agrees<NoErrorsExpectation, typeof NO_ERRORS_EXPECTATION_KEYS>,
  connected: true satisfies Agrees<ConnectedExpectation, typeof CONNECTED_EXPECTATION_KEYS>,
  complete: true satisfies Agrees<CompleteExpectation, typeof COMPLETE_EXPECTATION_KEYS>,
  propagates: true satisfies Agrees<PropagatesExpectation, typeof PROPAGATES_EXPECTATION_KEYS>,
  propagatesBody: true satisfies Agrees<PropagatesExpectation['propagates'], typeof PROPAGATES_KEYS>,
  shape: true satisfies Agrees<ShapeExpectation, typeof SHAPE_EXPECTATION_KEYS>,
  shapeNode: true satisfies Agrees<ShapeNode, typeof SHAPE_NODE_KEYS>,
  event: true satisfies Agrees<EventMatcher, typeof EVENT_MATCHER_KEYS>,
  link: true satisfies Agrees<LinkMatcher, typeof LINK_MATCHER_KEYS>,
  duration: true satisfies Agrees<ObjectArm<DurationMatcher>, typeof DURATION_MATCHER_KEYS>,
  status: true satisfies Agrees<ObjectArm<StatusMatcher>, typeof STATUS_MATCHER_KEYS>,
  valueMatcher: true satisfies Agrees<ObjectArm<ValueMatcher>, typeof VALUE_MATCHER_KEYS>,
  // Each member of the Expectation union is named by exactly one kind, and every kind has a member.
  kinds: true satisfies Equal<
    ExpectationKind,
    { [K in ExpectationKind]: Extract<Expectation, Record<K, unknown>> extends never ? never : K }[ExpectationKind]
  >,
  budgetLimits: true satisfies Equal<(typeof BUDGET_LIMIT_KEYS)[number], Exclude<KeysOf<typeof BUDGET_KEYS>, 'over' | 'spans'>>,
};

// ---- the JSON Schema, checked key for key ----

interface SchemaNode {
  readonly $ref?: string;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly enum?: readonly unknown[];
  readonly oneOf?: readonly SchemaNode[];
  readonly anyOf?: readonly SchemaNode[];
  readonly $defs?: Readonly<Record<string, SchemaNode>>;
  readonly dependentRequired?: Readonly<Record<string, readonly string[]>>;
}

const schema = JSON.parse(readFileSync('schema/tracecheck-spec.schema.json', 'utf8')) as SchemaNode;
const defs = schema.$defs ?? {};

function def(name: string): SchemaNode {
  const node = defs[name];
  if (node === undefined) throw new Error(`the schema has no $defs.${name}`);
  return node;
}

/** The arm of a oneOf/anyOf that is written as an object (has `properties`). */
function objectArm(node: SchemaNode): SchemaNode {
  const arm = [...(node.oneOf ?? []), ...(node.anyOf ?? [])].find((a) => a.properties !== undefined);
  if (arm === undefined) throw new Error('no object arm');
  return arm;
}

function property(node: SchemaNode, key: string): SchemaNode {
  const child = node.properties?.[key];
  if (child === undefined) throw new Error(`no property "${key}"`);
  return child;
}

const sorted = (keys: readonly string[]): string[] => [...keys].sort();

const objects: [string, ObjectKeys, SchemaNode, readonly string[]][] = [
  ['a spec', SPEC_KEYS, def('spec'), EDITOR_KEYS],
  ['a file with specs', SPEC_FILE_KEYS, objectArm(schema), EDITOR_KEYS],
  ['traces', TRACE_SELECTION_KEYS, property(def('spec'), 'traces'), []],
  ['a count mapping', COUNT_KEYS, objectArm(def('count')), []],
  ['a spans expectation', SPANS_EXPECTATION_KEYS, def('spansExpectation'), []],
  ['an order expectation', ORDER_EXPECTATION_KEYS, def('orderExpectation'), []],
  ['order', ORDER_KEYS, property(def('orderExpectation'), 'order'), []],
  ['a sequence expectation', SEQUENCE_EXPECTATION_KEYS, def('sequenceExpectation'), []],
  ['a budget expectation', BUDGET_EXPECTATION_KEYS, def('budgetExpectation'), []],
  ['budget', BUDGET_KEYS, property(def('budgetExpectation'), 'budget'), []],
  ['a noErrors expectation', NO_ERRORS_EXPECTATION_KEYS, def('noErrorsExpectation'), []],
  ['a connected expectation', CONNECTED_EXPECTATION_KEYS, def('connectedExpectation'), []],
  ['a complete expectation', COMPLETE_EXPECTATION_KEYS, def('completeExpectation'), []],
  ['a propagates expectation', PROPAGATES_EXPECTATION_KEYS, def('propagatesExpectation'), []],
  ['propagates', PROPAGATES_KEYS, property(def('propagatesExpectation'), 'propagates'), []],
  ['a shape expectation', SHAPE_EXPECTATION_KEYS, def('shapeExpectation'), []],
  ['a shape node', SHAPE_NODE_KEYS, def('shapeNode'), []],
  ['an event condition', EVENT_MATCHER_KEYS, def('eventMatcher'), []],
  ['a link condition', LINK_MATCHER_KEYS, def('linkMatcher'), []],
  ['a duration condition', DURATION_MATCHER_KEYS, objectArm(def('durationMatcher')), []],
  ['a status condition', STATUS_MATCHER_KEYS, objectArm(def('statusMatcher')), []],
  ['a value condition', VALUE_MATCHER_KEYS, objectArm(def('valueMatcher')), []],
];

describe('the spec language description', () => {
  it('agrees with the TypeScript types (checked by the compiler)', () => {
    expect(Object.values(typesAgree).every((v) => v)).toBe(true);
  });

  describe.each(objects)('and the JSON Schema agree on %s', (_what, description, node, editorKeys) => {
    it('key for key', () => {
      expect(sorted(Object.keys(node.properties ?? {}))).toEqual(sorted([...description.keys, ...editorKeys]));
    });

    it('on the required keys', () => {
      expect(sorted(node.required ?? [])).toEqual(sorted(description.required));
    });
  });

  it('has one schema expectation per kind', () => {
    const kinds = (def('expectation').oneOf ?? []).map((arm) => /^#\/\$defs\/(\w+)Expectation$/u.exec(arm.$ref ?? '')?.[1]);
    expect(kinds).toEqual([...EXPECTATION_KINDS]);
  });

  it.each([
    ['scope', EXPECTATION_SCOPES, property(def('spansExpectation'), 'scope')],
    ['quantifier', QUANTIFIERS, property(def('spansExpectation'), 'quantifier')],
    ['order relation', ORDER_RELATIONS, property(property(def('orderExpectation'), 'order'), 'relation')],
    ['sequence relation', ORDER_RELATIONS, property(def('sequenceExpectation'), 'relation')],
    ['budget over', BUDGET_OVER, property(property(def('budgetExpectation'), 'budget'), 'over')],
    ['status name', STATUS_NAMES, def('statusName')],
    ['shape mode', SHAPE_MODES, property(def('shapeExpectation'), 'mode')],
    ['span kind', SPAN_KIND_NAMES, property(def('shapeNode'), 'kind')],
    ['attribute type', ATTRIBUTE_TYPE_NAMES, property(objectArm(def('valueMatcher')), 'type')],
  ] as const)('and the JSON Schema agree on the values of %s', (_what, values, node) => {
    expect(node.enum).toEqual([...values]);
  });

  it('and the JSON Schema agree on the keys that need a jsonpath', () => {
    expect(sorted(Object.keys(objectArm(def('valueMatcher')).dependentRequired ?? {}))).toEqual(sorted(JSONPATH_RESULT_KEYS));
  });

  it('is what the validator accepts: every key of a spans expectation, and nothing else', () => {
    const expectation = Object.fromEntries(SPANS_EXPECTATION_KEYS.keys.map((k) => [k, undefined]));
    const spec = { name: 'all keys', expect: [{ ...expectation, spans: '{ kind = server }', extra: 1 }] };
    const result = validateSpecObject(spec);
    expect(result.ok ? [] : result.error.map((p) => p.message)).toEqual(['at expect[0].extra: unknown key "extra" to a "spans" expectation']);
  });
});

import type { AttributeValue, Span, SpanEvent, SpanLink, Trace } from '../../model/index.ts';
import {
  ATTRIBUTE_SCOPES,
  attributeMapReader,
  formatSelector,
  INTRINSIC_FIELDS,
  type AttributeScopeDefinition,
  type FieldRef,
  type LinkField,
  type SelectorAst,
  type StructuralRelation,
} from '../../language/index.ts';
import { literalValue, membershipTest, OPERATORS, type ValueTest } from './operators.ts';
import type { CompiledSelector, SpanPredicate } from './selector-types.ts';

/**
 * The reference implementation of the selector language: what a selector means, in closures only.
 *
 * A selector denotes a set of spans of one trace (docs/selectors.md). A condition holds for a span when its field
 * is present and the operator's test holds ({@link compileCondition}); `&&`, `||` and `!` are intersection, union
 * and complement; a structural operator keeps the right-hand spans that stand (or, negated, do not stand) in the
 * relation to some left-hand span, in the tree the store reconstructed (`Trace.nodesBySpanId`).
 *
 * Fields come from the table in src/language/selector-fields.ts, operators from ./operators.ts. Everything else in
 * src/engine/selectors (generated code, span groups, memos, templates, tiering, typed-array structure) is an
 * accelerator: it must select exactly what this file selects, and the shared suites in test/engine/suites hold
 * every accelerator to that. Turn them all off with `TRACECHECK_ACCELERATORS=off` to judge with this file alone.
 */

/**
 * Conditions judged by a predicate of the caller's instead of being compiled from the tree: a selector template
 * swaps the predicates of its `${var:..}` conditions per binding. Keys are nodes of the tree being compiled.
 */
export type LeafOverrides = ReadonlyMap<SelectorAst, SpanPredicate>;

/**
 * A predicate true when `field` is present on the span and `test` holds for its value (for event and link fields:
 * for some event or link). Plain loops, so that judging a span allocates nothing.
 */
export function fieldTest(field: FieldRef, test: ValueTest): SpanPredicate {
  const read = spanFieldReader(field);
  if (read !== undefined) {
    return (span) => {
      const value = read(span);
      return value !== undefined && test(value);
    };
  }
  if (field.type === 'intrinsic') {
    const definition = INTRINSIC_FIELDS[field.name];
    return definition.per === 'event' ? some(eventsOf, definition.read, test) : some(linksOf, (definition as LinkField).read, test);
  }
  const readKey = attributeMapReader(field.key);
  const scope = ATTRIBUTE_SCOPES[field.scope];
  if (scope.per === 'event') {
    const map = scope.map;
    return some(eventsOf, (event) => readKey(map(event)), test);
  }
  const map = (scope as Extract<AttributeScopeDefinition, { per: 'link' }>).map;
  return some(linksOf, (link) => readKey(map(link)), test);
}

const eventsOf = (span: Span): readonly SpanEvent[] => span.events;
const linksOf = (span: Span): readonly SpanLink[] => span.links;

/** True when some item of the span (an event, a link) has the value present and `test` holds for it. */
function some<T>(items: (span: Span) => readonly T[], read: (item: T) => AttributeValue | undefined, test: ValueTest): SpanPredicate {
  return (span) => {
    for (const item of items(span)) {
      const value = read(item);
      if (value !== undefined && test(value)) return true;
    }
    return false;
  };
}

/**
 * How to read a field that has one value per span (an intrinsic such as `service`, or an attribute of the span, its
 * resource or its scope, `.x` falling back from the span to the resource); `undefined` for fields of events and
 * links, which have one value per event or link.
 */
export function spanFieldReader(field: FieldRef): ((span: Span) => AttributeValue | undefined) | undefined {
  if (field.type === 'intrinsic') {
    const definition = INTRINSIC_FIELDS[field.name];
    return definition.per === 'span' ? definition.read : undefined;
  }
  const scope = ATTRIBUTE_SCOPES[field.scope];
  if (scope.per !== 'span') return undefined;
  const read = attributeMapReader(field.key);
  const { map, fallback } = scope;
  if (fallback === undefined) return (span) => read(map(span));
  return (span) => {
    const own = read(map(span));
    return own === undefined ? read(fallback.map(span)) : own;
  };
}

const present: ValueTest = () => true;

/**
 * Compiles a selector without structural operators into a span predicate.
 *
 * A comparison on an absent field is false, whatever the operator (`span.x != "a"` does not match a span without
 * `span.x`; `!(span.x = "a")` does). `= nil` is true exactly when the field is absent, `!= nil` when present.
 */
export function compileCondition(ast: SelectorAst, overrides?: LeafOverrides): SpanPredicate {
  const override = overrides?.get(ast);
  if (override !== undefined) return override;
  const compile = (inner: SelectorAst): SpanPredicate => compileCondition(inner, overrides);
  switch (ast.type) {
    case 'comparison': {
      if (ast.value.type === 'nil') {
        const isPresent = fieldTest(ast.field, present);
        return ast.op === '=' ? (span) => !isPresent(span) : isPresent;
      }
      return fieldTest(ast.field, OPERATORS[ast.op].test(literalValue(ast.value, ast.field)));
    }
    case 'membership':
      return fieldTest(
        ast.field,
        membershipTest(
          ast.values.map((literal) => literalValue(literal, ast.field)),
          ast.negated,
        ),
      );
    case 'exists':
      return fieldTest(ast.field, present);
    case 'flag':
      return fieldTest(ast.field, (value) => value === true);
    case 'all':
      return () => true;
    case 'group':
      return compile(ast.inner);
    case 'not': {
      const inner = compile(ast.operand);
      return (span) => !inner(span);
    }
    case 'and': {
      const operands = ast.operands.map(compile);
      return (span) => {
        for (const operand of operands) if (!operand(span)) return false;
        return true;
      };
    }
    case 'or': {
      const operands = ast.operands.map(compile);
      return (span) => {
        for (const operand of operands) if (operand(span)) return true;
        return false;
      };
    }
    case 'structural':
      throw new Error('compileCondition: a structural selector needs a trace; use compileReference');
  }
}

/** Whether a selector uses a structural operator anywhere (and so needs the trace tree to judge a span). */
export function isStructural(ast: SelectorAst): boolean {
  switch (ast.type) {
    case 'structural':
      return true;
    case 'group':
      return isStructural(ast.inner);
    case 'not':
      return isStructural(ast.operand);
    case 'and':
    case 'or':
      return ast.operands.some(isStructural);
    default:
      return false;
  }
}

/** The tree around a span: the store's nodes, or nothing for a span judged alone. */
interface Tree {
  parentOf(span: Span): Span | undefined;
  childrenOf(span: Span): readonly Span[];
}

function treeOf(trace: Trace): Tree {
  return {
    parentOf: (span) => trace.nodesBySpanId.get(span.spanId)?.parent?.span,
    childrenOf: (span) => trace.nodesBySpanId.get(span.spanId)?.children.map((child) => child.span) ?? [],
  };
}

const LONE: Tree = { parentOf: () => undefined, childrenOf: () => [] };

/** Whether `span` stands in `relation` to some span for which `left` holds. */
function related(relation: StructuralRelation, span: Span, tree: Tree, left: (span: Span) => boolean): boolean {
  switch (relation) {
    case '>': {
      const parent = tree.parentOf(span);
      return parent !== undefined && left(parent);
    }
    case '>>':
      for (let ancestor = tree.parentOf(span); ancestor !== undefined; ancestor = tree.parentOf(ancestor)) if (left(ancestor)) return true;
      return false;
    case '<':
      return tree.childrenOf(span).some(left);
    case '<<':
      return tree.childrenOf(span).some((child) => left(child) || related('<<', child, tree, left));
    case '~': {
      // Roots and orphans have no siblings; a span is not its own sibling.
      const parent = tree.parentOf(span);
      return parent !== undefined && tree.childrenOf(parent).some((sibling) => sibling !== span && left(sibling));
    }
  }
}

/** Judges one span of a tree: selectors with structural operators need the tree, plain conditions only the span. */
type TreePredicate = (span: Span, tree: Tree) => boolean;

function compileTreePredicate(ast: SelectorAst, compileLeaf: (ast: SelectorAst) => SpanPredicate): TreePredicate {
  if (!isStructural(ast)) {
    const condition = compileLeaf(ast);
    return (span) => condition(span);
  }
  const compile = (inner: SelectorAst): TreePredicate => compileTreePredicate(inner, compileLeaf);
  switch (ast.type) {
    case 'group':
      return compile(ast.inner);
    case 'not': {
      const inner = compile(ast.operand);
      return (span, tree) => !inner(span, tree);
    }
    case 'and': {
      const operands = ast.operands.map(compile);
      return (span, tree) => operands.every((operand) => operand(span, tree));
    }
    case 'or': {
      const operands = ast.operands.map(compile);
      return (span, tree) => operands.some((operand) => operand(span, tree));
    }
    case 'structural': {
      const left = compile(ast.left);
      const right = compile(ast.right);
      const { relation, negated } = ast;
      return (span, tree) => right(span, tree) && related(relation, span, tree, (other) => left(other, tree)) !== negated;
    }
    default:
      throw new Error(`compileTreePredicate: ${ast.type} is not structural`);
  }
}

/**
 * Compiles a selector with closures only: the reference every accelerated selector must agree with.
 * `compileLeaf` compiles the parts without structural operators; an accelerator may pass a faster one.
 *
 * @example
 * ```ts
 * const parsed = parseSelector('{ service = "orders" } > { kind = client }');
 * if (parsed.ok) console.log(compileReference(parsed.value).select(trace).map((span) => span.name));
 * ```
 */
export function compileReference(ast: SelectorAst, compileLeaf: (condition: SelectorAst) => SpanPredicate = compileCondition): CompiledSelector {
  const holds = compileTreePredicate(ast, compileLeaf);
  return {
    ast,
    text: formatSelector(ast),
    structural: isStructural(ast),
    select(trace) {
      const tree = treeOf(trace);
      return trace.spans.filter((span) => holds(span, tree));
    },
    matchesSpan(span, trace) {
      // A span of the trace is judged where the trace has it; any other span alone.
      const inTrace = span.traceId === trace.traceId && trace.nodesBySpanId.has(span.spanId);
      return holds(span, inTrace ? treeOf(trace) : LONE);
    },
  };
}

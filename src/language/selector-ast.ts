/**
 * The selector language as a syntax tree (see docs/selectors.md).
 *
 * Every node denotes a set of spans of one trace: a condition is the set of spans it holds for, `&&` / `||` / `!`
 * are intersection, union and complement, braces and parentheses only group, and a structural operator keeps the
 * right-hand spans related (or, negated, not related) to some left-hand span. Every node carries the `offset` and
 * `length` of its source text (0-based, in UTF-16 code units of the selector string), so messages can point at it.
 */

/** Where a node came from in the selector string. */
export interface SourceSpan {
  /** 0-based offset of the first character. */
  readonly offset: number;
  readonly length: number;
}

import type { AttributeScope, IntrinsicName } from './selector-fields.ts';

export type { AttributeScope, IntrinsicName };

/** A field a condition reads. */
export type FieldRef =
  | (SourceSpan & { readonly type: 'intrinsic'; readonly name: IntrinsicName })
  | (SourceSpan & {
      readonly type: 'attribute';
      readonly scope: AttributeScope;
      readonly key: string;
      /** Whether the key was written quoted (`span."weird key"`); kept so formatting round-trips. */
      readonly quoted: boolean;
    });

/** A literal value. Ints are bigint so that int64 attributes compare exactly; durations are bigint nanoseconds. */
export type Literal =
  | (SourceSpan & { readonly type: 'string'; readonly value: string; readonly raw: string })
  | (SourceSpan & { readonly type: 'int'; readonly value: bigint; readonly raw: string })
  | (SourceSpan & { readonly type: 'double'; readonly value: number; readonly raw: string })
  | (SourceSpan & { readonly type: 'bool'; readonly value: boolean })
  | (SourceSpan & { readonly type: 'duration'; readonly nanos: bigint; readonly raw: string })
  | (SourceSpan & { readonly type: 'nil' })
  /** A span kind keyword; `value` is the OTLP `SpanKind` number. */
  | (SourceSpan & { readonly type: 'kind'; readonly value: number; readonly raw: string })
  /** A status keyword; `value` is the OTLP `StatusCode` number. */
  | (SourceSpan & { readonly type: 'status'; readonly value: number; readonly raw: string });

/** Comparison operators between a field and one value. `contains`: substring of a string, element of an array. */
export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | '=~' | '!~' | 'contains';

/** `field op value`. `= nil` / `!= nil` test absence / presence. */
export interface ComparisonNode extends SourceSpan {
  readonly type: 'comparison';
  readonly field: FieldRef;
  readonly op: ComparisonOperator;
  readonly value: Literal;
}

/** `field in [a, b]` / `field not in [a, b]`. */
export interface MembershipNode extends SourceSpan {
  readonly type: 'membership';
  readonly field: FieldRef;
  readonly negated: boolean;
  readonly values: readonly Literal[];
}

/** `exists(field)`: the attribute is present (intrinsics always are). */
export interface ExistsNode extends SourceSpan {
  readonly type: 'exists';
  readonly field: FieldRef;
}

/** A bare boolean field used as a condition (`root`), meaning `field = true`. */
export interface FlagNode extends SourceSpan {
  readonly type: 'flag';
  readonly field: FieldRef;
}

/** `{ }` with nothing inside: every span. */
export interface AllNode extends SourceSpan {
  readonly type: 'all';
}

/** `a && b` / `a || b` (n-ary, flattened left to right). */
export interface LogicalNode extends SourceSpan {
  readonly type: 'and' | 'or';
  readonly operands: readonly SelectorAst[];
}

/** `!a`: spans of the trace not in `a`. */
export interface NotNode extends SourceSpan {
  readonly type: 'not';
  readonly operand: SelectorAst;
}

/**
 * The structural relations, read as "right-hand spans whose ... is in the left set":
 * `>` parent, `>>` an ancestor, `<` a child, `<<` a descendant, `~` a sibling (same parent, another span).
 */
export type StructuralRelation = '>' | '>>' | '<' | '<<' | '~';

/** `{ A } > { B }` and friends; `negated` for `!>` etc. (right-hand spans with no such relation). */
export interface StructuralNode extends SourceSpan {
  readonly type: 'structural';
  readonly relation: StructuralRelation;
  readonly negated: boolean;
  readonly left: SelectorAst;
  readonly right: SelectorAst;
}

/** `{ ... }` or `( ... )` as written; kept so that formatting reproduces the grouping. */
export interface GroupNode extends SourceSpan {
  readonly type: 'group';
  readonly brace: boolean;
  readonly inner: SelectorAst;
}

/** A parsed selector. */
export type SelectorAst =
  | ComparisonNode
  | MembershipNode
  | ExistsNode
  | FlagNode
  | AllNode
  | LogicalNode
  | NotNode
  | StructuralNode
  | GroupNode;

/** A selector that could not be parsed: what is wrong, where (0-based, into the selector string), how to fix it. */
export interface SelectorSyntaxError extends SourceSpan {
  readonly message: string;
  readonly hint?: string;
}

import type { FieldRef, Literal, SelectorAst } from './selector-ast.ts';

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/u;

/** A field as source text: `kind`, `span.http.route`, `span."weird key"`, `.user_id`. */
export function formatField(field: FieldRef): string {
  if (field.type === 'intrinsic') return field.name;
  const prefix = field.scope === 'any' ? '.' : `${field.scope}.`;
  const key = !field.quoted && PLAIN_KEY.test(field.key) && !field.key.endsWith('.') ? field.key : JSON.stringify(field.key);
  return `${prefix}${key}`;
}

/** A literal as source text, as it was written where that matters (strings keep their quoting, numbers their digits). */
export function formatLiteral(value: Literal): string {
  switch (value.type) {
    case 'bool':
      return String(value.value);
    case 'nil':
      return 'nil';
    case 'duration':
    case 'int':
    case 'double':
    case 'kind':
    case 'status':
    case 'string':
      return value.raw;
  }
}

/** Whether printing `node` as an operand of `&&` / `||` / `!` needs parentheses to keep its meaning. */
function needsParens(node: SelectorAst, parent: 'and' | 'or' | 'not'): boolean {
  if (node.type === 'structural') return true;
  if (node.type === 'or') return parent !== 'or';
  if (node.type === 'and') return parent === 'not';
  return false;
}

function operand(node: SelectorAst, parent: 'and' | 'or' | 'not'): string {
  const text = formatSelector(node);
  return needsParens(node, parent) ? `(${text})` : text;
}

/**
 * Prints a selector (or any clause of one) back as source text, e.g. to name the clauses a near miss failed:
 * `kind = server`, `{ service = "orders" } > { kind = client }`. Parsing the output gives an equivalent selector.
 *
 * @example
 * ```ts
 * const parsed = parseSelector('{service="orders"&&kind=server}');
 * if (parsed.ok) formatSelector(parsed.value); // '{ service = "orders" && kind = server }'
 * ```
 */
export function formatSelector(ast: SelectorAst): string {
  switch (ast.type) {
    case 'comparison':
      return `${formatField(ast.field)} ${ast.op} ${formatLiteral(ast.value)}`;
    case 'membership':
      return `${formatField(ast.field)} ${ast.negated ? 'not in' : 'in'} [${ast.values.map(formatLiteral).join(', ')}]`;
    case 'exists':
      return `exists(${formatField(ast.field)})`;
    case 'flag':
      return formatField(ast.field);
    case 'all':
      return '{ }';
    case 'and':
      return ast.operands.map((node) => operand(node, 'and')).join(' && ');
    case 'or':
      return ast.operands.map((node) => operand(node, 'or')).join(' || ');
    case 'not':
      return `!${operand(ast.operand, 'not')}`;
    case 'group':
      return ast.brace ? `{ ${formatSelector(ast.inner)} }` : `(${formatSelector(ast.inner)})`;
    case 'structural': {
      // The right operand of a left-associative chain needs grouping when it is itself structural.
      const right = ast.right.type === 'structural' ? `(${formatSelector(ast.right)})` : formatSelector(ast.right);
      return `${formatSelector(ast.left)} ${ast.negated ? '!' : ''}${ast.relation} ${right}`;
    }
  }
}

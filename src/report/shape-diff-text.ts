import type { ChalkInstance } from 'chalk';
import type { ShapeDiff, ShapeDifference, ShapeFieldChange } from '../engine/index.ts';

/**
 * Draws a shape diff as a tree: the path down to each difference once (dim), then the difference under it,
 * `-` missing (red), `+` extra (green), `~` changed with its fields (yellow), `↕` children out of order.
 *
 * @example
 * ```ts
 * renderShapeDiff(result.shapeDiff, new Chalk({ level: 0 }), '  ');
 * // gateway: POST /checkout (server)
 * //   - missing  inventory: GET /stock (client)
 * ```
 */
export function renderShapeDiff(diff: ShapeDiff, chalk: ChalkInstance, indent: string): string[] {
  const lines: string[] = [];
  let shown: readonly string[] = [];
  for (const d of diff.differences) {
    let common = 0;
    while (common < shown.length && common < d.path.length && shown[common] === d.path[common]) common += 1;
    for (let i = common; i < d.path.length; i++) lines.push(`${indent}${'  '.repeat(i)}${chalk.dim(d.path[i] ?? '')}`);
    lines.push(`${indent}${'  '.repeat(d.path.length)}${difference(d, chalk)}`);
    // A changed span heads the differences below it: its line stands for it in their path.
    shown = d.change === 'changed' ? [...d.path, d.node] : d.path;
  }
  return lines;
}

function difference(d: ShapeDifference, chalk: ChalkInstance): string {
  const spans = d.spanCount > 1 ? chalk.dim(` (${d.spanCount} spans)`) : '';
  switch (d.change) {
    case 'missing':
      return chalk.red(`- missing  ${d.node}`) + spans;
    case 'extra':
      return chalk.green(`+ extra    ${d.node}`) + spans;
    case 'changed':
      return `${chalk.yellow(`~ changed  ${d.node}`)}  ${(d.fields ?? []).map((f) => field(f, chalk)).join(', ')}`;
    case 'order':
      return `${chalk.yellow(`↕ order    children of ${d.node}`)}  expected ${(d.expectedOrder ?? []).join(', ')}; got ${(d.actualOrder ?? []).join(', ')}`;
  }
}

function field(f: ShapeFieldChange, chalk: ChalkInstance): string {
  const show = (v: ShapeFieldChange['expected']): string => (typeof v === 'string' ? `"${v}"` : String(v));
  return `${f.field} ${chalk.red(show(f.expected))} → ${chalk.green(show(f.actual))}`;
}

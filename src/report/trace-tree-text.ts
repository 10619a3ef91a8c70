import type { SpanSummary, TraceTree, TraceTreeNode } from '../engine/index.ts';
import { formatMillis, formatSignedNanos } from './format-duration.ts';

/**
 * How parts of a drawn trace are painted. Every function receives plain text and returns it decorated;
 * {@link plainTraceTreeStyle} returns it unchanged (what test-runner matchers use).
 */
export interface TraceTreeStyle {
  /** The tree's connecting lines and secondary details. */
  readonly dim: (text: string) => string;
  /** The service name. */
  readonly service: (text: string) => string;
  /** The marker and note of an offending span. */
  readonly marked: (text: string) => string;
  /** An error status. */
  readonly error: (text: string) => string;
}

/** A style that adds nothing: the drawing as plain text. */
export const plainTraceTreeStyle: TraceTreeStyle = {
  dim: identity,
  service: identity,
  marked: identity,
  error: identity,
};

/** Options of {@link renderTraceTree}. */
export interface TraceTreeTextOptions {
  readonly style?: TraceTreeStyle;
  /**
   * When the trace has more spans than this, subtrees without an offending span are folded into
   * `… N more spans` lines so the offending ones stay visible. Default 60.
   */
  readonly maxSpans?: number;
  /** Prefix of every line (e.g. indentation). Default `''`. */
  readonly indent?: string;
}

/** The marker drawn in the gutter of an offending span. */
export const MARKED_SPAN_MARKER = '✗';

/**
 * Draws a trace as an indented tree, one span a line: service · name, kind, duration, status, clock-skew
 * adjustment, and for the spans a failure is about a `✗` in the gutter and the failure's note.
 *
 * @example
 * ```ts
 * console.log(renderTraceTree(expectation.trace));
 * // trace 4bf92f3577b34da6a3ce929d0e0e4736 · 3 spans
 * //     frontend · GET /checkout  server  182ms  ok
 * //     └─ frontend · POST  client  120ms  unset
 * //   ✗    └─ orders · POST /orders  server  118ms  error: db down  ← status = ok
 * ```
 */
export function renderTraceTree(tree: TraceTree, options: TraceTreeTextOptions = {}): string {
  const style = options.style ?? plainTraceTreeStyle;
  const indent = options.indent ?? '';
  const maxSpans = options.maxSpans ?? 60;

  const total = tree.roots.reduce((sum, root) => sum + countNodes(root), 0);
  const mustDraw = new Set<TraceTreeNode>();
  for (const root of tree.roots) collectMustDraw(root, mustDraw);
  // Roots are always drawn; other spans until the budget runs out, offending spans and their ancestors always.
  let budget = total <= maxSpans ? Number.POSITIVE_INFINITY : Math.max(0, maxSpans - mustDraw.size);

  const lines: string[] = [];
  const rootWord = tree.roots.length === 1 ? '' : ` · ${tree.roots.length} roots`;
  lines.push(`${indent}${style.dim(`trace ${tree.traceId} · ${plural(total, 'span')}${rootWord}`)}`);

  const drawNode = (node: TraceTreeNode, prefix: string, connector: string, orphan: boolean): void => {
    const gutter = node.marked ? style.marked(`${MARKED_SPAN_MARKER} `) : '  ';
    const text = spanLine(node, style, orphan);
    lines.push(`${indent}${gutter}  ${style.dim(prefix + connector)}${text}`);
    const childPrefix = prefix + (connector === '' ? '' : connector === '└─ ' ? '   ' : '│  ');
    drawChildren(node.children, childPrefix);
  };

  const drawChildren = (children: readonly TraceTreeNode[], prefix: string): void => {
    // Decide first which children are drawn, so the last drawn line gets `└─` even when folded ones follow.
    const items: ({ node: TraceTreeNode } | { folded: number })[] = [];
    for (const child of children) {
      if (mustDraw.has(child) || budget > 0) {
        if (!mustDraw.has(child)) budget -= 1;
        items.push({ node: child });
      } else {
        const size = countNodes(child);
        const last = items.at(-1);
        if (last !== undefined && 'folded' in last) last.folded += size;
        else items.push({ folded: size });
      }
    }
    items.forEach((item, i) => {
      const connector = i === items.length - 1 ? '└─ ' : '├─ ';
      if ('node' in item) drawNode(item.node, prefix, connector, false);
      else lines.push(`${indent}    ${style.dim(`${prefix}${connector}… ${plural(item.folded, 'more span')} not drawn`)}`);
    });
  };

  for (const root of tree.roots) drawNode(root, '', '', root.orphan === true);
  return lines.join('\n');
}

/** One span as the tree shows it, without tree lines: `orders · POST /orders  server  118ms  error: db down`. */
export function describeSpan(span: SpanSummary, style: TraceTreeStyle = plainTraceTreeStyle): string {
  const service = style.service(span.service ?? '(unknown service)');
  const status =
    span.status === 'error'
      ? style.error(span.statusMessage === '' ? 'error' : `error: ${span.statusMessage}`)
      : style.dim(span.status);
  return `${service} · ${span.name}  ${style.dim(span.kind)}  ${formatMillis(span.durationMillis)}  ${status}`;
}

function spanLine(node: TraceTreeNode, style: TraceTreeStyle, orphan: boolean): string {
  let text = describeSpan(node.span, style);
  if (node.skewAdjustmentNanos !== undefined && node.skewAdjustmentNanos !== '0') {
    text += style.dim(`  (clock skew adjusted ${formatSignedNanos(node.skewAdjustmentNanos)})`);
  }
  if (orphan) {
    const parent = node.span.parentSpanId ?? '?';
    text += style.dim(`  (orphan: parent ${parent} never received)`);
  }
  if (node.note !== undefined && node.note !== '') text += style.marked(`  ← ${node.note}`);
  return text;
}

/** Adds to `into` the roots, the offending spans and their ancestors; returns whether `node`'s subtree holds an offending span. */
function collectMustDraw(node: TraceTreeNode, into: Set<TraceTreeNode>, isRoot = true): boolean {
  let holdsMarked = node.marked;
  for (const child of node.children) {
    if (collectMustDraw(child, into, false)) holdsMarked = true;
  }
  if (holdsMarked || isRoot) into.add(node);
  return holdsMarked;
}

function countNodes(node: TraceTreeNode): number {
  let n = 1;
  for (const child of node.children) n += countNodes(child);
  return n;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function identity(text: string): string {
  return text;
}

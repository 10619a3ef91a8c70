import { durationNanosOf, serviceNameOf, spanKindNames, type SpanNode, type Trace } from '../../src/model/index.ts';

/**
 * Renders a trace as an indented tree, one span a line: service, span name, kind, duration.
 * Orphans (spans whose parent never arrived) are listed after the roots, marked as such.
 */
export function formatTraceTree(trace: Trace): string {
  const totalMillis = Number(trace.endTimeUnixNano - trace.startTimeUnixNano) / 1e6;
  const lines = [`trace ${trace.traceId}: ${trace.spans.length} spans, ${totalMillis.toFixed(1)} ms`];
  const visit = (node: SpanNode, prefix: string, last: boolean, orphan: boolean): void => {
    const span = node.span;
    const millis = Number(durationNanosOf(span)) / 1e6;
    const label = `${(serviceNameOf(span) ?? '?').padEnd(9)} ${span.name}  (${spanKindNames[span.kind] ?? span.kind}, ${millis.toFixed(1)} ms)`;
    lines.push(`${prefix}${last ? '└─ ' : '├─ '}${orphan ? '[orphan] ' : ''}${label}`);
    node.children.forEach((child, i) => visit(child, prefix + (last ? '   ' : '│  '), i === node.children.length - 1, false));
  };
  const tops = [...trace.roots.map((node) => ({ node, orphan: false })), ...trace.orphans.map((node) => ({ node, orphan: true }))];
  tops.forEach(({ node, orphan }, i) => visit(node, '', i === tops.length - 1, orphan));
  return lines.join('\n');
}

/**
 * What keeps a run's traces from being one connected trace that spans every expected service:
 * an empty list means there is exactly one trace, with one root, no orphans, and spans of every service.
 */
export function connectedTraceProblems(traces: readonly Trace[], services: readonly string[]): string[] {
  if (traces.length !== 1) return [`expected 1 trace in the run, got ${traces.length}`];
  const trace = traces[0]!;
  const problems: string[] = [];
  if (trace.roots.length !== 1) problems.push(`expected 1 root span, got ${trace.roots.length}`);
  if (trace.orphans.length > 0) problems.push(`${trace.orphans.length} span(s) whose parent never arrived: ${trace.orphans.map((node) => node.span.name).join(', ')}`);
  const seen = new Set(trace.spans.map(serviceNameOf));
  const missing = services.filter((service) => !seen.has(service));
  if (missing.length > 0) problems.push(`no spans from ${missing.join(', ')}`);
  return problems;
}

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
 * The trace a request entered through `entryService`: the one trace of the run whose root span belongs to that
 * service, or `undefined` when there is none or more than one. A run may hold other traces too (e.g. work
 * linked to this one), which this ignores.
 */
export function entryTraceOf(traces: readonly Trace[], entryService: string): Trace | undefined {
  const entered = traces.filter((trace) => trace.roots.some((root) => serviceNameOf(root.span) === entryService));
  return entered.length === 1 ? entered[0] : undefined;
}

/**
 * What keeps the run from holding one connected trace that enters at `services[0]` and spans every service:
 * an empty list means exactly one trace has its root in the entry service, that trace has one root and no
 * orphans, and it holds spans of every service.
 */
export function connectedTraceProblems(traces: readonly Trace[], services: readonly [string, ...string[]]): string[] {
  const entryService = services[0];
  const trace = entryTraceOf(traces, entryService);
  if (trace === undefined) {
    const entered = traces.filter((t) => t.roots.some((root) => serviceNameOf(root.span) === entryService)).length;
    return [`expected 1 trace rooted in ${entryService}, got ${entered} (of ${traces.length} trace(s) in the run)`];
  }
  const problems: string[] = [];
  if (trace.roots.length !== 1) problems.push(`expected 1 root span, got ${trace.roots.length}`);
  if (trace.orphans.length > 0) problems.push(`${trace.orphans.length} span(s) whose parent never arrived: ${trace.orphans.map((node) => node.span.name).join(', ')}`);
  const seen = new Set(trace.spans.map(serviceNameOf));
  const missing = services.filter((service) => !seen.has(service));
  if (missing.length > 0) problems.push(`no spans from ${missing.join(', ')}`);
  return problems;
}

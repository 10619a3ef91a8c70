import { createJsonReporter } from './json.ts';
import { createJunitReporter } from './junit.ts';
import { createHtmlReporter } from './html.ts';
import { createPrettyReporter } from './pretty.ts';
import type { Reporter, ReporterName, ReporterOptions } from './reporter.ts';

export type { Reporter, ReporterName, ReporterOptions } from './reporter.ts';
export { reporterNames } from './reporter.ts';
export { createPrettyReporter } from './pretty.ts';
export { createJsonReporter, toJsonReport } from './json.ts';
export type { JsonReport, JsonSpecReport, JsonExpectationReport } from './json.ts';
export { createJunitReporter } from './junit.ts';
export { createHtmlReporter, renderHtmlPage, jsonForScript } from './html.ts';
export type { HtmlReportData, HtmlReporterOptions, HtmlPageOptions } from './html.ts';
export { analysisScores, renderAnalysis } from './analysis.ts';
export type { AnalysisScores, RuleScore, ServiceScore } from './analysis.ts';
export { isFailure, isWarning } from './warnings.ts';
export { renderTraceTree, describeSpan, plainTraceTreeStyle, MARKED_SPAN_MARKER } from './trace-tree-text.ts';
export type { TraceTreeStyle, TraceTreeTextOptions } from './trace-tree-text.ts';
export { formatMillis } from './format-duration.ts';
export { stdoutSupportsColor } from './color-support.ts';
export { escapeXmlText, escapeXmlAttribute } from './xml-escape.ts';

/**
 * Creates one of the shipped reporters by name.
 *
 * @example
 * ```ts
 * const reporter = createReporter('junit');
 * await writeFile('tracecheck.xml', reporter.render(result));
 * process.stdout.write(createReporter('pretty', { color: false }).render(result));
 * ```
 */
export function createReporter(name: ReporterName, options: ReporterOptions = {}): Reporter {
  switch (name) {
    case 'pretty':
      return createPrettyReporter(options);
    case 'json':
      return createJsonReporter();
    case 'junit':
      return createJunitReporter(options);
    case 'html':
      return createHtmlReporter({ traces: options.traces });
  }
}

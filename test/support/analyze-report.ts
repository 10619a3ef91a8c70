/**
 * What `tracecheck analyze --reporter json` writes, read back by the rule tests: the documented JSON report plus
 * the `analysis` scores the analyze command adds to it.
 */
import type { AnalysisScores, JsonExpectationReport, JsonReport } from '../../src/report/index.ts';

/** `tracecheck analyze`'s JSON report. */
export type AnalyzeReport = JsonReport & { readonly analysis: AnalysisScores };

/** The rules that fail on some service, as `severity rule`, sorted. */
export function findings(report: AnalyzeReport): string[] {
  return report.analysis.rules.filter((r) => r.failingServices.length > 0).map((r) => `${r.severity} ${r.rule}`).sort();
}

/** The result of rule `id` (its expectation is named `id: ...`) in the report's first spec, if any. */
export function ruleResult(report: JsonReport, id: string): JsonExpectationReport | undefined {
  return report.specs[0]?.expectations.find((e) => e.name.startsWith(`${id}: `));
}

import { createHtmlReporter } from './html.ts';
import type { ExpectationResult, RunResult } from '../engine/index.ts';
import { toJsonReport } from './json.ts';
import { createJunitReporter } from './junit.ts';
import { createPrettyReporter } from './pretty.ts';
import type { ReporterName, ReporterOptions } from './reporter.ts';
import { isFailure, isWarning } from './warnings.ts';

/** One service's score in an analysis: of the rules, how many hold, warn, fail. */
export interface ServiceScore {
  readonly service: string;
  readonly rules: number;
  readonly passed: number;
  readonly warnings: number;
  readonly failed: number;
  /** Percent of the rules that hold, one decimal (warnings count as not holding). */
  readonly score: number;
}

/** One rule's outcome across the services of an analysis. */
export interface RuleScore {
  readonly rule: string;
  readonly severity: 'error' | 'warn';
  /** Services where the rule does not hold. */
  readonly failingServices: readonly string[];
  /** Offending spans, summed over the services (each result lists at most 20). */
  readonly offendingSpans: number;
}

/** The scores `tracecheck analyze` prints beside its report. */
export interface AnalysisScores {
  readonly services: readonly ServiceScore[];
  readonly rules: readonly RuleScore[];
}

const SERVICE_PREFIX = 'service ';

function ruleOf(e: ExpectationResult): string {
  return e.name.split(': ')[0] ?? e.name;
}

/**
 * Scores an analysis result (the specs of `analysisSpecs`: one per service, one expectation per rule) per service
 * and per rule.
 *
 * @example
 * ```ts
 * for (const s of analysisScores(result).services) console.log(s.service, s.score);
 * ```
 */
export function analysisScores(result: RunResult): AnalysisScores {
  const services: ServiceScore[] = [];
  const rules = new Map<string, { severity: 'error' | 'warn'; failing: string[]; spans: number }>();
  for (const spec of result.specs) {
    const service = spec.name.startsWith(SERVICE_PREFIX) ? spec.name.slice(SERVICE_PREFIX.length) : spec.name;
    const judged = spec.expectations.filter((e) => e.kind !== 'traces');
    const passed = judged.filter((e) => e.passed).length;
    const warnings = judged.filter(isWarning).length;
    services.push({ service, rules: judged.length, passed, warnings, failed: judged.filter(isFailure).length, score: judged.length === 0 ? 100 : Math.round((passed / judged.length) * 1000) / 10 });
    for (const e of judged) {
      const entry = rules.get(ruleOf(e)) ?? { severity: e.severity ?? 'error', failing: [], spans: 0 };
      if (!e.passed) {
        entry.failing.push(service);
        entry.spans += e.spans.length;
      }
      rules.set(ruleOf(e), entry);
    }
  }
  return {
    services,
    rules: [...rules].map(([rule, r]) => ({ rule, severity: r.severity, failingServices: r.failing, offendingSpans: r.spans })),
  };
}

/** The result with only what did not hold: the pretty report of an analysis lists findings, not 100 passes per service. */
function findingsOnly(result: RunResult): RunResult {
  return { ...result, specs: result.specs.map((spec) => ({ ...spec, expectations: spec.expectations.filter((e) => !e.passed) })) };
}

function scoresText(scores: AnalysisScores): string {
  const lines = ['Scores per service (rules that hold):'];
  for (const s of scores.services) {
    lines.push(`  ${s.service}: ${s.score}% (${s.passed} of ${s.rules} hold${s.failed > 0 ? `, ${s.failed} failed` : ''}${s.warnings > 0 ? `, ${s.warnings} warning${s.warnings === 1 ? '' : 's'}` : ''})`);
  }
  const findings = scores.rules.filter((r) => r.failingServices.length > 0);
  lines.push('', findings.length === 0 ? 'Every rule holds in every service.' : 'Rules that do not hold:');
  for (const r of findings) lines.push(`  ${r.severity === 'warn' ? '⚠' : '✗'} ${r.rule}: ${r.failingServices.join(', ')} (${r.offendingSpans} offending span${r.offendingSpans === 1 ? '' : 's'})`);
  return lines.join('\n') + '\n';
}

/**
 * Renders an analysis in a reporter's format: pretty gives the findings (offending spans drawn) then the scores;
 * JSON the ordinary report plus `analysis: {services, rules}`; JUnit the ordinary report (a suite per service, a
 * case per rule) with `tracecheck.score.<service>` properties.
 *
 * @example
 * ```ts
 * process.stdout.write(renderAnalysis(result, 'pretty', { color: false }));
 * ```
 */
export function renderAnalysis(result: RunResult, name: ReporterName, options: ReporterOptions = {}): string {
  const scores = analysisScores(result);
  switch (name) {
    case 'pretty': {
      // The findings' own summary line would count only the findings; the scores say how many rules hold.
      const findings = createPrettyReporter(options).render(findingsOnly(result)).trimEnd().split('\n');
      const verdict = result.passed ? 'PASS' : 'FAIL';
      return `${findings.filter((line) => !/^(PASS|FAIL) /u.test(line)).join('\n')}\n\n${scoresText(scores)}\n${verdict}  ${result.specs.length} services · ${result.spanCount} spans in ${result.traceCount} traces\n`;
    }
    case 'json':
      return JSON.stringify({ ...toJsonReport(result), analysis: scores }, null, 2) + '\n';
    case 'junit': {
      const xml = createJunitReporter(options).render(result);
      const properties = scores.services.map((s) => `    <property name="tracecheck.score.${escapeName(s.service)}" value="${s.score}"/>`).join('\n');
      return xml.replace('  <properties>\n', `  <properties>\n${properties}\n`);
    }
    case 'html':
      return createHtmlReporter({ traces: options.traces, title: 'tracecheck analysis' }).render(result);
  }
}

function escapeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._:-]/gu, '_');
}

import type { ExpectationResult, RunNote, RunResult, SpecResult } from '../engine/index.ts';
import { formatSpecProblem } from '../errors.ts';
import type { Reporter, ReporterOptions } from './reporter.ts';
import { renderTraceTree } from './trace-tree-text.ts';
import { isFailure, isWarning } from './warnings.ts';
import { escapeXmlAttribute, escapeXmlText } from './xml-escape.ts';

/**
 * The CI reporter: JUnit XML as Jenkins, GitLab, GitHub Actions test-report actions and Azure render it.
 * One `<testsuite>` per spec (`name`, `file`), one `<testcase>` per expectation (`classname` = spec name,
 * `name` = expectation name, `time` in seconds), and for a failure a `<failure message="...">` whose body holds
 * the message, expected and actual, the span ids involved and the trace drawn as plain text. A failed
 * `severity: warn` expectation is no `<failure>`: its testcase carries the property `tracecheck.severity = warn`
 * and the same text in `<system-out>`, and the suites count warnings in a `tracecheck.warnings` property.
 *
 * @example
 * ```ts
 * await writeFile('reports/tracecheck.xml', createJunitReporter().render(result));
 * ```
 */
export function createJunitReporter(options: ReporterOptions = {}): Reporter {
  const maxTreeSpans = options.maxTreeSpans ?? 60;
  return {
    name: 'junit',
    render: (result) => renderJunit(result, maxTreeSpans),
  };
}

function renderJunit(result: RunResult, maxTreeSpans: number): string {
  const tests = result.specs.reduce((n, s) => n + s.expectations.length, 0);
  const failures = result.specs.reduce((n, s) => n + s.expectations.filter(isFailure).length, 0);
  const warnings = result.specs.reduce((n, s) => n + s.expectations.filter(isWarning).length, 0);
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(
    `<testsuites${attrs({
      name: 'tracecheck',
      tests,
      failures,
      errors: 0,
      skipped: 0,
      time: seconds(result.durationMillis),
    })}>`,
  );
  out.push('  <properties>');
  out.push(`    <property${attrs({ name: 'tracecheck.runId', value: result.runId })}/>`);
  out.push(`    <property${attrs({ name: 'tracecheck.spanCount', value: result.spanCount })}/>`);
  out.push(`    <property${attrs({ name: 'tracecheck.traceCount', value: result.traceCount })}/>`);
  out.push(`    <property${attrs({ name: 'tracecheck.settled', value: String(result.settled) })}/>`);
  out.push(`    <property${attrs({ name: 'tracecheck.warnings', value: warnings })}/>`);
  result.notes.forEach((note, i) => {
    const name = `tracecheck.note.${i + 1}`;
    out.push(`    <property${attrs({ name, value: note.message })}/>`);
    // The note's facts beside its line, so CI tools can group and link without parsing the message.
    for (const [key, value] of noteFacts(note)) out.push(`    <property${attrs({ name: `${name}.${key}`, value })}/>`);
  });
  out.push('  </properties>');
  for (const spec of result.specs) out.push(...renderSuite(spec, maxTreeSpans));
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

/** A note's code and its diagnostic's fields, as `key = text` pairs (lists comma-separated). */
function noteFacts(note: RunNote): [string, string][] {
  const facts: [string, string][] = [['code', note.code]];
  const d = note.diagnostic;
  if (d === undefined) return facts;
  if (d.cause !== undefined) facts.push(['cause', d.cause]);
  if (d.callerService !== undefined) facts.push(['callerService', d.callerService]);
  if (d.calleeService !== undefined) facts.push(['calleeService', d.calleeService]);
  if (d.traceId !== undefined) facts.push(['traceId', d.traceId]);
  if (d.spanIds !== undefined) facts.push(['spanIds', d.spanIds.join(',')]);
  if (d.pairing !== undefined) facts.push(['pairing', `${d.pairing.evidence} (${d.pairing.confidence})`]);
  if (d.offsetNanos !== undefined) facts.push(['offsetNanos', `${d.offsetNanos.min}..${d.offsetNanos.max}`]);
  if (d.count !== undefined) facts.push(['count', String(d.count)]);
  if (d.missingBaggageKeys !== undefined) facts.push(['missingBaggageKeys', d.missingBaggageKeys.join(',')]);
  return facts;
}

function renderSuite(spec: SpecResult, maxTreeSpans: number): string[] {
  const failures = spec.expectations.filter(isFailure).length;
  const lines = [
    `  <testsuite${attrs({
      name: spec.name,
      file: spec.file,
      tests: spec.expectations.length,
      failures,
      errors: 0,
      skipped: 0,
      time: seconds(spec.durationMillis),
    })}>`,
  ];
  lines.push('    <properties>');
  lines.push(`      <property${attrs({ name: 'tracecheck.matchedTraceCount', value: spec.matchedTraceCount })}/>`);
  lines.push('    </properties>');
  for (const e of spec.expectations) {
    const open = `    <testcase${attrs({
      classname: spec.name,
      name: e.name,
      file: e.source?.file ?? spec.file,
      line: e.source?.line,
      time: seconds(e.durationMillis ?? 0),
    })}`;
    if (e.passed) {
      lines.push(`${open}/>`);
      continue;
    }
    lines.push(`${open}>`);
    if (isWarning(e)) {
      lines.push('      <properties>', `        <property${attrs({ name: 'tracecheck.severity', value: 'warn' })}/>`, '      </properties>');
      lines.push(`      <system-out>${escapeXmlText(`WARNING (severity: warn, does not fail the run)\n${failureBody(e, maxTreeSpans)}`)}</system-out>`);
      lines.push('    </testcase>');
      continue;
    }
    lines.push(`      <failure${attrs({ message: e.message, type: e.kind })}>${escapeXmlText(failureBody(e, maxTreeSpans))}</failure>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>');
  return lines;
}

function failureBody(e: ExpectationResult, maxTreeSpans: number): string {
  const parts = [e.message, '', `expected: ${e.expected}`, `actual:   ${e.actual}`];
  if (e.source !== undefined) parts.push(`at:       ${formatSpecProblem({ ...e.source, message: '' }).trimEnd()}`);
  if (e.spans.length > 0) {
    parts.push('', 'spans:');
    for (const s of e.spans) parts.push(`  ${s.spanId} (trace ${s.traceId}) ${s.service ?? '(unknown service)'} · ${s.name}`);
  }
  for (const miss of e.nearMisses ?? []) {
    parts.push(`closest: ${miss.span.service ?? '(unknown service)'} · ${miss.span.name} (span ${miss.span.spanId}) — missed: ${miss.missedClauses.join(', ')}`);
  }
  if (e.trace !== undefined) parts.push('', renderTraceTree(e.trace, { maxSpans: maxTreeSpans }));
  return '\n' + parts.join('\n') + '\n      ';
}

function attrs(values: Readonly<Record<string, string | number | undefined>>): string {
  let out = '';
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    out += ` ${key}="${escapeXmlAttribute(String(value))}"`;
  }
  return out;
}

/** JUnit times are decimal seconds. */
function seconds(millis: number): string {
  return (Math.max(0, millis) / 1000).toFixed(3);
}

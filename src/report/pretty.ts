import { Chalk, supportsColor, type ChalkInstance } from 'chalk';
import type { ExpectationResult, RunResult, SpecResult } from '../engine/index.ts';
import type { SourcePosition } from '../errors.ts';
import { stdoutSupportsColor } from './color-support.ts';
import { formatMillis } from './format-duration.ts';
import type { Reporter, ReporterOptions } from './reporter.ts';
import { renderShapeDiff } from './shape-diff-text.ts';
import { describeSpan, renderTraceTree, type TraceTreeStyle } from './trace-tree-text.ts';
import { isFailure, isWarning } from './warnings.ts';

/** How many near misses and offending spans a failure lists before it says "and N more". */
const LIST_LIMIT = 5;

/**
 * The human reporter: ✓/✗ per spec and expectation; for each failure the message, expected vs actual, near
 * misses and the trace drawn with the offending spans marked; then notes about the run and a summary line.
 *
 * @example
 * ```ts
 * const reporter = createPrettyReporter({ color: false });
 * process.stdout.write(reporter.render(result));
 * ```
 */
export function createPrettyReporter(options: ReporterOptions = {}): Reporter {
  const color = options.color ?? stdoutSupportsColor();
  // Forced colour on a stream chalk judged colourless still needs a level to paint with: basic 16 colours.
  const level = color ? (supportsColor === false ? 1 : Math.max(1, supportsColor.level)) : 0;
  const chalk = new Chalk({ level: level as 0 | 1 | 2 | 3 });
  const maxTreeSpans = options.maxTreeSpans ?? 60;
  return {
    name: 'pretty',
    render: (result) => renderPretty(result, chalk, maxTreeSpans),
  };
}

function renderPretty(result: RunResult, chalk: ChalkInstance, maxTreeSpans: number): string {
  const style: TraceTreeStyle = {
    dim: (t) => chalk.dim(t),
    service: (t) => chalk.cyan(t),
    marked: (t) => chalk.red.bold(t),
    error: (t) => chalk.red(t),
  };
  const out: string[] = [];
  for (const spec of result.specs) out.push(...renderSpec(spec, chalk, style, maxTreeSpans), '');
  if (result.specs.length === 0) out.push(chalk.yellow('No specs were evaluated.'), '');

  const notes = result.notes.map((note) => note.message);
  // A pass judged before the run settled is final (what waits for settling, absence and budgets, held); only a
  // failure may be the work of spans still on their way.
  if (!result.settled && !result.passed) {
    notes.unshift('the run had not settled when it was judged (spans may still have been arriving); raise --timeout or --quiet');
  }
  if (notes.length > 0) {
    out.push(chalk.yellow('Notes:'));
    for (const note of notes) out.push(`  ${chalk.yellow('!')} ${note}`);
    out.push('');
  }
  out.push(summaryLine(result, chalk));
  return out.join('\n') + '\n';
}

function renderSpec(spec: SpecResult, chalk: ChalkInstance, style: TraceTreeStyle, maxTreeSpans: number): string[] {
  const mark = spec.passed ? chalk.green('✓') : chalk.red('✗');
  const where = spec.file === undefined ? '' : chalk.dim(`  ${spec.source === undefined ? spec.file : position(spec.source)}`);
  const facts = chalk.dim(`  ${plural(spec.matchedTraceCount, 'trace')} · ${formatMillis(spec.durationMillis)}`);
  const lines = [`${mark} ${chalk.bold(spec.name)}${where}${facts}`];
  for (const expectation of spec.expectations) {
    lines.push(...renderExpectation(expectation, chalk, style, maxTreeSpans));
  }
  return lines;
}

function renderExpectation(
  e: ExpectationResult,
  chalk: ChalkInstance,
  style: TraceTreeStyle,
  maxTreeSpans: number,
): string[] {
  if (e.passed) return [`    ${chalk.green('✓')} ${e.name}`];
  const pad = '        ';
  const where = e.source === undefined ? '' : chalk.dim(`  ${position(e.source)}`);
  const warn = isWarning(e);
  const lines = [warn ? `    ${chalk.yellow('⚠')} ${chalk.yellow.bold(e.name)}${chalk.yellow(' (warning)')}${where}` : `    ${chalk.red('✗')} ${chalk.red.bold(e.name)}${where}`];
  // A shape's message lists its differences in plain text; the diff is drawn instead, as a coloured tree.
  const message = e.shapeDiff === undefined ? e.message.split('\n') : e.message.split('\n').slice(0, 1);
  for (const line of message) lines.push(pad + line);
  if (e.shapeDiff !== undefined) lines.push(...renderShapeDiff(e.shapeDiff, chalk, pad + '  '));
  lines.push(`${pad}${chalk.dim('expected:')} ${chalk.green(e.expected)}`);
  lines.push(`${pad}${chalk.dim('actual:  ')} ${chalk.red(e.actual)}`);

  const misses = e.nearMisses ?? [];
  for (const miss of misses.slice(0, LIST_LIMIT)) {
    const span = miss.span;
    lines.push(
      `${pad}${chalk.dim('closest:')} ${style.service(span.service ?? '(unknown service)')} · ${span.name}` +
        ` ${chalk.dim('—')} missed: ${chalk.yellow(miss.missedClauses.join(', '))}`,
    );
  }
  if (misses.length > LIST_LIMIT) lines.push(`${pad}${chalk.dim(`… and ${misses.length - LIST_LIMIT} more near misses`)}`);

  if (e.trace !== undefined) {
    lines.push(renderTraceTree(e.trace, { style, indent: pad, maxSpans: maxTreeSpans }));
  } else if (e.spans.length > 0) {
    // Without a drawn trace, the offending spans are listed so the failure still points somewhere.
    lines.push(`${pad}${chalk.dim('spans:')}`);
    for (const span of e.spans.slice(0, LIST_LIMIT)) {
      lines.push(`${pad}  ${style.marked('✗')} ${describeSpan(span, style)} ${chalk.dim(`(trace ${span.traceId}, span ${span.spanId})`)}`);
    }
    if (e.spans.length > LIST_LIMIT) lines.push(`${pad}  ${chalk.dim(`… and ${e.spans.length - LIST_LIMIT} more`)}`);
  }
  return lines;
}

function summaryLine(result: RunResult, chalk: ChalkInstance): string {
  const specsPassed = result.specs.filter((s) => s.passed).length;
  const specsFailed = result.specs.length - specsPassed;
  let expPassed = 0;
  let expFailed = 0;
  let expWarned = 0;
  for (const spec of result.specs) {
    for (const e of spec.expectations) {
      if (e.passed) expPassed += 1;
      else if (isFailure(e)) expFailed += 1;
      else expWarned += 1;
    }
  }
  const verdict = result.passed ? chalk.green.bold('PASS') : chalk.red.bold('FAIL');
  const counts = (passed: number, failed: number, warned = 0): string =>
    [failed > 0 ? chalk.red(`${failed} failed`) : '', warned > 0 ? chalk.yellow(`${warned} warning${warned === 1 ? '' : 's'}`) : '', chalk.green(`${passed} passed`), `${passed + failed + warned} total`]
      .filter((p) => p !== '')
      .join(', ');
  return (
    `${verdict}  Specs: ${counts(specsPassed, specsFailed)} · Expectations: ${counts(expPassed, expFailed, expWarned)}` +
    ` · ${plural(result.spanCount, 'span')} in ${plural(result.traceCount, 'trace')} · ${formatMillis(result.durationMillis)}` +
    chalk.dim(` · run ${result.runId}`)
  );
}

function position(source: SourcePosition): string {
  return `${source.file}:${source.line}:${source.col}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

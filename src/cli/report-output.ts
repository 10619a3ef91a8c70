import { writeFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { RunResult } from '../engine/index.ts';
import type { Trace } from '../model/index.ts';
import { createReporter, reporterNames, stdoutSupportsColor, type ReporterName } from '../report/index.ts';
import type { CliIo } from './cli-io.ts';
import type { OptionSpec, ParsedArgs } from './option-table.ts';
import { valueOf } from './option-table.ts';

/** The `--reporter` and `--out` options that every judging command shares. */
export const reportOptions: readonly OptionSpec[] = [
  { name: 'reporter', type: 'value', valueName: 'NAME', choices: reporterNames, description: 'report format, default pretty' },
  {
    name: 'out',
    type: 'value',
    valueName: 'FILE',
    description: 'write the report to FILE (the pretty report still goes to stdout); html: one self-contained page',
  },
];

/**
 * Writes the report: to `--out FILE` when given (and then the pretty report to stdout, so a person watching CI
 * still sees what failed), otherwise to stdout. Resolves with an error message when the file cannot be written.
 */
export async function writeReport(result: RunResult, args: ParsedArgs, io: CliIo, traces?: () => readonly Trace[]): Promise<string | undefined> {
  const name = (valueOf(args, 'reporter') ?? 'pretty') as ReporterName;
  const out = valueOf(args, 'out');
  const color = io.stdout === process.stdout ? stdoutSupportsColor(io.env) : false;
  const pretty = createReporter('pretty', { color });
  // The html report draws the run's traces, as the engine judged them (clock skew adjusted).
  const views = name === 'html' && traces !== undefined ? (await import('../engine/index.ts')).viewTraces(traces()) : undefined;
  if (out === undefined) {
    io.stdout.write(name === 'pretty' ? pretty.render(result) : createReporter(name, { traces: views }).render(result));
    return undefined;
  }
  const path = resolve(io.cwd, out);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, createReporter(name, { color: false, traces: views }).render(result));
  } catch (error) {
    io.stdout.write(pretty.render(result));
    return `cannot write the ${name} report to ${out}: ${(error as Error).message}`;
  }
  io.stdout.write(pretty.render(result));
  return undefined;
}

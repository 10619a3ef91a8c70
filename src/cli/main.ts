import { readFileSync } from 'node:fs';
import { didYouMean } from '../language/index.ts';
import { processIo, type CliIo } from './cli-io.ts';
export { executableIo } from './cli-io.ts';
import { analyzeCommand } from './analyze-command.ts';
import { checkCommand } from './check-command.ts';
import type { CliCommand } from './command.ts';
import { ExitCode } from './exit-codes.ts';
import { formatOptionTable, parseOptions } from './option-table.ts';
import { runCommand } from './run-command.ts';
import { serveCommand } from './serve-command.ts';
import { snapshotCommand } from './snapshot-command.ts';
import { validateCommand } from './validate-command.ts';

/** The command table: `tracecheck <name>`. Add a command by adding its {@link CliCommand} here. */
export const commands: readonly CliCommand[] = [runCommand, checkCommand, validateCommand, serveCommand, analyzeCommand, snapshotCommand];

/**
 * Runs the tracecheck CLI with `argv` (without the node and script paths); resolves with the exit code.
 * Usage errors print one clear line to stderr and give exit code 2.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h') {
    io.stdout.write(generalHelp());
    return first === undefined ? ExitCode.USAGE : ExitCode.OK;
  }
  if (first === 'help') return help(rest, io);
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${version()}\n`);
    return ExitCode.OK;
  }
  const command = commands.find((c) => c.name === first);
  if (command === undefined) {
    const what = first.startsWith('-') ? `unknown option ${first}` : `unknown command "${first}"`;
    io.stderr.write(`tracecheck: ${what}${commandGuess(first)}; see tracecheck --help\n`);
    return ExitCode.USAGE;
  }
  const parsed = parseOptions(rest, command.options);
  if (!parsed.ok) {
    io.stderr.write(`tracecheck ${command.name}: ${parsed.error}\nusage: ${command.usage}\n`);
    return ExitCode.USAGE;
  }
  if (parsed.value.flags.has('help')) {
    io.stdout.write(commandHelp(command));
    return ExitCode.OK;
  }
  return command.run(parsed.value, io);
}

/** `tracecheck help [COMMAND]`: the general help, or one command's help as `tracecheck COMMAND --help` prints it. */
function help(args: readonly string[], io: CliIo): number {
  const [name, ...extra] = args;
  if (name === undefined || name === '--help' || name === '-h') {
    io.stdout.write(generalHelp());
    return ExitCode.OK;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined || extra.length > 0) {
    const problem = command === undefined ? `unknown command "${name}"${commandGuess(name)}` : `unexpected argument ${JSON.stringify(extra[0])}`;
    io.stderr.write(`tracecheck help: ${problem}\nusage: tracecheck help [${commands.map((c) => c.name).join('|')}]\n`);
    return ExitCode.USAGE;
  }
  io.stdout.write(commandHelp(command));
  return ExitCode.OK;
}

function commandGuess(word: string): string {
  const guess = didYouMean(word.replace(/^-+/, ''), commands.map((c) => c.name));
  return guess === undefined ? '' : ` (did you mean "${guess}"?)`;
}

function generalHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `tracecheck ${version()}: assert on the OpenTelemetry traces of a test run`,
    '',
    'usage: tracecheck <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'tracecheck help <command> (or tracecheck <command> --help) shows a command\'s options.',
    'tracecheck --version prints the version.',
    '',
  ].join('\n');
}

function commandHelp(command: CliCommand): string {
  const parts = [`usage: ${command.usage}`, '', command.summary, '', 'options:', formatOptionTable(command.options)];
  if (command.details !== undefined) parts.push('', command.details);
  return parts.join('\n') + '\n';
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

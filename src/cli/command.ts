import type { CliIo } from './cli-io.ts';
import type { OptionSpec, ParsedArgs } from './option-table.ts';

/** One `tracecheck <name>` command: its option table, its help, and what it does. */
export interface CliCommand {
  readonly name: string;
  /** One line for the command list of `tracecheck --help`. */
  readonly summary: string;
  /** The synopsis, e.g. `tracecheck validate [--specs PATH...]`. */
  readonly usage: string;
  /** Further help text (examples, exit codes), shown by `tracecheck <name> --help`. */
  readonly details?: string;
  readonly options: readonly OptionSpec[];
  /** Runs the command; resolves with the process exit code. */
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

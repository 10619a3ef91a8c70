import type { CliCommand } from './command.ts';
import { ExitCode } from './exit-codes.ts';
import { loadSpecsOrExplain } from './spec-loading.ts';

/**
 * `tracecheck validate [--specs PATH...]`: checks spec files without running anything. Prints every problem as
 * `file:line:col message (hint)` and exits 2, or prints one OK line and exits 0.
 */
export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'check spec files and print every problem with file:line:col',
  usage: 'tracecheck validate [--specs PATH...]',
  details: 'Exit codes: 0 all spec files are valid, 2 a problem was found (each is printed).',
  options: [{ name: 'specs', type: 'list', valueName: 'PATH', description: 'spec files or directories, default specs/' }],
  async run(args, io) {
    const specs = await loadSpecsOrExplain(args, io);
    if (specs === undefined) return ExitCode.USAGE;
    const files = new Set(specs.map((s) => s.file)).size;
    const expectations = specs.reduce((n, s) => n + s.definition.expect.length, 0);
    io.stdout.write(
      `OK: ${plural(specs.length, 'spec')} with ${plural(expectations, 'expectation')} in ${plural(files, 'file')}\n`,
    );
    return ExitCode.OK;
  },
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

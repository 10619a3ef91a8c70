import { formatSpecProblem, type SpecProblem } from '../errors.ts';
import { loadSpecFiles, specExpectations } from '../language/index.ts';
import type { CliCommand } from './command.ts';
import { ExitCode } from './exit-codes.ts';
import { relativeTo, specPathsOf } from './spec-loading.ts';

/**
 * `tracecheck validate [--specs PATH...] [--strict-env]`: checks spec files without running anything. Prints every
 * problem as `file:line:col message (hint)` and exits 2, or prints one OK line and exits 0. An unset `${env:NAME}`
 * is only a warning here (a pre-commit hook has no test environment) unless `--strict-env`; `run` and `check`,
 * which judge with the value, refuse it.
 */
export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'check spec files and print every problem with file:line:col',
  usage: 'tracecheck validate [--specs PATH...] [--strict-env]',
  details: 'Exit codes: 0 all spec files are valid (warnings may be printed), 2 a problem was found (each is printed).',
  options: [
    { name: 'specs', type: 'list', valueName: 'PATH', description: 'spec files or directories, default specs/' },
    { name: 'strict-env', type: 'flag', description: 'an unset ${env:NAME} is an error, as for run and check (default: a warning)' },
  ],
  async run(args, io) {
    const warnings: SpecProblem[] = [];
    const loaded = await loadSpecFiles(specPathsOf(args, io), {
      env: io.env,
      unsetEnv: args.flags.has('strict-env') ? 'error' : 'warning',
      onWarning: (warning) => warnings.push({ ...warning, message: `warning: ${warning.message}` }),
    });
    const show = (problem: SpecProblem): void => {
      io.stderr.write(`${formatSpecProblem({ ...problem, file: relativeTo(io.cwd, problem.file) })}\n`);
    };
    if (!loaded.ok) {
      loaded.error.forEach(show);
      warnings.forEach(show);
      const files = new Set(loaded.error.map((p) => p.file)).size;
      io.stderr.write(`tracecheck: ${plural(loaded.error.length, 'problem')} in ${plural(files, 'spec file')}; nothing was judged\n`);
      return ExitCode.USAGE;
    }
    warnings.forEach(show);
    const specs = loaded.value;
    const files = new Set(specs.map((s) => s.file)).size;
    const expectations = specs.reduce((n, s) => n + specExpectations(s.definition).expectations.length, 0);
    const warned = warnings.length === 0 ? '' : ` (${plural(warnings.length, 'warning')})`;
    io.stdout.write(
      `OK: ${plural(specs.length, 'spec')} with ${plural(expectations, 'expectation')} in ${plural(files, 'file')}${warned}\n`,
    );
    return ExitCode.OK;
  },
};

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

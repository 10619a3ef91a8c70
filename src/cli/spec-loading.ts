import { formatSpecProblem } from '../errors.ts';
import { loadSpecFiles } from '../language/index.ts';
import type { LoadedSpec } from '../language/index.ts';
import type { CliIo } from './cli-io.ts';
import type { ParsedArgs } from './option-table.ts';
import { resolve } from 'node:path';

/** Where specs are looked for when `--specs` is not given, relative to the working directory. */
export const DEFAULT_SPECS_PATH = 'specs';

/** The `--specs` paths of a command line, or the default. */
export function specPathsOf(args: ParsedArgs, io: CliIo): string[] {
  const given = args.values.get('specs') ?? [DEFAULT_SPECS_PATH];
  return given.map((p) => resolve(io.cwd, p));
}

/**
 * Loads the specs, or prints every problem as `file:line:col message (hint)` to stderr and returns `undefined`
 * (the caller exits 2: nothing can be judged against broken specs).
 */
export async function loadSpecsOrExplain(args: ParsedArgs, io: CliIo): Promise<LoadedSpec[] | undefined> {
  const loaded = await loadSpecFiles(specPathsOf(args, io));
  if (loaded.ok) return loaded.value.map((spec) => shownRelativeTo(io.cwd, spec));
  for (const problem of loaded.error) io.stderr.write(`${formatSpecProblem({ ...problem, file: relativeTo(io.cwd, problem.file) })}\n`);
  const files = new Set(loaded.error.map((p) => p.file)).size;
  io.stderr.write(`tracecheck: ${plural(loaded.error.length, 'problem')} in ${plural(files, 'spec file')}; nothing was judged\n`);
  return undefined;
}

/** The spec with every position it reports named relative to the working directory. */
function shownRelativeTo(cwd: string, spec: LoadedSpec): LoadedSpec {
  const file = relativeTo(cwd, spec.file);
  if (file === spec.file) return spec;
  return {
    ...spec,
    file,
    source: { ...spec.source, file },
    positionOf: (...args) => {
      const position = spec.positionOf(...args);
      return position === undefined ? undefined : { ...position, file };
    },
  };
}

/** Paths under the working directory are shown relative to it, as editors and CI annotations expect. */
export function relativeTo(cwd: string, file: string): string {
  const prefix = cwd.endsWith('/') ? cwd : `${cwd}/`;
  return file.startsWith(prefix) ? file.slice(prefix.length) : file;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

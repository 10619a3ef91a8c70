/**
 * The fenced code blocks of README.md and docs/ that a reader copies, and how the docs test runs each.
 *
 * Every `ts`, `js` and `sh` block must stand right under one annotation comment, so no block can be added without
 * saying how it is checked:
 *
 * - `<!-- doctest: project=NAME file=PATH -->` writes the block to PATH in the scratch project NAME;
 * - `<!-- doctest: project=NAME file=PATH wrap=WRAPPER -->` writes it into `test/docs/wrappers/WRAPPER` at the
 *   line `// doc block`, for an excerpt that names variables its surrounding text defines;
 * - `run` (after `file=`, or alone on a shell block) runs it, in document order, once the project's files are
 *   written: `node PATH` for TypeScript and JavaScript, bash for shell (`set -e`, one line after another);
 *   `run="CMD"` runs CMD instead (e.g. `run="vitest run"` for a test file);
 * - `expect-exit=N` for a run that must end with code N (default 0);
 * - `stdout="REGEX"` for a run whose standard output must match, so a block that runs but does the wrong thing fails;
 * - `skip=REASON` for the few blocks another test runs as a whole (the README's own two commands: CI runs them on a
 *   fresh clone), with the reason.
 *
 * A project also gets the files under `test/docs/projects/NAME/` (services, a `package.json` with scripts), written
 * before the blocks, and its `doctest-setup.ts`, if there is one, runs first. Blocks of other languages (yaml,
 * json, text, plain fences) are run only as files of a project when annotated (a spec file the shell block next to
 * it judges); the spec examples among them are loaded by test/language/docs.test.ts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The languages whose blocks are meant to be run. */
const RUNNABLE_LANGUAGES = new Set(['ts', 'typescript', 'js', 'javascript', 'mjs', 'sh', 'bash', 'shell']);

export interface DocBlock {
  /** Where it stands, as `docs/testing.md:32` (the fence's line). */
  readonly location: string;
  readonly language: 'ts' | 'js' | 'sh' | 'other';
  readonly code: string;
  readonly annotation: DocAnnotation | undefined;
}

export type DocAnnotation =
  | { readonly kind: 'skip'; readonly reason: string }
  | {
      readonly kind: 'project';
      readonly project: string;
      readonly file: string | undefined;
      readonly wrap: string | undefined;
      readonly run: boolean;
      /** What `run="CMD"` names; undefined for a plain `run`. */
      readonly command: string | undefined;
      readonly expectExit: number;
      readonly stdout: RegExp | undefined;
    };

/** Every runnable block of README.md and docs/*.md, in file order (README first, then docs/ by name). */
export function readDocBlocks(repoRoot: string): DocBlock[] {
  const files = ['README.md', ...readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
  return files.flatMap((file) => blocksOf(file, readFileSync(join(repoRoot, file), 'utf8')));
}

function blocksOf(file: string, text: string): DocBlock[] {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```([\w-]*)\s*$/u.exec(lines[i] as string);
    if (open === null) continue;
    const indent = open[1] as string;
    const end = lines.findIndex((line, j) => j > i && line.trimEnd() === `${indent}\`\`\``);
    if (end < 0) throw new Error(`${file}:${i + 1}: a code fence is never closed`);
    const language = normalLanguage(open[2] as string);
    const previous = i > 0 ? (lines[i - 1] as string).trim() : '';
    const annotation = parseAnnotation(previous, `${file}:${i}`);
    if (language !== 'other' || annotation !== undefined) {
      const code = lines
        .slice(i + 1, end)
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
        .join('\n');
      blocks.push({ location: `${file}:${i + 1}`, language, code: `${code}\n`, annotation });
    }
    i = end;
  }
  return blocks;
}

function normalLanguage(info: string): DocBlock['language'] {
  if (!RUNNABLE_LANGUAGES.has(info)) return 'other';
  if (info === 'ts' || info === 'typescript') return 'ts';
  if (info === 'js' || info === 'javascript' || info === 'mjs') return 'js';
  return 'sh';
}

/** Reads `<!-- doctest: key=value key="a value" flag -->`; undefined when the line is no such comment. */
export function parseAnnotation(line: string, location: string): DocAnnotation | undefined {
  const comment = /^<!--\s*doctest:(.*?)-->$/u.exec(line);
  if (comment === null) return undefined;
  const fields = new Map<string, string>();
  for (const match of (comment[1] as string).matchAll(/([\w-]+)(?:=(?:"([^"]*)"|(\S+)))?/gu)) {
    fields.set(match[1] as string, match[2] ?? match[3] ?? '');
  }
  const known = new Set(['project', 'file', 'wrap', 'run', 'expect-exit', 'stdout', 'skip']);
  for (const key of fields.keys()) if (!known.has(key)) throw new Error(`${location}: unknown doctest key "${key}"`);
  const skip = fields.get('skip');
  if (skip !== undefined) {
    if (skip.trim() === '') throw new Error(`${location}: skip needs a reason (skip="...")`);
    return { kind: 'skip', reason: skip };
  }
  const project = fields.get('project');
  if (project === undefined || project === '') throw new Error(`${location}: a doctest annotation needs project=NAME or skip="reason"`);
  const file = fields.get('file');
  const run = fields.has('run');
  const command = fields.get('run') || undefined;
  if (file === undefined && !run) throw new Error(`${location}: a doctest annotation needs file=PATH, run, or both`);
  const expectExit = Number(fields.get('expect-exit') ?? '0');
  if (!Number.isInteger(expectExit)) throw new Error(`${location}: expect-exit must be a whole number`);
  const stdout = fields.get('stdout');
  return { kind: 'project', project, file, wrap: fields.get('wrap'), run, command, expectExit, stdout: stdout === undefined ? undefined : new RegExp(stdout, 'u') };
}

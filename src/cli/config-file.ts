// `--config FILE`: a command's options in YAML, read against the command's own option table, so an option added to
// the table is a config key with no other edit. Problems are `file:line:col what (how to fix)`, as in spec files.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode, type Pair } from 'yaml';
import type { SourcePosition, SpecProblem } from '../errors.ts';
import { didYouMean } from '../language/index.ts';
import { err, ok, type Result } from '../result.ts';
import type { OptionSpec, ParsedArgs } from './option-table.ts';

/** The option naming the config file itself; never a key inside it. */
export const CONFIG_OPTION = 'config';

/** Placeholders of options whose values are paths: in a config file they are relative to the file's folder. */
const PATH_VALUE_NAMES = new Set(['FILE', 'DIR', 'PATH']);

/** Options read from a config file, and where each was written (for errors found later, by the command). */
export interface ConfigOptions {
  readonly args: ParsedArgs;
  /** Where each option's value stands in the file, by option name. */
  readonly positions: ReadonlyMap<string, SourcePosition>;
}

function camelToKebab(word: string): string {
  return word.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/_/g, '-');
}

/**
 * Reads a config file's text against an option table: a YAML mapping whose keys are the table's option names.
 * A flag takes `true`/`false`, a value option one scalar, a list option a sequence of scalars (or one scalar).
 * Path options (`FILE`, `DIR`, `PATH` placeholders) are resolved against the file's folder.
 *
 * @example
 * ```ts
 * const read = readConfigText('http-port: 4318\nspecs: [specs/]\n', '/etc/tracecheck.yaml', serveCommand.options);
 * if (read.ok) read.value.args.values.get('specs'); // ['/etc/specs/']
 * ```
 */
export function readConfigText(text: string, file: string, table: readonly OptionSpec[]): Result<ConfigOptions, SpecProblem[]> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (node: YamlNode | Pair['key'] | null | undefined): SourcePosition => {
    const offset = (node as YamlNode | null | undefined)?.range?.[0] ?? 0;
    const { line, col } = lines.linePos(offset);
    return { file, line, col };
  };
  const problems: SpecProblem[] = doc.errors.map((error) => {
    const { line, col } = lines.linePos(error.pos[0]);
    return { file, line, col, message: `YAML syntax error: ${error.message}`, hint: 'fix the YAML syntax; a config file is a mapping of option names to values' };
  });
  if (problems.length > 0) return err(problems);

  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  const positions = new Map<string, SourcePosition>();
  const contents = doc.contents;
  const empty = contents === null || (isScalar(contents) && contents.value === null);
  if (!empty && !isMap(contents)) {
    return err([{ ...at(contents), message: 'a config file is a mapping of option names to values', hint: 'write one "option-name: value" per line, e.g. "http-port: 4318"' }]);
  }
  const keys = table.filter((spec) => spec.name !== CONFIG_OPTION).map((spec) => spec.name);
  const folder = dirname(file);

  for (const pair of isMap(contents) ? contents.items : []) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    const spec = table.find((s) => s.name === key && s.name !== CONFIG_OPTION);
    if (key === undefined || spec === undefined) {
      const shown = key === undefined ? 'a key that is not a word' : `"${key}"`;
      const kebab = key === undefined ? undefined : camelToKebab(key);
      const guess = kebab !== undefined && keys.includes(kebab) ? kebab : key === undefined ? undefined : didYouMean(key, keys);
      const hint = key === CONFIG_OPTION ? 'a config file cannot name another; pass --config once' : guess === undefined ? `the keys are the options of the command: ${keys.join(', ')}` : `did you mean "${guess}"?`;
      problems.push({ ...at(pair.key), message: `unknown key ${shown}`, hint });
      continue;
    }
    const node = pair.value as YamlNode | null;
    positions.set(spec.name, at(node ?? pair.key));
    const read = readValue(spec, node, at);
    if (!read.ok) {
      problems.push(...read.error);
      continue;
    }
    if (spec.type === 'flag') {
      if (read.value[0] === 'true') flags.add(spec.name);
      continue;
    }
    const isPath = spec.valueName !== undefined && PATH_VALUE_NAMES.has(spec.valueName);
    values.set(spec.name, isPath ? read.value.map((v) => resolve(folder, v)) : read.value);
  }
  if (problems.length > 0) return err(problems);
  return ok({ args: { values, flags, positionals: [], rest: undefined }, positions });
}

/** One option's value as the command-line parser would have it: strings. */
function readValue(spec: OptionSpec, node: YamlNode | null, at: (node: YamlNode | null) => SourcePosition): Result<string[], SpecProblem[]> {
  const problem = (where: YamlNode | null, message: string, hint: string): Result<string[], SpecProblem[]> => err([{ ...at(where), message, hint }]);
  const scalarText = (item: unknown): string | undefined => {
    if (!isScalar(item) || item.value === null || typeof item.value === 'object') return undefined;
    return String(item.value);
  };
  if (spec.type === 'flag') {
    if (isScalar(node) && typeof node.value === 'boolean') return ok([String(node.value)]);
    return problem(node, `"${spec.name}" is a switch`, `write "${spec.name}: true" or "${spec.name}: false"`);
  }
  const items = spec.type === 'list' && isSeq(node) ? node.items : [node];
  if (spec.type === 'value' && isSeq(node)) {
    return problem(node, `"${spec.name}" takes one value, not a list`, `write "${spec.name}: ${spec.valueName ?? 'VALUE'}"`);
  }
  const texts: string[] = [];
  for (const item of items) {
    const text = scalarText(item);
    if (text === undefined || text === '') {
      const what = spec.type === 'list' ? `a ${spec.valueName ?? 'value'} or a list of them` : `one ${spec.valueName ?? 'value'}`;
      return problem(item as YamlNode | null, `"${spec.name}" needs ${what}`, `write e.g. "${spec.name}: ${spec.choices?.[0] ?? spec.valueName ?? 'VALUE'}"; ${spec.name} is: ${spec.description}`);
    }
    if (spec.choices !== undefined && !spec.choices.includes(text)) {
      const guess = didYouMean(text, spec.choices);
      return problem(item as YamlNode, `"${spec.name}" cannot be "${text}"`, guess === undefined ? `use one of ${spec.choices.join(', ')}` : `did you mean "${guess}"?`);
    }
    texts.push(text);
  }
  return ok(texts);
}

/** Reads a config file from disk (see {@link readConfigText}); a file that cannot be read is one problem. */
export async function readConfigFile(path: string, table: readonly OptionSpec[]): Promise<Result<ConfigOptions, SpecProblem[]>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return err([{ file: path, line: 1, col: 1, message: `cannot read the config file: ${reason}`, hint: 'check the path given to --config' }]);
  }
  return readConfigText(text, path, table);
}

/** The command line over the config file: an option given on the command line replaces the file's value. */
export function overrideConfig(file: ParsedArgs, commandLine: ParsedArgs): ParsedArgs {
  const values = new Map(file.values);
  for (const [name, given] of commandLine.values) values.set(name, [...given]);
  return { values, flags: new Set([...file.flags, ...commandLine.flags]), positionals: commandLine.positionals, rest: commandLine.rest };
}

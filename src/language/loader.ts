import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type Document, type Node as YamlNode } from 'yaml';
import type { SourcePosition, SpecProblem } from '../errors.ts';
import { err, ok, type Result } from '../result.ts';
import type { Locate, LocateDetail, SpecPath } from './problem-collector.ts';
import { mapScalarOffset, type ScalarStyle } from './scalar-offsets.ts';
import type { SpecDefinition } from './types.ts';
import { validateSpecDocuments, type SpecDocument, type ValidateOptions } from './validate.ts';

/** A validated spec with where it was written, so results can point back into the file. */
export interface LoadedSpec {
  readonly definition: SpecDefinition;
  readonly file: string;
  /** Where the spec starts (its mapping). */
  readonly source: SourcePosition;
  /**
   * Where a part of this spec was written, by its path inside the spec: `positionOf(['expect', 2])` is the
   * third expectation, `positionOf(['expect', 2, 'budget', 'p95'])` its p95 value.
   */
  positionOf(path: SpecPath, detail?: LocateDetail): SourcePosition | undefined;
}

/** Options of {@link loadSpecText} and {@link loadSpecFiles}. */
export type LoadOptions = ValidateOptions;

/** File name endings read as spec files. JSON is parsed as YAML (it is YAML 1.2), so positions work the same. */
export const SPEC_FILE_EXTENSIONS: readonly string[] = ['.yaml', '.yml', '.json'];

function keyOf(node: unknown): string | undefined {
  return isScalar(node) ? String(node.value) : undefined;
}

/** Finds the node at a path, and the key node that introduced it (for mapping entries). */
function nodeAt(doc: Document, path: SpecPath): { node: unknown; key: unknown } | undefined {
  let node: unknown = doc.contents;
  let key: unknown;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyOf(p.key) === String(segment));
      if (pair === undefined) return undefined;
      key = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      key = undefined;
      if (node === undefined) return undefined;
    } else {
      return undefined;
    }
  }
  return { node, key };
}

function rangeStart(node: unknown): number | undefined {
  return (node as YamlNode | null | undefined)?.range?.[0];
}

/** A locator over one parsed YAML document: node paths (and offsets inside strings) to file:line:col. */
function documentLocator(doc: Document, text: string, lines: LineCounter, file: string): Locate {
  const at = (offset: number): SourcePosition => {
    const { line, col } = lines.linePos(offset);
    return { file, line, col };
  };
  return (path, detail) => {
    const found = nodeAt(doc, path);
    if (found === undefined) return undefined;
    const { node, key } = found;
    if (detail?.key === true && rangeStart(key) !== undefined) return at(rangeStart(key) ?? 0);
    if (detail?.offset !== undefined && isScalar(node) && typeof node.value === 'string' && node.range) {
      const [start, end] = node.range;
      return at(mapScalarOffset(text, start, end, node.type as ScalarStyle, node.value, detail.offset));
    }
    const start = rangeStart(node) ?? rangeStart(key);
    return start === undefined ? undefined : at(start);
  };
}

/**
 * Parses and validates the text of one spec file: one spec, `specs: [...]`, a list of specs, or several YAML
 * documents separated by `---`. JSON text works the same way. Every problem carries file:line:col.
 *
 * @example
 * ```ts
 * const result = loadSpecText('name: orders\nexpect:\n  - spans: "{ service = \\"orders\\" }"\n', 'specs/orders.yaml');
 * if (result.ok) console.log(result.value[0]?.positionOf(['expect', 0])); // { file: 'specs/orders.yaml', line: 3, col: 5 }
 * ```
 */
export function loadSpecText(text: string, file: string, options: LoadOptions = {}): Result<LoadedSpec[], SpecProblem[]> {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const docs: Document[] = Array.isArray(parsed) ? parsed : [];
  const problems: SpecProblem[] = [];
  for (const doc of docs) {
    for (const error of doc.errors) {
      const { line, col } = lines.linePos(error.pos[0]);
      problems.push({ file, line, col, message: `YAML syntax error: ${error.message}`, hint: yamlHint(error.code) });
    }
  }
  if (problems.length > 0) return err(problems);
  const tags = unresolvedTags(docs, text, lines, file);
  // A trailing `---` (or a document of only comments) holds nothing; that is not a mistake.
  const used = docs.filter((doc) => !(doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null && doc.contents.source === '')));
  if (used.length === 0) {
    return err([{ file, line: 1, col: 1, message: 'the file holds no spec', hint: 'a spec file starts with "name:" and "expect:", or with "specs:"' }]);
  }
  const locators = used.map((doc) => documentLocator(doc, text, lines, file));
  const documents: SpecDocument[] = used.map((doc, i) => ({ value: doc.toJS({ maxAliasCount: 1000 }), locate: locators[i] }));
  const commas = extname(file).toLowerCase() === '.json' ? trailingCommas(text, lines, file) : [];
  const validated = validateSpecDocuments(documents, file, options);
  if (!validated.ok || commas.length > 0 || tags.length > 0) {
    // What the validator says about the rest of a tagged value ("unexpected =") would only confuse.
    const others = (validated.ok ? [] : validated.error).filter((p) => !tags.some((t) => within(p, t.from, t.to)));
    return err([...tags.map((t) => t.problem), ...commas, ...others]);
  }
  return ok(
    validated.value.map(({ definition, document, path }) => {
      const locate = locators[document] as Locate;
      return {
        definition,
        file,
        source: locate(path) ?? { file, line: 1, col: 1 },
        positionOf: (inner: SpecPath, detail?: LocateDetail) => locate([...path, ...inner], detail),
      };
    }),
  );
}

/** A 1-based line and column, as the YAML line counter gives them. */
interface LinePos {
  readonly line: number;
  readonly col: number;
}

/**
 * A YAML value starting with `!` is a tag: `spans: !(status = error)` is the tag `!(status` on the string
 * `= error)`. No spec value has a tag, so each one the parser could not resolve is a value that needed quotes.
 */
function unresolvedTags(docs: readonly Document[], text: string, lines: LineCounter, file: string): { problem: SpecProblem; from: LinePos; to: LinePos }[] {
  const found: { problem: SpecProblem; from: LinePos; to: LinePos }[] = [];
  for (const doc of docs) {
    for (const warning of doc.warnings) {
      if (warning.code !== 'TAG_RESOLVE_FAILED') continue;
      const [start, tagEnd] = warning.pos;
      let end = tagEnd;
      visit(doc, (_key, node) => {
        if (!isNode(node) || node.range === undefined || node.range === null || node.range[0] < tagEnd) return undefined;
        end = node.range[1];
        return visit.BREAK;
      });
      const from = lines.linePos(start);
      const left = text.slice(tagEnd, end).trim();
      found.push({
        problem: {
          file,
          ...from,
          message: `the value starts with "!", which YAML reads as a tag ("${text.slice(start, tagEnd)}")${left === '' ? '' : `, leaving "${left}"`}`,
          hint: `quote it: '${text.slice(start, end).trimEnd().replaceAll("'", "''")}'`,
        },
        from,
        to: lines.linePos(end),
      });
    }
  }
  return found;
}

function within(p: LinePos, from: LinePos, to: LinePos): boolean {
  const after = p.line > from.line || (p.line === from.line && p.col >= from.col);
  const before = p.line < to.line || (p.line === to.line && p.col <= to.col);
  return after && before;
}

/**
 * JSON allows no comma after the last entry of an object or array, but YAML, which reads JSON files here, does; an
 * editor, `JSON.parse` and every other JSON tool reject such a file, so it is refused here too, at the comma.
 */
function trailingCommas(text: string, lines: LineCounter, file: string): SpecProblem[] {
  try {
    JSON.parse(text);
    return [];
  } catch {
    // Not JSON; trailing commas are looked for below (other mistakes are the YAML parser's to report).
  }
  const problems: SpecProblem[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i += 1; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i += 1;
      continue;
    }
    if (c !== ',') continue;
    const close = /^\s*([\]}])/u.exec(text.slice(i + 1));
    if (close === null) continue;
    const { line, col } = lines.linePos(i);
    const what = close[1] === ']' ? 'array' : 'object';
    problems.push({ file, line, col, message: `trailing comma before "${close[1] ?? ''}": JSON allows no comma after the last entry of an ${what}`, hint: 'remove this ","' });
  }
  return problems;
}

function yamlHint(code: string): string | undefined {
  switch (code) {
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
      return 'check the indentation: nested keys need more spaces than their parent, list items the same';
    case 'DUPLICATE_KEY':
      return 'each key may appear once per mapping';
    case 'BLOCK_AS_IMPLICIT_KEY':
    case 'MULTILINE_IMPLICIT_KEY':
      return 'a value containing ": " or starting with "{" must be quoted';
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs';
    default:
      return undefined;
  }
}

/** Lists spec files under a directory, recursively, sorted; skips dot-directories and node_modules. */
async function specFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      files.push(...(await specFilesUnder(path)));
    } else if (entry.isFile() && SPEC_FILE_EXTENSIONS.includes(extname(entry.name).toLowerCase())) {
      files.push(path);
    }
  }
  return files;
}

function fileProblem(file: string, message: string, hint?: string): SpecProblem {
  return { file, line: 1, col: 1, message, ...(hint === undefined ? {} : { hint }) };
}

/**
 * Loads and validates spec files. Each path is a file or a directory (searched recursively for `*.yaml`,
 * `*.yml` and `*.json`, in sorted order). Problems of every file are collected, not just the first file's.
 *
 * @example
 * ```ts
 * const loaded = await loadSpecFiles(['specs']);
 * if (!loaded.ok) throw new SpecInvalidError(loaded.error);
 * for (const spec of loaded.value) console.log(spec.file, spec.definition.name);
 * ```
 */
export async function loadSpecFiles(paths: readonly string[], options: LoadOptions = {}): Promise<Result<LoadedSpec[], SpecProblem[]>> {
  const problems: SpecProblem[] = [];
  const files: string[] = [];
  const seen = new Set<string>();
  for (const path of paths) {
    let found: string[];
    try {
      const info = await stat(path);
      found = info.isDirectory() ? await specFilesUnder(path) : [path];
      if (found.length === 0) {
        problems.push(fileProblem(path, `no spec files found under "${path}"`, `spec files end in ${SPEC_FILE_EXTENSIONS.join(', ')}`));
      }
    } catch (error) {
      problems.push(fileProblem(path, `cannot read "${path}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'check the path; it is resolved from the current directory'));
      continue;
    }
    for (const file of found) {
      const key = resolve(file);
      if (seen.has(key)) continue;
      seen.add(key);
      files.push(file);
    }
  }
  if (paths.length === 0) problems.push(fileProblem('.', 'no spec paths given', 'pass spec files or directories, e.g. "specs/"'));
  const texts = await Promise.all(
    files.map(async (file) => {
      try {
        return { file, text: await readFile(file, 'utf8') };
      } catch (error) {
        return { file, error: (error as NodeJS.ErrnoException).code ?? (error as Error).message };
      }
    }),
  );
  const specs: LoadedSpec[] = [];
  for (const entry of texts) {
    if (entry.text === undefined) {
      problems.push(fileProblem(entry.file, `cannot read "${entry.file}": ${entry.error ?? 'unknown error'}`));
      continue;
    }
    const loaded = loadSpecText(entry.text, entry.file, options);
    if (loaded.ok) specs.push(...loaded.value);
    else problems.push(...loaded.error);
  }
  return problems.length > 0 ? err(problems) : ok(specs);
}

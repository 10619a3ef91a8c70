import { didYouMean } from '../language/index.ts';
import { err, ok, type Result } from '../result.ts';

/** One option of a command, as its table declares it. */
export interface OptionSpec {
  /** The long name without dashes, e.g. `reporter`. */
  readonly name: string;
  /**
   * `flag`: no value. `value`: one value (`--out FILE` or `--out=FILE`; given twice, the last wins).
   * `list`: one or more values (`--specs a b`, `--specs a --specs b`).
   */
  readonly type: 'flag' | 'value' | 'list';
  /** The value's placeholder in help, e.g. `FILE`. */
  readonly valueName?: string;
  /** The allowed values, when the option takes one of a few words. */
  readonly choices?: readonly string[];
  readonly description: string;
}

/** A command line parsed against an option table. */
export interface ParsedArgs {
  /** Values by option name: one element for `value` options, one or more for `list` options. */
  readonly values: ReadonlyMap<string, readonly string[]>;
  readonly flags: ReadonlySet<string>;
  /** Arguments that are not options and come before `--`. */
  readonly positionals: readonly string[];
  /** Everything after the first `--`, untouched; `undefined` when there was no `--`. */
  readonly rest: readonly string[] | undefined;
}

/** `--help` and `-h` are accepted by every command. */
const HELP: OptionSpec = { name: 'help', type: 'flag', description: 'show this help' };

/**
 * Parses `argv` (the arguments after the command name) against `table`. Unknown options and wrong values are a
 * usage error (one line, with a "did you mean" when a close option or value exists), never a throw.
 *
 * @example
 * ```ts
 * const parsed = parseOptions(['--reporter', 'json', '--', 'npm', 'test'], runOptions);
 * if (parsed.ok) parsed.value.rest; // ['npm', 'test']
 * ```
 */
export function parseOptions(argv: readonly string[], table: readonly OptionSpec[]): Result<ParsedArgs, string> {
  const specs = [...table, HELP];
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  let rest: string[] | undefined;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      rest = argv.slice(i + 1);
      break;
    }
    if (arg === '-h') {
      flags.add('help');
      continue;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.startsWith('-') && arg !== '-') return err(unknownOption(arg, specs));
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const spec = specs.find((s) => s.name === name);
    if (spec === undefined) return err(unknownOption(`--${name}`, specs));
    if (spec.type === 'flag') {
      if (eq !== -1) return err(`option --${name} takes no value`);
      flags.add(name);
      continue;
    }
    const given: string[] = [];
    if (eq !== -1) {
      given.push(arg.slice(eq + 1));
    } else {
      // A list takes every following word up to the next option; a value takes exactly the next word.
      while (i + 1 < argv.length && !(argv[i + 1] as string).startsWith('-')) {
        given.push(argv[++i] as string);
        if (spec.type === 'value') break;
      }
    }
    if (given.length === 0 || given.some((v) => v === '')) {
      return err(`option --${name} needs a value${spec.valueName === undefined ? '' : ` (${spec.valueName})`}`);
    }
    for (const value of given) {
      if (spec.choices !== undefined && !spec.choices.includes(value)) {
        const guess = didYouMean(value, spec.choices);
        const hint = guess === undefined ? `use one of ${spec.choices.join(', ')}` : `did you mean "${guess}"?`;
        return err(`--${name} ${JSON.stringify(value)} is not allowed (${hint})`);
      }
    }
    if (spec.type === 'value') values.set(name, [given.at(-1) as string]);
    else values.set(name, [...(values.get(name) ?? []), ...given]);
  }
  return ok({ values, flags, positionals, rest });
}

/** The single value of a `value` option, or `undefined`. */
export function valueOf(args: ParsedArgs, name: string): string | undefined {
  return args.values.get(name)?.at(-1);
}

/** Formats an option table for help output, one option a line, descriptions aligned. */
export function formatOptionTable(table: readonly OptionSpec[]): string {
  const rows = [...table, HELP].map((spec) => {
    let left = `--${spec.name}`;
    if (spec.type !== 'flag') left += ` ${spec.valueName ?? 'VALUE'}${spec.type === 'list' ? '...' : ''}`;
    const choices = spec.choices === undefined ? '' : ` (${spec.choices.join('|')})`;
    return [left, spec.description + choices] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
}

function unknownOption(arg: string, specs: readonly OptionSpec[]): string {
  const guess = didYouMean(arg.replace(/^-+/, ''), specs.map((s) => s.name));
  return `unknown option ${arg}${guess === undefined ? '' : ` (did you mean --${guess}?)`}`;
}

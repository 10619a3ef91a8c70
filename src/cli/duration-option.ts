import { err, ok, type Result } from '../result.ts';
import { parseDuration } from '../language/index.ts';
import type { ParsedArgs } from './option-table.ts';
import { valueOf } from './option-table.ts';

/**
 * A duration option in milliseconds: a bare number is milliseconds, otherwise a number with a unit as in spec
 * files (`300ms`, `1.5s`, `2m`). `undefined` when the option is absent.
 */
export function durationMillisOption(args: ParsedArgs, name: string): Result<number | undefined, string> {
  const text = valueOf(args, name);
  if (text === undefined) return ok(undefined);
  const source = /^\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  const parsed = parseDuration(source);
  if (!parsed.ok) return err(`--${name}: ${parsed.error}`);
  return ok(Number(parsed.value / 1000n) / 1000);
}

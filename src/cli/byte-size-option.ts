import { err, ok, type Result } from '../result.ts';
import type { ParsedArgs } from './option-table.ts';
import { valueOf } from './option-table.ts';

/** Bytes per unit; binary units (KiB, MiB, GiB) and decimal ones (kB, MB, GB), case-insensitive. */
const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  kb: 1000,
  mb: 1000 ** 2,
  gb: 1000 ** 3,
};

/**
 * A size option in bytes: a bare number is bytes, otherwise a number with a unit (`256MiB`, `1.5GiB`, `500MB`).
 * `undefined` when the option is absent; at least 1 byte.
 */
export function byteSizeOption(args: ParsedArgs, name: string): Result<number | undefined, string> {
  const text = valueOf(args, name);
  if (text === undefined) return ok(undefined);
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/iu.exec(text.trim());
  const unit = UNITS[(match?.[2] ?? '').toLowerCase() || 'b'];
  const bytes = match === null || unit === undefined ? Number.NaN : Math.floor(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    return err(`--${name} must be a size such as 512MiB, 2GiB or 500MB (units B, KiB, MiB, GiB, kB, MB, GB; a bare number is bytes), got ${JSON.stringify(text)}`);
  }
  return ok(bytes);
}

import { err, ok, type Result } from '../result.ts';
import type { ParsedArgs } from './option-table.ts';
import { valueOf } from './option-table.ts';

/**
 * A port option: 0-65535 (0 picks a free one), `fallback` when absent, and with `allowOff` the word `off`
 * (`null`: the transport is disabled).
 */
export function portOption(args: ParsedArgs, name: string, fallback: number, allowOff = false): Result<number | null, string> {
  const text = valueOf(args, name);
  if (text === undefined) return ok(fallback);
  if (allowOff && text === 'off') return ok(null);
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) {
    return err(`--${name} must be a port 0-65535 (0 picks a free one)${allowOff ? ' or "off"' : ''}, got ${JSON.stringify(text)}`);
  }
  return ok(port);
}

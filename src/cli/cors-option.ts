import { err, ok, type Result } from '../result.ts';
import type { OptionSpec, ParsedArgs } from './option-table.ts';

/** `--cors-origin ORIGIN...`, shared by `serve` and `run`. */
export const corsOriginOption: OptionSpec = {
  name: 'cors-origin',
  type: 'list',
  valueName: 'ORIGIN',
  description: 'let browser exporters on ORIGIN export (http://localhost:5173, https://*.example.com, or *); repeatable',
};

/** An origin as a browser sends it: scheme, host, optional port, no path; `*` may stand for any part of it. */
const ORIGIN_PATTERN = /^https?:\/\/[^\s/?#]+$/u;

/** The origins of `--cors-origin`, checked; `undefined` when the option is absent (CORS off). */
export function corsOriginsOption(args: ParsedArgs): Result<readonly string[] | undefined, string> {
  const origins = args.values.get('cors-origin');
  if (origins === undefined) return ok(undefined);
  for (const origin of origins) {
    if (origin !== '*' && !ORIGIN_PATTERN.test(origin)) {
      return err(`--cors-origin ${JSON.stringify(origin)} is not an origin: give scheme://host[:port] without a path (e.g. http://localhost:5173), or * for any`);
    }
  }
  return ok(origins);
}

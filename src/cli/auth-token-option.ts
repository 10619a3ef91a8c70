import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { err, ok, type Result } from '../result.ts';
import type { ParsedArgs } from './option-table.ts';
import { valueOf } from './option-table.ts';

/** The environment variable `tracecheck serve` reads its bearer token from. */
export const AUTH_TOKEN_VARIABLE = 'TRACECHECK_AUTH_TOKEN';

/** Where the token came from, for the startup line (never the token itself). */
export type AuthTokenSource = '--auth-token-file' | typeof AUTH_TOKEN_VARIABLE | '--auth-token';

/** A resolved token, and a warning to print when its source is unsafe. */
export interface AuthTokenChoice {
  readonly token: string | undefined;
  readonly source: AuthTokenSource | undefined;
  readonly warning: string | undefined;
}

/** Visible ASCII only: a token travels in an `Authorization` header and in `OTEL_EXPORTER_OTLP_HEADERS`. */
const TOKEN_PATTERN = /^[\x21-\x7e]{1,4096}$/u;

/**
 * The bearer token of `serve`, from exactly one of: `--auth-token-file FILE` (its content, a trailing newline
 * dropped), the `TRACECHECK_AUTH_TOKEN` variable, or `--auth-token TOKEN` (deprecated: any user of the machine can
 * read a command line in /proc/PID/cmdline or `ps`; it still works, with a warning). Two sources at once are a usage
 * error, so a stale variable never silently overrides the file.
 */
export function authTokenOption(args: ParsedArgs, env: NodeJS.ProcessEnv, cwd: string): Result<AuthTokenChoice, string> {
  const file = valueOf(args, 'auth-token-file');
  const fromEnv = env[AUTH_TOKEN_VARIABLE];
  const fromFlag = valueOf(args, 'auth-token');
  const given = [file === undefined ? undefined : '--auth-token-file', fromEnv === undefined || fromEnv === '' ? undefined : AUTH_TOKEN_VARIABLE, fromFlag === undefined ? undefined : '--auth-token'].filter(
    (source): source is AuthTokenSource => source !== undefined,
  );
  if (given.length > 1) return err(`the token is given ${given.length} ways (${given.join(', ')}); give it one way, preferably --auth-token-file or ${AUTH_TOKEN_VARIABLE}`);
  const source = given[0];
  let token: string | undefined;
  if (source === '--auth-token-file') {
    try {
      token = readFileSync(resolve(cwd, file as string), 'utf8').replace(/\r?\n$/u, '');
    } catch (cause) {
      return err(`--auth-token-file ${JSON.stringify(file)}: cannot read it: ${cause instanceof Error ? cause.message : String(cause)}`);
    }
  } else {
    token = source === AUTH_TOKEN_VARIABLE ? fromEnv : fromFlag;
  }
  if (token !== undefined && !TOKEN_PATTERN.test(token)) {
    return err(`the token from ${source} must be 1-4096 visible ASCII characters (no spaces or line breaks); e.g. openssl rand -hex 32`);
  }
  const warning =
    source === '--auth-token'
      ? `--auth-token is deprecated: the token is visible to every user of this machine in the process list (/proc/PID/cmdline); use ${AUTH_TOKEN_VARIABLE} or --auth-token-file`
      : undefined;
  return ok({ token, source, warning });
}

import { err, ok, type Result } from '../result.ts';
import { durationMillisOption } from './duration-option.ts';
import type { OptionSpec, ParsedArgs } from './option-table.ts';
import { portOption } from './port-option.ts';

/** `--timeout` and `--quiet`: how long a command that runs CMD waits for CMD's spans once CMD has exited. */
export const waitOptions: readonly OptionSpec[] = [
  { name: 'timeout', type: 'value', valueName: 'DURATION', description: 'longest wait for spans after CMD exits, default 10s' },
  { name: 'quiet', type: 'value', valueName: 'DURATION', description: 'how long without new spans means done, default 200ms' },
];

/** The values of {@link waitOptions}, in milliseconds (`undefined`: the option is absent, the default applies). */
export interface WaitMillis {
  readonly timeoutMillis: number | undefined;
  readonly quietMillis: number | undefined;
}

/**
 * Reads `--timeout` and `--quiet`.
 *
 * @example
 * ```ts
 * const wait = waitMillisOf(args);
 * if (!wait.ok) return usage(wait.error);
 * ```
 */
export function waitMillisOf(args: ParsedArgs): Result<WaitMillis, string> {
  const timeout = durationMillisOption(args, 'timeout');
  if (!timeout.ok) return err(timeout.error);
  const quiet = durationMillisOption(args, 'quiet');
  if (!quiet.ok) return err(quiet.error);
  return ok({ timeoutMillis: timeout.value, quietMillis: quiet.value });
}

/** The ports of the collector a command starts for CMD: `--http-port` and `--grpc-port`, each 0 (a free one) by default. */
export function collectorPortsOf(args: ParsedArgs): Result<{ readonly httpPort: number; readonly grpcPort: number }, string> {
  const httpPort = portOption(args, 'http-port', 0);
  if (!httpPort.ok) return err(httpPort.error);
  const grpcPort = portOption(args, 'grpc-port', 0);
  if (!grpcPort.ok) return err(grpcPort.error);
  // Without `allowOff` a port option is never null.
  return ok({ httpPort: httpPort.value ?? 0, grpcPort: grpcPort.value ?? 0 });
}

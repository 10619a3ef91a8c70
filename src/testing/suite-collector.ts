import { TracecheckError } from '../errors.ts';
import type { CollectorOptions } from '../server/index.ts';
import { startCollector } from './local-collector.ts';
import type { Collector } from './local-collector.ts';
import { connectCollector } from './remote-collector.ts';
import type { RemoteCollector } from './remote-collector.ts';

/** Environment variable carrying the suite collector's HTTP URL from the global setup to test workers. */
export const SUITE_URL_ENV = 'TRACECHECK_URL';
/** Environment variable carrying the suite collector's bearer token, when it has one. */
export const SUITE_AUTH_TOKEN_ENV = 'TRACECHECK_AUTH_TOKEN';

/** How test workers reach the suite's collector (what vitest's `provide` passes; JSON-serialisable). */
export interface SuiteConnection {
  readonly httpUrl: string;
  readonly authToken?: string;
}

/** The collector a test suite shares, started by the runner's global setup. */
export interface SuiteCollector {
  readonly collector: Collector;
  readonly connection: SuiteConnection;
  /** `TRACECHECK_URL` (and `TRACECHECK_AUTH_TOKEN`): what workers need, already set on `process.env`. */
  readonly env: Readonly<Record<string, string>>;
  /** Closes the collector and removes the variables it set. */
  close(): Promise<void>;
}

/**
 * Starts one collector for a whole test suite, in the test runner's global-setup process, and publishes how to
 * reach it in `process.env` (`TRACECHECK_URL`), which jest and node:test workers inherit; vitest setups also
 * `provide('tracecheck', suite.connection)`. Hand `suite.collector.env` to the services under test.
 *
 * @example
 * ```ts
 * // vitest globalSetup
 * export default async function setup({ provide }) {
 *   const suite = await startSuiteCollector();
 *   provide('tracecheck', suite.connection);
 *   return () => suite.close();
 * }
 * ```
 */
export async function startSuiteCollector(options: CollectorOptions = {}): Promise<SuiteCollector> {
  const collector = await startCollector(options);
  const connection: SuiteConnection = options.authToken === undefined ? { httpUrl: collector.httpUrl } : { httpUrl: collector.httpUrl, authToken: options.authToken };
  const env: Record<string, string> = { [SUITE_URL_ENV]: collector.httpUrl };
  if (options.authToken !== undefined) env[SUITE_AUTH_TOKEN_ENV] = options.authToken;
  Object.assign(process.env, env);
  return {
    collector,
    connection,
    env,
    async close() {
      if (process.env[SUITE_URL_ENV] === collector.httpUrl) {
        delete process.env[SUITE_URL_ENV];
        delete process.env[SUITE_AUTH_TOKEN_ENV];
      }
      await collector.close();
    },
  };
}

/**
 * Connects a test worker to the suite's collector: the given connection, or the one `startSuiteCollector`
 * published in `process.env`. Each test then takes a fresh run with `suite.run()`.
 *
 * @example
 * ```ts
 * const suite = connectSuiteCollector();
 * const run = suite.run();
 * await fetch(url, { headers: run.headers() });
 * ```
 */
export function connectSuiteCollector(connection?: SuiteConnection): RemoteCollector {
  const httpUrl = connection?.httpUrl ?? process.env[SUITE_URL_ENV];
  if (httpUrl === undefined || httpUrl === '') {
    throw new TracecheckError('TC_NO_SUITE_COLLECTOR', `no suite collector to connect to: ${SUITE_URL_ENV} is not set. Start one in the runner's global setup with startSuiteCollector() (see docs/testing.md)`);
  }
  const authToken = connection === undefined ? process.env[SUITE_AUTH_TOKEN_ENV] : connection.authToken;
  return connectCollector(httpUrl, authToken === undefined || authToken === '' ? {} : { authToken });
}

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** A running example service process. */
export interface RunningService {
  readonly name: string;
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** SIGTERM: the service stops and flushes its spans before exiting; resolves when it has exited. */
  stop(): Promise<void>;
}

/** Options of {@link startService}: the variables `service.ts` reads (see there), plus the OTLP environment. */
export interface ServiceOptions {
  readonly name: string;
  readonly propagation?: 'w3c' | 'w3c-drop-baggage' | 'b3' | 'none';
  readonly role?: 'http' | 'producer' | 'consumer';
  readonly callUrl?: string;
  readonly clockOffsetMillis?: number;
  /** `current` (default) or `legacy` messaging attribute names on the producer's and consumer's spans. */
  readonly messagingAttributes?: 'current' | 'legacy';
  /** With `callUrl`: refresh a cache from it twice at startup, then every this many milliseconds, in traces of their own. */
  readonly timerMillis?: number;
  /** `OTEL_*` variables, e.g. `collector.env`. */
  readonly otelEnv: Readonly<Record<string, string>>;
  /** How long the service may take to announce itself. Default 60000. */
  readonly startupTimeoutMillis?: number;
}

const serviceFile = fileURLToPath(new URL('./service.ts', import.meta.url));

/**
 * Starts `service.ts` as a child process with this Node and resolves with its URL once it printed its ready line.
 * Rejects (and kills it) when it exits or misses the deadline first, with what it printed on stderr.
 *
 * @example
 * const orders = await startService({ name: 'orders', otelEnv: collector.env });
 * const gateway = await startService({ name: 'gateway', propagation: 'none', callUrl: orders.url, otelEnv: collector.env });
 */
export function startService(options: ServiceOptions): Promise<RunningService> {
  return startServiceProcess(serviceFile, options.name, options.otelEnv, {
    ...exampleServiceEnv(options),
    ...(options.callUrl === undefined ? {} : { CALL_URL: options.callUrl }),
  }, options.startupTimeoutMillis);
}

/**
 * The variables every example service reads, from its options: `SERVICE_NAME`, `PROPAGATION` (default `w3c`),
 * `ROLE` (default `http`), `CLOCK_OFFSET_MILLIS`, `TIMER_MILLIS`, `MESSAGING_ATTRIBUTES` (default `current`).
 */
export function exampleServiceEnv(options: {
  readonly name: string;
  readonly propagation?: string;
  readonly role?: string;
  readonly clockOffsetMillis?: number;
  readonly timerMillis?: number;
  readonly messagingAttributes?: string;
}): Record<string, string> {
  return {
    SERVICE_NAME: options.name,
    PROPAGATION: options.propagation ?? 'w3c',
    ROLE: options.role ?? 'http',
    CLOCK_OFFSET_MILLIS: String(options.clockOffsetMillis ?? 0),
    TIMER_MILLIS: String(options.timerMillis ?? 0),
    MESSAGING_ATTRIBUTES: options.messagingAttributes ?? 'current',
  };
}

/**
 * Starts the service in `file` as a child process with this Node (or, when `file` is a command and its arguments,
 * that program: the polyglot example's Python and Go services), its environment the parent's without `OTEL_*`
 * plus `otelEnv` and `env`, and resolves with its URL once it printed its ready line (`{"port":…}`). Rejects (and
 * kills it) when it exits or misses the deadline (default 60 s) first, with what it printed on stderr. The other
 * examples' services (examples/chain) start through it too.
 *
 * @example
 * const orders = await startServiceProcess(file, 'orders', collector.env, { SERVICE_NAME: 'orders' });
 */
export function startServiceProcess(
  file: string | readonly [string, ...string[]],
  name: string,
  otelEnv: Readonly<Record<string, string>>,
  serviceEnv: Readonly<Record<string, string>>,
  startupTimeoutMillis = 60_000,
): Promise<RunningService> {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('OTEL_')) env[key] = value;
  Object.assign(env, otelEnv, serviceEnv);
  const [program, ...args] = typeof file === 'string' ? [process.execPath, file] : file;
  const child = spawn(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start within ${startupTimeoutMillis} ms; stderr:\n${stderr}`));
    }, startupTimeoutMillis);
    const onExit = (code: number | null): void => {
      clearTimeout(deadline);
      reject(new Error(`${name} exited (${String(code)}) before it listened; stderr:\n${stderr}`));
    };
    child.once('exit', onExit);
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      clearTimeout(deadline);
      child.off('exit', onExit);
      const { port } = JSON.parse(line) as { port: number };
      resolve({
        name,
        url: `http://127.0.0.1:${port}`,
        stop: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
  });
}

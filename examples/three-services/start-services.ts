import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ExampleFault } from './faults.ts';
import type { ReadyLine } from './service-runtime.ts';

/** The OTLP protocols the SDK chooses between by `OTEL_EXPORTER_OTLP_PROTOCOL`. */
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

/** The example's services. */
export type ServiceName = 'gateway' | 'orders' | 'inventory';

/** Which transport each service exports over. The example's default gives each service a different one. */
export type ServiceTransports = Readonly<Record<ServiceName, OtlpProtocol>>;

/** Gateway over OTLP/HTTP protobuf, orders over OTLP/HTTP JSON, inventory over OTLP/gRPC. */
export const defaultTransports: ServiceTransports = { gateway: 'http/protobuf', orders: 'http/json', inventory: 'grpc' };

/** Options of {@link startServices}. */
export interface StartServicesOptions {
  /**
   * Base environment of every service, e.g. a collector's untagged `collector.env`. Its OTEL_* settings win
   * over the parent process's OTEL_* variables, which are not inherited at all.
   */
  readonly env?: Readonly<Record<string, string>>;
  /** OTLP base URLs: `http` for the HTTP protocols, `grpc` for gRPC. */
  readonly endpoints: { readonly http: string; readonly grpc: string };
  /** An OTLP base URL for one service instead of the one its protocol picks from `endpoints` (e.g. a proxy). */
  readonly serviceEndpoints?: Partial<Readonly<Record<ServiceName, string>>>;
  readonly transports?: ServiceTransports;
  /** Started with `EXAMPLE_FAULT` set (see faults.ts). Default `'none'`. */
  readonly fault?: ExampleFault;
  /** How long each service may take to print its ready line. Default 20000. */
  readonly readyTimeoutMillis?: number;
}

/** The running example services. */
export interface RunningServices {
  readonly gatewayUrl: string;
  readonly ordersUrl: string;
  readonly inventoryUrl: string;
  readonly transports: ServiceTransports;
  /** SIGTERMs every service and resolves when all have exited (each flushes its spans first). */
  stop(): Promise<void>;
}

const serviceFiles: Readonly<Record<ServiceName, string>> = {
  gateway: fileURLToPath(new URL('./gateway.ts', import.meta.url)),
  orders: fileURLToPath(new URL('./orders.ts', import.meta.url)),
  inventory: fileURLToPath(new URL('./inventory.ts', import.meta.url)),
};

/**
 * Starts inventory, orders and gateway as child processes, each exporting its spans over its own OTLP transport,
 * and resolves once all three announced their ports and know the URL of their next hop.
 * On failure the already started services are stopped and the error carries the service's stderr.
 *
 * @example
 * const collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
 * const services = await startServices({ env: collector.env, endpoints: { http: collector.httpUrl, grpc: collector.grpcUrl } });
 * await fetch(`${services.gatewayUrl}/checkout`, { method: 'POST', headers: { 'x-test-run-id': 'run-1' }, body });
 * await services.stop();
 */
export async function startServices(options: StartServicesOptions): Promise<RunningServices> {
  const transports = options.transports ?? defaultTransports;
  const inventory = new ServiceProcess('inventory', serviceEnv('inventory', options, transports));
  const orders = new ServiceProcess('orders', serviceEnv('orders', options, transports));
  const gateway = new ServiceProcess('gateway', serviceEnv('gateway', options, transports));
  const stop = async (): Promise<void> => {
    await Promise.all([inventory, orders, gateway].map((service) => service.stop()));
  };
  // All three load the SDK at once (the slow part); downstream URLs follow on stdin once every port is known.
  const timeoutMillis = options.readyTimeoutMillis ?? 20_000;
  let urls: string[];
  try {
    const ports = await Promise.all([inventory, orders, gateway].map((service) => service.ready(timeoutMillis)));
    urls = ports.map((port) => `http://127.0.0.1:${port}`);
  } catch (error) {
    await stop();
    throw error;
  }
  const [inventoryUrl = '', ordersUrl = '', gatewayUrl = ''] = urls;
  orders.send({ INVENTORY_URL: inventoryUrl });
  gateway.send({ ORDERS_URL: ordersUrl });
  return { gatewayUrl, ordersUrl, inventoryUrl, transports, stop };
}

function serviceEnv(
  name: ServiceName,
  options: StartServicesOptions,
  transports: ServiceTransports,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  // A developer's own OTEL_* settings (say OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) would silently redirect spans.
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('OTEL_')) env[key] = value;
  const protocol = transports[name];
  Object.assign(env, {
    OTEL_BSP_SCHEDULE_DELAY: '50',
    ...options.env,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
    OTEL_EXPORTER_OTLP_ENDPOINT: options.serviceEndpoints?.[name] ?? (protocol === 'grpc' ? options.endpoints.grpc : options.endpoints.http),
    // The collector takes traces only; metrics and logs would be refused and retried.
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    EXAMPLE_FAULT: options.fault ?? 'none',
    PORT: '0',
    LISTEN_HOST: '127.0.0.1',
    // Sent on stdin once known (see downstreamUrl in service-runtime.ts).
    INVENTORY_URL: 'stdin',
    ORDERS_URL: 'stdin',
  });
  // Signal-specific settings override the generic ones in the SDK; the per-service choice above must win.
  delete env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'];
  delete env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
  return env;
}

const stderrTailBytes = 8192;
const stopDeadlineMillis = 10_000;

/** One service child process: waits for its ready line, keeps the tail of its stderr for error messages. */
class ServiceProcess {
  readonly name: ServiceName;
  private readonly child: ChildProcess;
  private readonly exited: Promise<unknown>;
  private stderrTail = '';

  constructor(name: ServiceName, env: NodeJS.ProcessEnv) {
    this.name = name;
    this.child = spawn(process.execPath, [serviceFiles[name]], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = once(this.child, 'exit');
    this.child.stderr?.setEncoding('utf8').on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-stderrTailBytes);
    });
  }

  ready(timeoutMillis: number): Promise<number> {
    const { child, name } = this;
    return new Promise((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      const finish = (outcome: () => void): void => {
        clearTimeout(deadline);
        child.off('exit', onExit);
        lines.off('line', onLine);
        outcome();
      };
      const deadline = setTimeout(() => {
        finish(() => reject(new Error(`${name} did not announce its port within ${timeoutMillis} ms${this.stderrSuffix()}`)));
      }, timeoutMillis);
      const onExit = (code: number | null, signal: string | null): void => {
        finish(() => reject(new Error(`${name} exited (${signal ?? `code ${code}`}) before it was ready${this.stderrSuffix()}`)));
      };
      const onLine = (line: string): void => {
        const ready = parseReadyLine(line);
        if (ready?.service === name) finish(() => resolve(ready.port));
      };
      child.on('exit', onExit);
      lines.on('line', onLine);
    });
  }

  /** Writes one JSON line on the service's stdin. */
  send(message: Record<string, string>): void {
    this.child.stdin?.write(`${JSON.stringify(message)}\n`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const deadline = setTimeout(() => this.child.kill('SIGKILL'), stopDeadlineMillis);
    await this.exited;
    clearTimeout(deadline);
  }

  private stderrSuffix(): string {
    return this.stderrTail === '' ? '' : `; its stderr ends with:\n${this.stderrTail}`;
  }
}

function parseReadyLine(line: string): ReadyLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value = JSON.parse(line) as Partial<ReadyLine>;
    return typeof value.service === 'string' && typeof value.port === 'number' ? { service: value.service, port: value.port } : undefined;
  } catch {
    return undefined;
  }
}

/** Sends one checkout to the gateway; `runId` goes in the `x-test-run-id` header the gateway copies onto its span. */
export async function sendCheckout(
  gatewayUrl: string,
  request: { readonly runId?: string; readonly items?: readonly { readonly sku: string; readonly quantity: number }[] } = {},
): Promise<{ readonly status: number; readonly body: unknown }> {
  const items = request.items ?? [
    { sku: 'SKU-RED-MUG', quantity: 2 },
    { sku: 'SKU-TEA-TIN', quantity: 1 },
  ];
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (request.runId !== undefined) headers['x-test-run-id'] = request.runId;
  const response = await fetch(`${gatewayUrl}/checkout`, { method: 'POST', headers, body: JSON.stringify({ customer: 'c-1001', items }) });
  return { status: response.status, body: (await response.json()) as unknown };
}

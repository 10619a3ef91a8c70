/**
 * The scale-out topology for tests and benchmarks: the real OpenTelemetry Collector built by
 * scripts/build-otelcol.sh (otlp receiver → resource processor → contrib loadbalancing exporter, routing_key
 * traceID), in front of N real `tracecheck serve` replicas, all on free loopback ports. The collector runs the shipped
 * collector/otelcol.yaml with its ports and replica list swapped for the free ones (nothing else changes).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { spawnNode, type Child } from '../server/child-processes.ts';
import { environmentWithoutOtel } from '../support/child-process.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin/tracecheck.js');
/** The manifest the collector is built from, and the config it runs. */
export const builderManifestPath = join(root, 'collector/builder-config.yaml');
export const shippedConfigPath = join(root, 'collector/otelcol.yaml');

/** Where scripts/build-otelcol.sh puts the collector built from the manifest as it is now. */
export function otelcolBinaryPath(): string {
  const cacheRoot = process.env['XDG_CACHE_HOME'] !== undefined && process.env['XDG_CACHE_HOME'] !== '' ? process.env['XDG_CACHE_HOME'] : join(homedir(), '.cache');
  const hash = createHash('sha256').update(readFileSync(builderManifestPath)).digest('hex');
  return join(cacheRoot, 'tracecheck', `otelcol-${hash}`, 'otelcol-tracecheck');
}

/**
 * The collector binary, or `undefined` after ONE loud line saying how to get it (the tests that need it are then
 * skipped). Under `CI=true` a missing binary throws: CI builds it in .ci/run, so missing means a failed build.
 */
export function otelcolBinaryOrExplain(): string | undefined {
  const path = otelcolBinaryPath();
  if (existsSync(path)) return path;
  const line = `MISSING: the OpenTelemetry Collector for the scale-out tests is not built (${path}); run: bash scripts/build-otelcol.sh (needs Go >= 1.26)`;
  if (process.env['CI'] === 'true') throw new Error(line);
  console.warn(`\n*** ${line} ***\n`);
  return undefined;
}

/** The bearer token every replica requires, as a non-loopback deployment would (the shipped config sends it). */
export const REPLICA_TOKEN = 'scale-out-token-1';

/** Finds a free TCP port on 127.0.0.1 (taken by the caller right after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** One `tracecheck serve` replica. */
export interface Replica {
  readonly httpUrl: string;
  /** host:port of its OTLP/gRPC listener, as the loadbalancing exporter's static resolver lists it. */
  readonly grpcEndpoint: string;
  readonly child: Child;
  stop(): Promise<void>;
}

/** Starts `tracecheck serve` on free loopback ports with the replicas' token. */
export async function startReplica(extraArgs: readonly string[] = [], env: NodeJS.ProcessEnv = environmentWithoutOtel()): Promise<Replica> {
  const child = spawnNode([bin, 'serve', '--http-port', '0', '--grpc-port', '0', '--auth-token', REPLICA_TOKEN, ...extraArgs], env);
  const httpUrl = (await child.waitFor(/listening on (http:\/\/\S+) \(OTLP\/HTTP/))[1] as string;
  const grpcUrl = (await child.waitFor(/listening on (http:\/\/\S+) \(OTLP\/gRPC\)/))[1] as string;
  return {
    httpUrl,
    grpcEndpoint: new URL(grpcUrl).host,
    child,
    async stop() {
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGTERM');
      await child.exited;
    },
  };
}

/** The shipped collector config with its listeners on the given loopback ports and the given replicas. */
export function templatedCollectorConfig(ports: { readonly http: number; readonly grpc: number }, replicaGrpcEndpoints: readonly string[]): string {
  const config = parse(readFileSync(shippedConfigPath, 'utf8')) as ShippedConfig;
  config.receivers.otlp.protocols.http.endpoint = `127.0.0.1:${ports.http}`;
  config.receivers.otlp.protocols.grpc.endpoint = `127.0.0.1:${ports.grpc}`;
  config.exporters.loadbalancing.resolver.static.hostnames = [...replicaGrpcEndpoints];
  return stringify(config);
}

/** The parts of collector/otelcol.yaml the templating touches (the rest is kept as it is). */
export interface ShippedConfig {
  receivers: { otlp: { protocols: { http: { endpoint: string; include_metadata?: boolean }; grpc: { endpoint: string; include_metadata?: boolean } } } };
  processors: Record<string, { attributes?: { key: string; from_context?: string; action: string }[] }>;
  exporters: {
    loadbalancing: {
      routing_key: string;
      protocol: { otlp: { headers?: Record<string, string> } };
      resolver: { static: { hostnames: string[] } };
    };
  };
  service: { pipelines: { traces: { receivers: string[]; processors: string[]; exporters: string[] } } };
}

/** A running OpenTelemetry Collector. */
export interface RunningCollector {
  readonly httpUrl: string;
  readonly grpcUrl: string;
  readonly process: ChildProcessWithoutNullStreams;
  /** Its log so far (the collector logs to stderr). */
  log(): string;
  stop(): Promise<void>;
}

/** Starts the built collector with `configText` and waits for its "Everything is ready" log line. */
export async function startOtelcol(binary: string, configText: string, ports: { readonly http: number; readonly grpc: number }, env: NodeJS.ProcessEnv = {}): Promise<RunningCollector> {
  const dir = mkdtempSync(join(tmpdir(), 'tracecheck-otelcol-'));
  const configPath = join(dir, 'otelcol.yaml');
  writeFileSync(configPath, configText);
  const child = spawn(binary, ['--config', configPath], { stdio: 'pipe', env: { PATH: process.env['PATH'] ?? '', TRACECHECK_AUTH_TOKEN: REPLICA_TOKEN, ...env } });
  let log = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`the collector did not get ready within 30 s; its log:\n${log}`)), 30_000);
    const onData = (chunk: string): void => {
      log += chunk;
      if (log.includes('Everything is ready')) {
        clearTimeout(deadline);
        resolve();
      }
    };
    child.stderr.setEncoding('utf8').on('data', onData);
    void exited.then(() => {
      clearTimeout(deadline);
      reject(new Error(`the collector exited before it was ready; its log:\n${log}`));
    });
  });
  return {
    httpUrl: `http://127.0.0.1:${ports.http}`,
    grpcUrl: `http://127.0.0.1:${ports.grpc}`,
    process: child,
    log: () => log,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The collector and its replicas. */
export interface ScaleOutCluster {
  readonly collector: RunningCollector;
  readonly replicas: readonly Replica[];
  /** `--collector` for `tracecheck run|check`: every replica's URL, comma-separated. */
  readonly replicaList: string;
  stop(): Promise<void>;
}

/** Starts `replicaCount` replicas, then the collector routing to them. */
export async function startCluster(binary: string, replicaCount: number): Promise<ScaleOutCluster> {
  const replicas = await Promise.all(Array.from({ length: replicaCount }, () => startReplica()));
  const ports = { http: await freePort(), grpc: await freePort() };
  let collector: RunningCollector;
  try {
    collector = await startOtelcol(binary, templatedCollectorConfig(ports, replicas.map((r) => r.grpcEndpoint)), ports);
  } catch (error) {
    await Promise.all(replicas.map((r) => r.stop()));
    throw error;
  }
  return {
    collector,
    replicas,
    replicaList: replicas.map((r) => r.httpUrl).join(','),
    async stop() {
      await collector.stop();
      await Promise.all(replicas.map((r) => r.stop()));
    },
  };
}

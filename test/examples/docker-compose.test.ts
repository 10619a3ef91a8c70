/**
 * docker-compose.yml cannot be run here (no Docker daemon, no compose plugin), so its structure is checked:
 * every name, port and variable the services read must line up with the code they run; and the sidecar's command
 * is run by the real `tracecheck serve`, with and without the token compose hands it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultTransports, type ServiceName } from '../../examples/three-services/start-services.ts';
import { spawnNode } from '../server/child-processes.ts';
import { environmentWithoutOtel } from '../support/child-process.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface ComposeService {
  readonly build?: { readonly context: string; readonly dockerfile: string };
  readonly image?: string;
  readonly command?: readonly string[];
  readonly ports?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly depends_on?: Readonly<Record<string, { readonly condition: string }>>;
  readonly healthcheck?: { readonly test: readonly string[] };
  readonly profiles?: readonly string[];
  readonly volumes?: readonly string[];
}

// Compose files use YAML 1.1 merge keys (`<<: *anchor`); the yaml package applies them when asked.
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
/** What `docker compose up` starts: the services of no profile (the scale-out profile is checked in test/scale-out). */
const services = Object.fromEntries(Object.entries(compose.services).filter(([, entry]) => entry.profiles === undefined));
const exampleServices: readonly ServiceName[] = ['gateway', 'orders', 'inventory'];

function service(name: string): ComposeService {
  const found = services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function optionValue(command: readonly string[], option: string): string | undefined {
  const at = command.indexOf(option);
  return at === -1 ? undefined : command[at + 1];
}

const sidecarCommand = service('tracecheck').command ?? [];
const httpPort = optionValue(sidecarCommand, '--http-port');
const grpcPort = optionValue(sidecarCommand, '--grpc-port');

describe('docker-compose.yml', () => {
  it('has the tracecheck sidecar and the three example services', () => {
    expect(Object.keys(services).sort()).toEqual(['gateway', 'inventory', 'orders', 'tracecheck']);
  });

  it('runs `tracecheck serve --host 0.0.0.0` and publishes its OTLP ports on 127.0.0.1 only', () => {
    expect(sidecarCommand.slice(0, 3)).toEqual(['node', 'bin/tracecheck.js', 'serve']);
    expect(existsSync(`${root}bin/tracecheck.js`)).toBe(true);
    expect(optionValue(sidecarCommand, '--host')).toBe('0.0.0.0');
    expect(httpPort).toMatch(/^\d+$/);
    expect(grpcPort).toMatch(/^\d+$/);
    expect(service('tracecheck').ports).toEqual([`127.0.0.1:${httpPort}:${httpPort}`, `127.0.0.1:${grpcPort}:${grpcPort}`]);
    // The liveness probe needs no token.
    expect(service('tracecheck').healthcheck?.test.join(' ')).toContain(`:${httpPort}/healthz`);
  });

  it('gives the sidecar its token from the environment, required (${VAR:?...}), never on the command line', () => {
    expect(service('tracecheck').environment?.['TRACECHECK_AUTH_TOKEN']).toMatch(/^\$\{TRACECHECK_AUTH_TOKEN:\?[^}$]+\}$/);
    expect(sidecarCommand).not.toContain('--auth-token');
    expect(sidecarCommand).not.toContain('--insecure');
  });

  it('starts as compose runs it: the real serve accepts the command with the token, and refuses it without', { timeout: 30_000 }, async () => {
    const args = sidecarCommand.slice(1).map((arg, i, all) => (all[i - 1] === '--http-port' || all[i - 1] === '--grpc-port' ? '0' : arg));
    const refused = spawnNode(args, { ...environmentWithoutOtel(), TRACECHECK_AUTH_TOKEN: '' });
    expect(await refused.exited).toBe(2);
    expect(refused.stderr).toMatch(/not a loopback address and no token is set/);
    const started = spawnNode(args, { ...environmentWithoutOtel(), TRACECHECK_AUTH_TOKEN: 'compose-token' });
    try {
      await started.waitFor(/requests need a bearer token \(from TRACECHECK_AUTH_TOKEN\)/);
      await started.waitFor(/listening on .* \(OTLP\/gRPC\)/);
    } finally {
      started.process.kill('SIGTERM');
    }
    expect(await started.exited).toBe(0);
  });

  it('builds every container from the examples Dockerfile on Node 24', () => {
    for (const name of Object.keys(services)) {
      expect(service(name).build, name).toEqual({ context: '.', dockerfile: 'examples/three-services/Dockerfile' });
    }
    const dockerfile = readFileSync(`${root}examples/three-services/Dockerfile`, 'utf8');
    expect(dockerfile).toMatch(/^FROM node:24\b/m);
    expect(dockerfile).toMatch(/npm ci/);
  });

  it.each(exampleServices)('%s runs its example file and exports to the sidecar over its own transport', (name) => {
    const { command = [], environment = {}, depends_on: dependsOn = {} } = service(name);
    expect(command).toEqual(['node', `examples/three-services/${name}.ts`]);
    expect(existsSync(`${root}examples/three-services/${name}.ts`)).toBe(true);
    const protocol = defaultTransports[name];
    expect(environment['OTEL_EXPORTER_OTLP_PROTOCOL']).toBe(protocol);
    expect(environment['OTEL_EXPORTER_OTLP_ENDPOINT']).toBe(`http://tracecheck:${protocol === 'grpc' ? grpcPort : httpPort}`);
    expect(environment).toMatchObject({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', LISTEN_HOST: '0.0.0.0' });
    // The sidecar's token, as the SDKs read it: "Bearer <token>" with the space percent-encoded.
    expect(environment['OTEL_EXPORTER_OTLP_HEADERS']).toMatch(/^authorization=Bearer%20\$\{TRACECHECK_AUTH_TOKEN:\?[^}$]+\}$/);
    expect(environment['PORT']).toMatch(/^\d+$/);
    expect(dependsOn['tracecheck']).toEqual({ condition: 'service_healthy' });
  });

  it.each(exampleServices)('%s gets every variable its code requires, and each URL names a service on its port', (name) => {
    const source = readFileSync(`${root}examples/three-services/${name}.ts`, 'utf8');
    const required = [...source.matchAll(/downstreamUrl\('([A-Z_]+)'\)/g)].map((match) => match[1]!);
    expect(required, `downstream URLs ${name} reads`).toEqual({ gateway: ['ORDERS_URL'], orders: ['INVENTORY_URL'], inventory: [] }[name]);
    const environment = service(name).environment ?? {};
    for (const variable of required) {
      const url = new URL(environment[variable] ?? 'missing://');
      const target = url.hostname;
      expect(Object.keys(services), `${name}'s ${variable}`).toContain(target);
      expect(url.port, `${name}'s ${variable}`).toBe(service(target).environment?.['PORT']);
      expect(service(name).depends_on?.[target], `${name} should start after ${target}`).toBeDefined();
    }
  });

  it('publishes the gateway, the only entry point, on 127.0.0.1', () => {
    const port = service('gateway').environment?.['PORT'];
    expect(service('gateway').ports).toEqual([`127.0.0.1:${port}:${port}`]);
    expect(service('orders').ports).toBeUndefined();
    expect(service('inventory').ports).toBeUndefined();
  });
});

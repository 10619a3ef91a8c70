// The shipped scale-out pieces agree with each other and with tracecheck (issue 13): the collector config the tests
// run (collector/otelcol.yaml), the builder manifest it is built from, and docker-compose.yml's scale-out profile.
// No binary needed: these are the files themselves.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_RUN_ID_ATTRIBUTE, RUN_ID_HEADER } from '../../src/protocol/index.ts';
import { builderManifestPath, shippedConfigPath, templatedCollectorConfig, type ShippedConfig } from './cluster.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface ComposeService {
  readonly image?: string;
  readonly profiles?: readonly string[];
  readonly command?: readonly string[];
  readonly environment?: Readonly<Record<string, string>>;
  readonly volumes?: readonly string[];
  readonly depends_on?: Readonly<Record<string, { readonly condition: string }>>;
}

const config = parse(readFileSync(shippedConfigPath, 'utf8')) as ShippedConfig;
const manifest = parse(readFileSync(builderManifestPath, 'utf8')) as Record<string, unknown>;
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
const profile = Object.entries(compose.services).filter(([, service]) => service.profiles?.includes('scale-out') === true);

function optionValue(command: readonly string[], option: string): string | undefined {
  const at = command.indexOf(option);
  return at === -1 ? undefined : command[at + 1];
}

describe('collector/builder-config.yaml', () => {
  const modules = ['receivers', 'processors', 'exporters', 'providers'].flatMap((kind) => (manifest[kind] as { gomod: string }[]).map((entry) => entry.gomod));

  it('keeps every collector module at one release (core v0.161.0 / v1.67.0, contrib v0.161.0)', () => {
    for (const module of modules) expect(module, module).toMatch(/ (v0\.161\.0|v1\.67\.0)$/);
  });

  it('holds the otlp receiver, the resource processor, the contrib loadbalancing exporter and the no-op exporter', () => {
    const names = modules.map((module) => module.split(' ')[0]?.split('/').pop());
    expect(names).toEqual(expect.arrayContaining(['otlpreceiver', 'resourceprocessor', 'loadbalancingexporter', 'nopexporter']));
    expect(modules.find((module) => module.includes('loadbalancingexporter'))).toMatch(/^github\.com\/open-telemetry\/opentelemetry-collector-contrib\/exporter\//);
  });
});

describe('collector/otelcol.yaml', () => {
  it('keeps request metadata at both OTLP receivers, for the run id header', () => {
    expect(config.receivers.otlp.protocols.http.include_metadata).toBe(true);
    expect(config.receivers.otlp.protocols.grpc.include_metadata).toBe(true);
  });

  it("copies the run id header into the resource attribute tracecheck reads, in the traces pipeline", () => {
    const pipeline = config.service.pipelines.traces;
    const copies = pipeline.processors.flatMap((name) => config.processors[name]?.attributes ?? []);
    expect(copies).toContainEqual({ key: DEFAULT_RUN_ID_ATTRIBUTE, from_context: `metadata.${RUN_ID_HEADER}`, action: 'insert' });
    expect(pipeline.receivers).toEqual(['otlp']);
    expect(pipeline.exporters).toEqual(['loadbalancing']);
  });

  it('routes by trace id and sends the replicas their token', () => {
    expect(config.exporters.loadbalancing.routing_key).toBe('traceID');
    expect(config.exporters.loadbalancing.protocol.otlp.headers).toEqual({ authorization: 'Bearer ${env:TRACECHECK_AUTH_TOKEN}' });
  });

  it('is what docs/scale-out.md shows: every key of its excerpt has the shipped value', () => {
    const doc = readFileSync(`${root}docs/scale-out.md`, 'utf8');
    const section = doc.slice(doc.indexOf('## The collector config'));
    const excerpt = /```yaml\n([\s\S]*?)```/u.exec(section)?.[1];
    expect(excerpt, 'a yaml block under "The collector config"').toBeDefined();
    expect(config).toMatchObject(parse(excerpt ?? '') as object);
  });

  it('is what the tests run, with only the ports and the replica list swapped', () => {
    const templated = parse(templatedCollectorConfig({ http: 1, grpc: 2 }, ['127.0.0.1:3'])) as ShippedConfig;
    templated.receivers.otlp.protocols.http.endpoint = config.receivers.otlp.protocols.http.endpoint;
    templated.receivers.otlp.protocols.grpc.endpoint = config.receivers.otlp.protocols.grpc.endpoint;
    templated.exporters.loadbalancing.resolver.static.hostnames = config.exporters.loadbalancing.resolver.static.hostnames;
    expect(templated).toEqual(config);
  });
});

describe("docker-compose.yml's scale-out profile", () => {
  const collector = compose.services['otel-collector'];
  const replicas = profile.filter(([name]) => name.startsWith('tracecheck-replica-'));

  it('runs the collector of the manifest\'s release with the shipped config', () => {
    expect(collector?.profiles).toEqual(['scale-out']);
    expect(collector?.image).toBe('otel/opentelemetry-collector-contrib:0.161.0');
    const configFile = optionValue(collector?.command?.map((arg) => arg.replace('=', ' ')).join(' ').split(' ') ?? [], '--config');
    expect(collector?.volumes).toContain(`./collector/otelcol.yaml:${configFile}:ro`);
    expect(collector?.environment?.['TRACECHECK_AUTH_TOKEN']).toMatch(/^\$\{TRACECHECK_AUTH_TOKEN:\?[^}$]+\}$/);
  });

  it('has three replicas, exactly the ones the shipped config routes to, on their gRPC ports', () => {
    expect(replicas).toHaveLength(3);
    const targets = replicas.map(([name, service]) => `${name}:${optionValue(service.command ?? [], '--grpc-port') ?? '?'}`);
    expect(targets.sort()).toEqual([...config.exporters.loadbalancing.resolver.static.hostnames].sort());
    for (const [name, service] of replicas) {
      expect(service.command?.slice(0, 3), name).toEqual(['node', 'bin/tracecheck.js', 'serve']);
      expect(optionValue(service.command ?? [], '--host'), name).toBe('0.0.0.0');
      expect(service.environment?.['TRACECHECK_AUTH_TOKEN'], name).toMatch(/^\$\{TRACECHECK_AUTH_TOKEN:\?[^}$]+\}$/);
      expect(collector?.depends_on?.[name], name).toEqual({ condition: 'service_healthy' });
    }
  });
});

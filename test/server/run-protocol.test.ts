// The run protocol as the server hands it out: the OTEL_* environment from the one builder in src/protocol/, and
// the layering that lets testing/ wrap the server's read-only run views (server/ imports nothing from testing/).
import { readdir, readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { buildExportEnv, RUN_ID_HEADER } from '../../src/protocol/index.ts';
import { startCollector } from '../../src/server/index.ts';
import type { Collector } from '../../src/server/index.ts';

describe('the OTEL_* environment of a server run', () => {
  let collector: Collector | undefined;
  afterEach(async () => {
    await collector?.close();
    collector = undefined;
  });

  it('carries the traces-specific variables too: the full /v1/traces URL for HTTP, the server address for gRPC', async () => {
    collector = await startCollector({ httpPort: 0, grpcPort: 0, authToken: 't k' });
    const run = collector.run('run-env');
    const headers = `${RUN_ID_HEADER}=run-env,authorization=Bearer%20t%20k`;
    expect(run.env).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.httpUrl,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.httpUrl}/v1/traces`,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_HEADERS: headers,
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: headers,
    });
    expect(run.envFor({ protocol: 'grpc', compression: 'gzip' })).toMatchObject({
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.grpcUrl,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.grpcUrl,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
    });
    expect(run.envFor({ protocol: 'http/json' })['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL']).toBe('http/json');
    // Untagged: no headers at all without a token, so neither list variable is set.
    const open = await startCollector({ httpPort: 0, grpcPort: null });
    try {
      expect(open.env['OTEL_EXPORTER_OTLP_TRACES_HEADERS']).toBeUndefined();
      expect(() => open.run('r').envFor({ protocol: 'grpc' })).toThrow(/TC_NO_RECEIVER.*no gRPC receiver to export to: it is disabled \(grpcPort: null\)/);
    } finally {
      await open.close();
    }
  });

  it('is exactly what the protocol builder makes for the same target, with the run id and attribute percent-encoded', async () => {
    collector = await startCollector({ httpPort: 0, grpcPort: 0, runIdAttribute: 'my run', runIdHeader: 'X-Run' });
    const run = collector.run('a,b=c');
    expect(run.env).toEqual(
      buildExportEnv({ httpUrl: collector.httpUrl, grpcUrl: collector.grpcUrl, runId: 'a,b=c', runIdHeader: 'x-run', runIdAttribute: 'my run' }),
    );
    expect(run.env['OTEL_EXPORTER_OTLP_HEADERS']).toBe('x-run=a%2Cb%3Dc');
    expect(run.env['OTEL_RESOURCE_ATTRIBUTES']).toBe('my%20run=a%2Cb%3Dc');
  });
});

describe('layers', () => {
  it('server/ imports nothing from testing/ (testing/ wraps the server, not the other way round)', async () => {
    const serverDir = new URL('../../src/server/', import.meta.url);
    const offending: string[] = [];
    for (const file of await readdir(serverDir)) {
      const source = await readFile(new URL(file, serverDir), 'utf8');
      for (const match of source.matchAll(/from '(\.\.\/testing\/[^']+)'/g)) offending.push(`${file}: ${match[1] ?? ''}`);
    }
    expect(offending).toEqual([]);
  });

  it('a server run is a read-only view: no expect() or headers() of its own', async () => {
    const collector = await startCollector({ httpPort: 0, grpcPort: null });
    try {
      const run = collector.run('view') as unknown as Record<string, unknown>;
      expect(run['expect']).toBeUndefined();
      expect(run['headers']).toBeUndefined();
    } finally {
      await collector.close();
    }
  });
});

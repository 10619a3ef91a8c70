// Local and remote runs hand out the same OTEL_* environment from the one builder in src/protocol/: the remote copy
// that hard-coded its own values (and had no protocol or compression choice) is gone.
import { afterEach, describe, expect, it } from 'vitest';
import { connectCollector, startCollector } from '../../src/testing/index.ts';
import type { Collector, RemoteCollector } from '../../src/testing/index.ts';

describe('a remote run', () => {
  let collector: Collector | undefined;
  let remote: RemoteCollector | undefined;
  afterEach(async () => {
    await remote?.close();
    await collector?.close();
    remote = undefined;
    collector = undefined;
  });

  it('hands out the env of the local run of the same id, for every HTTP protocol and compression', async () => {
    collector = await startCollector({ httpPort: 0, grpcPort: 0, authToken: 'tok' });
    remote = connectCollector(collector.httpUrl, { authToken: 'tok' });
    const local = collector.run('same');
    const mirrored = remote.run('same');
    expect(mirrored.env).toEqual(local.env);
    expect(mirrored.envFor({ protocol: 'http/json', compression: 'gzip' })).toEqual(local.envFor({ protocol: 'http/json', compression: 'gzip' }));
    expect(mirrored.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']).toBe(`${collector.httpUrl}/v1/traces`);
  });

  it('points grpc at the collector gRPC URL when given it, and says what to pass when not', async () => {
    collector = await startCollector({ httpPort: 0, grpcPort: 0 });
    remote = connectCollector(collector.httpUrl);
    expect(() => remote?.run('g').envFor({ protocol: 'grpc' })).toThrow(/TC_NO_RECEIVER.*grpcUrl/);
    const withGrpc = connectCollector(collector.httpUrl, { grpcUrl: collector.grpcUrl });
    try {
      expect(withGrpc.run('g2').envFor({ protocol: 'grpc' })).toEqual(collector.run('g2').envFor({ protocol: 'grpc' }));
    } finally {
      await withGrpc.close();
    }
  });

  it('refuses the run ids the collector refuses, with the same error', async () => {
    collector = await startCollector({ httpPort: 0, grpcPort: null });
    remote = connectCollector(collector.httpUrl);
    let localError: unknown;
    try {
      collector.run('has space');
    } catch (error) {
      localError = error;
    }
    expect(() => remote?.run('has space')).toThrow((localError as Error).message);
    expect(() => remote?.run('x'.repeat(257))).toThrow(/TC_RUN_ID_INVALID/);
  });
});

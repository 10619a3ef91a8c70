// Real instrumented services in child processes, configured only by the env the collector hands out.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startCollector } from '../../src/server/index.ts';
import type { Collector } from '../../src/server/index.ts';
import { spawnNode } from './child-processes.ts';
import type { Child } from './child-processes.ts';

const service = fileURLToPath(new URL('./fixtures/instrumented-service.ts', import.meta.url));

describe('run.env and collector.env drive real SDKs', () => {
  let collector: Collector | undefined;
  const children: Child[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
    }
    await collector?.close();
    collector = undefined;
  });

  // Protocols by themselves are the receiver conformance suite's subject; here: run.env as is, and the gRPC variant.
  it.each(['run.env', 'grpc'] as const)(
    "puts a tagged service's calls into the run, and a shared untagged service's spans into the same trace (%s)",
    async (protocol) => {
      collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
      const run = collector.run();
      // inventory is long-lived and shared: it exports untagged and joins runs through trace inheritance.
      const inventory = spawnNode([service, 'serve', 'inventory'], { ...process.env, ...collector.env });
      children.push(inventory);
      const [, port] = await inventory.waitFor(/ready (\d+)/);
      const checkout = spawnNode([service, 'call', 'checkout', `http://127.0.0.1:${port}/stock`], { ...process.env, ...(protocol === 'grpc' ? run.envFor({ protocol }) : run.env) });
      children.push(checkout);
      expect(await checkout.exited).toBe(0);
      inventory.process.kill('SIGTERM');
      expect(await inventory.exited).toBe(0);

      const outcome = await run.settled({ quietMillis: 100, timeoutMillis: 15_000 });
      expect(outcome).toMatchObject({ settled: true, orphanCount: 0, traceCount: 1 });
      const [trace] = run.traces();
      const services = trace?.spans.map((s) => `${String(s.resource.attributes['service.name'])}:${s.kind}`).sort();
      // checkout: client GET /checkout → server /checkout → client GET /stock; inventory: the server span of /stock,
      // exported untagged over HTTP, possibly before checkout's spans.
      expect(services).toEqual(['checkout:2', 'checkout:3', 'checkout:3', 'inventory:2']);
      const inventorySpan = trace?.spans.find((s) => s.resource.attributes['service.name'] === 'inventory');
      expect(inventorySpan?.resource.attributes['test.run.id']).toBeUndefined();
      expect(trace?.nodesBySpanId.get(inventorySpan?.spanId ?? '')?.depth).toBe(3);
    },
  );
});

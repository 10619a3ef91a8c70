import { describe, expect, it } from 'vitest';
import * as api from '../src/index.ts';
import { startCollector } from '../src/testing/index.ts';

/** The library hands out read-only views: no store class, and no way from a collector to the store's mutators. */
describe('the public API', () => {
  it('exports no mutable store or run class', () => {
    expect(Object.keys(api)).not.toContain('SpanStore');
    expect(Object.keys(api)).not.toContain('LiveRun');
    expect(Object.keys(api)).not.toContain('TraceAssembly');
  });

  it("gives the collector's store as a view with reading methods only", async () => {
    const collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null });
    try {
      expect(Object.keys(collector.store).sort()).toEqual(['onEvict', 'ownerOfTrace', 'stats', 'unclaimedTraces']);
      expect(Object.isFrozen(collector.store)).toBe(true);
      const live = collector.run('r').live as object;
      for (const mutator of ['adoptTrace', 'addSpan', 'evict', 'close', 'arrived']) expect(mutator in live, mutator).toBe(false);
      // Metrics: the registry to scrape or merge, never the hooks that feed it.
      expect(Object.keys(collector.metrics).sort()).toEqual(['registry', 'render']);
    } finally {
      await collector.close();
    }
  });
});

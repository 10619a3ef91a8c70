import { createRootSpan, DEFAULT_RUN_ID_ATTRIBUTE } from '../protocol/index.ts';
import { startCollector as startServerCollector } from '../server/index.ts';
import type { CollectorOptions, Collector as ServerCollector, CollectorRun as ServerCollectorRun } from '../server/index.ts';
import type { PropagationDiagnostic } from '../engine/index.ts';
import type { Trace } from '../model/index.ts';
import { expectSpecs } from './expect-specs.ts';
import type { TestRun } from './test-run.ts';

/**
 * One test run of an in-process collector: the server's read-only view of the run, plus what a test needs:
 * `expect()` to judge specs and `headers()` to mark a request as the run's. The same API as a remote run.
 */
export interface CollectorRun extends ServerCollectorRun, TestRun {
  unclaimedTraces(): readonly Trace[];
  diagnostics(): readonly PropagationDiagnostic[];
}

/** An in-process OTLP collector whose runs are {@link CollectorRun}s. */
export interface Collector extends ServerCollector {
  /** A view of one test run; without an id, a fresh random one. Views of one id share their state. */
  run(id?: string): CollectorRun;
}

/**
 * Wraps a server collector so each run also judges specs (`run.expect()`, the matchers) and hands out
 * `run.headers()`, whose root span goes straight into the collector: the trace is connected before any service
 * reports.
 */
export function withTestRuns(collector: ServerCollector, runIdAttribute: string = DEFAULT_RUN_ID_ATTRIBUTE): Collector {
  const runs = new WeakMap<ServerCollectorRun, CollectorRun>();
  const testRunOf = (view: ServerCollectorRun): CollectorRun => ({
    id: view.id,
    get state() {
      return view.state;
    },
    get env() {
      return view.env;
    },
    envFor: (options) => view.envFor(options),
    spans: () => view.spans(),
    traces: () => view.traces(),
    settled: (options) => view.settled(options),
    quietNow: (quietMillis) => view.quietNow?.(quietMillis) ?? false,
    onChange: (listener) => view.onChange(listener),
    unclaimedTraces: () => view.unclaimedTraces(),
    window: () => view.window?.(),
    diagnostics: () => view.diagnostics(),
    live: view.live,
    expect(specs, options) {
      return expectSpecs(this, specs, options);
    },
    headers() {
      const root = createRootSpan(view.id, runIdAttribute);
      collector.ingest([root.span], { transport: 'memory', runId: view.id });
      return root.headers;
    },
  });
  return {
    get httpUrl() {
      return collector.httpUrl;
    },
    get grpcUrl() {
      return collector.grpcUrl;
    },
    httpPort: collector.httpPort,
    grpcPort: collector.grpcPort,
    get env() {
      return collector.env;
    },
    store: collector.store,
    metrics: collector.metrics,
    ingest: (spans, context) => collector.ingest(spans, context),
    run(id) {
      // The server hands out one view per run id; one test run per view keeps "views of one id share state".
      const view = collector.run(id);
      let run = runs.get(view);
      if (run === undefined) {
        run = testRunOf(view);
        runs.set(view, run);
      }
      return run;
    },
    close: () => collector.close(),
  };
}

/**
 * Starts an in-process OTLP collector for tests: OTLP/HTTP (protobuf and JSON) with the query API on one port,
 * OTLP/gRPC on another, feeding a store that sorts spans into test runs. Its runs judge specs and mark requests
 * (see {@link CollectorRun}).
 *
 * @example
 * ```ts
 * const collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
 * const run = collector.run('run-42');
 * spawnSync('node', ['service.js'], { env: { ...process.env, ...run.env } });
 * const result = await run.expect({ name: 'orders answers', expect: [{ spans: 'service = "orders"' }] });
 * await collector.close();
 * ```
 */
export async function startCollector(options: CollectorOptions = {}): Promise<Collector> {
  return withTestRuns(await startServerCollector(options), options.runIdAttribute ?? DEFAULT_RUN_ID_ATTRIBUTE);
}

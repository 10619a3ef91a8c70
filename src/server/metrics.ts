// The sidecar's Prometheus metrics (GET /metrics), with prom-client. Each collector has its own Registry, so several
// collectors in one process (a test suite's) never share or clash over a metric.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ExportHandled } from '../receiver/index.ts';
import type { RunEviction, SpanStoreStats, SpanStoreView } from '../store/index.ts';

/** Why spans were dropped after they were accepted. */
export type SpanDropReason = 'unclaimed-cap' | 'evicted-run' | 'forward-queue-full' | 'forward-rejected' | 'forward-closed';

/** The metrics of one collector, and the hooks that feed them. */
export interface CollectorMetrics {
  /** The collector's own registry (not prom-client's global one). */
  readonly registry: Registry;
  /** A receiver answered an export request. */
  exportHandled(handled: ExportHandled): void;
  /** The store evicted a run. */
  runEvicted(eviction: RunEviction): void;
  /** Spans were dropped outside the store (the forward queue). */
  spansDropped(reason: SpanDropReason, count: number): void;
  /** Spans reached the upstream collector. */
  spansForwarded(count: number): void;
  /** Where `tracecheck_forward_queue_spans` reads the forward queue's length (set when forwarding is on). */
  watchForwardQueue(read: () => number): void;
  /** Where `tracecheck_save_pending_bytes` reads the save file's backlog (set with `--save`). */
  watchSavePending(read: () => number): void;
  /** Continuous verification judged one expectation of one spec on one trace. */
  expectationJudged(spec: string, expectation: string, pass: boolean): void;
  /** Continuous verification judged one spec on one trace. */
  traceJudged(spec: string, pass: boolean): void;
  /** A redaction rule replaced values. */
  valuesRedacted(rule: string, count: number): void;
  /** The Prometheus text exposition, and its content type. */
  render(): Promise<{ readonly contentType: string; readonly text: string }>;
}

/**
 * Retained bytes as the store estimates them (what `--max-memory` caps: runs and the unclaimed pool together).
 * This is the one place that reads it.
 */
export function retainedBytesOf(stats: SpanStoreStats): number | undefined {
  return stats.retainedBytes;
}

/** Export handling latency buckets, in seconds: from a small in-memory export to a large gzip body. */
const LATENCY_BUCKETS_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Creates a collector's metrics over its store (what the store counts is read at scrape time; the rest is fed
 * through the hooks). Every name starts with `tracecheck_`; docs/collector.md lists them.
 *
 * @example
 * ```ts
 * const metrics = createCollectorMetrics(collector.store);
 * const { contentType, text } = await metrics.render();
 * ```
 */
export function createCollectorMetrics(store: SpanStoreView): CollectorMetrics {
  const registry = new Registry();
  const registers = [registry];

  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> =>
    new Counter({ name, help, labelNames, registers });
  /** A gauge read from the store at scrape time; `undefined` leaves it unset. */
  const storeGauge = (name: string, help: string, read: (stats: SpanStoreStats) => number | undefined): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const value = read(store.stats());
        if (value !== undefined) this.set(value);
      },
    });
  };

  const requests = counter(
    'tracecheck_export_requests_total',
    'OTLP export requests answered, by transport and outcome (ok, partial, unauthenticated, invalid, tooLarge, unavailable, unsupported, internal)',
    ['transport', 'outcome'],
  );
  const received = counter('tracecheck_spans_received_total', 'Spans accepted from exports, by transport', ['transport']);
  const rejected = counter('tracecheck_spans_rejected_total', 'Spans refused inside accepted exports (partial success), by transport and reason', [
    'transport',
    'reason',
  ]);
  const latency = new Histogram({
    name: 'tracecheck_export_duration_seconds',
    // No transport label: tracecheck_export_requests_total splits by transport, and an unlabelled histogram is
    // one family every text-format parser reads whole (parse-prometheus-text-format merges labelled ones).
    help: 'Export handling latency, from arrival to answer (read, decompress, decode, ingest), both transports',
    buckets: LATENCY_BUCKETS_SECONDS,
    registers,
  });

  // The store counts its own drops; the counter follows those totals at each scrape.
  const seen = { unclaimed: 0, evictedRun: 0 };
  const dropped = new Counter({
    name: 'tracecheck_spans_dropped_total',
    help: 'Accepted spans dropped, by reason (unclaimed-cap, evicted-run, forward-queue-full, forward-rejected, forward-closed)',
    labelNames: ['reason'] as const,
    registers,
    collect() {
      const stats = store.stats();
      this.inc({ reason: 'unclaimed-cap' }, stats.droppedUnclaimedSpanCount - seen.unclaimed);
      this.inc({ reason: 'evicted-run' }, stats.droppedEvictedRunSpanCount - seen.evictedRun);
      seen.unclaimed = stats.droppedUnclaimedSpanCount;
      seen.evictedRun = stats.droppedEvictedRunSpanCount;
    },
  });
  const evictedSpans = counter('tracecheck_spans_evicted_total', 'Spans dropped with their run by the memory bound, by reason', ['reason']);
  const evictedRuns = counter('tracecheck_runs_evicted_total', 'Runs dropped whole by the memory bound, by reason', ['reason']);
  storeGauge('tracecheck_retained_spans', 'Spans held by runs now', (stats) => stats.spanCount);
  storeGauge('tracecheck_unclaimed_spans', 'Untagged spans waiting for a run to claim their trace', (stats) => stats.unclaimedSpanCount);
  storeGauge('tracecheck_retained_bytes', 'Estimated bytes held by runs and the unclaimed pool (what --max-memory caps)', retainedBytesOf);
  storeGauge('tracecheck_active_runs', 'Runs the store holds that were not evicted', (stats) => stats.runCount - stats.evictedRunCount);
  const forwarded = counter('tracecheck_spans_forwarded_total', 'Spans the upstream collector accepted (--forward)');
  let forwardQueue: (() => number) | undefined;
  new Gauge({
    name: 'tracecheck_forward_queue_spans',
    help: 'Spans waiting for the upstream, the request in flight included (--forward)',
    registers,
    collect() {
      if (forwardQueue !== undefined) this.set(forwardQueue());
    },
  });
  let savePending: (() => number) | undefined;
  new Gauge({
    name: 'tracecheck_save_pending_bytes',
    help: 'Bytes of exports taken and not yet written to the save file (--save): the disk backlog; past --save-max-pending-bytes exports are answered 503',
    registers,
    collect() {
      if (savePending !== undefined) this.set(savePending());
    },
  });
  const expectations = counter(
    'tracecheck_expectations_total',
    'Expectations judged on live traces (--specs), by spec, expectation and result (pass, fail): the telemetry assertion success SLI',
    ['spec', 'expectation', 'result'],
  );
  const traces = counter('tracecheck_traces_judged_total', 'Live traces judged against a spec (--specs), by spec and result (pass, fail)', ['spec', 'result']);
  const redacted = counter('tracecheck_values_redacted_total', 'Values replaced by redaction at ingest, by rule (a key glob or a pattern)', ['rule']);

  return {
    registry,
    exportHandled(handled) {
      requests.inc({ transport: handled.transport, outcome: handled.outcome });
      if (handled.acceptedSpans > 0) received.inc({ transport: handled.transport }, handled.acceptedSpans);
      if (handled.rejectedSpans > 0) rejected.inc({ transport: handled.transport, reason: 'invalid-span' }, handled.rejectedSpans);
      latency.observe(handled.durationSeconds);
    },
    runEvicted(eviction) {
      evictedRuns.inc({ reason: eviction.reason });
      evictedSpans.inc({ reason: eviction.reason }, eviction.spanCount);
    },
    spansDropped(reason, count) {
      if (count > 0) dropped.inc({ reason }, count);
    },
    spansForwarded(count) {
      if (count > 0) forwarded.inc(count);
    },
    watchForwardQueue(read) {
      forwardQueue = read;
    },
    watchSavePending(read) {
      savePending = read;
    },
    expectationJudged(spec, expectation, pass) {
      expectations.inc({ spec, expectation, result: pass ? 'pass' : 'fail' });
    },
    traceJudged(spec, pass) {
      traces.inc({ spec, result: pass ? 'pass' : 'fail' });
    },
    valuesRedacted(rule, count) {
      if (count > 0) redacted.inc({ rule }, count);
    },
    async render() {
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}

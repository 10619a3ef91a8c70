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
 * Retained bytes, when the store counts them. The memory-bound work (issue 12, `--max-memory`) adds
 * `retainedBytes` to the store's stats; until a store reports it, `tracecheck_retained_bytes` is not set and
 * `tracecheck_retained_spans` is the retention measure. This is the one place that reads it.
 */
export function retainedBytesOf(stats: SpanStoreStats): number | undefined {
  const value = (stats as SpanStoreStats & { readonly retainedBytes?: number }).retainedBytes;
  return typeof value === 'number' ? value : undefined;
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

  const requests = new Counter({
    name: 'tracecheck_export_requests_total',
    help: 'OTLP export requests answered, by transport and outcome (ok, partial, unauthenticated, invalid, tooLarge, unavailable, unsupported, internal)',
    labelNames: ['transport', 'outcome'] as const,
    registers,
  });
  const received = new Counter({
    name: 'tracecheck_spans_received_total',
    help: 'Spans accepted from exports, by transport',
    labelNames: ['transport'] as const,
    registers,
  });
  const rejected = new Counter({
    name: 'tracecheck_spans_rejected_total',
    help: 'Spans refused inside accepted exports (partial success), by transport and reason',
    labelNames: ['transport', 'reason'] as const,
    registers,
  });
  const latency = new Histogram({
    name: 'tracecheck_export_duration_seconds',
    // No transport label: tracecheck_export_requests_total splits by transport, and an unlabelled histogram is
    // one family every text-format parser reads whole (parse-prometheus-text-format merges labelled ones).
    help: 'Export handling latency, from arrival to answer (read, decompress, decode, ingest), both transports',
    buckets: LATENCY_BUCKETS_SECONDS,
    registers,
  });

  // The store counts its own drops; the counters follow those totals at each scrape.
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
  const evictedSpans = new Counter({
    name: 'tracecheck_spans_evicted_total',
    help: 'Spans dropped with their run by the memory bound, by reason',
    labelNames: ['reason'] as const,
    registers,
  });
  const evictedRuns = new Counter({
    name: 'tracecheck_runs_evicted_total',
    help: 'Runs dropped whole by the memory bound, by reason',
    labelNames: ['reason'] as const,
    registers,
  });
  new Gauge({
    name: 'tracecheck_retained_spans',
    help: 'Spans held by runs now',
    registers,
    collect() {
      this.set(store.stats().spanCount);
    },
  });
  new Gauge({
    name: 'tracecheck_unclaimed_spans',
    help: 'Untagged spans waiting for a run to claim their trace',
    registers,
    collect() {
      this.set(store.stats().unclaimedSpanCount);
    },
  });
  new Gauge({
    name: 'tracecheck_retained_bytes',
    help: 'Bytes held by runs now, as the store counts them (absent while the store does not)',
    registers,
    collect() {
      const bytes = retainedBytesOf(store.stats());
      if (bytes !== undefined) this.set(bytes);
    },
  });
  new Gauge({
    name: 'tracecheck_active_runs',
    help: 'Runs the store holds that were not evicted',
    registers,
    collect() {
      const stats = store.stats();
      this.set(stats.runCount - stats.evictedRunCount);
    },
  });
  const forwarded = new Counter({ name: 'tracecheck_spans_forwarded_total', help: 'Spans the upstream collector accepted (--forward)', registers });
  const expectations = new Counter({
    name: 'tracecheck_expectations_total',
    help: 'Expectations judged on live traces (--specs), by spec, expectation and result (pass, fail): the telemetry assertion success SLI',
    labelNames: ['spec', 'expectation', 'result'] as const,
    registers,
  });
  const traces = new Counter({
    name: 'tracecheck_traces_judged_total',
    help: 'Live traces judged against a spec (--specs), by spec and result (pass, fail)',
    labelNames: ['spec', 'result'] as const,
    registers,
  });
  const redacted = new Counter({
    name: 'tracecheck_values_redacted_total',
    help: 'Values replaced by redaction at ingest, by rule (a key glob or a pattern)',
    labelNames: ['rule'] as const,
    registers,
  });

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

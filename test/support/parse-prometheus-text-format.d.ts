// Types for parse-prometheus-text-format (the package ships none): what the metrics tests read of a scrape.
declare module 'parse-prometheus-text-format' {
  interface PrometheusSample {
    readonly labels?: Record<string, string>;
    readonly value: string;
  }
  interface PrometheusHistogramSample {
    readonly labels?: Record<string, string>;
    readonly buckets: Record<string, string>;
    readonly count: string;
    readonly sum: string;
  }
  interface PrometheusFamily {
    readonly name: string;
    readonly help: string;
    readonly type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
    readonly metrics: readonly (PrometheusSample | PrometheusHistogramSample)[];
  }
  /** Parses the Prometheus text exposition format into metric families. */
  export default function parsePrometheusTextFormat(text: string): PrometheusFamily[];
}

// Helpers of the sidecar tests: scraping /metrics with a real Prometheus text-format parser, and waiting on a run.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { expect } from 'vitest';
import type { CollectorRun } from '../../src/server/index.ts';

/** One sample of a scrape: its metric name, labels and value. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Scrapes `/metrics` and flattens it with parse-prometheus-text-format (histograms become _bucket/_count/_sum). */
export async function scrape(httpUrl: string, token?: string): Promise<Sample[]> {
  const response = await fetch(`${httpUrl}/metrics`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(await response.text());
  const samples: Sample[] = [];
  for (const family of families) {
    for (const metric of family.metrics) {
      if ('buckets' in metric) {
        samples.push({ name: `${family.name}_count`, labels: metric.labels ?? {}, value: Number(metric.count) });
        samples.push({ name: `${family.name}_sum`, labels: metric.labels ?? {}, value: Number(metric.sum) });
      } else {
        samples.push({ name: family.name, labels: metric.labels ?? {}, value: Number(metric.value) });
      }
    }
  }
  return samples;
}

/** The value of one sample whose labels include `labels`, or 0 when the scrape has none. */
export function valueOf(samples: readonly Sample[], name: string, labels: Readonly<Record<string, string>> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Resolves once the run holds `count` spans (an event, not a poll), or rejects at the deadline. */
export function untilSpanCount(run: CollectorRun, count: number, timeoutMillis = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (run.spans().length < count) return;
      clearTimeout(deadline);
      stop();
      resolve();
    };
    const deadline = setTimeout(() => {
      stop();
      reject(new Error(`run ${run.id} holds ${run.spans().length} of ${count} spans after ${timeoutMillis}ms`));
    }, timeoutMillis);
    const stop = run.onChange(check);
    check();
  });
}

/**
 * Opening the html report: a run of 10,000 spans (100 traces of 100 spans from five services, with clock skew
 * corrected, rare errors, and specs failing on some traces, so those open first; then the same spans as one
 * failing trace, whose 10,000-row waterfall is drawn at open) rendered by
 * `createHtmlReporter`, then loaded from file:// in headless chromium (test/support/chromium.ts). Prints the time
 * to first contentful paint and to an interactive waterfall (the page's `tracecheck:interactive` mark: data
 * parsed, every trace listed, the failing waterfalls drawn and handlers attached), median of several loads.
 * Baseline, measured in the same run on the same JSON: a page whose script parses it and writes every span as a
 * line of a plain `<pre>` text tree, the least a page showing those spans does. Target: interactive under 1 s.
 *
 * Run: `npm run bench` (all modules) or `node bench/run.ts html-report`. Needs chromium
 * (`bash scripts/install-chromium.sh`); without it the benchmark says so and is skipped.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { evaluateSpecsNow, viewTraces } from '../src/engine/index.ts';
import { createHtmlReporter } from '../src/report/index.ts';
import { chromiumAvailable, launchChromium } from '../test/support/chromium.ts';
import type { Trace } from '../src/model/index.ts';
import { TraceAssembly } from '../src/store/index.ts';
import { makeTrace } from './evaluate.ts';
import type { BenchOutcome } from './run.ts';

const TRACES = 100;
const TARGET_MILLIS = 1_000;
const LOADS = 7;

/** The baseline page: the same data, parsed and written as an indented text tree into one `<pre>`. */
function baselinePage(dataJson: string): string {
  const script = `
    const data = JSON.parse(document.getElementById('d').textContent);
    const lines = [];
    for (const trace of data.traces) {
      const depth = new Map();
      lines.push('trace ' + trace.traceId);
      for (const s of trace.spans) {
        const d = s.parentSpanId && depth.has(s.parentSpanId) ? depth.get(s.parentSpanId) + 1 : 0;
        depth.set(s.spanId, d);
        lines.push('  '.repeat(d + 1) + (s.service || '?') + ' · ' + s.name + ' ' + s.kind + ' ' + s.durationMillis.toFixed(2) + 'ms ' + s.status);
      }
    }
    const pre = document.createElement('pre');
    pre.textContent = lines.join('\\n');
    document.body.appendChild(pre);
    performance.mark('tracecheck:interactive');
  `;
  return `<!doctype html><html><head><meta charset="utf-8"><title>baseline</title></head><body>` +
    `<script type="application/json" id="d">${dataJson}</script><script>${script}</script></body></html>`;
}

interface LoadTiming {
  readonly firstPaintMillis: number;
  readonly interactiveMillis: number;
}

async function load(page: Page, url: string): Promise<LoadTiming> {
  await page.goto('about:blank');
  await page.goto(url, { waitUntil: 'load' });
  // The paint entry is queued after the frame is presented: wait for it, not for a fixed time.
  await page.waitForFunction('performance.getEntriesByName("first-contentful-paint").length > 0 && performance.getEntriesByName("tracecheck:interactive").length > 0', undefined, { timeout: 30_000 });
  return page.evaluate<LoadTiming>(`({
    firstPaintMillis: performance.getEntriesByName('first-contentful-paint')[0].startTime,
    interactiveMillis: performance.getEntriesByName('tracecheck:interactive')[0].startTime,
  })`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** The worst case for opening: the same 10,000 spans as one trace, failing, so its whole waterfall is drawn at once. */
function oneTrace(traces: readonly Trace[]): Trace {
  const traceId = (traces[0] as Trace).traceId;
  const assembly = new TraceAssembly(traceId);
  for (const trace of traces) for (const span of trace.spans) assembly.add({ ...span, traceId });
  return assembly.build();
}

export async function run(): Promise<BenchOutcome> {
  if (!chromiumAvailable()) return { missedTargets: [] };
  const many = Array.from({ length: TRACES }, (_, t) => makeTrace(t));
  const missed: string[] = [];
  for (const [label, traces] of [[`${TRACES} traces of 100 spans`, many], ['one trace of 10,000 spans', [oneTrace(many)]]] as const) {
    missed.push(...(await measure(label, traces)));
  }
  return { missedTargets: missed };
}

async function measure(label: string, traces: readonly Trace[]): Promise<string[]> {
  const spanCount = traces.reduce((n, t) => n + t.spans.length, 0);
  const result = evaluateSpecsNow(
    [
      { name: 'no errors anywhere', expect: [{ noErrors: true }] },
      { name: 'checkouts are fast', expect: [{ budget: { max: '1s' } }] },
    ],
    traces,
  );
  const views = viewTraces(traces);
  const html = createHtmlReporter({ traces: views }).render(result);
  const dir = await mkdtemp(path.join(tmpdir(), 'tracecheck-bench-html-'));
  const reportFile = path.join(dir, 'report.html');
  const baselineFile = path.join(dir, 'baseline.html');
  await writeFile(reportFile, html);
  // The baseline reads the very JSON the report holds.
  const dataJson = /<script type="application\/json" id="tc-data">(.*?)<\/script>/su.exec(html)?.[1] ?? '';
  await writeFile(baselineFile, baselinePage(dataJson));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const ours: LoadTiming[] = [];
    const base: LoadTiming[] = [];
    // Interleaved, so a neighbour's burst of load falls on both.
    for (let i = 0; i < LOADS; i++) {
      ours.push(await load(page, pathToFileURL(reportFile).href));
      base.push(await load(page, pathToFileURL(baselineFile).href));
    }
    const bars = await page.goto(pathToFileURL(reportFile).href).then(() => page.locator('.tc-bar').count());
    const paint = median(ours.map((t) => t.firstPaintMillis));
    const interactive = median(ours.map((t) => t.interactiveMillis));
    const basePaint = median(base.map((t) => t.firstPaintMillis));
    const baseDone = median(base.map((t) => t.interactiveMillis));
    console.log(`  html report of ${spanCount} spans, ${label}: ${(html.length / 1e6).toFixed(1)} MB, ${bars} bars drawn at open (failing traces expanded); median of ${LOADS} loads`);
    console.log(`    report:   first paint ${paint.toFixed(0)} ms · interactive waterfall ${interactive.toFixed(0)} ms`);
    console.log(`    baseline: first paint ${basePaint.toFixed(0)} ms · done ${baseDone.toFixed(0)} ms (the report's own JSON parsed, its traces written as a <pre> text tree)`);
    const holds = interactive < TARGET_MILLIS;
    console.log(`  ${holds ? 'ok  ' : 'MISS'} interactive waterfall under ${TARGET_MILLIS} ms: ${interactive.toFixed(0)} ms (${(interactive / baseDone).toFixed(1)}× the baseline)`);
    return holds ? [] : [`html report of ${spanCount} spans (${label}) interactive after ${interactive.toFixed(0)} ms (target < ${TARGET_MILLIS} ms)`];
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();

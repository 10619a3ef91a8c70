/**
 * The html report in a real browser (Debian's chromium through playwright-core): the report of the passing
 * three-service example and of each broken variant, written by `tracecheck run --reporter html --out FILE`, opened
 * from file://. One browser for the file, one page reused. Screenshots land in test-output/html-report/.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExampleFault } from '../../examples/three-services/faults.ts';
import { evaluateSpecsNow, viewTraces } from '../../src/engine/index.ts';
import { createHtmlReporter, type HtmlReportData } from '../../src/report/index.ts';
import { SpanStore } from '../../src/store/index.ts';
import { makeTrace, type SdkSpanSpec } from '../support/sdk-traces.ts';
import { chromiumAvailable, focusedAttribute, launchChromium, TEST_OUTPUT_DIR, watchPage, type ChromiumSession, type PageWatch } from '../support/chromium.ts';
import { writeExampleReport } from '../support/example-report.ts';

const outDir = path.join(TEST_OUTPUT_DIR, 'html-report');
// Three SDK-instrumented services start per variant on a busy 2-core machine; the page itself opens in milliseconds.
const caseMillis = 120_000;
const pageMillis = 15_000;
const available = chromiumAvailable();

describe.skipIf(!available)('the html report in chromium', () => {
  let browser: ChromiumSession;
  let page: Page;
  let watch: PageWatch;

  beforeAll(async () => {
    await mkdir(outDir, { recursive: true });
    browser = await launchChromium();
    page = await browser.newPage();
    watch = watchPage(page, (url) => url.startsWith('file:'));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** Writes the variant's report, opens it, and answers the data it was drawn from. */
  async function open(fault: ExampleFault, expectedCode: number): Promise<HtmlReportData> {
    const file = path.join(outDir, `${fault}.html`);
    const outcome = await writeExampleReport(fault, file);
    expect(outcome.code, `tracecheck run with EXAMPLE_FAULT=${fault}:\n${outcome.stdout}\n${outcome.stderr}`).toBe(expectedCode);
    watch.errors.length = 0;
    watch.requests.length = 0;
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('html[data-ready="true"]', { timeout: pageMillis });
    const html = await readFile(file, 'utf8');
    const json = /<script type="application\/json" id="tc-data">(.*?)<\/script>/su.exec(html)?.[1];
    expect(json, 'the report holds its data once, as JSON').toBeDefined();
    return JSON.parse(json!) as HtmlReportData;
  }

  async function expandAll(): Promise<void> {
    await page.getByRole('button', { name: 'Expand all' }).click();
  }

  async function screenshot(name: string): Promise<void> {
    await page.screenshot({ path: path.join(outDir, `${name}.png`), fullPage: true });
  }

  function spanCountOf(data: HtmlReportData): number {
    return data.traces.reduce((n, trace) => n + trace.spans.length, 0);
  }

  /** What every report must satisfy: a bar per span, and nothing fetched or thrown. */
  async function expectWholeAndQuiet(data: HtmlReportData): Promise<void> {
    await expandAll();
    expect(spanCountOf(data)).toBe(data.result?.spanCount);
    expect(await page.locator('.tc-bar').count()).toBe(spanCountOf(data));
    expect(watch.errors, 'console errors').toEqual([]);
    expect(watch.requests, 'network requests').toEqual([]);
  }

  /** A failing span is marked, with the failure's explanation visible beside it. */
  async function expectFailureMarked(data: HtmlReportData): Promise<void> {
    const failing = data.result!.specs.flatMap((spec) => spec.expectations).filter((e) => !e.passed).map((e) => e.name);
    expect(failing.length).toBeGreaterThan(0);
    const marked = page.locator('.tc-row.tc-marked').first();
    await expect.poll(() => marked.isVisible(), { timeout: pageMillis }).toBe(true);
    const spanId = await marked.getAttribute('data-span');
    const explanation = page.locator(`.tc-explain-fail[data-for="${spanId}"]`).first();
    expect(await explanation.isVisible()).toBe(true);
    const text = await explanation.innerText();
    expect(failing.some((name) => text.includes(name)), `"${text}" names a failing expectation`).toBe(true);
  }

  it('passing example: a bar per span, filter by service and status, keyboard navigation, permalinks', async () => {
    const data = await open('none', 0);
    expect(data.result?.passed).toBe(true);
    await expectWholeAndQuiet(data);
    expect(await page.locator('.tc-row.tc-marked').count()).toBe(0);
    expect(await page.locator('.tc-broken-hop').count()).toBe(0);
    // The service map names each edge with its calls and percentiles.
    expect(await page.locator('.tc-edges tbody tr').count()).toBeGreaterThanOrEqual(2);

    // Filter by service: only inventory's rows stay.
    const inventory = data.traces.flatMap((t) => t.spans).filter((s) => s.service === 'inventory').length;
    expect(inventory).toBeGreaterThan(0);
    await page.getByLabel('Filter by service', { exact: true }).selectOption('inventory');
    expect(await page.locator('.tc-row:visible').count()).toBe(inventory);
    for (const label of await page.locator('.tc-row:visible').evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label')))) expect(label).toMatch(/^inventory /u);
    // Text: one span's id leaves that span alone.
    await page.getByLabel('Filter by service', { exact: true }).selectOption('');
    const someSpan = data.traces[0]!.spans[1]!;
    await page.getByLabel('Filter by text', { exact: true }).fill(someSpan.spanId);
    expect(await page.locator('.tc-row:visible').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-span')))).toEqual([someSpan.spanId]);
    await page.getByLabel('Filter by text', { exact: true }).fill('');
    expect(await page.locator('.tc-row:visible').count()).toBe(spanCountOf(data));

    // Keyboard: down moves between rows of a waterfall, Enter opens a span's attributes, Up goes back.
    const tree = page.getByRole('tree').first();
    const rows = tree.getByRole('treeitem');
    await rows.nth(0).focus();
    await page.keyboard.press('ArrowDown');
    const second = await rows.nth(1).getAttribute('data-span');
    expect(await focusedAttribute(page, 'data-span')).toBe(second);
    await page.keyboard.press('Enter');
    expect(await rows.nth(1).getAttribute('aria-expanded')).toBe('true');
    await expect.poll(() => page.locator(`[data-details="${second}"] .tc-attrs`).isVisible()).toBe(true);
    await page.keyboard.press('ArrowUp');
    expect(await focusedAttribute(page, 'data-span')).toBe(await rows.nth(0).getAttribute('data-span'));
    // '/' jumps to the filter.
    await page.keyboard.press('/');
    expect(await focusedAttribute(page, 'id')).toBe('tc-f-text');

    // A permalink to a span opens its trace and its details, and focuses it.
    const target = data.traces.at(-1)!.spans.at(-1)!;
    await page.getByRole('button', { name: 'Collapse all' }).click();
    await page.goto(`${page.url().split('#')[0]}#span-${target.spanId}`);
    await expect.poll(() => focusedAttribute(page, 'data-span'), { timeout: pageMillis }).toBe(target.spanId);
    expect(await page.locator(`[data-details="${target.spanId}"]`).isVisible()).toBe(true);

    // Themes: the toggle switches the page's colours.
    const before = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    await page.getByRole('button', { name: /theme/u }).click();
    expect(await page.evaluate<string>('getComputedStyle(document.body).backgroundColor')).not.toBe(before);
    await page.getByRole('button', { name: /theme/u }).click();
    expect(watch.errors, 'console errors').toEqual([]);
    expect(watch.requests, 'network requests').toEqual([]);
    await screenshot('passing');
  }, caseMillis);

  it('drop-context: the failing span is marked and explained, and the broken hop is drawn between the two traces', async () => {
    const data = await open('drop-context', 1);
    expect(data.result?.passed).toBe(false);
    await expectWholeAndQuiet(data);
    await expectFailureMarked(data);
    const hop = page.locator('.tc-broken-hop').first();
    expect(await hop.isVisible()).toBe(true);
    // The hop links the span where the context broke to the span that started the other trace.
    const [from, to] = [await hop.getAttribute('data-from'), await hop.getAttribute('data-to')];
    const traceOf = (id: string | null): string | undefined => data.traces.find((t) => t.spans.some((s) => s.spanId === id))?.traceId;
    expect(traceOf(from)).toBeDefined();
    expect(traceOf(to)).toBeDefined();
    expect(traceOf(from)).not.toBe(traceOf(to));
    expect(await hop.locator(`a[href="#span-${to}"]`).count()).toBe(1);
    expect(await page.locator('.tc-edge-broken').count()).toBeGreaterThanOrEqual(1);
    await screenshot('drop-context');
  }, caseMillis);

  it('slow: the over-budget failure is marked and explained', async () => {
    const data = await open('slow', 1);
    await expectWholeAndQuiet(data);
    await expectFailureMarked(data);
    await screenshot('slow');
  }, caseMillis);

  it('a large waterfall is drawn as it is scrolled to, and a permalink draws as far as its span', async () => {
    // One failing trace of 700 spans: a root with a chain of 699 calls below it, the last one an error.
    const specs: SdkSpanSpec[] = [{ ref: 's0', name: 'POST /batch', kind: 'server', service: 'gateway' }];
    for (let i = 1; i < 700; i++) specs.push({ ref: `s${i}`, parent: `s${i - 1}`, name: `step ${i}`, service: i % 2 === 0 ? 'gateway' : 'worker', ...(i === 699 ? { status: { code: 'error' as const } } : {}) });
    const store = new SpanStore();
    store.ingest(await makeTrace(specs), { transport: 'memory', runId: 'large' });
    const traces = store.run('large').traces();
    const file = path.join(outDir, 'large.html');
    await writeFile(file, createHtmlReporter({ traces: viewTraces(traces) }).render(evaluateSpecsNow([{ name: 'no errors', expect: [{ noErrors: true }] }], traces)));
    watch.errors.length = 0;
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('html[data-ready="true"]', { timeout: pageMillis });
    const drawn = await page.locator('.tc-bar').count();
    expect(drawn).toBeGreaterThan(0);
    expect(drawn).toBeLessThan(700);
    // Scrolling to the end of what is drawn draws the rest, batch by batch.
    for (let i = 0; i < 10 && (await page.locator('.tc-draw-more').count()) > 0; i++) {
      const before = await page.locator('.tc-bar').count();
      await page.locator('.tc-draw-more').scrollIntoViewIfNeeded();
      await expect.poll(() => page.locator('.tc-bar').count(), { timeout: pageMillis }).toBeGreaterThan(before);
    }
    expect(await page.locator('.tc-bar').count()).toBe(700);
    // Reloaded, a permalink to the last span draws up to it and opens it.
    const last = traces[0]!.spans.find((s) => s.name === 'step 699')!;
    await page.goto('about:blank');
    await page.goto(`${pathToFileURL(file).href}#span-${last.spanId}`);
    await expect.poll(() => focusedAttribute(page, 'data-span'), { timeout: pageMillis }).toBe(last.spanId);
    expect(await page.locator(`#span-${last.spanId}.tc-marked`).count()).toBe(1);
    expect(watch.errors, 'console errors').toEqual([]);
    expect(watch.requests, 'network requests').toEqual([]);
  });

  it('error: the failure is marked, and filtering by status leaves the error spans', async () => {
    const data = await open('error', 1);
    await expectWholeAndQuiet(data);
    await expectFailureMarked(data);
    const errors = data.traces.flatMap((t) => t.spans).filter((s) => s.status === 'error').length;
    expect(errors).toBeGreaterThan(0);
    await page.getByLabel('Filter by status', { exact: true }).selectOption('error');
    expect(await page.locator('.tc-row:visible').count()).toBe(errors);
    expect(await page.locator('.tc-row:visible:not(.tc-err)').count()).toBe(0);
    await page.getByLabel('Filter by status', { exact: true }).selectOption('');
    expect(watch.errors, 'console errors').toEqual([]);
    await screenshot('error');
  }, caseMillis);
});

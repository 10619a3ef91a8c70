/**
 * The sidecar's live view (`/ui`) in a real browser (Debian's chromium through playwright-core), with auth on:
 * the page without the token asks for it and shows nothing; with it, the runs list, and a run page that draws
 * spans exported during the test by a real OpenTelemetry exporter as they arrive over the event stream.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type Collector } from '../../src/server/index.ts';
import { chromiumAvailable, launchChromium, TEST_OUTPUT_DIR, watchPage, type ChromiumSession, type PageWatch } from '../support/chromium.ts';
import { makeSdkSpans } from '../support/sdk-traces.ts';
import { exportVia } from './exporters.ts';

const TOKEN = 'ui s3cret';
const auth = { authorization: `Bearer ${TOKEN}` };
const outDir = path.join(TEST_OUTPUT_DIR, 'ui-live');
const domMillis = 15_000;
const available = chromiumAvailable();

describe.skipIf(!available)('the live view at /ui, with auth on', () => {
  let collector: Collector;
  let browser: ChromiumSession;
  let page: Page;
  let watch: PageWatch;

  beforeAll(async () => {
    await mkdir(outDir, { recursive: true });
    collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: null, authToken: TOKEN });
    browser = await launchChromium();
    page = await browser.newPage();
    watch = watchPage(page, (url) => url.startsWith(collector.httpUrl));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await collector?.close();
  });

  it('without the token, the page asks for it and the API stays closed', async () => {
    await page.goto(`${collector.httpUrl}/ui`);
    await page.getByRole('form', { name: 'Sidecar token' }).waitFor({ timeout: domMillis });
    expect((await fetch(`${collector.httpUrl}/api/runs`)).status).toBe(401);
    // The page's own request for the runs was refused (401), and nothing else was asked of any other host.
    expect(watch.requests).toEqual([]);
    // Chromium logs the refused request itself; nothing else went wrong on the page.
    expect(watch.errors.filter((e) => !e.includes('401'))).toEqual([]);
    watch.errors.length = 0;
  });

  it('with the token: the runs list, then a run page that draws a span exported while it is open', async () => {
    const runId = 'ui-live-run';
    const first = await makeSdkSpans([{ ref: 'gw', name: 'POST /checkout', kind: 'server', service: 'gateway' }], { resourceAttributes: { 'test.run.id': runId } });
    expect((await exportVia('http/protobuf', collector.httpUrl, first, { headers: auth })).code).toBe(0);

    // The token in the fragment (never sent to the server) is kept for the page's own requests.
    await page.goto(`${collector.httpUrl}/ui#token=${encodeURIComponent(TOKEN)}`);
    const runLink = page.getByRole('link', { name: runId });
    await runLink.waitFor({ timeout: domMillis });
    expect(page.url()).not.toContain('token');
    await runLink.click();
    await page.locator(`#span-${first[0]!.spanContext().spanId}`).waitFor({ timeout: domMillis });
    await page.getByRole('status').filter({ hasText: '1 span' }).waitFor({ timeout: domMillis });

    // A span of the same trace, exported now by a real OTLP exporter, appears on the open page.
    const parent = first[0]!.spanContext();
    const later = await makeSdkSpans(
      [{ name: 'GET /inventory', kind: 'client', service: 'orders', parent: { ...parent, isRemote: true }, status: { code: 'error', message: 'out of stock' } }],
      { resourceAttributes: { 'test.run.id': runId } },
    );
    expect((await exportVia('http/json', collector.httpUrl, later, { headers: auth })).code).toBe(0);
    const row = page.locator(`#span-${later[0]!.spanContext().spanId}`);
    await row.waitFor({ timeout: domMillis });
    expect(await row.getAttribute('aria-label')).toMatch(/^orders GET \/inventory, client, .*status error/u);
    expect(await page.locator('.tc-bar').count()).toBe(2);
    await page.getByRole('status').filter({ hasText: '2 spans' }).waitFor({ timeout: domMillis });
    expect(watch.errors, 'console errors').toEqual([]);
    expect(watch.requests, 'requests to other hosts').toEqual([]);
    await page.screenshot({ path: path.join(outDir, 'run.png'), fullPage: true });
  });
});

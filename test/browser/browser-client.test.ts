// The browser as a client: docs/clients.md's page (its `page.ts` and `index.html` blocks, bundled here with
// rolldown) loaded in headless Chromium, exporting OTLP/HTTP JSON to `tracecheck serve --cors-origin ORIGIN` (the
// doc's command, in a process of its own), and calling a real Node backend (OpenTelemetry Node SDK,
// instrumentation-http) with `traceparent`. The doc's `browser.yaml` judges the hop, on a run mirrored from the
// sidecar. A second origin, not allowed, is refused by the collector's preflight.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { build } from 'rolldown';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { startServiceProcess } from '../../examples/propagation/start-service.ts';
import type { RunningService } from '../../examples/propagation/start-service.ts';
import { createReporter } from '../../src/report/index.ts';
import { connectCollector } from '../../src/testing/index.ts';
import type { RemoteCollector, RemoteRun, SpecObject } from '../../src/testing/index.ts';
import { spawnNode } from '../server/child-processes.ts';
import type { Child } from '../server/child-processes.ts';
import { readDocBlocks } from '../docs/doc-blocks.ts';
import '../../src/vitest.ts';
import { chromiumAvailable, launchChromium, watchPage } from '../support/chromium.ts';
import type { ChromiumSession } from '../support/chromium.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/tracecheck.js', import.meta.url));
const backendFile = fileURLToPath(new URL('./backend.ts', import.meta.url));
/** Deadline for one page to do its work on a busy 2-core machine. */
const pageMillis = 20_000;

/** A block of docs/clients.md's browser setup, by the file its doctest annotation writes it to. */
function docBlock(file: string): string {
  const block = readDocBlocks(repoRoot).find((b) => b.annotation?.kind === 'project' && b.annotation.project === 'browser' && b.annotation.file === file);
  if (block === undefined) throw new Error(`docs/clients.md has no browser block for ${file}`);
  return block.code;
}

/** A static server for the bundled page, on its own port: its own origin. */
interface PageServer {
  readonly origin: string;
  close(): Promise<void>;
}

async function servePage(files: ReadonlyMap<string, { readonly type: string; readonly body: string }>): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    const file = files.get(new URL(req.url ?? '/', 'http://page').pathname);
    res.writeHead(file === undefined ? 404 : 200, file === undefined ? {} : { 'content-type': file.type });
    res.end(file?.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const available = chromiumAvailable();
let bundleDir: string;
let allowed: PageServer;
let refused: PageServer;
let serve: Child;
/** The sidecar's OTLP/HTTP base URL. */
let collectorUrl: string;
let collector: RemoteCollector;
let run: RemoteRun;
let backend: RunningService;
let browser: ChromiumSession;

beforeAll(async () => {
  if (!available) return;
  // The doc's page.ts, bundled for the browser as the doc says (rolldown, platform browser), beside a link to
  // this checkout's node_modules so its imports resolve.
  bundleDir = await mkdtemp(path.join(tmpdir(), 'tracecheck-browser-'));
  await writeFile(path.join(bundleDir, 'page.ts'), docBlock('page.ts'));
  await symlink(path.join(repoRoot, 'node_modules'), path.join(bundleDir, 'node_modules'), 'dir');
  // Any warning fails: rolldown only warns about an import it cannot resolve, and leaves it to the browser.
  const warnings: string[] = [];
  await build({
    input: path.join(bundleDir, 'page.ts'),
    platform: 'browser',
    logLevel: 'warn',
    onLog: (_level, log) => warnings.push(log.message),
    output: { file: path.join(bundleDir, 'page.js'), format: 'esm' },
  });
  if (warnings.length > 0) throw new Error(`bundling docs/clients.md's page.ts warned:\n${warnings.join('\n')}`);
  const files = new Map([
    ['/index.html', { type: 'text/html; charset=utf-8', body: docBlock('index.html') }],
    ['/page.js', { type: 'text/javascript; charset=utf-8', body: await readFile(path.join(bundleDir, 'page.js'), 'utf8') }],
  ]);
  allowed = await servePage(files);
  refused = await servePage(files);
  serve = spawnNode([bin, 'serve', '--http-port', '0', '--grpc-port', 'off', '--cors-origin', allowed.origin]);
  collectorUrl = (await serve.waitFor(/listening on (http:\/\/\S+) \(OTLP\/HTTP/, 60_000))[1] as string;
  collector = connectCollector(collectorUrl);
  run = collector.run();
  await run.ready;
  // The backend takes calls from both pages: only the collector tells them apart.
  backend = await startServiceProcess(backendFile, 'shop-api', run.env, { ALLOWED_ORIGINS: `${allowed.origin},${refused.origin}` });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await backend?.stop();
  await collector?.close();
  if (serve !== undefined) {
    serve.process.kill('SIGTERM');
    await serve.exited;
  }
  await allowed?.close();
  await refused?.close();
  if (bundleDir !== undefined) await rm(bundleDir, { recursive: true, force: true });
});

/** Opens the doc's page from `origin`, exporting under `runId`, and waits for its call to the backend to answer. */
async function openPage(page: Page, origin: string, runId: string): Promise<string> {
  const query = new URLSearchParams({ collector: collectorUrl, backend: backend.url, run: runId });
  await page.goto(`${origin}/index.html?${query.toString()}`);
  const status = page.locator('#status', { hasText: 'checkout' });
  await status.waitFor({ timeout: pageMillis });
  return status.innerText();
}

/** The collector's answer to a preflight like the browser's, from `origin`. */
async function preflight(origin: string): Promise<Response> {
  return fetch(`${collectorUrl}/v1/traces`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-test-run-id' },
  });
}

describe.skipIf(!available)('a browser page instrumented with OpenTelemetry for the web', { timeout: 60_000 }, () => {
  test('exports to the collector through CORS, and its fetch span is the parent of the backend server span', async () => {
    const page = await browser.newPage();
    const watch = watchPage(page, () => true);
    const exportAnswers: { status: number; allowOrigin: string | null }[] = [];
    page.on('response', (response) => {
      if (response.url() === `${collectorUrl}/v1/traces`) exportAnswers.push({ status: response.status(), allowOrigin: response.headers()['access-control-allow-origin'] ?? null });
    });
    expect(await openPage(page, allowed.origin, run.id)).toBe('checkout: 200');

    // The fetch span ends a moment after the response (instrumentation-fetch waits for the resource timing), so
    // it comes in a later export than the page's checkout span: judge once it is here, and the backend's too.
    await expect(run).toHaveSpan('service = "shop-web" && kind = client');
    await expect(run).toHaveSpan('service = "shop-api" && kind = server && span.http.request.method = "POST"');
    const spec = parse(docBlock('browser.yaml')) as SpecObject;
    const result = await run.expect(spec);
    expect(result.problems).toEqual([]);
    expect(result.passed, createReporter('pretty', { color: false }).render(result)).toBe(true);

    const browserClient = run.spans().find((s) => s.resource.attributes['service.name'] === 'shop-web' && s.kind === 3);
    const backendServer = run.spans().find((s) => s.resource.attributes['service.name'] === 'shop-api' && s.kind === 2 && s.attributes['http.request.method'] === 'POST');
    expect(backendServer?.parentSpanId).toBe(browserClient?.spanId);
    expect(backendServer?.attributes['http.request.header.traceparent']).toEqual([`00-${browserClient?.traceId}-${browserClient?.spanId}-01`]);
    expect(backendServer?.attributes['http.request.header.origin']).toEqual([allowed.origin]);
    // The page's spans are the run's by the exporter's header and by its resource attribute alike.
    expect(browserClient?.resource.attributes['test.run.id']).toBe(run.id);
    // The backend answered the browser's own preflight for traceparent (its OPTIONS request is a server span too).
    await expect(run).toHaveSpan(`service = "shop-api" && kind = server && span.http.request.method = "OPTIONS" && span.http.request.header.origin contains "${allowed.origin}"`);

    // The collector's side of CORS: the preflight allows the run id header, and the export's answer names the origin.
    const answer = await preflight(allowed.origin);
    expect(answer.status).toBe(204);
    expect(answer.headers.get('access-control-allow-origin')).toBe(allowed.origin);
    expect(answer.headers.get('access-control-allow-headers')).toContain('x-test-run-id');
    expect(exportAnswers.length).toBeGreaterThan(0);
    expect(exportAnswers.every((a) => a.status === 200 && a.allowOrigin === allowed.origin), JSON.stringify(exportAnswers)).toBe(true);
    expect(watch.errors).toEqual([]);
    await page.close();
  });

  test('a page from an origin the collector does not allow is refused: its export fails and nothing arrives', async () => {
    const refusedRun = collector.run();
    await refusedRun.ready;
    const page = await browser.newPage();
    const blocked = page.waitForEvent('console', {
      predicate: (message) => message.type() === 'error' && message.text().includes('blocked by CORS policy') && message.text().includes(`${collectorUrl}/v1/traces`),
      timeout: pageMillis,
    });
    // The exporter's own word on it, through the page's diag logger (it retries a network error until its timeout).
    const exporterWarning = page.waitForEvent('console', {
      predicate: (message) => message.type() === 'warning' && message.text().includes('export request retryable (network error: TypeError: Failed to fetch)'),
      timeout: pageMillis,
    });
    const failedExport = page.waitForEvent('requestfailed', { predicate: (request) => request.url() === `${collectorUrl}/v1/traces`, timeout: pageMillis });
    // One promise for the three, so a missing one fails the test alone (no unhandled rejections beside it).
    const refusal = Promise.all([blocked, failedExport, exporterWarning]);
    // The page itself works: the backend allows this origin.
    expect(await openPage(page, refused.origin, refusedRun.id)).toBe('checkout: 200');
    const [blockedMessage, failedRequest] = await refusal;
    expect(blockedMessage.text()).toContain(refused.origin);
    expect(failedRequest.failure()?.errorText).toBe('net::ERR_FAILED');
    await page.close();

    const answer = await preflight(refused.origin);
    expect(answer.status).toBe(403);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    // The mirror of the refused page's run holds every span the sidecar took for it: none, once it is quiet.
    await refusedRun.settled({ quietMillis: 500 });
    expect(refusedRun.spans()).toEqual([]);
  });
});

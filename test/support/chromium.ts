/**
 * The one way tests and benchmarks start a browser: Debian's chromium (`/usr/bin/chromium`, installed by
 * `bash scripts/install-chromium.sh`) driven by playwright-core, headless, with a fresh profile and no background
 * traffic of its own. Never a downloaded browser.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';

/** Where Debian's chromium package puts the browser. */
export const CHROMIUM_PATH = process.env['TRACECHECK_CHROMIUM'] ?? '/usr/bin/chromium';

/** Screenshots and other artefacts for people to review (gitignored). */
export const TEST_OUTPUT_DIR = fileURLToPath(new URL('../../test-output/', import.meta.url));

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether the browser is here. When it is not, prints ONE loud line saying how to get it, and answers false
 * (the caller skips); under `CI=true` a missing browser is an error instead.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  const line = `*** chromium is missing (${CHROMIUM_PATH}): the browser tests are skipped; install it with \`bash scripts/install-chromium.sh\` ***`;
  if (process.env['CI'] === 'true') throw new Error(line);
  process.stderr.write(`${line}\n`);
  return false;
}

/** A started browser (a persistent context with a fresh profile) and how to stop it. */
export interface ChromiumSession {
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Starts chromium with the project's flags and a fresh `--user-data-dir`. */
export async function launchChromium(): Promise<ChromiumSession> {
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(path.join(tmpdir(), 'tracecheck-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    viewport: { width: 1400, height: 900 },
  });
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** What a page did that a self-contained report must not: console errors, page errors, requests. */
export interface PageWatch {
  readonly errors: string[];
  readonly requests: string[];
}

/** Records the page's console errors, uncaught errors and every request it makes besides its own document. */
export function watchPage(page: Page, ownUrl: (url: string) => boolean): PageWatch {
  const watch: PageWatch = { errors: [], requests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') watch.errors.push(message.text());
  });
  page.on('pageerror', (error) => watch.errors.push(String(error)));
  page.on('request', (request) => {
    if (!ownUrl(request.url())) watch.requests.push(request.url());
  });
  return watch;
}

/** An attribute of the page's focused element (`null` when it has none). */
export function focusedAttribute(page: Page, name: string): Promise<string | null> {
  return page.evaluate<string | null, string>((attribute) => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute(attribute) ?? null, name);
}

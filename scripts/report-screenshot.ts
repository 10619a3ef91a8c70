/**
 * `npm run docs:screenshot`: makes docs/failing-run.png, the README's picture of a failing run. Runs the
 * three-service example with its broken hop (EXAMPLE_FAULT=drop-context) through `tracecheck run --reporter html`,
 * opens the report in headless chromium (test/support/chromium.ts) and photographs the failing trace's waterfall.
 * Needs chromium: `bash scripts/install-chromium.sh`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromiumAvailable, launchChromium } from '../test/support/chromium.ts';
import { writeExampleReport } from '../test/support/example-report.ts';

const target = fileURLToPath(new URL('../docs/failing-run.png', import.meta.url));
if (!chromiumAvailable()) process.exit(1);
const dir = await mkdtemp(path.join(tmpdir(), 'tracecheck-screenshot-'));
try {
  const report = path.join(dir, 'report.html');
  const outcome = await writeExampleReport('drop-context', report);
  if (outcome.code !== 1) throw new Error(`the broken example should fail its specs (exit 1), got ${outcome.code}:\n${outcome.stderr}`);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 820 });
    await page.goto(pathToFileURL(report).href);
    await page.waitForSelector('html[data-ready="true"]');
    // The traces section at the top: the filter, then the failing trace expanded with its marks and broken hops.
    await page.locator('.tc-traces h2').evaluate((heading) => heading.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: target });
  } finally {
    await browser.close();
  }
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}

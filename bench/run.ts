/**
 * Runs every benchmark module in bench/ in name order, one after another so they do not compete for the CPU.
 * A module should export `run(): Promise<BenchOutcome>` (and may run itself when it is the main module); a module
 * without `run` is taken to have done its work when imported.
 *
 * Usage: `npm run bench` or `node bench/run.ts [name ...]` (e.g. `node bench/run.ts ingest`).
 * Node is re-spawned with `--expose-gc` when needed, so retained-heap figures come from a collected heap.
 * Exit code 1 when a module reports a missed target and `--strict` is given.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** What a benchmark module's `run()` returns. */
export interface BenchOutcome {
  /** Targets that did not hold, by name; empty when all held. */
  readonly missedTargets: readonly string[];
}

if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ['--expose-gc', ...process.execArgv, self, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(child.status ?? 1);
}

const args = process.argv.slice(2);
const strict = args.includes('--strict');
const names = args.filter((a) => !a.startsWith('--'));
const dir = path.dirname(fileURLToPath(import.meta.url));
const modules = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('.'))
  .filter((f) => names.length === 0 || names.includes(path.basename(f, '.ts')))
  .sort();

const missed: string[] = [];
for (const file of modules) {
  console.log(`\n== bench/${file}`);
  const mod = (await import(pathToFileURL(path.join(dir, file)).href)) as { run?: () => Promise<BenchOutcome> };
  if (typeof mod.run !== 'function') continue;
  const outcome = await mod.run();
  missed.push(...outcome.missedTargets.map((t) => `${file}: ${t}`));
}
console.log(missed.length === 0 ? '\nall benchmark targets held' : `\nmissed targets:\n  ${missed.join('\n  ')}`);
if (strict && missed.length > 0) process.exitCode = 1;

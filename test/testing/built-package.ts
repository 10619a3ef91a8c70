// Tests that use tracecheck as an installed project does (by its package name, through the exports of
// package.json) need dist/ to match the sources: `npm test` builds first, a single test file may not.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function newestMtimeMillis(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMillis(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/ (`tsc -p tsconfig.build.json`, what `npm run build` runs) when a source file is newer than it. */
export function ensureBuilt(): void {
  const built = join(repoRoot, 'dist', 'index.js');
  if (existsSync(built) && statSync(built).mtimeMs >= newestMtimeMillis(join(repoRoot, 'src'))) return;
  const build = spawnSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: repoRoot, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
}

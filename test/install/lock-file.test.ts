import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);

interface LockEntry {
  readonly version?: string;
  readonly link?: boolean;
}

// A lock written by another npm once held entries without a version; npm 11.19's `npm ci` then stopped with
// "Invalid Version:" before installing anything, and only a warm machine hid it.
describe('package-lock.json', () => {
  it('gives every installed package a version', () => {
    const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as { lockfileVersion: number; packages: Record<string, LockEntry> };
    expect(lock.lockfileVersion).toBe(3);
    const missing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.link !== true && (typeof entry.version !== 'string' || entry.version === ''))
      .map(([path]) => path);
    expect(missing).toEqual([]);
  });

  it("is read by the machine's own npm with an empty cache (npm ci --dry-run)", async () => {
    // The machine's npm, not one the project brings: `npm` on PATH inside npm scripts is the system's.
    const scratch = mkdtempSync(join(tmpdir(), 'tracecheck-lock-'));
    for (const file of ['package.json', 'package-lock.json']) copyFileSync(new URL(file, root), join(scratch, file));
    const { stdout } = await promisify(execFile)('npm', ['ci', '--dry-run', '--no-audit', '--no-fund', '--cache', join(scratch, 'cache')], {
      cwd: scratch,
      env: { ...process.env, npm_config_cache: join(scratch, 'cache') },
      timeout: 120_000,
    });
    expect(stdout).toMatch(/added \d+ packages/);
  }, 150_000);
});

/**
 * tracecheck as a user has it: `npm pack` of this checkout, installed with npm into a scratch folder outside the
 * repository, so its imports resolve only through what the package ships and declares. The test tools a doc block
 * uses beside it (vitest, jest, the OpenTelemetry SDK, typescript) are linked in from this checkout's
 * node_modules, at the versions the lock pins, instead of downloaded again.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Packages a doc block may import that are not tracecheck's own dependencies: the user's test tools. */
const USER_TOOLS = ['vitest', '@vitest', 'jest', '@jest', '@opentelemetry', 'typescript', '@types'];
/**
 * Optional peers: installed along with tracecheck, they would be a dependency every user pays for. Of the
 * `@opentelemetry` scope only the SDK is a peer: prom-client (the sidecar's /metrics) depends on
 * `@opentelemetry/api`, the small API package every instrumented service has anyway.
 */
const PEERS = new Set(['vitest', 'jest', '@opentelemetry/sdk-node', '@opentelemetry/sdk-trace']);

export interface PackedInstall {
  /** The folder whose node_modules holds the installed tarball and the linked tools. */
  readonly installDir: string;
  readonly nodeModules: string;
}

/**
 * Builds dist/ when a source file is newer than it, packs, and installs the tarball. `npm` is the machine's own
 * (npm scripts put node_modules/.bin first on PATH, and the project brings no npm).
 */
export async function installPackedTracecheck(repoRoot: string): Promise<PackedInstall> {
  if (await distIsStale(repoRoot)) await run('npm', ['run', 'build'], { cwd: repoRoot });
  const scratch = await mkdtemp(join(tmpdir(), 'tracecheck-docs-'));
  const installDir = join(scratch, 'install');
  await mkdir(installDir);
  // --ignore-scripts: prepack would build again; dist/ was brought up to date above.
  const packed = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: repoRoot, maxBuffer: 16 << 20 });
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  await writeFile(join(installDir, 'package.json'), JSON.stringify({ name: 'docs-scratch', private: true, type: 'module' }, null, 2));
  await run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', join(scratch, filename)], { cwd: installDir, maxBuffer: 16 << 20 });
  const nodeModules = join(installDir, 'node_modules');
  for (const peer of PEERS) {
    if (await exists(join(nodeModules, peer))) throw new Error(`${peer} is installed with tracecheck: it is a peer the user brings, not a dependency`);
  }
  for (const tool of USER_TOOLS) {
    const target = join(repoRoot, 'node_modules', tool);
    if (!(await exists(target))) continue;
    if (!(await exists(join(nodeModules, tool)))) {
      await symlink(target, join(nodeModules, tool), 'dir');
    } else if (tool.startsWith('@')) {
      // A scope tracecheck's own dependencies brought in part: link the scope's other packages one by one.
      await mkdir(join(nodeModules, tool), { recursive: true });
      for (const name of await readdir(target)) {
        if (!(await exists(join(nodeModules, tool, name)))) await symlink(join(target, name), join(nodeModules, tool, name), 'dir');
      }
    }
  }
  return { installDir, nodeModules };
}

async function distIsStale(repoRoot: string): Promise<boolean> {
  const built = await stat(join(repoRoot, 'dist', 'index.js')).catch(() => undefined);
  if (built === undefined) return true;
  return (await newestMtimeMillis(join(repoRoot, 'src'))) > built.mtimeMs;
}

async function newestMtimeMillis(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestMtimeMillis(path) : (await stat(path)).mtimeMs);
  }
  return newest;
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

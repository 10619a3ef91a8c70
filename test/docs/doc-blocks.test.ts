/**
 * Every copy-paste block of README.md and docs/ runs as written, against tracecheck installed from its `npm pack`
 * tarball (see doc-blocks.ts for the annotations that say how each block runs, and packed-install.ts for the
 * install). A doc cannot drift from the code: a block that no longer runs fails here with its file and line.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDocBlocks, type DocBlock } from './doc-blocks.ts';
import { installPackedTracecheck, type PackedInstall } from './packed-install.ts';
import { builtClient } from '../support/clients.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const blocks = readDocBlocks(repoRoot);
/** A block's run may start services and a whole test runner on a busy 2-core machine. */
const runMillis = 120_000;

type ProjectBlock = DocBlock & { readonly annotation: Extract<DocBlock['annotation'], { kind: 'project' }> };
const projectBlocks = blocks.filter((b): b is ProjectBlock => b.annotation?.kind === 'project');
const projects = [...new Set(projectBlocks.map((b) => b.annotation.project))];
/**
 * docs/clients.md's project runs Python, Go and Java programs on the clients scripts/install-clients.sh builds;
 * without them it is skipped with one loud line (under CI=true, builtClient throws and the file fails).
 */
const clientsProject = 'clients';
const clientsBuilt = projects.includes(clientsProject) && (['python', 'go', 'java'] as const).every((language) => builtClient(language) !== undefined);

let install: PackedInstall;

beforeAll(async () => {
  install = await installPackedTracecheck(repoRoot);
}, 300_000);

describe('docs code blocks', () => {
  it('each says how it is checked', () => {
    expect(blocks.length).toBeGreaterThan(10);
    expect(blocks.filter((b) => b.annotation === undefined).map((b) => b.location)).toEqual([]);
  });

  it('skips only blocks another check runs whole, each with its reason', () => {
    const skipped = blocks.filter((b) => b.annotation?.kind === 'skip');
    expect(skipped.map((b) => b.location)).toEqual(['README.md:4']);
  });

  it.each(projects.filter((project) => project !== clientsProject))('project %s runs as the docs say', (project) => runProject(project), 600_000);

  it.skipIf(!clientsBuilt)(`project ${clientsProject} runs as the docs say`, () => runProject(clientsProject), 600_000);
});

async function runProject(project: string): Promise<void> {
  const dir = join(dirname(install.installDir), 'projects', project);
  await mkdir(dir, { recursive: true });
  const fixture = join(repoRoot, 'test', 'docs', 'projects', project);
  if (await exists(fixture)) await cp(fixture, dir, { recursive: true });
  if (!(await exists(join(dir, 'package.json')))) await writeFile(join(dir, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  // The project's own node_modules, as npm would lay it out: `npx tracecheck` finds the installed bin here.
  await symlink(install.nodeModules, join(dir, 'node_modules'), 'dir');
  if (await exists(join(dir, 'doctest-setup.ts'))) {
    const setup = await runCommand(process.execPath, ['doctest-setup.ts'], dir);
    expect(setup.code, `${project}/doctest-setup.ts exited ${setup.code}\n${setup.stdout}\n${setup.stderr}`).toBe(0);
  }
  const own = projectBlocks.filter((b) => b.annotation.project === project);
  for (const block of own) {
    const { file, wrap } = block.annotation;
    if (file === undefined) continue;
    let text = block.code;
    if (wrap !== undefined) {
      const wrapper = await readFile(join(repoRoot, 'test', 'docs', 'wrappers', wrap), 'utf8');
      if (!wrapper.includes('// doc block\n')) throw new Error(`wrapper ${wrap} has no "// doc block" line`);
      text = wrapper.replace('// doc block\n', block.code);
    }
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), text);
  }
  for (const block of own) {
    if (!block.annotation.run) continue;
    const outcome = await runBlock(block, dir);
    const shown = `${block.location} exited ${outcome.code}\n--- stdout\n${outcome.stdout}\n--- stderr\n${outcome.stderr}`;
    expect(outcome.code, shown).toBe(block.annotation.expectExit);
    if (block.annotation.stdout !== undefined) expect(outcome.stdout, shown).toMatch(block.annotation.stdout);
  }
}


interface BlockOutcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runBlock(block: ProjectBlock, cwd: string): Promise<BlockOutcome> {
  const { file, command } = block.annotation;
  if (command !== undefined) return runCommand('bash', ['-e', '-o', 'pipefail', '-c', command], cwd);
  if (block.language === 'sh') return runCommand('bash', ['-e', '-o', 'pipefail', '-c', block.code], cwd);
  if (file === undefined) throw new Error(`${block.location}: a ${block.language} block runs from its file=`);
  return runCommand(process.execPath, [file], cwd);
}

async function runCommand(command: string, args: readonly string[], cwd: string): Promise<BlockOutcome> {
  const child = spawn(command, args, { cwd, env: userEnv(cwd), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), runMillis);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/**
 * A user's shell: Node 24 first (the project's node, as npm scripts arrange), then the project's bins, then the
 * checkout's (the test tools). Nothing of this test process's own runner or OpenTelemetry settings leaks in.
 */
function userEnv(cwd: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(VITEST|OTEL_|TRACECHECK_|JEST_|NODE_ENV$|NODE_OPTIONS$|TEST$)/u.test(name)) continue;
    env[name] = value;
  }
  // Fixtures and wrappers (never the doc blocks themselves) find the example services through this.
  env['DOCS_EXAMPLES_DIR'] = join(repoRoot, 'examples');
  // Go's caches where scripts/install-clients.sh filled them, as on a machine that has built Go code before (a
  // user's own settings win); GOTOOLCHAIN=local keeps the go command from fetching another Go.
  const tracecheckCache = join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'tracecheck');
  env['GOMODCACHE'] ??= join(tracecheckCache, 'go-mod');
  env['GOCACHE'] ??= join(tracecheckCache, 'go-build');
  env['GOTOOLCHAIN'] ??= 'local';
  env['PATH'] = [dirname(process.execPath), join(cwd, 'node_modules', '.bin'), join(repoRoot, 'node_modules', '.bin'), process.env['PATH'] ?? ''].join(':');
  return env;
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

// A throwaway PostgreSQL cluster for a test file: initdb into a temporary directory, the server on a free loopback
// port with its unix socket in the same directory, stopped and removed after. Debian's postgresql package brings the
// binaries (bash scripts/install-postgres.sh installs it); as root, the server runs as the `postgres` user, since
// PostgreSQL refuses to run as root.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../cli/tracecheck-process.ts';

/** A started cluster: connect with `host: '127.0.0.1', port, user, database`. */
export interface PostgresCluster {
  readonly port: number;
  readonly user: string;
  readonly database: string;
  stop(): Promise<void>;
}

const INSTALL_HINT = 'install it with `bash scripts/install-postgres.sh` (Debian\'s postgresql package)';
/** How long initdb plus the server's start may take on a loaded 2-core machine. */
const START_DEADLINE_MILLIS = 20_000;

/** The directory holding initdb and postgres: Debian's newest /usr/lib/postgresql/N/bin, or undefined. */
export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => /^\d+$/u.test(v)).sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(root, v, 'bin')).find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')));
}

/**
 * Whether a test file can use PostgreSQL. When it cannot, prints one loud line saying what is missing and how to get
 * it, and returns false (the caller skips its tests); under CI=true a missing PostgreSQL throws instead, so CI fails.
 */
export function postgresAvailable(): boolean {
  if (postgresBinDir() !== undefined) return true;
  const line = `PostgreSQL is missing (no /usr/lib/postgresql/N/bin/initdb): ${INSTALL_HINT}`;
  if (process.env['CI'] === 'true') throw new Error(line);
  console.warn(`\n!!! SKIPPED: ${line}\n`);
  return false;
}

/** As root, the uid and gid of the `postgres` user, who runs the server; otherwise undefined (run as ourselves). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** Spawns a PostgreSQL binary as the server user, in `cwd`. */
function spawnAs(user: { uid: number; gid: number } | undefined, file: string, args: readonly string[], cwd: string): ChildProcess {
  return spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}) });
}

/** Resolves when the child exits 0; rejects with its output otherwise. */
function exitedOk(child: ChildProcess, what: string): Promise<void> {
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (output += text));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${what} exited ${String(code)}:\n${output}`))));
  });
}

/** Resolves when the server logs that it accepts connections; rejects if it exits first or past the deadline. */
function ready(server: ChildProcess): Promise<void> {
  let log = '';
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`postgres was not ready within ${START_DEADLINE_MILLIS} ms:\n${log}`)), START_DEADLINE_MILLIS);
    server.stderr?.setEncoding('utf8').on('data', (text: string) => {
      log += text;
      if (log.includes('database system is ready to accept connections')) {
        clearTimeout(deadline);
        resolve();
      }
    });
    server.on('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`postgres exited ${String(code)} before it was ready:\n${log}`));
    });
  });
}

/** Starts a fresh cluster (trust authentication, loopback only, no fsync: it holds nothing worth keeping). */
export async function startPostgres(): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error(`PostgreSQL is missing: ${INSTALL_HINT}`);
  const dir = await mkdtemp(join(tmpdir(), 'tracecheck-pg-'));
  const user = serverUser();
  if (user !== undefined) await chown(dir, user.uid, user.gid);
  await chmod(dir, 0o700);
  const data = join(dir, 'data');
  const dbUser = 'tracecheck';
  await exitedOk(spawnAs(user, join(bin, 'initdb'), ['-D', data, '-U', dbUser, '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], dir), 'initdb');
  const port = await freePort();
  const server = spawnAs(user, join(bin, 'postgres'), ['-D', data, '-h', '127.0.0.1', '-p', String(port), '-k', dir, '-c', 'fsync=off', '-c', 'logging_collector=off'], dir);
  const exited = new Promise<void>((resolve) => server.on('exit', () => resolve()));
  try {
    await ready(server);
  } catch (error) {
    server.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    user: dbUser,
    database: 'postgres',
    async stop() {
      // SIGINT is PostgreSQL's fast shutdown: it ends the sessions and exits.
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGINT');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

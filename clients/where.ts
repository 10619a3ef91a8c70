/**
 * Where scripts/install-clients.sh put the non-Node OpenTelemetry clients (a Python venv, the Go programs, the
 * Java emitter), and how to run each. The script itself says where (`--where`), so the cache keys are computed in
 * one place. Used by the conformance suite (test/conformance/clients.test.ts) and the polyglot example.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The languages scripts/install-clients.sh builds. */
export type ClientLanguage = 'python' | 'go' | 'java';

/** One client's cache folder, and whether it is completely built. */
export interface ClientBuild {
  readonly dir: string;
  readonly ready: boolean;
}

/** The repository's root folder, with a trailing slash. */
export const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const installScript = fileURLToPath(new URL('../scripts/install-clients.sh', import.meta.url));

let where: Readonly<Record<ClientLanguage, ClientBuild>> | undefined;

/**
 * Each client's build folder and state, as `bash scripts/install-clients.sh --where` prints them (it builds nothing).
 *
 * @example
 * ```ts
 * const { python } = clientBuilds();
 * if (!python.ready) console.error('run: bash scripts/install-clients.sh python');
 * ```
 */
export function clientBuilds(): Readonly<Record<ClientLanguage, ClientBuild>> {
  where ??= JSON.parse(execFileSync('bash', [installScript, '--where'], { encoding: 'utf8' })) as Record<ClientLanguage, ClientBuild>;
  return where;
}

/** A program to start: the command first, then its arguments. */
export type ClientCommand = readonly [string, ...string[]];

/** The Python interpreter of the clients' venv in `dir`, running `script` (a path relative to the repository). */
export function pythonCommand(dir: string, script: string, ...args: string[]): ClientCommand {
  return [`${dir}/bin/python`, `${repoRoot}${script}`, ...args];
}

/** One of the Go programs built from clients/go (`emit`, `inventory`) into `dir`. */
export function goCommand(dir: string, program: string, ...args: string[]): ClientCommand {
  return [`${dir}/bin/${program}`, ...args];
}

/** A main class of the Java clients built into `dir`, on the classpath the build left (classes and every runtime jar). */
export function javaCommand(dir: string, mainClass: string, ...args: string[]): ClientCommand {
  return ['java', '-cp', `${dir}/classes:${dir}/lib/*`, mainClass, ...args];
}

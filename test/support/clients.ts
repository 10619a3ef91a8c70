/**
 * Where scripts/install-clients.sh put the non-Node OpenTelemetry clients (a Python venv, the Go programs, the
 * Java emitter), and how to run each. The script itself says where (`--where`), so the cache keys are computed in
 * one place. A client that is not built is one loud line and its tests are skipped, except under CI=true, where
 * the tests fail instead.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The languages scripts/install-clients.sh builds. */
export type ClientLanguage = 'python' | 'go' | 'java';

interface Where {
  readonly dir: string;
  readonly ready: boolean;
}

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const installScript = fileURLToPath(new URL('../../scripts/install-clients.sh', import.meta.url));

let where: Readonly<Record<ClientLanguage, Where>> | undefined;

function clientDirs(): Readonly<Record<ClientLanguage, Where>> {
  where ??= JSON.parse(execFileSync('bash', [installScript, '--where'], { encoding: 'utf8' })) as Record<ClientLanguage, Where>;
  return where;
}

const announced = new Set<ClientLanguage>();

/**
 * The built client's folder, or `undefined` when it is not built: then one loud line on stderr (once per
 * language and process) says how to build it. Under CI=true a missing client throws, so its tests fail.
 */
export function builtClient(language: ClientLanguage): string | undefined {
  const { dir, ready } = clientDirs()[language];
  if (ready) return dir;
  const message = `the ${language} OpenTelemetry client is not built (${dir}): run \`bash scripts/install-clients.sh ${language}\``;
  if (process.env['CI'] === 'true') throw new Error(`${message}; CI=true, so this fails`);
  if (!announced.has(language)) process.stderr.write(`\n!!! SKIPPED: ${message} !!!\n\n`);
  announced.add(language);
  return undefined;
}

/** A program to start: the command and its arguments. */
export interface ClientCommand {
  readonly command: string;
  readonly args: readonly string[];
}

/** The Python interpreter of the clients' venv, running `script` (a path relative to the repository). */
export function pythonCommand(dir: string, script: string, ...args: string[]): ClientCommand {
  return { command: `${dir}/bin/python`, args: [`${repoRoot}${script}`, ...args] };
}

/** One of the Go programs built from clients/go (`emit`, `inventory`). */
export function goCommand(dir: string, program: string, ...args: string[]): ClientCommand {
  return { command: `${dir}/bin/${program}`, args };
}

/** A main class of the Java clients, on the classpath the build left (classes and every runtime jar). */
export function javaCommand(dir: string, mainClass: string, ...args: string[]): ClientCommand {
  return { command: 'java', args: ['-cp', `${dir}/classes:${dir}/lib/*`, mainClass, ...args] };
}

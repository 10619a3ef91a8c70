import { spawn } from 'node:child_process';

/** What a finished child process left behind. */
export interface ChildOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The parent's environment without OTEL_* variables: a test's child must be configured only by what the test
 * passes, not by a developer's shell.
 */
export function environmentWithoutOtel(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('OTEL_')) env[key] = value;
  return env;
}

/**
 * Runs a TypeScript file with this Node (which strips types) and resolves when it exits, with its output.
 * Past `timeoutMillis` the child is killed and the promise rejects with what it printed so far.
 */
export function runNodeScript(file: string, env: NodeJS.ProcessEnv, timeoutMillis: number): Promise<ChildOutcome> {
  return runProgram(process.execPath, [file], env, timeoutMillis);
}

/**
 * Runs `command` with `args` (no shell) in `cwd` (default: this process's) and resolves when it exits, with its
 * output. Past `timeoutMillis` the child is killed and the promise rejects with what it printed so far.
 */
export function runProgram(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMillis: number, cwd?: string): Promise<ChildOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const deadline = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not exit within ${timeoutMillis} ms; stderr:\n${stderr}`));
    }, timeoutMillis);
    child.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    // 'close' (not 'exit') so both output streams have been read to the end.
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

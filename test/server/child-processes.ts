import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';

/** A child process and its output so far. */
export interface Child {
  readonly process: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  /** Resolves with the first stdout match of `pattern`; rejects when the child exits first or the deadline passes. */
  waitFor(pattern: RegExp, timeoutMillis?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
}

/** Spawns `node <args>` with Node 24 (the running one), collecting output. */
export function spawnNode(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Child {
  const child = spawn(process.execPath, [...args], { env, stdio: 'pipe' });
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const self: Child = {
    process: child,
    stdout: '',
    stderr: '',
    exited,
    waitFor(pattern, timeoutMillis = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const match = self.stdout.match(pattern);
          if (match === null) return false;
          done();
          resolve(match);
          return true;
        };
        const onExit = (): void => {
          done();
          reject(new Error(`child exited before printing ${pattern}; stdout: ${self.stdout} stderr: ${self.stderr}`));
        };
        const deadline = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${timeoutMillis}ms; stdout: ${self.stdout} stderr: ${self.stderr}`));
        }, timeoutMillis);
        const done = (): void => {
          clearTimeout(deadline);
          child.stdout.off('data', check);
          child.off('exit', onExit);
        };
        if (check()) return;
        child.stdout.on('data', check);
        child.once('exit', onExit);
      });
    },
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (self.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (self.stderr += chunk));
  return self;
}

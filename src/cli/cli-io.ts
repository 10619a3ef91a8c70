/** Where a command writes and what it reads from its environment; tests and embedders can substitute their own. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /**
   * Resolves with the stream's name when the reader of stdout or stderr has gone (`tracecheck … | head -1`).
   * Writes to that stream are dropped from then on; a command that would otherwise run until a signal stops.
   */
  readonly outputClosed?: Promise<'stdout' | 'stderr'>;
}

/** The real process streams and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

let outputClosed: Promise<'stdout' | 'stderr'> | undefined;

/**
 * Makes a closed stdout/stderr pipe end the output quietly instead of crashing with an unhandled `EPIPE`: a
 * command keeps its own exit code (a verdict read through `| head -1` is still a verdict) and writes nothing
 * more to that stream. Node ignores SIGPIPE, so without this every write to a pipe whose reader has exited emits
 * an `error` event nobody listens to. Installs its listeners once, however often it is called.
 */
export function quietOnClosedPipes(): Promise<'stdout' | 'stderr'> {
  outputClosed ??= new Promise((resolveClosed) => {
    for (const [name, stream] of [['stdout', process.stdout], ['stderr', process.stderr]] as const) {
      stream.on('error', (error: NodeJS.ErrnoException) => {
        // After EPIPE the stream is destroyed; later writes fail with ERR_STREAM_DESTROYED, equally harmless.
        if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
        resolveClosed(name);
      });
    }
  });
  return outputClosed;
}

/** {@link processIo} for the `tracecheck` executable itself: a closed pipe ends its output quietly. */
export function executableIo(): CliIo {
  return { ...processIo(), outputClosed: quietOnClosedPipes() };
}

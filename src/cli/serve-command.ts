import { resolve } from 'node:path';
import { err, ok, type Result } from '../result.ts';
import type { Collector, SaveFile } from '../server/index.ts';
import type { CliIo } from './cli-io.ts';
import type { CliCommand } from './command.ts';
import { ExitCode } from './exit-codes.ts';
import type { ParsedArgs } from './option-table.ts';
import { valueOf } from './option-table.ts';
import { portOption } from './port-option.ts';

/** Signals that stop `tracecheck serve` gracefully (in-flight exports land, the save file is flushed). */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function positiveIntegerOption(args: ParsedArgs, name: string): Result<number | undefined, string> {
  const text = valueOf(args, name);
  if (text === undefined) return ok(undefined);
  const value = Number(text.replaceAll('_', ''));
  if (!/^\d[\d_]*$/.test(text) || !Number.isSafeInteger(value) || value < 1) return err(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return ok(value);
}

/** Resolves when one of {@link STOP_SIGNALS} arrives; a second signal while stopping exits at once. */
function untilStopSignal(io: CliIo): Promise<string> {
  return new Promise((resolveSignal) => {
    const onSignal = (signal: string): void => {
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
      for (const s of STOP_SIGNALS) {
        process.once(s, () => {
          io.stderr.write(`tracecheck serve: ${s} again, exiting without draining\n`);
          process.exit(130);
        });
      }
      resolveSignal(signal);
    };
    for (const s of STOP_SIGNALS) process.on(s, onSignal);
  });
}

/**
 * `tracecheck serve [--http-port P] [--grpc-port P] [--host H] [--max-spans N] [--auth-token T] [--save FILE]`:
 * a sidecar collector in the foreground until SIGINT/SIGTERM. Services export to it; tests and CI ask its query API
 * (`/api/runs/{id}/settled`, `/api/runs/{id}/traces`) on the HTTP port.
 */
export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'run a collector in the foreground (sidecar): OTLP/HTTP + query API, OTLP/gRPC',
  usage:
    'tracecheck serve [--http-port 4318] [--grpc-port 4317] [--host 127.0.0.1] [--max-spans N] [--auth-token T] ' +
    '[--save FILE [--save-fsync] [--save-max-bytes N] [--save-max-pending-bytes N]]',
  details: [
    'Spans join a run by the x-test-run-id header (or gRPC metadata), the test.run.id resource or span attribute,',
    'or by belonging to a trace another span of the run is in.',
    'Query API on the HTTP port: GET /api/runs, /api/runs/{id}/traces, /api/runs/{id}/settled?quietMillis=&timeoutMillis=, /healthz.',
    'With --auth-token, OTLP and query requests need "authorization: Bearer T".',
    '--save FILE appends every export as one OTLP/JSON line, with its x-test-run-id, and acknowledges the export only',
    'once the line is written (tracecheck check --traces FILE --run ID reads it). An export that cannot be written',
    '(a write error, or --save-max-pending-bytes waiting) is answered 503 / UNAVAILABLE with a retry hint and not',
    'kept. --save-fsync also flushes each batch to the disk before acknowledging it (survives power loss).',
    '--save-max-bytes N rotates FILE to FILE.1, FILE.2, ... (the highest is the newest) before it passes N bytes.',
    'Exit codes: 0 stopped cleanly, 2 usage error, 3 some export could not be written to the save file.',
    'SIGINT/SIGTERM, or its stdout/stderr pipe closing, stop it after in-flight exports land.',
    'A port of 0 picks a free one; "off" disables a transport.',
    '',
    'Example: tracecheck serve --host 0.0.0.0 --auth-token "$TOKEN" --save traces.jsonl',
  ].join('\n'),
  options: [
    { name: 'http-port', type: 'value', valueName: 'PORT', description: 'OTLP/HTTP and query API port, default 4318' },
    { name: 'grpc-port', type: 'value', valueName: 'PORT', description: 'OTLP/gRPC port, default 4317' },
    { name: 'host', type: 'value', valueName: 'HOST', description: 'interface to bind, default 127.0.0.1' },
    { name: 'max-spans', type: 'value', valueName: 'N', description: 'spans held before the oldest run is evicted, default 1000000' },
    { name: 'auth-token', type: 'value', valueName: 'TOKEN', description: 'require "authorization: Bearer TOKEN" on every request' },
    { name: 'save', type: 'value', valueName: 'FILE', description: 'append every export to FILE as OTLP/JSON lines before acknowledging it' },
    { name: 'save-fsync', type: 'flag', description: 'with --save: flush each batch of lines to the disk before acknowledging it' },
    { name: 'save-max-bytes', type: 'value', valueName: 'N', description: 'with --save: rotate FILE to FILE.<n> before it grows past N bytes' },
    { name: 'save-max-pending-bytes', type: 'value', valueName: 'N', description: 'with --save: bytes waiting to be written before exports get 503, default 16777216' },
  ],
  async run(args, io) {
    const usage = (message: string): number => {
      io.stderr.write(`tracecheck serve: ${message}\n`);
      return ExitCode.USAGE;
    };
    if (args.positionals.length > 0 || args.rest !== undefined) return usage(`unexpected argument ${JSON.stringify(args.positionals[0] ?? '--')}; serve takes options only`);
    const httpPort = portOption(args, 'http-port', 4318, true);
    if (!httpPort.ok) return usage(httpPort.error);
    const grpcPort = portOption(args, 'grpc-port', 4317, true);
    if (!grpcPort.ok) return usage(grpcPort.error);
    if (httpPort.value === null && grpcPort.value === null) return usage('both transports are off: nothing to serve');
    const maxSpans = positiveIntegerOption(args, 'max-spans');
    if (!maxSpans.ok) return usage(maxSpans.error);
    const host = valueOf(args, 'host') ?? '127.0.0.1';
    const savePath = valueOf(args, 'save');
    const saveMaxBytes = positiveIntegerOption(args, 'save-max-bytes');
    if (!saveMaxBytes.ok) return usage(saveMaxBytes.error);
    const saveMaxPendingBytes = positiveIntegerOption(args, 'save-max-pending-bytes');
    if (!saveMaxPendingBytes.ok) return usage(saveMaxPendingBytes.error);
    const saveOnly = ['save-fsync', 'save-max-bytes', 'save-max-pending-bytes'].find((name) => args.flags.has(name) || args.values.has(name));
    if (savePath === undefined && saveOnly !== undefined) return usage(`--${saveOnly} needs --save FILE`);

    // Loaded here, as the other commands do, so `tracecheck --help` and `validate` start fast.
    const { startCollector, openSaveFile } = await import('../server/index.ts');
    let save: SaveFile | undefined;
    if (savePath !== undefined) {
      const opened = await openSaveFile({
        path: resolve(io.cwd, savePath),
        fsync: args.flags.has('save-fsync'),
        maxFileBytes: saveMaxBytes.value,
        maxPendingBytes: saveMaxPendingBytes.value,
      });
      if (!opened.ok) return usage(`--save ${opened.error}`);
      save = opened.value;
    }
    let collector: Collector;
    try {
      collector = await startCollector({
        host,
        httpPort: httpPort.value,
        grpcPort: grpcPort.value,
        maxSpans: maxSpans.value,
        authToken: valueOf(args, 'auth-token'),
        log: (line) => io.stderr.write(`${line}\n`),
        save,
      });
    } catch (cause) {
      await save?.close();
      return usage(cause instanceof Error ? cause.message : String(cause));
    }

    const stopped = untilStopSignal(io);
    if (collector.httpPort !== undefined) {
      io.stdout.write(`tracecheck serve: listening on ${collector.httpUrl} (OTLP/HTTP protobuf and JSON; query API at ${collector.httpUrl}/api/runs)\n`);
    }
    if (collector.grpcPort !== undefined) io.stdout.write(`tracecheck serve: listening on ${collector.grpcUrl} (OTLP/gRPC)\n`);
    if (save !== undefined) io.stdout.write(`tracecheck serve: saving exports to ${savePath}${args.flags.has('save-fsync') ? ' (fsync)' : ''}\n`);

    // A closed output pipe stops the sidecar as SIGTERM would: its reader (`| head`, a log shipper) has gone.
    const signal = await Promise.race([stopped, ...(io.outputClosed === undefined ? [] : [io.outputClosed.then((name) => `${name} closed`)])]);
    io.stdout.write(`tracecheck serve: ${signal}, draining in-flight exports\n`);
    await collector.close();
    await save?.close();
    const stats = collector.store.stats();
    io.stdout.write(`tracecheck serve: stopped (${stats.runCount} runs, ${stats.spanCount} spans held, ${stats.evictedRunCount} runs evicted)\n`);
    const saved = save?.stats();
    if (saved !== undefined && saved.busyLines > 0) {
      io.stdout.write(`tracecheck serve: ${saved.busyLines} exports were answered 503 while ${savePath} was behind (retried by their exporters)\n`);
    }
    if (saved !== undefined && saved.failedLines > 0) {
      io.stderr.write(`tracecheck serve: ${saved.failedLines} exports could not be written to ${savePath} (answered 503, not kept); last error: ${saved.lastError ?? 'none'}\n`);
      return ExitCode.SAVE_FAILED;
    }
    return ExitCode.OK;
  },
};

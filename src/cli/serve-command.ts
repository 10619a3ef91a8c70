import { resolve } from 'node:path';
import { err, ok, type Result } from '../result.ts';
import type { Collector, LogFormat, SaveFile } from '../server/index.ts';
import { AUTH_TOKEN_VARIABLE, authTokenOption } from './auth-token-option.ts';
import { byteSizeOption } from './byte-size-option.ts';
import type { CliIo } from './cli-io.ts';
import type { CliCommand } from './command.ts';
import { corsOriginOption, corsOriginsOption } from './cors-option.ts';
import { CONFIG_OPTION, overrideConfig, readConfigFile } from './config-file.ts';
import { formatSpecProblem, type SourcePosition } from '../errors.ts';
import { ExitCode } from './exit-codes.ts';
import type { ParsedArgs } from './option-table.ts';
import { valueOf } from './option-table.ts';
import { portOption } from './port-option.ts';
import { describeObservability, observabilityOf, observabilityOptions } from './serve-observability.ts';

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
    'tracecheck serve [--config FILE] [--http-port 4318] [--grpc-port 4317] [--host 127.0.0.1] [--max-memory 512MiB] [--max-spans N] ' +
    '[--auth-token-file FILE] [--insecure] [--cors-origin ORIGIN...] [--log-format text|json] ' +
    '[--save FILE [--save-fsync] [--save-max-bytes N] [--save-max-pending-bytes N]] ' +
    '[--specs PATH...] [--forward URL] [--redact-key GLOB...] [--redact-pattern PATTERN...]',
  details: [
    'Spans join a run by the x-test-run-id header (or gRPC metadata), the test.run.id resource or span attribute,',
    'or by belonging to a trace another span of the run is in.',
    'Query API on the HTTP port: GET /api/runs, /api/runs/{id}/traces, /api/runs/{id}/settled?quietMillis=&timeoutMillis=, /healthz.',
    `With a token (${AUTH_TOKEN_VARIABLE} or --auth-token-file), OTLP and query requests need "authorization: Bearer TOKEN".`,
    'A --host that is not loopback needs a token, or --insecure. On loopback, requests must name localhost, 127.0.0.1',
    'or [::1] and the port in Host (and Origin, unless --cors-origin allows it), so web pages cannot reach the API.',
    '--max-memory caps the estimated bytes held; over it (or over --max-spans) the oldest run is evicted whole.',
    '--save FILE appends every export as one OTLP/JSON line, with its x-test-run-id, and acknowledges the export only',
    'once the line is written (tracecheck check --traces FILE --run ID reads it). An export that cannot be written',
    '(a write error, or --save-max-pending-bytes waiting) is answered 503 / UNAVAILABLE with a retry hint and not',
    'kept. --save-fsync also flushes each batch to the disk before acknowledging it (survives power loss).',
    '--save-max-bytes N rotates FILE to FILE.1, FILE.2, ... (the highest is the newest) before it passes N bytes.',
    'Exit codes: 0 stopped cleanly, 2 usage error, 3 some export could not be written to the save file.',
    'GET /metrics on the HTTP port serves Prometheus metrics (with a token, it needs the token too).',
    '--config FILE reads any of these options from YAML ("http-port: 4318"); options on the command line win.',
    'SIGINT/SIGTERM, or its stdout/stderr pipe closing, stop it after in-flight exports land.',
    'A port of 0 picks a free one; "off" disables a transport.',
    '',
    'Example: TRACECHECK_AUTH_TOKEN=$(openssl rand -hex 32) tracecheck serve --host 0.0.0.0 --save traces.jsonl',
  ].join('\n'),
  options: [
    { name: 'http-port', type: 'value', valueName: 'PORT', description: 'OTLP/HTTP and query API port, default 4318' },
    { name: 'grpc-port', type: 'value', valueName: 'PORT', description: 'OTLP/gRPC port, default 4317' },
    { name: 'host', type: 'value', valueName: 'HOST', description: 'interface to bind, default 127.0.0.1' },
    { name: 'max-spans', type: 'value', valueName: 'N', description: 'spans held before the oldest run is evicted, default 1000000' },
    { name: 'max-memory', type: 'value', valueName: 'SIZE', description: 'estimated bytes held before the oldest run is evicted, default 512MiB' },
    { name: 'auth-token-file', type: 'value', valueName: 'FILE', description: `require "authorization: Bearer TOKEN", TOKEN read from FILE (or set ${AUTH_TOKEN_VARIABLE})` },
    { name: 'auth-token', type: 'value', valueName: 'TOKEN', description: 'deprecated: the token as an argument, visible in the process list' },
    { name: 'insecure', type: 'flag', description: 'allow a non-loopback --host without a token' },
    corsOriginOption,
    { name: 'log-format', type: 'value', valueName: 'FORMAT', choices: ['text', 'json'], description: 'log lines as text (default) or one JSON object a line' },
    { name: 'save', type: 'value', valueName: 'FILE', description: 'append every export to FILE as OTLP/JSON lines before acknowledging it' },
    { name: 'save-fsync', type: 'flag', description: 'with --save: flush each batch of lines to the disk before acknowledging it' },
    { name: 'save-max-bytes', type: 'value', valueName: 'N', description: 'with --save: rotate FILE to FILE.<n> before it grows past N bytes' },
    { name: 'save-max-pending-bytes', type: 'value', valueName: 'N', description: 'with --save: bytes waiting to be written before exports get 503, default 16777216' },
    ...observabilityOptions,
    { name: CONFIG_OPTION, type: 'value', valueName: 'FILE', description: 'read options from a YAML file (keys are these option names); flags override it' },
  ],
  async run(commandLine, io) {
    // Where each option read from --config was written, so a bad value there is reported at its file:line:col.
    let configPositions: ReadonlyMap<string, SourcePosition> = new Map();
    const usage = (message: string): number => {
      const option = /--([a-z][a-z-]*)/.exec(message)?.[1];
      const position = option === undefined || commandLine.values.has(option) ? undefined : configPositions.get(option);
      io.stderr.write(`tracecheck serve: ${position === undefined ? '' : `${position.file}:${position.line}:${position.col} `}${message}\n`);
      return ExitCode.USAGE;
    };
    if (commandLine.positionals.length > 0 || commandLine.rest !== undefined) {
      return usage(`unexpected argument ${JSON.stringify(commandLine.positionals[0] ?? '--')}; serve takes options only`);
    }
    let args: ParsedArgs = commandLine;
    const configPath = valueOf(commandLine, CONFIG_OPTION);
    if (configPath !== undefined) {
      const config = await readConfigFile(resolve(io.cwd, configPath), serveCommand.options);
      if (!config.ok) {
        for (const problem of config.error) io.stderr.write(`${formatSpecProblem({ ...problem, file: configPath })}\n`);
        return ExitCode.USAGE;
      }
      args = overrideConfig(config.value.args, commandLine);
      configPositions = new Map([...config.value.positions].map(([name, at]) => [name, { ...at, file: configPath }]));
    }
    const httpPort = portOption(args, 'http-port', 4318, true);
    if (!httpPort.ok) return usage(httpPort.error);
    const grpcPort = portOption(args, 'grpc-port', 4317, true);
    if (!grpcPort.ok) return usage(grpcPort.error);
    if (httpPort.value === null && grpcPort.value === null) return usage('both transports are off: nothing to serve');
    const maxSpans = positiveIntegerOption(args, 'max-spans');
    if (!maxSpans.ok) return usage(maxSpans.error);
    const maxMemory = byteSizeOption(args, 'max-memory');
    if (!maxMemory.ok) return usage(maxMemory.error);
    const auth = authTokenOption(args, io.env, io.cwd);
    if (!auth.ok) return usage(auth.error);
    const corsOrigins = corsOriginsOption(args);
    if (!corsOrigins.ok) return usage(corsOrigins.error);
    const logFormat = (valueOf(args, 'log-format') ?? 'text') as LogFormat;
    const host = valueOf(args, 'host') ?? '127.0.0.1';
    const savePath = valueOf(args, 'save');
    const saveMaxBytes = positiveIntegerOption(args, 'save-max-bytes');
    if (!saveMaxBytes.ok) return usage(saveMaxBytes.error);
    const saveMaxPendingBytes = positiveIntegerOption(args, 'save-max-pending-bytes');
    if (!saveMaxPendingBytes.ok) return usage(saveMaxPendingBytes.error);
    const saveOnly = ['save-fsync', 'save-max-bytes', 'save-max-pending-bytes'].find((name) => args.flags.has(name) || args.values.has(name));
    if (savePath === undefined && saveOnly !== undefined) return usage(`--${saveOnly} needs --save FILE`);
    const observability = await observabilityOf(args, io);
    if (!observability.ok) return observability.error === undefined ? ExitCode.USAGE : usage(observability.error);

    // Loaded here, as the other commands do, so `tracecheck --help` and `validate` start fast.
    const { startCollector, isLoopbackHost, formatLogLine, quoteForLog, openSaveFile } = await import('../server/index.ts');
    /** A line about the sidecar itself: `tracecheck serve: ...` prose, or with --log-format json one JSON object. */
    const say = (stream: 'stdout' | 'stderr', event: string, message: string, fields: Record<string, string | number> = {}): void => {
      const line = logFormat === 'json' ? formatLogLine('json', { level: stream === 'stdout' ? 'info' : 'warn', event, message, fields }) : `tracecheck serve: ${message}`;
      io[stream].write(`${line}\n`);
    };
    if (!isLoopbackHost(host) && auth.value.token === undefined && !args.flags.has('insecure')) {
      return usage(
        `--host ${JSON.stringify(host)} is not a loopback address and no token is set, so anyone who can reach this machine could read every trace and send spans. ` +
          `Set ${AUTH_TOKEN_VARIABLE} or --auth-token-file FILE (clients then send "authorization: Bearer TOKEN"), or pass --insecure on a network you trust`,
      );
    }
    if (auth.value.warning !== undefined) say('stderr', 'deprecated-option', auth.value.warning);
    if (!isLoopbackHost(host) && auth.value.token === undefined) say('stderr', 'insecure-bind', `--insecure: listening on ${host} without a token; anyone who can reach it can read every trace`);
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
        maxMemoryBytes: maxMemory.value,
        authToken: auth.value.token,
        cors: corsOrigins.value === undefined ? undefined : { allowedOrigins: corsOrigins.value },
        log: (line) => io.stderr.write(`${line}\n`),
        logFormat,
        save,
        ...observability.value,
      });
    } catch (cause) {
      await save?.close();
      return usage(cause instanceof Error ? cause.message : String(cause));
    }

    const stopped = untilStopSignal(io);
    if (auth.value.source !== undefined) say('stdout', 'auth', `requests need a bearer token (from ${auth.value.source})`, { source: auth.value.source });
    if (collector.httpPort !== undefined) {
      say('stdout', 'listening', `listening on ${collector.httpUrl} (OTLP/HTTP protobuf and JSON; query API at ${collector.httpUrl}/api/runs)`, { transport: 'http', url: collector.httpUrl });
    }
    if (collector.grpcPort !== undefined) say('stdout', 'listening', `listening on ${collector.grpcUrl} (OTLP/gRPC)`, { transport: 'grpc', url: collector.grpcUrl });
    if (save !== undefined) say('stdout', 'saving', `saving exports to ${quoteForLog(savePath as string)}${args.flags.has('save-fsync') ? ' (fsync)' : ''}`, { path: savePath as string });
    for (const line of describeObservability(observability.value)) say('stdout', 'observability', line);

    // A closed output pipe stops the sidecar as SIGTERM would: its reader (`| head`, a log shipper) has gone.
    const signal = await Promise.race([stopped, ...(io.outputClosed === undefined ? [] : [io.outputClosed.then((name) => `${name} closed`)])]);
    say('stdout', 'stopping', `${signal}, draining in-flight exports`, { signal });
    await collector.close();
    await save?.close();
    const stats = collector.store.stats();
    say('stdout', 'stopped', `stopped (${stats.runCount} runs, ${stats.spanCount} spans held, ${stats.evictedRunCount} runs evicted)`, {
      runCount: stats.runCount,
      spanCount: stats.spanCount,
      evictedRunCount: stats.evictedRunCount,
    });
    const saved = save?.stats();
    if (saved !== undefined && saved.busyLines > 0) {
      say('stdout', 'save-busy', `${saved.busyLines} exports were answered 503 while ${savePath as string} was behind (retried by their exporters)`, { busyLines: saved.busyLines });
    }
    if (saved !== undefined && saved.failedLines > 0) {
      say('stderr', 'save-failed', `${saved.failedLines} exports could not be written to ${savePath as string} (answered 503, not kept); last error: ${saved.lastError ?? 'none'}`, {
        failedLines: saved.failedLines,
      });
      return ExitCode.SAVE_FAILED;
    }
    return ExitCode.OK;
  },
};

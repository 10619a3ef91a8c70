import { createWriteStream, openSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { err, ok, type Result } from '../result.ts';
import type { Collector, LogFormat } from '../server/index.ts';
import { AUTH_TOKEN_VARIABLE, authTokenOption } from './auth-token-option.ts';
import { byteSizeOption } from './byte-size-option.ts';
import type { CliIo } from './cli-io.ts';
import type { CliCommand } from './command.ts';
import { corsOriginOption, corsOriginsOption } from './cors-option.ts';
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

/** Opens the save file for appending now, so a bad path is a usage error before anything listens. */
function openSaveFile(path: string): Result<WriteStream, string> {
  try {
    const fd = openSync(path, 'a');
    return ok(createWriteStream('', { fd, flags: 'a', encoding: 'utf8' }));
  } catch (cause) {
    return err(`--save ${JSON.stringify(path)}: cannot open for appending: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
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
    'tracecheck serve [--http-port 4318] [--grpc-port 4317] [--host 127.0.0.1] [--max-memory 512MiB] [--max-spans N] ' +
    '[--auth-token-file FILE] [--insecure] [--cors-origin ORIGIN...] [--log-format text|json] [--save FILE]',
  details: [
    'Spans join a run by the x-test-run-id header (or gRPC metadata), the test.run.id resource or span attribute,',
    'or by belonging to a trace another span of the run is in.',
    'Query API on the HTTP port: GET /api/runs, /api/runs/{id}/traces, /api/runs/{id}/settled?quietMillis=&timeoutMillis=, /healthz.',
    `With a token (${AUTH_TOKEN_VARIABLE} or --auth-token-file), OTLP and query requests need "authorization: Bearer TOKEN".`,
    'A --host that is not loopback needs a token, or --insecure. On loopback, requests must name localhost, 127.0.0.1',
    'or [::1] and the port in Host (and Origin, unless --cors-origin allows it), so web pages cannot reach the API.',
    '--max-memory caps the estimated bytes held; over it (or over --max-spans) the oldest run is evicted whole.',
    '--save FILE appends every accepted export as one OTLP/JSON line (tracecheck check --traces FILE reads it).',
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
    { name: 'save', type: 'value', valueName: 'FILE', description: 'append every export to FILE as OTLP/JSON lines' },
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
    const maxMemory = byteSizeOption(args, 'max-memory');
    if (!maxMemory.ok) return usage(maxMemory.error);
    const auth = authTokenOption(args, io.env, io.cwd);
    if (!auth.ok) return usage(auth.error);
    const corsOrigins = corsOriginsOption(args);
    if (!corsOrigins.ok) return usage(corsOrigins.error);
    const logFormat = (valueOf(args, 'log-format') ?? 'text') as LogFormat;
    const host = valueOf(args, 'host') ?? '127.0.0.1';
    const savePath = valueOf(args, 'save');
    let save: WriteStream | undefined;
    if (savePath !== undefined) {
      const opened = openSaveFile(resolve(io.cwd, savePath));
      if (!opened.ok) return usage(opened.error);
      save = opened.value;
      save.on('error', (cause) => io.stderr.write(`tracecheck serve: writing ${savePath} failed: ${cause.message}\n`));
    }
    const saveStream = save;

    // Loaded here, as the other commands do, so `tracecheck --help` and `validate` start fast.
    const [{ startCollector, isLoopbackHost, formatLogLine, quoteForLog }, { encodeSpansAsOtlpJson }] = await Promise.all([import('../server/index.ts'), import('../otlp/index.ts')]);
    /** A line about the sidecar itself: `tracecheck serve: ...` prose, or with --log-format json one JSON object. */
    const say = (stream: 'stdout' | 'stderr', event: string, message: string, fields: Record<string, string | number> = {}): void => {
      const line = logFormat === 'json' ? formatLogLine('json', { level: stream === 'stdout' ? 'info' : 'warn', event, message, fields }) : `tracecheck serve: ${message}`;
      io[stream].write(`${line}\n`);
    };
    if (!isLoopbackHost(host) && auth.value.token === undefined && !args.flags.has('insecure')) {
      saveStream?.destroy();
      return usage(
        `--host ${JSON.stringify(host)} is not a loopback address and no token is set, so anyone who can reach this machine could read every trace and send spans. ` +
          `Set ${AUTH_TOKEN_VARIABLE} or --auth-token-file FILE (clients then send "authorization: Bearer TOKEN"), or pass --insecure on a network you trust`,
      );
    }
    if (auth.value.warning !== undefined) say('stderr', 'deprecated-option', auth.value.warning);
    if (!isLoopbackHost(host) && auth.value.token === undefined) say('stderr', 'insecure-bind', `--insecure: listening on ${host} without a token; anyone who can reach it can read every trace`);
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
        onExport:
          saveStream === undefined ? undefined : (spans) => saveStream.write(`${JSON.stringify(encodeSpansAsOtlpJson(spans))}\n`),
      });
    } catch (cause) {
      saveStream?.destroy();
      return usage(cause instanceof Error ? cause.message : String(cause));
    }

    const stopped = untilStopSignal(io);
    if (auth.value.source !== undefined) say('stdout', 'auth', `requests need a bearer token (from ${auth.value.source})`, { source: auth.value.source });
    if (collector.httpPort !== undefined) {
      say('stdout', 'listening', `listening on ${collector.httpUrl} (OTLP/HTTP protobuf and JSON; query API at ${collector.httpUrl}/api/runs)`, { transport: 'http', url: collector.httpUrl });
    }
    if (collector.grpcPort !== undefined) say('stdout', 'listening', `listening on ${collector.grpcUrl} (OTLP/gRPC)`, { transport: 'grpc', url: collector.grpcUrl });
    if (saveStream !== undefined) say('stdout', 'saving', `saving exports to ${quoteForLog(savePath as string)}`, { path: savePath as string });

    // A closed output pipe stops the sidecar as SIGTERM would: its reader (`| head`, a log shipper) has gone.
    const signal = await Promise.race([stopped, ...(io.outputClosed === undefined ? [] : [io.outputClosed.then((name) => `${name} closed`)])]);
    say('stdout', 'stopping', `${signal}, draining in-flight exports`, { signal });
    await collector.close();
    if (saveStream !== undefined) await new Promise<void>((done) => saveStream.end(done));
    const stats = collector.store.stats();
    say('stdout', 'stopped', `stopped (${stats.runCount} runs, ${stats.spanCount} spans held, ${stats.evictedRunCount} runs evicted)`, {
      runCount: stats.runCount,
      spanCount: stats.spanCount,
      evictedRunCount: stats.evictedRunCount,
    });
    return ExitCode.OK;
  },
};

import { createWriteStream, openSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { err, ok, type Result } from '../result.ts';
import type { Collector } from '../server/index.ts';
import type { CliIo } from './cli-io.ts';
import type { CliCommand } from './command.ts';
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
    'tracecheck serve [--config FILE] [--http-port 4318] [--grpc-port 4317] [--host 127.0.0.1] [--max-spans N] [--auth-token T] [--save FILE] ' +
    '[--specs PATH...] [--forward URL] [--redact-key GLOB...] [--redact-pattern PATTERN...]',
  details: [
    'Spans join a run by the x-test-run-id header (or gRPC metadata), the test.run.id resource or span attribute,',
    'or by belonging to a trace another span of the run is in.',
    'Query API on the HTTP port: GET /api/runs, /api/runs/{id}/traces, /api/runs/{id}/settled?quietMillis=&timeoutMillis=, /healthz.',
    'With --auth-token, OTLP and query requests need "authorization: Bearer T".',
    '--save FILE appends every accepted export as one OTLP/JSON line (tracecheck check --traces FILE reads it).',
    'GET /metrics on the HTTP port serves Prometheus metrics (with --auth-token, it needs the token too).',
    '--config FILE reads any of these options from YAML ("http-port: 4318"); options on the command line win.',
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
    { name: 'save', type: 'value', valueName: 'FILE', description: 'append every export to FILE as OTLP/JSON lines' },
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
    const observability = await observabilityOf(args, io);
    if (!observability.ok) {
      saveStream?.destroy();
      return observability.error === undefined ? ExitCode.USAGE : usage(observability.error);
    }

    // Loaded here, as the other commands do, so `tracecheck --help` and `validate` start fast.
    const [{ startCollector }, { encodeSpansAsOtlpJson }] = await Promise.all([import('../server/index.ts'), import('../otlp/index.ts')]);
    let collector: Collector;
    try {
      collector = await startCollector({
        host,
        httpPort: httpPort.value,
        grpcPort: grpcPort.value,
        maxSpans: maxSpans.value,
        authToken: valueOf(args, 'auth-token'),
        log: (line) => io.stderr.write(`${line}\n`),
        ...observability.value,
        onExport:
          saveStream === undefined ? undefined : (spans) => saveStream.write(`${JSON.stringify(encodeSpansAsOtlpJson(spans))}\n`),
      });
    } catch (cause) {
      saveStream?.destroy();
      return usage(cause instanceof Error ? cause.message : String(cause));
    }

    const stopped = untilStopSignal(io);
    if (collector.httpPort !== undefined) {
      io.stdout.write(`tracecheck serve: listening on ${collector.httpUrl} (OTLP/HTTP protobuf and JSON; query API at ${collector.httpUrl}/api/runs)\n`);
    }
    if (collector.grpcPort !== undefined) io.stdout.write(`tracecheck serve: listening on ${collector.grpcUrl} (OTLP/gRPC)\n`);
    if (saveStream !== undefined) io.stdout.write(`tracecheck serve: saving exports to ${savePath}\n`);
    for (const line of describeObservability(observability.value)) io.stdout.write(`tracecheck serve: ${line}\n`);

    // A closed output pipe stops the sidecar as SIGTERM would: its reader (`| head`, a log shipper) has gone.
    const signal = await Promise.race([stopped, ...(io.outputClosed === undefined ? [] : [io.outputClosed.then((name) => `${name} closed`)])]);
    io.stdout.write(`tracecheck serve: ${signal}, draining in-flight exports\n`);
    await collector.close();
    if (saveStream !== undefined) await new Promise<void>((done) => saveStream.end(done));
    const stats = collector.store.stats();
    io.stdout.write(`tracecheck serve: stopped (${stats.runCount} runs, ${stats.spanCount} spans held, ${stats.evictedRunCount} runs evicted)\n`);
    return ExitCode.OK;
  },
};

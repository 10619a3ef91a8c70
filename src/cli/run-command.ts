import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { CliCommand } from './command.ts';
import { durationMillisOption } from './duration-option.ts';
import { ExitCode } from './exit-codes.ts';
import { reportOptions, writeReport } from './report-output.ts';
import { loadSpecsOrExplain } from './spec-loading.ts';

/** Names the collector's OTLP/gRPC endpoint in CMD's environment (the OTEL_* variables point at OTLP/HTTP). */
export const GRPC_ENDPOINT_VARIABLE = 'TRACECHECK_OTLP_GRPC_ENDPOINT';

/** Signals a person or CI sends to stop the run; they go to the command, whose exit then ends the run. */
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * `tracecheck run [--specs PATH...] [--reporter NAME] [--out FILE] [--timeout D] [--quiet D] -- CMD...`:
 * starts a collector, runs CMD with the OTEL_* variables that make its services export to it tagged with a fresh
 * run id, then judges the specs against what arrived and reports.
 */
export const runCommand: CliCommand = {
  name: 'run',
  summary: 'run a command with a collector, then judge the specs against its traces',
  usage: 'tracecheck run [--specs PATH...] [--reporter pretty|json|junit] [--out FILE] [--timeout D] [--quiet D] -- CMD...',
  details: [
    'CMD runs with OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_EXPORTER_OTLP_HEADERS and',
    'OTEL_RESOURCE_ATTRIBUTES set so OpenTelemetry SDKs export to tracecheck, tagged with the run id.',
    'TRACECHECK_OTLP_GRPC_ENDPOINT is the OTLP/gRPC endpoint, for a service that must export over gRPC.',
    'After CMD exits, spans still in flight are awaited until the run is quiet (--quiet) or --timeout passes.',
    'Durations: 300ms, 1.5s, 2m, or a number of milliseconds.',
    'Exit codes: 0 CMD and every spec passed, 1 a spec failed, 2 usage or spec-file error,',
    "otherwise CMD's own non-zero exit code (the report is still printed).",
    '',
    'Example: tracecheck run --specs specs/ --reporter junit --out reports/traces.xml -- npm test',
  ].join('\n'),
  options: [
    { name: 'specs', type: 'list', valueName: 'PATH', description: 'spec files or directories, default specs/' },
    ...reportOptions,
    { name: 'timeout', type: 'value', valueName: 'DURATION', description: 'longest wait for spans after CMD exits, default 10s' },
    { name: 'quiet', type: 'value', valueName: 'DURATION', description: 'how long without new spans means done, default 200ms' },
  ],
  async run(args, io) {
    const command = args.rest ?? [];
    if (command.length === 0) {
      const stray = args.positionals.length > 0 ? ` (put it after --: tracecheck run -- ${args.positionals.join(' ')})` : '';
      io.stderr.write(`tracecheck run: no command to run${stray}\n`);
      return ExitCode.USAGE;
    }
    if (args.positionals.length > 0) {
      io.stderr.write(`tracecheck run: unexpected argument ${JSON.stringify(args.positionals[0])} before --\n`);
      return ExitCode.USAGE;
    }
    const timeout = durationMillisOption(args, 'timeout');
    const quiet = durationMillisOption(args, 'quiet');
    for (const parsed of [timeout, quiet]) {
      if (!parsed.ok) {
        io.stderr.write(`tracecheck run: ${parsed.error}\n`);
        return ExitCode.USAGE;
      }
    }
    // Broken specs are reported before CMD runs: a long test suite should not run for nothing.
    const specs = await loadSpecsOrExplain(args, io);
    if (specs === undefined) return ExitCode.USAGE;

    // Loaded on use: `--help` and `validate` should not pay for gRPC and the engine.
    const [{ startCollector }, { evaluateSpecs }] = await Promise.all([import('../server/index.ts'), import('../engine/index.ts')]);
    const collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
    try {
      const run = collector.run();
      // The OTEL_* variables name one endpoint; a CMD whose services mix transports needs the gRPC one too.
      const runEnv = { ...run.env, [GRPC_ENDPOINT_VARIABLE]: collector.grpcUrl };
      const exit = await runChild(command, withRunEnv(io.env, runEnv), io.cwd);
      if (exit.spawnError !== undefined) {
        io.stderr.write(`tracecheck run: cannot start ${JSON.stringify(command[0])}: ${exit.spawnError}\n`);
        return ExitCode.USAGE;
      }
      const result = await evaluateSpecs(specs, run, {
        timeoutMillis: timeout.ok ? timeout.value : undefined,
        quietMillis: quiet.ok ? quiet.value : undefined,
        env: io.env,
        // CMD has exited and its exporters have flushed: once the run is quiet, nothing more is coming.
        finalOnceSettled: true,
      });
      const failure = await writeReport(result, args, io);
      if (failure !== undefined) io.stderr.write(`tracecheck run: ${failure}\n`);
      if (exit.code !== 0) {
        io.stderr.write(`tracecheck run: ${command.join(' ')} exited with ${exit.description}\n`);
        return exit.code;
      }
      if (failure !== undefined) return ExitCode.USAGE;
      return result.passed ? ExitCode.OK : ExitCode.SPEC_FAILED;
    } finally {
      await collector.close();
    }
  },
};

interface ChildExit {
  /** The code to exit with: the child's, or 128 + signal number when a signal ended it (as shells do). */
  readonly code: number;
  readonly description: string;
  readonly spawnError?: string;
}

function runChild(command: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<ChildExit> {
  return new Promise((resolveExit) => {
    const child = spawn(command[0] as string, command.slice(1), { stdio: 'inherit', env, cwd });
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const done = (exit: ChildExit): void => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
      resolveExit(exit);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      // 'error' without a started process means it could not be spawned (ENOENT, EACCES).
      if (child.pid === undefined) done({ code: ExitCode.USAGE, description: 'spawn failure', spawnError: error.message });
    });
    child.once('exit', (code, signal) => {
      if (signal !== null) {
        const number = constants.signals[signal] ?? 0;
        done({ code: 128 + number, description: `signal ${signal}` });
      } else {
        done({ code: code ?? 1, description: `code ${code}` });
      }
    });
  });
}

/** OTEL list variables the user already set are kept: the run's entries are appended (later entries win). */
const LIST_VARIABLES = ['OTEL_RESOURCE_ATTRIBUTES', 'OTEL_EXPORTER_OTLP_HEADERS'];

function withRunEnv(base: NodeJS.ProcessEnv, runEnv: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ...runEnv };
  for (const name of LIST_VARIABLES) {
    const mine = base[name];
    const theirs = runEnv[name];
    if (mine !== undefined && mine.trim() !== '' && theirs !== undefined) env[name] = `${mine},${theirs}`;
  }
  return env;
}

import { spawn, type StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import { DEFAULT_RUN_ID_ATTRIBUTE, EXPORT_PROTOCOLS, GRPC_ENDPOINT_ENV } from '../protocol/index.ts';
import type { ExportProtocol } from '../protocol/index.ts';
import type { Collector } from '../server/index.ts';
import type { CliCommand } from './command.ts';
import { corsOriginOption, corsOriginsOption } from './cors-option.ts';
import { ExitCode } from './exit-codes.ts';
import { collectorPortsOf, waitMillisOf, waitOptions } from './wait-options.ts';
import { diagnoseNoSpans, type ExportTally } from './no-spans-diagnosis.ts';
import { valueOf } from './option-table.ts';
import { reportOptions, writeReport } from './report-output.ts';
import { beginSidecarRun, judgeSidecarRun, otlpEndpointOption, otlpGrpcEndpointOption, sidecarConnection, sidecarOptions } from './sidecar-run.ts';
import type { SidecarConnection } from './sidecar-run.ts';
import { loadSpecsOrExplain } from './spec-loading.ts';
import type { LoadedSpec } from '../language/index.ts';
import type { ParsedArgs } from './option-table.ts';
import type { CliIo } from './cli-io.ts';

/** Signals a person or CI sends to stop the run; they go to the command, whose exit then ends the run. */
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** What `--protocol` may hand CMD in OTEL_EXPORTER_OTLP_PROTOCOL (the protocols the collector receives). */
const PROTOCOLS = EXPORT_PROTOCOLS;

/** Reporters whose output is a file format: without --out they own stdout, and CMD's stdout goes to stderr. */
const MACHINE_REPORTERS = new Set(['json', 'junit', 'html']);

/**
 * Traces-specific variables an SDK prefers over the general ones: inherited from a shell they would send CMD's
 * spans elsewhere, so `run` sets them too and says which it replaced.
 */
const OVERRIDE_NOTICE_VARIABLES = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'];

/**
 * `tracecheck run [--specs PATH...] [--reporter NAME] [--out FILE] [--timeout D] [--quiet D] [--host H]
 * [--http-port P] [--grpc-port P] [--protocol P] -- CMD...`: starts a collector, runs CMD with the OTEL_* variables
 * that make its services export to it tagged with a fresh run id, then judges the specs against what arrived and
 * reports.
 */
export const runCommand: CliCommand = {
  name: 'run',
  summary: 'run a command with a collector, then judge the specs against its traces',
  usage:
    'tracecheck run [--specs PATH...] [--reporter pretty|json|junit|html] [--out FILE] [--timeout D] [--quiet D] ' +
    '[--host H] [--http-port P] [--grpc-port P] [--protocol http/protobuf|http/json|grpc] [--cors-origin ORIGIN...] [--collector URL|URL1,URL2,...|dns:HOST:PORT [--otlp-endpoint URL] [--otlp-grpc-endpoint URL]] -- CMD...',
  details: [
    'CMD runs with OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, OTEL_EXPORTER_OTLP_HEADERS and',
    'OTEL_RESOURCE_ATTRIBUTES set so OpenTelemetry SDKs export to tracecheck, tagged with the run id.',
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, _TRACES_PROTOCOL and _TRACES_HEADERS are set too: SDKs prefer them, so one',
    'inherited from your shell would send the spans elsewhere. run replaces an inherited traces endpoint or protocol',
    'and prints one line naming it with its old value. Headers and resource attributes you set are kept; the run\'s',
    'are appended.',
    '--protocol picks what CMD is handed (default http/protobuf to the OTLP/HTTP port; grpc to the OTLP/gRPC port).',
    'TRACECHECK_OTLP_GRPC_ENDPOINT is the OTLP/gRPC endpoint, for a service that must export over gRPC.',
    '--host, --http-port and --grpc-port fix where the collector listens (default 127.0.0.1 and free ports), e.g.',
    '--http-port 4318 for a service whose exporter is hard-wired to localhost:4318.',
    '--cors-origin lets browser exporters on that origin export (CORS); on loopback other origins are refused.',
    '--reporter html --out report.html writes one self-contained page: the results and a waterfall of every trace.',
    'With --reporter json, junit or html and no --out, stdout carries the report alone: CMD\'s stdout goes to stderr,',
    'so tracecheck run --reporter json -- npm test > report.json gives a file that parses.',
    'After CMD exits, spans still in flight are awaited until the run is quiet (--quiet) or --timeout passes.',
    'When no span arrives, the report opens with the likely reasons: an OTEL_* variable that turns export off or',
    'points it elsewhere, no export request reaching tracecheck at all, or exports not tagged with the run.',
    '--collector URL uses a running sidecar (tracecheck serve) instead of a collector of its own: run makes a run id,',
    'sends the run\'s root span to the sidecar, and hands CMD TRACECHECK_RUN_ID, TRACECHECK_TRACEPARENT,',
    'TRACECHECK_BAGGAGE and TRACECHECK_HEADERS (a JSON object of x-test-run-id, traceparent and baggage): the headers',
    'its test requests should carry. After CMD exits it waits for the run to settle at the sidecar and judges it; a',
    'run with no spans fails with that reason. The token comes from --auth-token-file or TRACECHECK_AUTH_TOKEN.',
    '--collector URL1,URL2,... (or dns:HOST:PORT, every A record a replica) names tracecheck serve replicas behind an',
    'OpenTelemetry Collector (docs/scale-out.md); --otlp-endpoint URL is that collector, where CMD exports. Every',
    'replica is asked: the run is judged once all say it settled, and one that does not answer fails the run, named.',
    '--otlp-grpc-endpoint URL names the sidecar\'s (or that collector\'s) OTLP/gRPC receiver: CMD gets it in',
    'TRACECHECK_OTLP_GRPC_ENDPOINT, and with --protocol grpc it is where CMD exports.',
    'Durations: 300ms, 1.5s, 2m, or a number of milliseconds.',
    'Exit codes: 0 CMD and every spec passed, 1 a spec failed, 2 usage or spec-file error (or a port in use),',
    "otherwise CMD's own non-zero exit code (the report is still printed).",
    '',
    'Example: tracecheck run --specs specs/ --reporter junit --out reports/traces.xml -- npm test',
  ].join('\n'),
  options: [
    { name: 'specs', type: 'list', valueName: 'PATH', description: 'spec files or directories, default specs/' },
    ...reportOptions,
    ...waitOptions,
    { name: 'host', type: 'value', valueName: 'HOST', description: 'interface the collector binds, default 127.0.0.1' },
    { name: 'http-port', type: 'value', valueName: 'PORT', description: 'OTLP/HTTP port, default 0 (a free one)' },
    { name: 'grpc-port', type: 'value', valueName: 'PORT', description: 'OTLP/gRPC port, default 0 (a free one)' },
    { name: 'protocol', type: 'value', valueName: 'PROTOCOL', choices: PROTOCOLS, description: 'the OTLP protocol CMD is told to use, default http/protobuf' },
    corsOriginOption,
    ...sidecarOptions,
    otlpEndpointOption,
    otlpGrpcEndpointOption,
  ],
  async run(args, io) {
    const usage = (message: string): number => {
      io.stderr.write(`tracecheck run: ${message}\n`);
      return ExitCode.USAGE;
    };
    const command = args.rest ?? [];
    if (command.length === 0) {
      const stray = args.positionals.length > 0 ? ` (put it after --: tracecheck run -- ${args.positionals.join(' ')})` : '';
      return usage(`no command to run${stray}`);
    }
    if (args.positionals.length > 0) return usage(`unexpected argument ${JSON.stringify(args.positionals[0])} before --`);
    const wait = waitMillisOf(args);
    if (!wait.ok) return usage(wait.error);
    const ports = collectorPortsOf(args);
    if (!ports.ok) return usage(ports.error);
    const corsOrigins = corsOriginsOption(args);
    if (!corsOrigins.ok) return usage(corsOrigins.error);
    const host = valueOf(args, 'host') ?? '127.0.0.1';
    const protocol = (valueOf(args, 'protocol') ?? 'http/protobuf') as ExportProtocol;
    const sidecar = sidecarConnection(args, io);
    if (!sidecar.ok) return usage(sidecar.error);
    const ownCollectorOption = ['host', 'http-port', 'grpc-port'].find((name) => args.values.has(name));
    if (sidecar.value !== undefined && ownCollectorOption !== undefined) return usage(`--${ownCollectorOption} configures run's own collector; with --collector the sidecar receives`);
    if (sidecar.value !== undefined && sidecar.value.url === '') {
      return usage(`--collector ${valueOf(args, 'collector') ?? ''} names replicas: give --otlp-endpoint URL too, the OTLP/HTTP URL of the OpenTelemetry Collector in front of them, where CMD exports`);
    }
    if (sidecar.value !== undefined && protocol === 'grpc' && sidecar.value.grpcUrl === undefined) {
      return usage("--protocol grpc needs run's own collector, or with --collector the sidecar's OTLP/gRPC URL: add --otlp-grpc-endpoint URL (e.g. http://127.0.0.1:4317)");
    }
    // Broken specs are reported before CMD runs: a long test suite should not run for nothing.
    const specs = await loadSpecsOrExplain(args, io);
    if (specs === undefined) return ExitCode.USAGE;
    if (sidecar.value !== undefined) return runWithSidecar(command, specs, sidecar.value, { ...wait.value, protocol }, args, io);

    // Loaded on use: `--help` and `validate` should not pay for gRPC and the engine.
    const [{ startCollector }, { evaluateSpecs, DEFAULT_EVALUATE_TIMEOUT_MILLIS }, { runIdCarriedBy }] = await Promise.all([
      import('../server/index.ts'),
      import('../engine/index.ts'),
      import('../store/index.ts'),
    ]);
    const exports: ExportTally = { requests: 0, spans: 0, untaggedSpans: 0, otherRunIds: new Set() };
    let runId = '';
    let collector: Collector;
    try {
      collector = await startCollector({
        host,
        httpPort: ports.value.httpPort,
        grpcPort: ports.value.grpcPort,
        cors: corsOrigins.value === undefined ? undefined : { allowedOrigins: corsOrigins.value },
        log: (line) => io.stderr.write(`${line}\n`),
        onExport(spans, context) {
          exports.requests++;
          exports.spans += spans.length;
          for (const span of spans) {
            const carried = runIdCarriedBy(span, context, DEFAULT_RUN_ID_ATTRIBUTE);
            if (carried === undefined) exports.untaggedSpans++;
            else if (carried !== runId) exports.otherRunIds.add(carried);
          }
        },
      });
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause);
      const hint = message.includes('EADDRINUSE') ? ' (another process holds it: pick another --http-port/--grpc-port, or 0 for a free one)' : '';
      return usage(message + hint);
    }
    try {
      const run = collector.run();
      runId = run.id;
      // The run's OTEL_* variables (the traces-specific ones included), and the gRPC endpoint for services that
      // mix transports.
      const runEnv = { ...run.envFor({ protocol }), [GRPC_ENDPOINT_ENV]: collector.grpcUrl };
      const overridden = overriddenVariables(io.env, runEnv);
      if (overridden !== undefined) io.stderr.write(`tracecheck run: ${overridden}\n`);
      const childEnv = withRunEnv(io.env, runEnv);
      const machineReportOnStdout = valueOf(args, 'out') === undefined && MACHINE_REPORTERS.has(valueOf(args, 'reporter') ?? 'pretty');
      const exit = await runChild(command, childEnv, io.cwd, machineReportOnStdout);
      if (exit.spawnError !== undefined) return usage(`cannot start ${JSON.stringify(command[0])}: ${exit.spawnError}`);
      const timeoutMillis = wait.value.timeoutMillis ?? DEFAULT_EVALUATE_TIMEOUT_MILLIS;
      const result = await evaluateSpecs(specs, run, {
        timeoutMillis,
        quietMillis: wait.value.quietMillis,
        env: io.env,
        // CMD has exited and its exporters have flushed: once the run is quiet, nothing more is coming.
        finalOnceSettled: true,
      });
      if (result.spanCount === 0) {
        const lines = diagnoseNoSpans({ command, childEnv, runEnv, runId, timeoutMillis, exports, cwd: io.cwd });
        // The diagnosis opens the pretty report; a json or junit report on stdout must stay parseable.
        (machineReportOnStdout ? io.stderr : io.stdout).write(lines.join('\n') + '\n');
      }
      const failure = await writeReport(result, args, io, () => run.traces());
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

/**
 * `run --collector URL`: the run lives in a sidecar. CMD is handed the run's OTEL_* variables (aimed at the
 * sidecar) and its request headers, and once CMD exits the run is judged as the sidecar holds it.
 */
async function runWithSidecar(
  command: readonly string[],
  specs: readonly LoadedSpec[],
  sidecar: SidecarConnection,
  options: { timeoutMillis: number | undefined; quietMillis: number | undefined; protocol: ExportProtocol },
  args: ParsedArgs,
  io: CliIo,
): Promise<number> {
  const begun = await beginSidecarRun(sidecar, options.protocol);
  if (!begun.ok) {
    io.stderr.write(`tracecheck run: ${begun.error}\n`);
    return ExitCode.USAGE;
  }
  const { runId, env: runEnv, rootTraceId } = begun.value;
  const overridden = overriddenVariables(io.env, runEnv);
  if (overridden !== undefined) io.stderr.write(`tracecheck run: ${overridden}\n`);
  const machineReportOnStdout = valueOf(args, 'out') === undefined && MACHINE_REPORTERS.has(valueOf(args, 'reporter') ?? 'pretty');
  const exit = await runChild(command, withRunEnv(io.env, runEnv), io.cwd, machineReportOnStdout);
  if (exit.spawnError !== undefined) {
    io.stderr.write(`tracecheck run: cannot start ${JSON.stringify(command[0])}: ${exit.spawnError}\n`);
    return ExitCode.USAGE;
  }
  const { DEFAULT_EVALUATE_TIMEOUT_MILLIS } = await import('../engine/index.ts');
  const code = await judgeSidecarRun(
    specs,
    sidecar,
    runId,
    {
      timeoutMillis: options.timeoutMillis ?? DEFAULT_EVALUATE_TIMEOUT_MILLIS,
      quietMillis: options.quietMillis,
      rootTraceId,
      commandName: 'tracecheck run',
      notes: machineReportOnStdout ? io.stderr : io.stdout,
    },
    args,
    io,
  );
  if (exit.code !== 0) {
    io.stderr.write(`tracecheck run: ${command.join(' ')} exited with ${exit.description}\n`);
    return exit.code;
  }
  return code;
}

/** One line naming the inherited traces-specific variables the run replaces, or `undefined` when there are none. */
function overriddenVariables(base: NodeJS.ProcessEnv, runEnv: Readonly<Record<string, string>>): string | undefined {
  const replaced = OVERRIDE_NOTICE_VARIABLES.filter((name) => {
    const theirs = base[name];
    return theirs !== undefined && theirs.trim() !== '' && theirs !== runEnv[name];
  });
  if (replaced.length === 0) return undefined;
  const list = replaced.map((name) => `${name}=${base[name]}`).join(', ');
  return `overriding ${list} from the environment: CMD exports to tracecheck (${replaced.map((name) => runEnv[name]).join(', ')})`;
}

interface ChildExit {
  /** The code to exit with: the child's, or 128 + signal number when a signal ended it (as shells do). */
  readonly code: number;
  readonly description: string;
  readonly spawnError?: string;
}

/** Runs CMD with our stdin and stderr; its stdout is ours too, or our stderr when a report must own stdout. */
export function runChild(command: readonly string[], env: NodeJS.ProcessEnv, cwd: string, stdoutToStderr: boolean): Promise<ChildExit> {
  return new Promise((resolveExit) => {
    const stdio: StdioOptions = stdoutToStderr ? ['inherit', 2, 'inherit'] : 'inherit';
    const child = spawn(command[0] as string, command.slice(1), { stdio, env, cwd });
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
const LIST_VARIABLES = ['OTEL_RESOURCE_ATTRIBUTES', 'OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'];

export function withRunEnv(base: NodeJS.ProcessEnv, runEnv: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ...runEnv };
  for (const name of LIST_VARIABLES) {
    const mine = base[name];
    const theirs = runEnv[name];
    if (mine !== undefined && mine.trim() !== '' && theirs !== undefined) env[name] = `${mine},${theirs}`;
  }
  return env;
}

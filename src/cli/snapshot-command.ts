import type { ExportProtocol } from '../protocol/index.ts';
import { GRPC_ENDPOINT_ENV } from '../protocol/index.ts';
import type { CliCommand } from './command.ts';
import { ExitCode } from './exit-codes.ts';
import { collectorPortsOf, waitMillisOf } from './wait-options.ts';
import { valueOf } from './option-table.ts';
import { runChild, runCommand, withRunEnv } from './run-command.ts';
import { specsOutOption, writeSnapshot } from './snapshot-output.ts';

/** The options `snapshot` shares with `run`: how the collector listens, what CMD is told, how long to wait. */
const SHARED_WITH_RUN = new Set(['timeout', 'quiet', 'host', 'http-port', 'grpc-port', 'protocol']);

/**
 * `tracecheck snapshot [--specs-out FILE] [run's collector options] -- CMD...`: runs CMD with a collector as `run`
 * does, waits until its spans have settled, and writes a spec recording each distinct trace shape it saw
 * (docs/snapshots.md), to judge later runs with `tracecheck run --specs FILE -- CMD`.
 */
export const snapshotCommand: CliCommand = {
  name: 'snapshot',
  summary: 'run a command with a collector and record its traces as a spec (one shape per distinct trace)',
  usage: 'tracecheck snapshot [--specs-out FILE] [--timeout D] [--quiet D] [--host H] [--http-port P] [--grpc-port P] [--protocol P] -- CMD...',
  details: [
    'CMD runs with the same OTEL_* variables as under `tracecheck run`. Once it has exited and its spans have',
    'settled, each distinct trace shape becomes a spec with a `shape:` expectation: the tree of spans (service,',
    'name, kind, status), counts of identical siblings, stable semantic-convention attributes, siblings in',
    'causal order. Ids, timestamps, durations and volatile values are left out, and the file says so.',
    'Then: tracecheck run --specs FILE -- CMD',
    'Exit codes: 0 recorded, 2 usage error or nothing to record, otherwise CMD\'s own non-zero exit code.',
  ].join('\n'),
  options: [specsOutOption, ...runCommand.options.filter((o) => SHARED_WITH_RUN.has(o.name))],
  async run(args, io) {
    const usage = (message: string): number => {
      io.stderr.write(`tracecheck snapshot: ${message}\n`);
      return ExitCode.USAGE;
    };
    const command = args.rest ?? [];
    if (command.length === 0) return usage('no command to run (put it after --: tracecheck snapshot -- npm test)');
    if (args.positionals.length > 0) return usage(`unexpected argument ${JSON.stringify(args.positionals[0])} before --`);
    const wait = waitMillisOf(args);
    if (!wait.ok) return usage(wait.error);
    const ports = collectorPortsOf(args);
    if (!ports.ok) return usage(ports.error);
    const { startCollector } = await import('../server/index.ts');
    let collector;
    try {
      collector = await startCollector({ host: valueOf(args, 'host') ?? '127.0.0.1', ...ports.value, log: (line) => io.stderr.write(`${line}\n`) });
    } catch (cause) {
      return usage(cause instanceof Error ? cause.message : String(cause));
    }
    try {
      const run = collector.run();
      const protocol = (valueOf(args, 'protocol') ?? 'http/protobuf') as ExportProtocol;
      const env = withRunEnv(io.env, { ...run.envFor({ protocol }), [GRPC_ENDPOINT_ENV]: collector.grpcUrl });
      // The recorded spec goes to stdout when there is no --specs-out: CMD's stdout goes to stderr then.
      const exit = await runChild(command, env, io.cwd, valueOf(args, 'specs-out') === undefined);
      if (exit.spawnError !== undefined) return usage(`cannot start ${JSON.stringify(command[0])}: ${exit.spawnError}`);
      if (exit.code !== 0) {
        io.stderr.write(`tracecheck snapshot: ${command.join(' ')} exited with ${exit.description}; nothing was recorded\n`);
        return exit.code;
      }
      const { quietMillis, timeoutMillis } = wait.value;
      const settled = await run.settled({ ...(quietMillis === undefined ? {} : { quietMillis }), ...(timeoutMillis === undefined ? {} : { timeoutMillis }) });
      if (!settled.settled) io.stderr.write(`tracecheck snapshot: the run had not settled (${settled.reason}) after ${settled.waitedMillis} ms; recording what arrived\n`);
      return await writeSnapshot('snapshot', run.traces(), `\`${command.join(' ')}\``, args, io);
    } finally {
      await collector.close();
    }
  },
};

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { RunWindow, Trace } from '../model/index.ts';
import type { ReporterName } from '../report/index.ts';
import type { CliIo } from './cli-io.ts';
import type { CliCommand } from './command.ts';
import { ExitCode } from './exit-codes.ts';
import { waitMillisOf, waitOptions } from './wait-options.ts';
import { valueOf } from './option-table.ts';
import { reportOptions } from './report-output.ts';
import { runChild, withRunEnv } from './run-command.ts';
import { loadSavedSpans } from './saved-traces.ts';

/**
 * `tracecheck analyze [--traces FILE... | -- CMD...] [--reporter NAME] [--out FILE]`: runs every rule pack on a run
 * without any spec file, and prints a score per service and per rule with the offending spans.
 */
export const analyzeCommand: CliCommand = {
  name: 'analyze',
  summary: 'run the instrumentation rule packs on a run (saved or a command\'s) and score each service',
  usage: 'tracecheck analyze [--traces FILE... | -- CMD...] [--reporter pretty|json|junit|html] [--out FILE] [--timeout D] [--quiet D]',
  details: [
    'Judges every rule of every pack (docs/instrumentation-rules.md) per service: the semantic conventions (HTTP,',
    'database, messaging, RPC, exceptions, resources) and hygiene (secrets, personal data, broken spans).',
    'With --traces it reads saved OTLP (as `tracecheck check` does); with -- CMD it runs CMD as `tracecheck run` does.',
    'The pretty report lists what does not hold, with the offending spans, then the score of each service (the',
    'percentage of rules that hold) and each rule that fails somewhere; JSON adds "analysis": {services, rules};',
    'JUnit has a suite per service, a case per rule and tracecheck.score.<service> properties.',
    'Exit codes: 0 no rule of severity error fails (warnings do not count), 1 one does, 2 usage or file error,',
    "otherwise CMD's own non-zero exit code.",
    '',
    'Example: tracecheck analyze -- npm run example',
  ].join('\n'),
  options: [
    { name: 'traces', type: 'list', valueName: 'FILE', description: 'saved OTLP trace files, instead of -- CMD' },
    ...reportOptions,
    ...waitOptions,
  ],
  async run(args, io) {
    const usage = (message: string): number => {
      io.stderr.write(`tracecheck analyze: ${message}\n`);
      return ExitCode.USAGE;
    };
    const traceFiles = args.values.get('traces');
    const command = args.rest ?? [];
    if ((traceFiles === undefined) === (command.length === 0)) return usage('give either --traces FILE... or -- CMD...');
    if (args.positionals.length > 0) return usage(`unexpected argument ${JSON.stringify(args.positionals[0])}`);
    let traces: readonly Trace[];
    // Saved traces carry no arrival times: the run's window is known only for a run collected here.
    let runWindow: RunWindow | undefined;
    let commandExit = 0;
    if (traceFiles !== undefined) {
      const saved = await loadSavedSpans(traceFiles.map((f) => resolve(io.cwd, f)));
      if (!saved.ok) {
        for (const problem of saved.error) io.stderr.write(`${problem}\n`);
        return usage('the trace files could not all be read; nothing was judged');
      }
      for (const warning of saved.value.warnings) io.stderr.write(`warning: ${warning}\n`);
      traces = saved.value.store.runs().flatMap((run) => run.traces());
    } else {
      const wait = waitMillisOf(args);
      if (!wait.ok) return usage(wait.error);
      const ran = await runAndCollect(command, io, wait.value.timeoutMillis, wait.value.quietMillis, valueOf(args, 'out') === undefined && (valueOf(args, 'reporter') ?? 'pretty') !== 'pretty');
      if (typeof ran === 'string') return usage(ran);
      traces = ran.traces;
      runWindow = ran.window;
      commandExit = ran.exitCode;
    }
    // Loaded on use: `--help` should not pay for the engine.
    const [{ evaluateSpecsNow, viewTraces }, { analysisSpecs }, { renderAnalysis }, { serviceNameOf }] = await Promise.all([
      import('../engine/index.ts'),
      import('../language/index.ts'),
      import('../report/index.ts'),
      import('../model/index.ts'),
    ]);
    const services = [...new Set(traces.flatMap((t) => t.spans.map(serviceNameOf)))].sort((a, b) => (a ?? '').localeCompare(b ?? ''));
    const result = evaluateSpecsNow(analysisSpecs(services), traces, { env: io.env, ...(runWindow === undefined ? {} : { runWindow }) });
    const name = (valueOf(args, 'reporter') ?? 'pretty') as ReporterName;
    const out = valueOf(args, 'out');
    const written = renderAnalysis(result, name, { color: false, traces: name === 'html' ? viewTraces(traces) : undefined });
    if (out === undefined) io.stdout.write(written);
    else {
      try {
        const path = resolve(io.cwd, out);
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, written);
      } catch (error) {
        return usage(`cannot write the ${name} report to ${out}: ${(error as Error).message}`);
      }
      io.stdout.write(name === 'pretty' ? written : renderAnalysis(result, 'pretty', { color: false }));
    }
    if (traces.length === 0) io.stderr.write(`tracecheck analyze: no span arrived, so there was nothing to analyze\n`);
    if (commandExit !== 0) return commandExit;
    return result.passed ? ExitCode.OK : ExitCode.SPEC_FAILED;
  },
};

/** Runs CMD with a collector, as `tracecheck run` does, and returns its run's traces once quiet. */
async function runAndCollect(command: readonly string[], io: CliIo, timeoutMillis: number | undefined, quietMillis: number | undefined, stdoutToStderr: boolean): Promise<{ traces: readonly Trace[]; window: RunWindow | undefined; exitCode: number } | string> {
  const { startCollector } = await import('../server/index.ts');
  let collector: Awaited<ReturnType<typeof startCollector>>;
  try {
    collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0, log: (line) => io.stderr.write(`${line}\n`) });
  } catch (cause) {
    return cause instanceof Error ? cause.message : String(cause);
  }
  try {
    const run = collector.run();
    const exit = await runChild(command, withRunEnv(io.env, run.envFor({ protocol: 'http/protobuf' })), io.cwd, stdoutToStderr);
    if (exit.spawnError !== undefined) return `cannot start ${JSON.stringify(command[0])}: ${exit.spawnError}`;
    await run.settled({ timeoutMillis: timeoutMillis ?? 10_000, quietMillis: quietMillis ?? 200 });
    if (exit.code !== 0) io.stderr.write(`tracecheck analyze: ${command.join(' ')} exited with ${exit.description}\n`);
    return { traces: run.traces(), window: run.window?.(), exitCode: exit.code };
  } finally {
    await collector.close();
  }
}

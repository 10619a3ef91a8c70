import { resolve } from 'node:path';
import type { CliCommand } from './command.ts';
import { ExitCode } from './exit-codes.ts';
import { valueOf } from './option-table.ts';
import { reportOptions, writeReport } from './report-output.ts';
import { loadSavedSpans, SAVED_RUN_ID, settledRunOf } from './saved-traces.ts';
import { durationMillisOption } from './duration-option.ts';
import { judgeSidecarRun, sidecarConnection, sidecarOptions } from './sidecar-run.ts';
import { specsOutOption, writeSnapshot } from './snapshot-output.ts';
import { loadSpecsOrExplain } from './spec-loading.ts';

/**
 * `tracecheck check --traces FILE... [--specs PATH...] [--run ID] [--reporter NAME] [--out FILE]`: judges specs
 * offline against saved OTLP (what `tracecheck serve --save` writes, OTLP/JSON documents, or protobuf files).
 * `tracecheck check --collector URL --run ID`: judges the run a sidecar holds, once it has settled there.
 */
export const checkCommand: CliCommand = {
  name: 'check',
  summary: 'judge specs against saved OTLP traces (JSON lines, OTLP/JSON, protobuf .pb/.bin) or a sidecar\'s run',
  usage:
    'tracecheck check (--traces FILE... | --collector URL --run ID) [--specs PATH...] [--run ID] [--reporter pretty|json|junit|html] [--out FILE] ' +
    '[--snapshot [--specs-out FILE]]',
  details: [
    'Files: JSON lines (one ExportTraceServiceRequest a line, as `tracecheck serve --save` writes), an OTLP/JSON',
    'document, or a serialized protobuf ExportTraceServiceRequest (.pb, .bin); gzipped files are read too.',
    'Spans are grouped by run (their test.run.id tags, and the run id serve --save wrote with each line): when the',
    'files hold several runs, choose one with --run. Rotated save files are read together: --traces traces.jsonl*.',
    'A last line cut by a crash (no newline, undecodable) is skipped with a warning; any other bad line is an error.',
    '--collector URL --run ID judges the run held by a running sidecar (tracecheck serve) instead, after waiting',
    'for it to settle there (--timeout, default 10s; --quiet, default 200ms); a run with no spans fails with that',
    'reason. The token comes from --auth-token-file or TRACECHECK_AUTH_TOKEN.',
    '--collector URL1,URL2,... or dns:HOST:PORT (every A record a replica) asks every tracecheck serve replica behind an',
    'OpenTelemetry Collector (docs/scale-out.md): the run settles when all do, and one that does not answer fails it.',
    'With --snapshot, nothing is judged: the run is recorded as a spec with one shape per distinct trace shape',
    '(docs/snapshots.md), written to --specs-out FILE or stdout.',
    'Exit codes: 0 every spec passed, 1 a spec failed, 2 usage, spec-file or trace-file error.',
  ].join('\n'),
  options: [
    { name: 'traces', type: 'list', valueName: 'FILE', description: 'saved OTLP trace files (required)' },
    { name: 'specs', type: 'list', valueName: 'PATH', description: 'spec files or directories, default specs/' },
    { name: 'run', type: 'value', valueName: 'ID', description: 'judge only this run of the saved spans (required with --collector)' },
    ...sidecarOptions,
    { name: 'timeout', type: 'value', valueName: 'DURATION', description: 'with --collector: longest wait for the run to settle, default 10s' },
    { name: 'quiet', type: 'value', valueName: 'DURATION', description: 'with --collector: how long without new spans means settled, default 200ms' },
    ...reportOptions,
    { name: 'snapshot', type: 'flag', description: 'record the traces as a spec instead of judging specs' },
    specsOutOption,
  ],
  async run(args, io) {
    const usage = (message: string): number => {
      io.stderr.write(`tracecheck check: ${message}\n`);
      return ExitCode.USAGE;
    };
    const sidecar = sidecarConnection(args, io);
    if (!sidecar.ok) return usage(sidecar.error);
    const timeout = durationMillisOption(args, 'timeout');
    if (!timeout.ok) return usage(timeout.error);
    const quiet = durationMillisOption(args, 'quiet');
    if (!quiet.ok) return usage(quiet.error);
    const traceFiles = args.values.get('traces');
    if (sidecar.value !== undefined) {
      if (traceFiles !== undefined) return usage('give --traces FILE... or --collector URL, not both');
      const runId = valueOf(args, 'run');
      if (runId === undefined) return usage('--collector URL needs --run ID: the run to judge (GET URL/api/runs lists them)');
      const specs = await loadSpecsOrExplain(args, io);
      if (specs === undefined) return ExitCode.USAGE;
      const { DEFAULT_EVALUATE_TIMEOUT_MILLIS } = await import('../engine/index.ts');
      const machineReportOnStdout = valueOf(args, 'out') === undefined && (valueOf(args, 'reporter') ?? 'pretty') !== 'pretty';
      return judgeSidecarRun(
        specs,
        sidecar.value,
        runId,
        {
          timeoutMillis: timeout.value ?? DEFAULT_EVALUATE_TIMEOUT_MILLIS,
          quietMillis: quiet.value,
          commandName: 'tracecheck check',
          notes: machineReportOnStdout ? io.stderr : io.stdout,
        },
        args,
        io,
      );
    }
    if (args.values.has('timeout') || args.values.has('quiet')) return usage('--timeout and --quiet are for --collector: saved traces are judged at once');
    if (traceFiles === undefined) {
      return usage('--traces FILE... (saved OTLP, e.g. from `tracecheck serve --save`) or --collector URL --run ID is required');
    }
    const snapshot = args.flags.has('snapshot');
    const specs = snapshot ? [] : await loadSpecsOrExplain(args, io);
    if (specs === undefined) return ExitCode.USAGE;

    const saved = await loadSavedSpans(traceFiles.map((f) => resolve(io.cwd, f)));
    if (!saved.ok) {
      for (const problem of saved.error) io.stderr.write(`${problem}\n`);
      io.stderr.write(`tracecheck check: the trace files could not all be read; nothing was judged\n`);
      return ExitCode.USAGE;
    }
    for (const warning of saved.value.warnings) io.stderr.write(`warning: ${warning}\n`);

    const runs = saved.value.store.runs().filter((r) => r.traces().length > 0);
    const wanted = valueOf(args, 'run');
    let runId: string;
    if (wanted !== undefined) {
      if (!runs.some((r) => r.id === wanted)) {
        io.stderr.write(`tracecheck check: no run "${wanted}" in the trace files (runs: ${describeRuns(runs)})\n`);
        return ExitCode.USAGE;
      }
      runId = wanted;
    } else if (runs.length > 1) {
      io.stderr.write(`tracecheck check: the trace files hold ${runs.length} runs (${describeRuns(runs)}); choose one with --run ID\n`);
      return ExitCode.USAGE;
    } else {
      runId = runs[0]?.id ?? SAVED_RUN_ID;
    }
    const live = saved.value.store.run(runId);
    if (snapshot) return writeSnapshot('check', live.traces(), traceFiles.join(', '), args, io);
    // Loaded on use: `--help` and `validate` should not pay for the engine.
    const { evaluateSpecs } = await import('../engine/index.ts');
    const result = await evaluateSpecs(specs, settledRunOf(runId, () => live.traces()), { env: io.env, finalOnceSettled: true });
    const failure = await writeReport(result, args, io, () => live.traces());
    if (failure !== undefined) {
      io.stderr.write(`tracecheck check: ${failure}\n`);
      return ExitCode.USAGE;
    }
    return result.passed ? ExitCode.OK : ExitCode.SPEC_FAILED;
  },
};

function describeRuns(runs: readonly { readonly id: string; traces(): readonly unknown[] }[]): string {
  return runs.length === 0 ? 'none' : runs.map((r) => `${r.id}: ${r.traces().length} traces`).join(', ');
}

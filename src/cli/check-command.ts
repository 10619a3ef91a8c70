import { resolve } from 'node:path';
import type { CliCommand } from './command.ts';
import { ExitCode } from './exit-codes.ts';
import { valueOf } from './option-table.ts';
import { reportOptions, writeReport } from './report-output.ts';
import { loadSavedSpans, SAVED_RUN_ID, settledRunOf } from './saved-traces.ts';
import { specsOutOption, writeSnapshot } from './snapshot-output.ts';
import { loadSpecsOrExplain } from './spec-loading.ts';

/**
 * `tracecheck check --traces FILE... [--specs PATH...] [--run ID] [--reporter NAME] [--out FILE]`: judges specs
 * offline against saved OTLP (what `tracecheck serve --save` writes, OTLP/JSON documents, or protobuf files).
 */
export const checkCommand: CliCommand = {
  name: 'check',
  summary: 'judge specs against saved OTLP traces (JSON lines, OTLP/JSON, protobuf .pb/.bin)',
  usage: 'tracecheck check --traces FILE... [--specs PATH...] [--run ID] [--reporter pretty|json|junit] [--out FILE] [--snapshot [--specs-out FILE]]',
  details: [
    'Files: JSON lines (one ExportTraceServiceRequest a line, as `tracecheck serve --save` writes), an OTLP/JSON',
    'document, or a serialized protobuf ExportTraceServiceRequest (.pb, .bin); gzipped files are read too.',
    'Spans tagged with test.run.id are grouped by run: when the files hold several runs, choose one with --run.',
    'With --snapshot, nothing is judged: the run is recorded as a spec with one shape per distinct trace shape',
    '(docs/snapshots.md), written to --specs-out FILE or stdout.',
    'Exit codes: 0 every spec passed, 1 a spec failed, 2 usage, spec-file or trace-file error.',
  ].join('\n'),
  options: [
    { name: 'traces', type: 'list', valueName: 'FILE', description: 'saved OTLP trace files (required)' },
    { name: 'specs', type: 'list', valueName: 'PATH', description: 'spec files or directories, default specs/' },
    { name: 'run', type: 'value', valueName: 'ID', description: 'judge only this run of the saved spans' },
    ...reportOptions,
    { name: 'snapshot', type: 'flag', description: 'record the traces as a spec instead of judging specs' },
    specsOutOption,
  ],
  async run(args, io) {
    const traceFiles = args.values.get('traces');
    if (traceFiles === undefined) {
      io.stderr.write('tracecheck check: --traces FILE... is required (saved OTLP, e.g. from `tracecheck serve --save`)\n');
      return ExitCode.USAGE;
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
    const failure = await writeReport(result, args, io);
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

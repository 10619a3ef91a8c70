import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Trace } from '../model/index.ts';
import type { CliIo } from './cli-io.ts';
import { ExitCode } from './exit-codes.ts';
import type { OptionSpec, ParsedArgs } from './option-table.ts';
import { valueOf } from './option-table.ts';

/** `--specs-out FILE`: where `snapshot` and `check --snapshot` write the recorded spec. */
export const specsOutOption: OptionSpec = { name: 'specs-out', type: 'value', valueName: 'FILE', description: 'write the recorded spec to FILE instead of stdout' };

/**
 * Records the traces as a spec file (one `shape:` per distinct trace shape, see docs/snapshots.md) and writes it
 * to `--specs-out FILE`, or to stdout. Resolves with the exit code: 2 when there is nothing to record or the file
 * cannot be written.
 */
export async function writeSnapshot(command: string, traces: readonly Trace[], source: string, args: ParsedArgs, io: CliIo): Promise<number> {
  if (traces.length === 0) {
    io.stderr.write(`tracecheck ${command}: no traces to record from ${source}\n`);
    return ExitCode.USAGE;
  }
  const { formatSnapshot, recordShapes } = await import('../engine/index.ts');
  const recording = recordShapes(traces);
  const text = formatSnapshot(recording, source);
  const out = valueOf(args, 'specs-out');
  if (out === undefined) {
    io.stdout.write(text);
    return ExitCode.OK;
  }
  try {
    const path = resolve(io.cwd, out);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  } catch (error) {
    io.stderr.write(`tracecheck ${command}: cannot write ${out}: ${(error as Error).message}\n`);
    return ExitCode.USAGE;
  }
  const n = recording.shapes.length;
  io.stderr.write(`tracecheck ${command}: wrote ${n} shape${n === 1 ? '' : 's'} from ${recording.traceCount} trace${recording.traceCount === 1 ? '' : 's'} to ${out}\n`);
  return ExitCode.OK;
}

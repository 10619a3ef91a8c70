import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { evaluateSpecs, formatSnapshot, recordShapes } from '../engine/index.ts';
import { formatSpecProblem } from '../errors.ts';
import { loadSpecText } from '../language/index.ts';
import { describeFailure } from './failure-message.ts';
import type { TestRun } from './test-run.ts';

/**
 * Whether a trace snapshot may be written, as the runners say it for their own snapshots: `all` rewrites it
 * (`vitest -u`, `jest -u`, `node --test --test-update-snapshots`), `new` writes a missing one and compares an
 * existing one (the default), `none` only compares (the default under CI, so a missing snapshot fails).
 */
export type SnapshotUpdate = 'all' | 'new' | 'none';

/** Names a directory that replaces `__trace_snapshots__/` beside the test file (e.g. a scratch directory in CI). */
export const TRACE_SNAPSHOT_DIR_ENV = 'TRACECHECK_SNAPSHOT_DIR';

/** Where a test's trace snapshot lives and whether it may be written. */
export interface SnapshotTarget {
  /** The test file, as the runner names it. */
  readonly testPath: string;
  /** The test's full name (with its describe blocks), plus the name given to the matcher, if any. */
  readonly testName: string;
  readonly update: SnapshotUpdate;
}

/** How long to wait for the run's spans to settle before recording or comparing. */
export interface TraceSnapshotOptions {
  /** How long the run must be quiet (no span arriving, none waiting for its parent); default 300. */
  readonly quietMillis?: number;
  /** The longest wait; default 10000. */
  readonly timeoutMillis?: number;
}

/** The outcome of {@link matchTraceSnapshot}. */
export interface TraceSnapshotOutcome {
  readonly pass: boolean;
  readonly message: string;
  /** The snapshot file. */
  readonly file: string;
  /** `written` when the snapshot was (re)recorded, `compared` otherwise. */
  readonly action: 'written' | 'compared';
}

/**
 * The file of a test's trace snapshot: `__trace_snapshots__/<test file name>/<test name>.yaml` beside the test
 * file (or under `TRACECHECK_SNAPSHOT_DIR`), the test name made safe for a file name.
 */
export function traceSnapshotFile(target: Pick<SnapshotTarget, 'testPath' | 'testName'>, env: NodeJS.ProcessEnv = process.env): string {
  const root = env[TRACE_SNAPSHOT_DIR_ENV] ?? join(dirname(target.testPath), '__trace_snapshots__');
  const safe = target.testName.replace(/[^A-Za-z0-9._-]+/gu, '-').replace(/^-+|-+$/gu, '').slice(0, 120) || 'test';
  return join(root, basename(target.testPath), `${safe}.yaml`);
}

/**
 * Records the run's trace shapes (one `shape:` spec per distinct shape, see docs/snapshots.md) or judges the run
 * against the recording stored for the test: the engine behind `toMatchTraceSnapshot()` and
 * `assertTraceSnapshot()`. The stored file is a plain spec file; edits to it (a mode, a count range) are honoured.
 *
 * @example
 * ```ts
 * const outcome = await matchTraceSnapshot(run, { testPath: import.meta.filename, testName: 'checkout', update: 'new' });
 * if (!outcome.pass) throw new Error(outcome.message);
 * ```
 */
export async function matchTraceSnapshot(run: TestRun, target: SnapshotTarget, options: TraceSnapshotOptions = {}): Promise<TraceSnapshotOutcome> {
  const file = traceSnapshotFile(target);
  const settle = { quietMillis: options.quietMillis ?? 300, timeoutMillis: options.timeoutMillis ?? 10_000 };
  const stored = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (target.update === 'all' || (stored === undefined && target.update === 'new')) {
    await run.settled(settle);
    const traces = run.traces();
    if (traces.length === 0) return { pass: false, file, action: 'written', message: `tracecheck: run ${run.id} has no traces to record as the snapshot of "${target.testName}"` };
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, formatSnapshot(recordShapes(traces), `the test "${target.testName}"`));
    return { pass: true, file, action: 'written', message: `tracecheck: wrote the trace snapshot ${file}` };
  }
  if (stored === undefined) {
    return {
      pass: false,
      file,
      action: 'compared',
      message: `tracecheck: no trace snapshot for "${target.testName}" at ${file}, and snapshots are not written here (CI): record it locally, or run with the update flag (-u)`,
    };
  }
  const loaded = loadSpecText(stored, file);
  if (!loaded.ok) return { pass: false, file, action: 'compared', message: `tracecheck: the trace snapshot ${file} is not a valid spec file:\n${loaded.error.map(formatSpecProblem).join('\n')}` };
  const result = await evaluateSpecs(loaded.value, run, { timeoutMillis: settle.timeoutMillis, quietMillis: settle.quietMillis, finalOnceSettled: true });
  if (result.passed) return { pass: true, file, action: 'compared', message: `tracecheck: run ${run.id} matches the trace snapshot ${file}` };
  return { pass: false, file, action: 'compared', message: `${describeFailure({ ...result, problems: [] })}\n(trace snapshot ${file}; run with the update flag (-u) to record the new shape)` };
}

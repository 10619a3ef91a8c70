import type { Trace } from '../../src/model/index.ts';
import type { RunSource } from '../../src/store/index.ts';

/**
 * Resolves `true` as soon as `condition(run.traces())` holds, checking now and after every change to the run,
 * or `false` when `timeoutMillis` passes first. Use it before `run.settled()` when the spans that matter may be
 * late: settling only waits for quiet, and a run that has received nothing yet is quiet too (a cold exporter's
 * first export can take longer than the quiet period).
 *
 * @example
 * await waitForTraces(run, (traces) => entryTraceOf(traces, 'gateway') !== undefined, 10_000);
 * await run.settled({ quietMillis: 300 });
 */
export function waitForTraces(run: RunSource, condition: (traces: readonly Trace[]) => boolean, timeoutMillis: number): Promise<boolean> {
  return new Promise((resolve) => {
    if (condition(run.traces())) {
      resolve(true);
      return;
    }
    const finish = (met: boolean): void => {
      clearTimeout(deadline);
      unsubscribe();
      resolve(met);
    };
    const deadline = setTimeout(() => finish(false), timeoutMillis);
    const unsubscribe = run.onChange(() => {
      if (condition(run.traces())) finish(true);
    });
  });
}

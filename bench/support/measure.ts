/**
 * Throughput measurement for benchmarks on a shared machine: the contenders run in interleaved trials, each
 * timed by this process's CPU time (user + system), so a neighbour's load burst neither favours nor penalises
 * one contender; the median of the trials is reported.
 */

/** One measured rate. */
export interface Rate {
  /** Items (spans) per CPU second, median of the trials. */
  readonly perCpuSecond: number;
  /** Every trial's rate, in trial order. */
  readonly trials: readonly number[];
}

/** Options of {@link compareRates}. */
export interface CompareOptions {
  /** Wall time per trial of each contender. Default 300 ms. */
  readonly trialMillis?: number;
  /** Trials per contender. Default 7. */
  readonly trials?: number;
  /** Run a full collection before each trial (when `gc` is exposed). Default true. */
  readonly collectBetweenTrials?: boolean;
}

/**
 * The last batch's result: written where V8 must assume it is read, so that no contender's work (a baseline's
 * `JSON.parse` or `decode` whose result nobody reads) can be dropped as dead.
 */
export let lastBatchResult: unknown;

/**
 * Runs each contender (a batch that processes `itemsPerBatch` items) twice to warm up, then in `trials`
 * interleaved rounds; returns each contender's median items per CPU second.
 */
export async function compareRates<K extends string>(
  itemsPerBatch: number,
  contenders: Readonly<Record<K, () => unknown>>,
  options: CompareOptions = {},
): Promise<Record<K, Rate>> {
  const trialMillis = options.trialMillis ?? 300;
  const trialCount = options.trials ?? 7;
  const names = Object.keys(contenders) as K[];
  for (const name of names) {
    await contenders[name]();
    await contenders[name]();
  }
  const gc = options.collectBetweenTrials === false ? undefined : (globalThis as { gc?: () => void }).gc;
  const rates = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let t = 0; t < trialCount; t++) {
    for (const name of names) {
      const batch = contenders[name];
      // Collect the previous trial's garbage (e.g. a discarded store) outside the timing, so no contender pays
      // for another's allocations. Available when run through bench/run.ts (--expose-gc).
      gc?.();
      let items = 0;
      const wallStart = performance.now();
      const cpuStart = process.cpuUsage();
      while (performance.now() - wallStart < trialMillis) {
        lastBatchResult = await batch();
        items += itemsPerBatch;
      }
      const cpu = process.cpuUsage(cpuStart);
      rates[name].push(items / ((cpu.user + cpu.system) / 1e6));
    }
  }
  const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  return Object.fromEntries(names.map((n) => [n, { perCpuSecond: median(rates[n]), trials: rates[n] }])) as unknown as Record<K, Rate>;
}

/** Formats a rate like `123,456 spans/s`. */
export function formatRate(rate: Rate, unit = 'spans/s'): string {
  return `${Math.round(rate.perCpuSecond).toLocaleString('en-US')} ${unit}`.padStart(18);
}

/**
 * The median over trials of ours/baseline, pairing each trial with the baseline's trial of the same round
 * (more robust than the ratio of medians when the machine's speed drifts). Prints it against the target.
 */
export function reportRatio(label: string, ours: Rate, baseline: Rate, baselineLabel: string, target: number): boolean {
  const ratios = ours.trials.map((r, i) => r / (baseline.trials[i] as number)).sort((a, b) => a - b);
  const ratio = ratios[Math.floor(ratios.length / 2)] as number;
  const holds = ratio >= target;
  console.log(`  ${holds ? 'ok  ' : 'MISS'} ${label}: ${ratio.toFixed(2)}x ${baselineLabel} (target >= ${target.toFixed(1)}x)`);
  return holds;
}

/** How long one synchronous piece of work took, three ways. */
export interface Timing {
  /** Elapsed time. On a busy machine it measures the neighbours too. */
  readonly wallMillis: number;
  /**
   * CPU time of the main thread alone (`process.threadCpuUsage`): the work the caller waits for, robust to a
   * neighbour's load, without V8's background threads (concurrent GC marking, optimising compilers), which run
   * beside the work and add no latency to it.
   */
  readonly mainThreadCpuMillis: number;
  /** CPU time of the whole process, background threads included. */
  readonly processCpuMillis: number;
}

/** Times one synchronous call of `work`. */
export function timeOnce(work: () => unknown): Timing {
  const wallStart = performance.now();
  const threadStart = process.threadCpuUsage();
  const processStart = process.cpuUsage();
  work();
  const thread = process.threadCpuUsage(threadStart);
  const all = process.cpuUsage(processStart);
  return {
    wallMillis: performance.now() - wallStart,
    mainThreadCpuMillis: (thread.user + thread.system) / 1000,
    processCpuMillis: (all.user + all.system) / 1000,
  };
}

/** The median of each figure over several timings. */
export function medianTiming(timings: readonly Timing[]): Timing {
  const median = (pick: (t: Timing) => number): number => {
    const sorted = timings.map(pick).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  };
  return { wallMillis: median((t) => t.wallMillis), mainThreadCpuMillis: median((t) => t.mainThreadCpuMillis), processCpuMillis: median((t) => t.processCpuMillis) };
}

/** `wall 281.0 ms, main-thread CPU 270.2 ms, process CPU 455.9 ms`. */
export function formatTiming(timing: Timing): string {
  return `main-thread CPU ${timing.mainThreadCpuMillis.toFixed(1)} ms (wall ${timing.wallMillis.toFixed(1)} ms, process CPU incl. V8 background threads ${timing.processCpuMillis.toFixed(1)} ms)`;
}

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
        await batch();
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

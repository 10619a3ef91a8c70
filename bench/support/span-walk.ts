/**
 * The engine benchmarks' baseline: one walk over the spans that reads what any evaluation reads of each span and
 * folds it into a checksum. The checksum depends on every span, is returned, and is printed, so V8 cannot drop the
 * walk or any read in it; a baseline that only counted spans was removed in part and timed at 0.1 ns a span.
 */
import type { Span } from '../../src/model/span.ts';
import type { Trace } from '../../src/model/trace.ts';

/** FNV-1a's 32-bit prime: one multiply mixes each read into the checksum. */
const FNV_PRIME = 16777619;

function fold(sum: number, value: number): number {
  return Math.imul(sum ^ value, FNV_PRIME);
}

/**
 * Folds each span's kind, status, name (its length and last character), parent (present or not) and one attribute
 * (`http.route`, its length) into a 32-bit checksum, over the first `spanLimit` spans of `traces` in trace order:
 * the span, its status, its name and an attribute read from each, as every evaluation reads them.
 */
export function checksumSpans(traces: readonly Trace[], spanLimit = Infinity): number {
  let sum = 2166136261;
  let left = spanLimit;
  for (const trace of traces) {
    const spans = trace.spans;
    const n = Math.min(spans.length, left);
    for (let i = 0; i < n; i++) {
      const span = spans[i] as Span;
      const name = span.name;
      const route = span.attributes['http.route'];
      sum = fold(sum, span.kind);
      sum = fold(sum, span.status.code);
      sum = fold(sum, name.length);
      sum = fold(sum, name.charCodeAt(name.length - 1));
      sum = fold(sum, span.parentSpanId === undefined ? 1 : 2);
      sum = fold(sum, typeof route === 'string' ? route.length : 0);
    }
    left -= n;
    if (left <= 0) break;
  }
  return sum >>> 0;
}

/** The baseline at one size: the time of one walk, and the checksum every walk gave. */
export interface WalkBaseline {
  readonly spans: number;
  /** Main-thread CPU of one walk: the median over rounds of (a round's CPU / its walks). */
  readonly millisPerWalk: number;
  readonly checksum: number;
}

/**
 * Times {@link checksumSpans} over the first `size` spans, for each size: rounds alternate the sizes, and each
 * round repeats one size's walk until it has taken `roundMillis` of main-thread CPU, so that the CPU clock (counted
 * in 4 ms ticks on the build machine) measures many walks, not one. Throws when two walks of one size disagree.
 */
export function measureWalks(traces: readonly Trace[], sizes: readonly number[], options: { readonly rounds?: number; readonly roundMillis?: number } = {}): WalkBaseline[] {
  const rounds = options.rounds ?? 5;
  const roundMillis = options.roundMillis ?? 100;
  const samples: number[][] = sizes.map(() => []);
  const checksums = sizes.map((size) => checksumSpans(traces, size));
  for (let r = 0; r < rounds; r++) {
    sizes.forEach((size, k) => {
      let walks = 0;
      let cpuMillis: number;
      const wallStart = performance.now();
      const cpuStart = process.threadCpuUsage();
      do {
        if (checksumSpans(traces, size) !== checksums[k]) throw new Error(`span walk over ${size} spans: the checksum changed between walks`);
        walks += 1;
        const cpu = process.threadCpuUsage(cpuStart);
        cpuMillis = (cpu.user + cpu.system) / 1000;
      } while (cpuMillis < roundMillis && performance.now() - wallStart < 10 * roundMillis);
      samples[k]?.push(cpuMillis / walks);
    });
  }
  const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  return sizes.map((size, k) => ({ spans: size, millisPerWalk: median(samples[k] as number[]), checksum: checksums[k] as number }));
}

/**
 * `50,000 spans 1.52 ms, 100,000 spans 3.10 ms (2.04x the time for 2.00x the spans); checksums 1a2b3c4d, 5e6f7a8b`:
 * the baseline at each size and how it grew, so a reader sees it scale with the spans.
 */
export function formatWalks(walks: readonly WalkBaseline[]): string {
  const sizes = walks.map((w) => `${w.spans.toLocaleString('en-US')} spans ${w.millisPerWalk.toFixed(2)} ms`).join(', ');
  const first = walks[0];
  const last = walks[walks.length - 1];
  const growth = first === undefined || last === undefined || walks.length < 2 ? '' : ` (${(last.millisPerWalk / first.millisPerWalk).toFixed(2)}x the time for ${(last.spans / first.spans).toFixed(2)}x the spans)`;
  return `${sizes}${growth}; checksums ${walks.map((w) => w.checksum.toString(16).padStart(8, '0')).join(', ')}`;
}

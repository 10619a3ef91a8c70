import type { RunResult, TraceView } from '../engine/index.ts';

/** The reporters tracecheck ships. */
export type ReporterName = 'pretty' | 'json' | 'junit' | 'html';

/** Every reporter name, in the order help texts list them. */
export const reporterNames: readonly ReporterName[] = ['pretty', 'json', 'junit', 'html'];

/**
 * Turns a finished run's result into text. Reporters read only the public result model
 * ({@link RunResult}); they never see the engine or the store. The html reporter also draws the run's traces, which
 * it is given as plain data (`ReporterOptions.traces`, from `viewTraces`).
 */
export interface Reporter {
  readonly name: string;
  render(result: RunResult): string;
}

/** Options shared by the reporters; each reporter reads what concerns it. */
export interface ReporterOptions {
  /**
   * Whether the pretty reporter writes ANSI colours. Default: detected for stdout (off when stdout is not a
   * terminal or `NO_COLOR` is set). The json and junit reporters never colour.
   */
  readonly color?: boolean;
  /**
   * Traces larger than this are drawn with the subtrees that hold no offending span folded into one line.
   * Default 60.
   */
  readonly maxTreeSpans?: number;
  /** The run's traces, drawn by the html reporter as waterfalls (`viewTraces(run.traces())`); the others ignore them. */
  readonly traces?: readonly TraceView[];
}

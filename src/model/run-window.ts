/**
 * When a test run happened, by the collector's wall clock: from the moment the run began (the collector made it,
 * before the system under test was started with its environment) to the arrival of its last export. Every span of
 * the run was started and ended inside it, give or take the clocks' disagreement; the hygiene rule
 * `hygiene/timestamps-in-run` judges that. Read-only data: the store records it, the engine reads it.
 *
 * @example
 * ```ts
 * const window: RunWindow = { startUnixNano: 1_700_000_000_000_000_000n, endUnixNano: 1_700_000_002_000_000_000n };
 * console.log(Number(window.endUnixNano - window.startUnixNano) / 1e6, 'ms');
 * ```
 */
export interface RunWindow {
  /**
   * When the run began (epoch nanoseconds, millisecond precision); absent when the run was made by its first
   * export (a sidecar's run that spans named before anyone asked for it), which may come after spans started.
   */
  readonly startUnixNano?: bigint;
  /** When its last export arrived (epoch nanoseconds, millisecond precision). */
  readonly endUnixNano: bigint;
}

/**
 * Process exit codes of every tracecheck command. A failing child command (`tracecheck run -- CMD`) passes its own
 * code through instead.
 */
export const ExitCode = {
  /** Everything passed. */
  OK: 0,
  /** A spec failed. */
  SPEC_FAILED: 1,
  /** The command line or a spec file is wrong: nothing was judged. */
  USAGE: 2,
  /** `serve --save`: some exports could not be saved during the sidecar's life (they were answered 503, not kept). */
  SAVE_FAILED: 3,
} as const;

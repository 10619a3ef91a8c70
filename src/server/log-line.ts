/** How the collector and `tracecheck serve` write their log: prose lines, or one JSON object a line. */
export type LogFormat = 'text' | 'json';

/** The log formats, for option tables. */
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

/** One thing worth logging. */
export interface LogEvent {
  readonly level: 'info' | 'warn' | 'error';
  /** A stable name for machines, e.g. `run-evicted`. */
  readonly event: string;
  /** The prose line; values from outside (run ids, paths, header values) quoted with {@link quoteForLog}. */
  readonly message: string;
  /** The same values as data, for the JSON format. */
  readonly fields?: Readonly<Record<string, string | number | boolean | undefined>>;
}

/**
 * Characters a log line must not carry raw: C0 and C1 controls (a newline would start a forged line, an escape
 * sequence would rewrite a terminal), DEL, the Unicode line and paragraph separators and the bidirectional
 * overrides that make text read differently from what it is.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what this pattern finds
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/**
 * `text` in double quotes, with quotes, backslashes and every unsafe character escaped (`\n`, `\u001b`), so a
 * value from outside can never end the log line or pass for another field.
 *
 * @example
 * ```ts
 * quoteForLog('run-1\ntracecheck: forged'); // "run-1\ntracecheck: forged" on one line
 * ```
 */
export function quoteForLog(text: string): string {
  return escapeUnsafe(JSON.stringify(text));
}

function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * One event as one line, without the newline: `tracecheck: <message>` for `text`, or a JSON object
 * `{"time","level","event","msg",...fields}` for `json` (JSON escapes every control character, so it stays one line).
 *
 * @example
 * ```ts
 * formatLogLine('json', { level: 'warn', event: 'run-evicted', message: 'evicted run "r"', fields: { runId: 'r' } });
 * // {"time":"2026-12-03T15:00:00.000Z","level":"warn","event":"run-evicted","msg":"evicted run \"r\"","runId":"r"}
 * ```
 */
export function formatLogLine(format: LogFormat, event: LogEvent, now: Date = new Date()): string {
  // A message is built from quoted values, but a caller may have missed one: escaping again keeps it one line.
  if (format === 'text') return `tracecheck: ${escapeUnsafe(event.message)}`;
  return escapeUnsafe(JSON.stringify({ time: now.toISOString(), level: event.level, event: event.event, msg: event.message, ...event.fields }));
}

import type { EvaluateOptions } from '../engine/index.ts';
import type { SpecProblem } from '../errors.ts';
import { err, ok, type Result } from '../result.ts';
import { didYouMean, formatSpecPath, parseDuration } from '../language/index.ts';
import type { DurationSource, LocatedSpecProblem, SpecPath } from '../language/index.ts';

/**
 * Options of `run.expect()` and of the matchers: the engine's deadline and quiet period, written as a spec file
 * writes durations (`timeout: '1s'`, `quiet: '200ms'`, or a number of milliseconds) or in milliseconds
 * (`timeoutMillis`, `quietMillis`), and the values of `${env:...}`.
 */
export interface ExpectOptions extends EvaluateOptions {
  /** How long to wait, at most, for the run to satisfy the specs, e.g. `'1s'` or `1000`; same as `timeoutMillis`. */
  readonly timeout?: DurationSource;
  /** How long the run must be quiet to count as settled, e.g. `'200ms'`; same as `quietMillis`. */
  readonly quiet?: DurationSource;
}

/** Every key an {@link ExpectOptions} object may have: the matchers take these out before the expectation. */
export const EXPECT_OPTION_KEYS = ['timeout', 'timeoutMillis', 'quiet', 'quietMillis', 'env', 'finalOnceSettled'] as const;

type ExpectOptionKey = (typeof EXPECT_OPTION_KEYS)[number];

function isExpectOptionKey(key: string): key is ExpectOptionKey {
  return (EXPECT_OPTION_KEYS as readonly string[]).includes(key);
}

/** A problem with an options object, named by its path as the user wrote it (`at options.timout: ...`). */
export function optionProblem(path: SpecPath, message: string, hint?: string): LocatedSpecProblem {
  return { file: '<options>', line: 0, col: 0, message: `at ${formatSpecPath(path)}: ${message}`, ...(hint === undefined ? {} : { hint }), path };
}

/** `did you mean "timeout"?` when a written key is close to an option's name. */
export function nearOptionHint(key: string): string | undefined {
  const near = didYouMean(key, EXPECT_OPTION_KEYS, { deadline: 'timeout', wait: 'timeout', timeoutMs: 'timeoutMillis', quietMs: 'quietMillis' });
  return near === undefined ? undefined : `did you mean "${near}"?`;
}

function millis(value: unknown, path: SpecPath, problems: LocatedSpecProblem[]): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    problems.push(optionProblem(path, `must be a non-negative number of milliseconds, got ${JSON.stringify(value) ?? String(value)}`));
    return undefined;
  }
  return value;
}

function duration(value: unknown, path: SpecPath, problems: LocatedSpecProblem[]): number | undefined {
  if (value === undefined) return undefined;
  const parsed = parseDuration(value as DurationSource);
  if (!parsed.ok) {
    problems.push(optionProblem(path, parsed.error));
    return undefined;
  }
  return Number(parsed.value) / 1e6;
}

/**
 * Checks an options object as the user wrote it and turns it into the engine's options: durations become
 * milliseconds, and every unknown key, wrong type or doubled setting (`timeout` with `timeoutMillis`) is a
 * problem that names the option.
 *
 * @param path where the options sit, for the problems' messages; default `options`
 *
 * @example
 * ```ts
 * normaliseExpectOptions({ timeout: '1s' });  // { ok: true, value: { timeoutMillis: 1000 } }
 * normaliseExpectOptions({ timout: '1s' });   // problem 'at options.timout: unknown option "timout"', hint 'did you mean "timeout"?'
 * ```
 */
export function normaliseExpectOptions(options: unknown, path: SpecPath = ['options']): Result<EvaluateOptions, SpecProblem[]> {
  if (options === undefined || options === null) return ok({});
  if (typeof options !== 'object' || Array.isArray(options)) {
    return err([optionProblem(path, `options must be an object such as { timeout: '1s' }, got ${Array.isArray(options) ? 'a list' : typeof options}`)]);
  }
  const written = options as Readonly<Record<string, unknown>>;
  const problems: LocatedSpecProblem[] = [];
  for (const key of Object.keys(written)) {
    if (isExpectOptionKey(key)) continue;
    problems.push(optionProblem([...path, key], `unknown option "${key}"`, nearOptionHint(key) ?? `valid options: ${EXPECT_OPTION_KEYS.join(', ')}`));
  }
  for (const [short, long] of [['timeout', 'timeoutMillis'], ['quiet', 'quietMillis']] as const) {
    if (written[short] !== undefined && written[long] !== undefined) {
      problems.push(optionProblem([...path, short], `"${short}" and "${long}" set the same thing; give one`));
    }
  }
  const timeoutMillis = duration(written['timeout'], [...path, 'timeout'], problems) ?? millis(written['timeoutMillis'], [...path, 'timeoutMillis'], problems);
  const quietMillis = duration(written['quiet'], [...path, 'quiet'], problems) ?? millis(written['quietMillis'], [...path, 'quietMillis'], problems);
  const env = written['env'];
  if (env !== undefined && (typeof env !== 'object' || env === null)) {
    problems.push(optionProblem([...path, 'env'], 'must be an object of variable values, such as process.env'));
  }
  const finalOnceSettled = written['finalOnceSettled'];
  if (finalOnceSettled !== undefined && typeof finalOnceSettled !== 'boolean') {
    problems.push(optionProblem([...path, 'finalOnceSettled'], 'must be true or false'));
  }
  if (problems.length > 0) return err(problems);
  return ok({
    ...(timeoutMillis === undefined ? {} : { timeoutMillis }),
    ...(quietMillis === undefined ? {} : { quietMillis }),
    ...(env === undefined ? {} : { env: env as EvaluateOptions['env'] }),
    ...(finalOnceSettled === undefined ? {} : { finalOnceSettled: finalOnceSettled as boolean }),
  });
}

/** The options with `timeoutMillis` set to the given default when the user wrote neither `timeout` nor `timeoutMillis`. */
export function withDefaultTimeout(options: ExpectOptions | undefined, defaultTimeoutMillis: number): ExpectOptions {
  const written = options ?? {};
  if (typeof written !== 'object' || written.timeout !== undefined || written.timeoutMillis !== undefined) return written;
  return { ...written, timeoutMillis: defaultTimeoutMillis };
}

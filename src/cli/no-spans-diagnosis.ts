import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** What reached the collector during a `tracecheck run`, whichever run it belonged to. */
export interface ExportTally {
  /** Accepted OTLP export requests, over both transports. */
  requests: number;
  spans: number;
  /** Spans that carried no run id (no `x-test-run-id` header, no `test.run.id` attribute). */
  untaggedSpans: number;
  /** Run ids other than this run's that spans carried. */
  readonly otherRunIds: Set<string>;
}

/** Everything {@link diagnoseNoSpans} looks at. */
export interface NoSpansInput {
  /** CMD as given after `--`. */
  readonly command: readonly string[];
  /** The whole environment CMD was started with (inherited variables and the run's). */
  readonly childEnv: Readonly<Record<string, string | undefined>>;
  /** The OTEL_* variables the run set. */
  readonly runEnv: Readonly<Record<string, string>>;
  readonly runId: string;
  /** The deadline for spans after CMD exits. */
  readonly timeoutMillis: number;
  readonly exports: ExportTally;
  /** The working directory, for the package.json script an `npm test`-like CMD runs. */
  readonly cwd: string;
}

/** A set of variables and where they were found, e.g. the environment or `package.json script "test"`. */
interface VariableSource {
  readonly where: string;
  readonly variables: ReadonlyMap<string, string>;
}

/** Package managers whose `<pm> [run] NAME` runs the `scripts.NAME` of package.json. */
const PACKAGE_MANAGERS = new Set(['npm', 'pnpm', 'yarn', 'bun']);

/** Shell assignments of OTEL_* variables, bare or quoted, optionally after `export` (as in `env`, `sh -c`, scripts). */
const ASSIGNMENT = /(?:^|[\s;&|(])(?:export\s+)?(OTEL_[A-Z0-9_]+)=("[^"]*"|'[^']*'|[^\s;&|)]*)/g;

/**
 * The lines that open the report of a run that received no span: what arrived at the collector at all (nothing,
 * or exports not tagged with this run), and each `OTEL_*` variable in CMD's reach that keeps spans from arriving,
 * named with its value and where it was set (the environment, CMD's words, the package.json script CMD runs).
 */
export function diagnoseNoSpans(input: NoSpansInput): string[] {
  const sources = [
    { where: 'in the environment', variables: new Map(Object.entries(input.childEnv).filter((e): e is [string, string] => e[1] !== undefined)) },
    { where: 'in CMD', variables: assignments(input.command) },
    ...packageScriptSources(input.command, input.cwd),
  ];
  const reasons = sources.flatMap((source) => conflicts(source, input));
  reasons.push(arrivalReason(input));
  return [`tracecheck run: no spans arrived from ${input.command.join(' ')}; likely reasons:`, ...reasons.map((r) => `  - ${r}`)];
}

function arrivalReason({ exports, runEnv, runId }: NoSpansInput): string {
  const endpoint = runEnv['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? 'tracecheck';
  if (exports.requests === 0) {
    return (
      `no export request reached tracecheck (${endpoint}) at all: no OpenTelemetry SDK started in CMD (is it loaded, ` +
      'e.g. node --import ./otel.js?), it ended before exporting (no sdk.shutdown()), or it exports elsewhere ' +
      '(a hard-coded endpoint: point it here with --host, --http-port, --grpc-port)'
    );
  }
  const others = [...exports.otherRunIds];
  const tagged = others.length === 0 ? '' : `, ${exports.spans - exports.untaggedSpans} tagged with other runs (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''})`;
  return (
    `${exports.requests} export request${exports.requests === 1 ? '' : 's'} with ${exports.spans} span${exports.spans === 1 ? '' : 's'} arrived, ` +
    `none tagged with this run ${runId} (${exports.untaggedSpans} untagged${tagged}): the exporting processes did not get ` +
    'the OTEL_RESOURCE_ATTRIBUTES / OTEL_EXPORTER_OTLP_HEADERS tracecheck set (started before the run, or given an environment of their own)'
  );
}

function conflicts({ where, variables }: VariableSource, input: NoSpansInput): string[] {
  const found: string[] = [];
  const named = (name: string, why: string): void => {
    found.push(`${name}=${variables.get(name)} ${where} ${why}`);
  };
  for (const [name, value] of variables) {
    const lower = value.trim().toLowerCase();
    const ours = input.runEnv[name];
    if (name === 'OTEL_SDK_DISABLED' && lower === 'true') named(name, 'turns the OpenTelemetry SDK off');
    if (name === 'OTEL_TRACES_EXPORTER' && !lower.split(',').some((e) => e.trim() === 'otlp')) {
      named(name, lower === 'none' ? 'turns trace export off' : `sends spans to ${value}, not to tracecheck over OTLP`);
    }
    if (name === 'OTEL_TRACES_SAMPLER' && samplesNothing(lower, variables.get('OTEL_TRACES_SAMPLER_ARG'))) named(name, 'samples no span');
    if (/^OTEL_EXPORTER_OTLP_(TRACES_)?ENDPOINT$/.test(name) && ours !== undefined && value !== ours) {
      named(name, `points the exporter away from tracecheck (${ours})`);
    }
    if (/^OTEL_EXPORTER_OTLP_(TRACES_)?PROTOCOL$/.test(name) && ours !== undefined && value !== ours) {
      named(name, `makes the exporter speak ${value} to tracecheck's ${ours} endpoint`);
    }
    if (name === 'OTEL_BSP_SCHEDULE_DELAY' && Number(value) > input.timeoutMillis) {
      named(name, `holds spans for ${value} ms before export, longer than the ${input.timeoutMillis} ms tracecheck waits (--timeout)`);
    }
    if ((name === 'OTEL_RESOURCE_ATTRIBUTES' || name === 'OTEL_EXPORTER_OTLP_HEADERS') && ours !== undefined && !value.includes(ours)) {
      named(name, `replaces the run's tag (${ours})`);
    }
  }
  return found;
}

function samplesNothing(sampler: string, arg: string | undefined): boolean {
  if (sampler === 'always_off' || sampler === 'parentbased_always_off') return true;
  return (sampler === 'traceidratio' || sampler === 'parentbased_traceidratio') && arg !== undefined && Number(arg) === 0;
}

function assignments(words: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const word of words) {
    for (const match of word.matchAll(ASSIGNMENT)) {
      const raw = match[2] as string;
      found.set(match[1] as string, /^(["']).*\1$/.test(raw) ? raw.slice(1, -1) : raw);
    }
  }
  return found;
}

/** The package.json script `npm test`, `pnpm run e2e` and the like run, when CMD is one. */
function packageScriptSources(command: readonly string[], cwd: string): VariableSource[] {
  const [program, first, second] = command;
  if (program === undefined || !PACKAGE_MANAGERS.has(basename(program)) || first === undefined) return [];
  const name = first === 'run' || first === 'run-script' ? second : first;
  if (name === undefined) return [];
  let script: unknown;
  try {
    const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { scripts?: Record<string, unknown> };
    script = pkg.scripts?.[name];
  } catch {
    return [];
  }
  return typeof script === 'string' ? [{ where: `in package.json script "${name}"`, variables: assignments([script]) }] : [];
}

// The options of `tracecheck serve` that make it a staging sidecar beyond storing spans: continuous verification
// (--specs), forwarding upstream (--forward), redaction (--redact-*). Kept apart from serve-command.ts so that file
// stays about listening and stopping.
import type { LoadedSpec } from '../language/index.ts';
import type { CollectorOptions } from '../server/index.ts';
import { err, ok, type Result } from '../result.ts';
import type { CliIo } from './cli-io.ts';
import { durationMillisOption } from './duration-option.ts';
import type { OptionSpec, ParsedArgs } from './option-table.ts';
import { valueOf } from './option-table.ts';
import { loadSpecsOrExplain } from './spec-loading.ts';

/** The rows of serve's option table for verification, forwarding and redaction. */
export const observabilityOptions: readonly OptionSpec[] = [
  { name: 'specs', type: 'list', valueName: 'PATH', description: 'judge each live trace against these trace-scoped specs once it settles (counted in /metrics)' },
  { name: 'trace-quiet', type: 'value', valueName: 'DURATION', description: 'how long a trace receives nothing before --specs judges it, default 2s' },
  { name: 'forward', type: 'value', valueName: 'URL', description: 're-export everything to an upstream: http://host:4318 (OTLP/HTTP protobuf) or grpc://host:4317' },
  { name: 'forward-header', type: 'list', valueName: 'NAME=VALUE', description: 'a header (gRPC metadata) sent upstream with every forwarded export' },
  { name: 'forward-queue-spans', type: 'value', valueName: 'N', description: 'spans queued while the upstream is slow or down, default 100000; past it exports are dropped and counted' },
  { name: 'redact-key', type: 'list', valueName: 'GLOB', description: 'redact the values of attributes whose key matches, e.g. "*password*" "enduser.*"' },
  {
    name: 'redact-pattern',
    type: 'list',
    valueName: 'PATTERN',
    description: 'redact matching text in values: email, card-number, bearer-token, or a regex',
  },
  { name: 'redact-mode', type: 'value', valueName: 'MODE', choices: ['mask', 'hash'], description: 'replace redacted values with [REDACTED] (mask, default) or sha256:<16 hex> (hash)' },
];

/** What `serve` hands the collector for verification, forwarding and redaction. */
export type Observability = Pick<CollectorOptions, 'redaction' | 'forward' | 'verify'>;

function forwardHeaders(args: ParsedArgs): Result<Record<string, string>, string> {
  const headers: Record<string, string> = {};
  for (const entry of args.values.get('forward-header') ?? []) {
    const eq = entry.indexOf('=');
    if (eq < 1) return err(`--forward-header ${JSON.stringify(entry)} must be NAME=VALUE, e.g. "x-api-key=abc123"`);
    headers[entry.slice(0, eq).trim().toLowerCase()] = entry.slice(eq + 1);
  }
  return ok(headers);
}

/**
 * The collector options these flags ask for. A usage error is a message; `undefined` as the error means the specs
 * did not load and their problems were already printed.
 */
export async function observabilityOf(args: ParsedArgs, io: CliIo): Promise<Result<Observability, string | undefined>> {
  const out: { -readonly [K in keyof Observability]: Observability[K] } = {};
  const keys = args.values.get('redact-key');
  const patterns = args.values.get('redact-pattern');
  const mode = valueOf(args, 'redact-mode') as 'mask' | 'hash' | undefined;
  if (keys !== undefined || patterns !== undefined) {
    out.redaction = { keys, patterns, mode };
    // Checked here, not only by the collector, so a bad rule in a config file is reported at its position.
    const { compileRedaction } = await import('../server/index.ts');
    const compiled = compileRedaction(out.redaction);
    if (!compiled.ok) return err(compiled.error[0]);
  } else if (mode !== undefined) return err('--redact-mode needs --redact-key or --redact-pattern: there is nothing to redact');

  const url = valueOf(args, 'forward');
  const headers = forwardHeaders(args);
  if (!headers.ok) return headers;
  const queueText = valueOf(args, 'forward-queue-spans');
  const maxQueueSpans = queueText === undefined ? undefined : Number(queueText.replaceAll('_', ''));
  if (maxQueueSpans !== undefined && (!/^\d[\d_]*$/.test(queueText ?? '') || !Number.isSafeInteger(maxQueueSpans) || maxQueueSpans < 1)) {
    return err(`--forward-queue-spans must be a positive integer, got ${JSON.stringify(queueText)}`);
  }
  if (url !== undefined) out.forward = { url, headers: headers.value, maxQueueSpans };
  else if (args.values.has('forward-header') || queueText !== undefined) return err('--forward-header and --forward-queue-spans need --forward URL');

  const quiet = durationMillisOption(args, 'trace-quiet');
  if (!quiet.ok) return quiet;
  if (args.values.has('specs')) {
    const specs = await loadSpecsOrExplain(args, io);
    if (specs === undefined) return err(undefined);
    out.verify = { specs, traceQuietMillis: quiet.value };
  } else if (quiet.value !== undefined) {
    return err('--trace-quiet needs --specs: it says when a live trace is judged');
  }
  return ok(out);
}

/** One line for each of verification, forwarding and redaction that is on. */
export function describeObservability(options: Observability): string[] {
  const lines: string[] = [];
  if (options.verify !== undefined) {
    // serve's specs come from files; only those with a `traces:` selection are judged (isTraceScoped in server/).
    const judged = (options.verify.specs as readonly LoadedSpec[]).filter((spec) => spec.definition.traces !== undefined).length;
    const skipped = options.verify.specs.length - judged;
    lines.push(
      `judging live traces against ${judged} trace-scoped spec${judged === 1 ? '' : 's'}` +
        (skipped === 0 ? '' : ` (${skipped} without a "traces:" selection skipped: continuous verification judges single traces)`),
    );
  }
  if (options.forward !== undefined) lines.push(`forwarding every export to ${options.forward.url}`);
  if (options.redaction !== undefined) lines.push(`redacting ${[...(options.redaction.keys ?? []), ...(options.redaction.patterns ?? [])].join(', ')} (${options.redaction.mode ?? 'mask'})`);
  return lines;
}

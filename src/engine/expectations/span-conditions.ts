import { durationNanosOf, StatusCode, statusCodeNames } from '../../model/index.ts';
import type { AttributeMap, Span, Trace } from '../../model/index.ts';
import { err, ok, type Result } from '../../result.ts';
import { countInRange, describeCount, formatDurationNanos, parseCount, parseDuration } from '../../language/index.ts';
import type {
  AttributeMatchers,
  CountRange,
  DurationMatcher,
  DurationSource,
  EventMatcher,
  LinkMatcher,
  StatusMatcher,
} from '../../language/index.ts';
import { attributeReader, parseAttributeKey, type AttributeKey } from '../attribute-lookup.ts';
import { skewAdjustmentOf } from '../clock-skew.ts';
import type { JudgeContext } from '../judge.ts';
import type { SelectorCache, SelectorHandle } from '../selector-cache.ts';
import type { MatchedValue } from '../value-format.ts';
import { compileValueMatcher, type CompiledValueMatcher } from '../value-matcher.ts';

/** One compiled condition on a span; `check` returns why the span fails it, or `undefined`. */
export interface SpanCondition {
  /** The condition as text, e.g. `http.response.status_code = 200`. */
  readonly description: string;
  check(span: Span, trace: Trace, context: JudgeContext): string | undefined;
  /**
   * Set when the condition is one attribute tested by a value matcher: generated scans (see condition-scan.ts)
   * then read the attribute inline and call `test` from a call site of their own.
   */
  readonly attribute?: AttributeKey & {
    readonly test: (value: MatchedValue) => string | undefined;
    /** Inline sufficient condition for `test` to pass (see `CompiledValueMatcher.fastAccept`). */
    readonly fastAccept?: (v: string) => string;
  };
}

interface AttributeCheck {
  readonly key: string;
  readonly read: (attributes: AttributeMap) => unknown;
  readonly matcher: CompiledValueMatcher;
}

/**
 * `withinRun: <tolerance>`: the span starts and ends inside the run's window (see `RunWindow`), give or take the
 * tolerance. The span's own timestamps are judged, as its service stamped them: a clock-skew correction the engine
 * made to draw the trace is taken back first. Holds without judging when the context has no window (saved traces).
 */
export function compileWithinRunCondition(tolerance: DurationSource): Result<SpanCondition, string> {
  const parsed = parseDuration(tolerance);
  if (!parsed.ok) return err(`withinRun: ${parsed.error}`);
  const toleranceNanos = parsed.value;
  const slack = formatDurationNanos(toleranceNanos);
  return ok({
    description: `start and end within the run's window (± ${slack})`,
    check: (span, trace, context) => {
      const window = context.runWindow;
      if (window === undefined) return undefined;
      const shift = skewAdjustmentOf(span, trace) ?? 0n;
      const start = span.startTimeUnixNano - shift;
      const end = span.endTimeUnixNano - shift;
      if (window.startUnixNano !== undefined && start < window.startUnixNano - toleranceNanos) return `started ${formatDurationNanos(window.startUnixNano - start)} before the run began (more than the ${slack} allowed)`;
      if (end > window.endUnixNano + toleranceNanos) return `ended ${formatDurationNanos(end - window.endUnixNano)} after the run's last export arrived (more than the ${slack} allowed)`;
      return undefined;
    },
  });
}

/** Compiles attribute matchers against span, resource or scope attributes (by key prefix). */
export function compileAttributeConditions(matchers: AttributeMatchers): Result<SpanCondition[], string> {
  const out: SpanCondition[] = [];
  for (const [key, source] of Object.entries(matchers)) {
    const compiled = compileValueMatcher(source);
    if (!compiled.ok) return err(`attribute ${key}: ${compiled.error}`);
    const matcher = compiled.value;
    const read = attributeReader(key);
    const test = matcher.test.bind(matcher);
    out.push({
      description: `${key} ${matcher.description}`,
      attribute: { ...parseAttributeKey(key), test, ...(matcher.fastAccept === undefined ? {} : { fastAccept: matcher.fastAccept }) },
      check: (span) => {
        const why = matcher.test(read(span));
        return why === undefined ? undefined : `attribute ${key}: ${why}`;
      },
    });
  }
  return ok(out);
}

/** Matchers over a plain attribute map (events and links carry their own attributes). */
function compileMapMatchers(matchers: AttributeMatchers | undefined): Result<AttributeCheck[], string> {
  const out: AttributeCheck[] = [];
  for (const [key, source] of Object.entries(matchers ?? {})) {
    const compiled = compileValueMatcher(source);
    if (!compiled.ok) return err(`attribute ${key}: ${compiled.error}`);
    out.push({ key, read: (attributes) => (Object.hasOwn(attributes, key) ? attributes[key] : undefined), matcher: compiled.value });
  }
  return ok(out);
}

function firstMapMismatch(checks: readonly AttributeCheck[], attributes: AttributeMap): string | undefined {
  for (const c of checks) {
    const why = c.matcher.test(c.read(attributes) as never);
    if (why !== undefined) return `attribute ${c.key}: ${why}`;
  }
  return undefined;
}

/** A bare duration is an upper bound ("at most"). */
export function compileDurationCondition(matcher: DurationMatcher): Result<SpanCondition, string> {
  const bounds: { op: 'lt' | 'lte' | 'gt' | 'gte'; nanos: bigint }[] = [];
  if (typeof matcher === 'number' || typeof matcher === 'string') {
    const parsed = parseDuration(matcher);
    if (!parsed.ok) return err(`duration: ${parsed.error}`);
    bounds.push({ op: 'lte', nanos: parsed.value });
  } else {
    for (const op of ['lt', 'lte', 'gt', 'gte'] as const) {
      const source = matcher[op];
      if (source === undefined) continue;
      const parsed = parseDuration(source);
      if (!parsed.ok) return err(`duration ${op}: ${parsed.error}`);
      bounds.push({ op, nanos: parsed.value });
    }
    if (bounds.length === 0) return err('duration needs a bound: a duration, or lt / lte / gt / gte');
  }
  const symbol = { lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;
  const description = `duration ${bounds.map((b) => `${symbol[b.op]} ${formatDurationNanos(b.nanos)}`).join(' and ')}`;
  return ok({
    description,
    check: (span) => {
      const d = durationNanosOf(span);
      for (const { op, nanos } of bounds) {
        const holds = op === 'lt' ? d < nanos : op === 'lte' ? d <= nanos : op === 'gt' ? d > nanos : d >= nanos;
        if (!holds) return `took ${formatDurationNanos(d)}, expected ${symbol[op]} ${formatDurationNanos(nanos)}`;
      }
      return undefined;
    },
  });
}

const STATUS_BY_NAME: Readonly<Record<string, number>> = { unset: StatusCode.UNSET, ok: StatusCode.OK, error: StatusCode.ERROR };

function statusText(span: Span): string {
  const name = statusCodeNames[span.status.code] ?? String(span.status.code);
  return span.status.message === '' ? name : `${name} (${JSON.stringify(span.status.message)})`;
}

/** `'error'` or `{ not: 'error' }`. */
export function compileStatusCondition(matcher: StatusMatcher): Result<SpanCondition, string> {
  const negate = typeof matcher === 'object';
  const name = typeof matcher === 'object' ? matcher.not : matcher;
  const code = STATUS_BY_NAME[name];
  if (code === undefined) return err(`unknown status "${String(name)}" (use unset, ok or error)`);
  return ok({
    description: `status ${negate ? 'not ' : ''}${name}`,
    check: (span) => ((span.status.code === code) !== negate ? undefined : `status is ${statusText(span)}, expected ${negate ? 'anything but ' : ''}${name}`),
  });
}

/** An event condition: how many events of that name (with matching attributes) the span must have. */
export function compileEventCondition(matcher: EventMatcher): Result<SpanCondition, string> {
  const attrs = compileMapMatchers(matcher.attributes);
  if (!attrs.ok) return err(`event "${matcher.name}": ${attrs.error}`);
  let range: CountRange = { min: 1, max: Infinity };
  if (matcher.absent === true) range = { min: 0, max: 0 };
  else if (matcher.count !== undefined) {
    const parsed = parseCount(matcher.count);
    if (!parsed.ok) return err(`event "${matcher.name}" count: ${parsed.error}`);
    range = parsed.value;
  }
  const checks = attrs.value;
  const withAttrs = checks.length === 0 ? '' : ` with ${checks.map((c) => `${c.key} ${c.matcher.description}`).join(', ')}`;
  const description = `${describeCount(range, `"${matcher.name}" event`)}${withAttrs}`;
  return ok({
    description,
    check: (span) => {
      let found = 0;
      let named = 0;
      let firstMiss: string | undefined;
      for (const event of span.events) {
        if (event.name !== matcher.name) continue;
        named++;
        const why = firstMapMismatch(checks, event.attributes);
        if (why === undefined) found++;
        else firstMiss ??= why;
      }
      if (countInRange(found, range)) return undefined;
      const detail = range.max === 0 && found > 0 ? eventDetail(span, matcher.name) : named > found && firstMiss !== undefined ? ` (${named - found} "${matcher.name}" event${named - found === 1 ? '' : 's'} did not match: ${firstMiss})` : '';
      return `expected ${description}, found ${found}${detail}`;
    },
  });
}

/** For an unwanted exception event, its type and message say more than its name. */
function eventDetail(span: Span, name: string): string {
  const event = span.events.find((e) => e.name === name);
  if (event === undefined) return '';
  const type = event.attributes['exception.type'];
  const message = event.attributes['exception.message'];
  const parts = [typeof type === 'string' ? type : undefined, typeof message === 'string' ? JSON.stringify(message) : undefined].filter((p) => p !== undefined);
  return parts.length === 0 ? '' : ` (${parts.join(': ')})`;
}

/** A link condition: some link of the span points at a received span the selector picks (in any trace of the run). */
export function compileLinkCondition(matcher: LinkMatcher, selectors: SelectorCache): Result<SpanCondition, string> {
  const selector = selectors.get(matcher.to);
  if (!selector.ok) return err(`link to: ${selector.error}`);
  const attrs = compileMapMatchers(matcher.attributes);
  if (!attrs.ok) return err(`link: ${attrs.error}`);
  const target: SelectorHandle = selector.value;
  const checks = attrs.value;
  const withAttrs = checks.length === 0 ? '' : ` with ${checks.map((c) => `${c.key} ${c.matcher.description}`).join(', ')}`;
  return ok({
    description: `a link to ${matcher.to}${withAttrs}`,
    check: (span, _trace, context) => {
      if (span.links.length === 0) return `expected a link to ${matcher.to}${withAttrs}, but the span has no links`;
      const reasons: string[] = [];
      for (const link of span.links) {
        const linkedTrace = context.traceById.get(link.traceId);
        const node = linkedTrace?.nodesBySpanId.get(link.spanId);
        if (linkedTrace === undefined || node === undefined) {
          reasons.push(`${link.traceId}/${link.spanId} was not received in this run`);
          continue;
        }
        if (!target.has(linkedTrace, node.span)) {
          reasons.push(`${link.traceId}/${link.spanId} (${node.span.name}) is not picked by the selector`);
          continue;
        }
        const why = firstMapMismatch(checks, link.attributes);
        if (why === undefined) return undefined;
        reasons.push(`link to ${node.span.name}: ${why}`);
      }
      return `expected a link to ${matcher.to}${withAttrs}; ${reasons.join('; ')}`;
    },
  });
}

import type { Resource, Span, Trace } from '../model/index.ts';

/**
 * What is known of the clock that stamped a span: how precisely it stamps start times, inferred from the spans
 * themselves, and which host and process it belongs to, read from the resource (`host.id`, `host.name`,
 * `process.pid`). Clock-skew correction and ordering checks use both to tell skew from rounding.
 */

/** 10^0 … 10^9 nanoseconds: the precisions a clock is taken to have, from 1 ns to whole seconds. */
const POWERS_OF_TEN = [1n, 10n, 100n, 1_000n, 10_000n, 100_000n, 1_000_000n, 10_000_000n, 100_000_000n, 1_000_000_000n] as const;
/**
 * Whole milliseconds are what the OpenTelemetry JS SDK stamps starts with (`Date.now()`), so starts that all end in
 * six zeros are taken at their word, even one start alone: a finer clock gives a round millisecond one time in a
 * thousand or less, and then only loosens a tolerance to 1 ms.
 */
const MILLISECOND_ZEROS = 6;
/**
 * A precision coarser than 1 ms needs more evidence, since a looser tolerance hides real skew: at least two
 * distinct starts, and as many that a millisecond clock would show them by chance at most once in a million. Its
 * n distinct starts are all multiples of 10^(6+j) ns one time in 10^(j·n), so j·n must reach this. Two starts of
 * one clock 0 and 10 ms into a trace therefore still mean 1 ms; two whole-second starts mean whole seconds.
 */
const COARSE_EVIDENCE = 6;

/** How many resource objects {@link precisionsOf} finds by identity: a linear search that must stay short. */
const REMEMBERED_RESOURCES = 8;

/** Clock key per resource object: one `ResourceSpans` shares one object, and a run has a handful of them. */
const clockKeys = new WeakMap<Resource, string>();
/** Start precision per clock key, per trace (the trace a skew correction was derived from). */
const precisionsOfTrace = new WeakMap<Trace, ReadonlyMap<string, bigint>>();
/** The trace an adjusted trace was derived from: its moved spans' starts are no longer the clock's stamps. */
const sourceOfTrace = new WeakMap<Trace, Trace>();

function stringAttribute(resource: Resource, key: string): string | undefined {
  const value = resource.attributes[key];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

/** The spans sharing one clock, as far as a resource tells: one service instance in one process on one host. */
function clockKeyOf(resource: Resource): string {
  let key = clockKeys.get(resource);
  if (key === undefined) {
    key = ['service.name', 'service.instance.id', 'host.id', 'host.name', 'process.pid'].map((k) => stringAttribute(resource, k) ?? '').join('\u0000');
    clockKeys.set(resource, key);
  }
  return key;
}

/** How many decimal zeros a start time ends in, 0 to 9 (a whole second). */
function trailingZerosOf(startNanos: bigint): number {
  let rest = Number(startNanos % 1_000_000_000n);
  if (rest === 0) return 9;
  let zeros = 0;
  while (rest % 10 === 0) {
    rest /= 10;
    zeros += 1;
  }
  return zeros;
}

/** The decimal zeros a clock is believed to stamp with, from the fewest its starts end in and how many starts it has. */
function believedZeros(zeros: number, distinctStarts: number): number {
  if (zeros <= MILLISECOND_ZEROS) return zeros;
  return distinctStarts >= 2 && (zeros - MILLISECOND_ZEROS) * distinctStarts >= COARSE_EVIDENCE ? zeros : MILLISECOND_ZEROS;
}

function precisionsOf(trace: Trace): ReadonlyMap<string, bigint> {
  let precisions = precisionsOfTrace.get(trace);
  if (precisions !== undefined) return precisions;
  type Clock = { zeros: number; starts: Set<bigint> };
  const clocks = new Map<string, Clock>();
  // A trace's spans mostly come from a handful of resource objects (one per export): the first few are looked up
  // once, then found by identity; any beyond them by their clock key.
  const resources: Resource[] = [];
  const clocksOfResources: Clock[] = [];
  // Spans of one export come together: the last span's clock answers most spans by identity alone.
  let lastResource: Resource | undefined;
  let lastClock: Clock | undefined;
  const spans = trace.spans;
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i] as Span;
    let clock = span.resource === lastResource ? lastClock : undefined;
    if (clock === undefined) {
      const r = resources.indexOf(span.resource);
      clock = r === -1 ? undefined : clocksOfResources[r];
    }
    if (clock === undefined) {
      const key = clockKeyOf(span.resource);
      clock = clocks.get(key);
      if (clock === undefined) {
        clock = { zeros: trailingZerosOf(span.startTimeUnixNano), starts: new Set([span.startTimeUnixNano]) };
        clocks.set(key, clock);
      }
      if (resources.length < REMEMBERED_RESOURCES) {
        resources.push(span.resource);
        clocksOfResources.push(clock);
      }
    }
    lastResource = span.resource;
    lastClock = clock;
    // A clock already seen stamping to the nanosecond can be no finer.
    if (clock.zeros === 0) continue;
    const zeros = trailingZerosOf(span.startTimeUnixNano);
    if (zeros < clock.zeros) clock.zeros = zeros;
    // Only a coarse clock needs its starts counted.
    if (clock.zeros > MILLISECOND_ZEROS) clock.starts.add(span.startTimeUnixNano);
  }
  const out = new Map<string, bigint>();
  for (const [key, clock] of clocks) out.set(key, POWERS_OF_TEN[believedZeros(clock.zeros, clock.starts.size)] as bigint);
  precisions = out;
  precisionsOfTrace.set(trace, precisions);
  return precisions;
}

/**
 * The precision, in nanoseconds, of the clock that stamped a span's start: the largest power of ten (1 ns to 1 s)
 * that divides the start of every span of the same clock (service instance, host and process) in the trace, so
 * one start that happens to be round does not make its clock look coarse. Beyond 1 ms the starts must be many
 * enough for the roundness not to be chance (see {@link COARSE_EVIDENCE}). For an adjusted trace the stamps of
 * the trace it was derived from count. Without a trace, the span's own start decides, up to 1 ms.
 *
 * @example
 * ```ts
 * startPrecisionNanosOf(span, trace); // 1_000_000n for spans of the OpenTelemetry JS SDK (starts from Date.now())
 * ```
 */
export function startPrecisionNanosOf(span: Span, trace: Trace | undefined): bigint {
  if (trace === undefined) return POWERS_OF_TEN[believedZeros(trailingZerosOf(span.startTimeUnixNano), 1)] as bigint;
  const source = sourceOfTrace.get(trace) ?? trace;
  return precisionsOf(source).get(clockKeyOf(span.resource)) ?? startPrecisionNanosOf(span, undefined);
}

/**
 * An upper bound on {@link startPrecisionNanosOf}, from the span's own start alone: the largest power of ten
 * (1 ns to 1 s) its start is a multiple of. The precision of its clock divides every start that clock stamped in
 * the trace, this one's too, so it is never coarser than this. A violation that reaches this bound reaches the
 * precision, and deciding so costs one remainder instead of a walk over every start of the trace: clock-skew
 * correction asks this first (bench/evaluate.ts: the walks were about half of the correction's cost in the first
 * evaluation).
 *
 * @example
 * ```ts
 * startPrecisionBoundNanosOf(span); // 1_000_000n for a start of 1_700_000_000_123_000_000n
 * ```
 */
export function startPrecisionBoundNanosOf(span: Span): bigint {
  return POWERS_OF_TEN[trailingZerosOf(span.startTimeUnixNano)] as bigint;
}

/** Records that `adjusted` was derived from `source` by moving spans, so its precisions are read from `source`. */
export function deriveClockPrecisions(adjusted: Trace, source: Trace): void {
  sourceOfTrace.set(adjusted, sourceOfTrace.get(source) ?? source);
}

/** How two spans' clocks relate, as far as their resources tell. */
export type ClockRelation =
  /** One process on one host (`process.pid` and the host agree): one clock. */
  | { readonly kind: 'same-process'; readonly host: string; readonly pid: string }
  /** Two processes of one host (`host.id`, else `host.name`, agree): one system clock. */
  | { readonly kind: 'same-host'; readonly host: string }
  /** Two hosts: two clocks that may disagree. */
  | { readonly kind: 'different-hosts'; readonly callerHost: string; readonly calleeHost: string }
  /** A resource names no host (`host.id` or `host.name`) to compare. */
  | { readonly kind: 'unknown' };

/**
 * How the clocks of a caller's and a callee's resources relate: hosts are compared by `host.id` when both carry
 * one, else by `host.name`; one host and one `process.pid` is one process.
 *
 * @example
 * ```ts
 * clockRelationOf(client.resource, server.resource); // { kind: 'same-host', host: 'host.name "vm"' } for two local services
 * ```
 */
export function clockRelationOf(caller: Resource, callee: Resource): ClockRelation {
  let attribute = 'host.id';
  let callerHost = stringAttribute(caller, attribute);
  let calleeHost = stringAttribute(callee, attribute);
  if (callerHost === undefined || calleeHost === undefined) {
    attribute = 'host.name';
    callerHost = stringAttribute(caller, attribute);
    calleeHost = stringAttribute(callee, attribute);
  }
  if (callerHost === undefined || calleeHost === undefined) return { kind: 'unknown' };
  if (callerHost !== calleeHost) return { kind: 'different-hosts', callerHost: `${attribute} ${JSON.stringify(callerHost)}`, calleeHost: `${attribute} ${JSON.stringify(calleeHost)}` };
  const host = `${attribute} ${JSON.stringify(callerHost)}`;
  const pid = stringAttribute(caller, 'process.pid');
  if (pid !== undefined && pid === stringAttribute(callee, 'process.pid')) return { kind: 'same-process', host, pid };
  return { kind: 'same-host', host };
}

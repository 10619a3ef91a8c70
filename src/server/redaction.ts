// Redaction at ingest: the collector passes every accepted export through a redactor before the store, the save
// file and the forwarder see it, so a redacted value reaches no output (query API, saved lines, the upstream copy,
// reports). It is the sidecar's only copy-on-write pass over spans: a span with nothing to redact is passed as it is.
import { createHash } from 'node:crypto';
import { specRegex, regexProblem } from '../language/index.ts';
import { emptyAttributes, SpanRecord } from '../model/index.ts';
import type { AttributeMap, AttributeValue, InstrumentationScope, Resource, Span, SpanEvent, SpanLink } from '../model/index.ts';
import { err, ok, type Result } from '../result.ts';

/** How a redacted value is replaced: `mask` writes {@link REDACTED_MASK}; `hash` writes `sha256:` and 16 hex digits. */
export type RedactionMode = 'mask' | 'hash';

/** What is replaced in a redacted value, or the whole value of a redacted key. */
export const REDACTED_MASK = '[REDACTED]';

/**
 * Value patterns known by name. A match is replaced where it stands in a string value, span name, event name or
 * status message; a pattern with a `secret` group replaces only that group (`Bearer [REDACTED]`).
 */
export const BUILT_IN_REDACTION_PATTERNS: Readonly<Record<string, RegExp>> = Object.freeze({
  email: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g,
  // 13 to 19 digits, optionally grouped by spaces or dashes; kept only when the Luhn check passes (see isCardNumber).
  'card-number': /\b\d(?:[ -]?\d){12,18}\b/g,
  'bearer-token': /\b[Bb]earer\s+(?<secret>[A-Za-z0-9\-._~+/]+=*)/g,
});

/** Redaction rules, from `--redact-key` / `--redact-pattern` / `--redact-mode` or the config file. */
export interface RedactionRules {
  /**
   * Attribute keys whose whole value is redacted, as globs: `*` is any run of characters (dots included), `?` one
   * character; matched against the full key, case-insensitively (e.g. `*password*`, `http.request.header.*`).
   * Applies to span, resource, scope, event and link attributes, and to keys inside kvlist values.
   */
  readonly keys?: readonly string[];
  /**
   * Value patterns: the names of {@link BUILT_IN_REDACTION_PATTERNS} (`email`, `card-number`, `bearer-token`) or
   * custom regular expressions in the spec language's syntax (JavaScript, `(?i)` allowed), e.g. `ssn-\d{9}`.
   */
  readonly patterns?: readonly string[];
  /** Default `mask`. `hash` keeps equal values equal (for grouping) without keeping them readable. */
  readonly mode?: RedactionMode;
}

/** A compiled set of {@link RedactionRules}. */
export interface Redactor {
  /** The spans with every redacted value replaced; spans with nothing to redact are returned as they are. */
  redact(spans: readonly Span[]): readonly Span[];
}

interface CompiledPattern {
  readonly rule: string;
  readonly regex: RegExp;
  readonly accept: (match: string) => boolean;
}

/** Luhn's check digit test, so a 16-digit order number that is not a card is left alone. */
function isCardNumber(text: string): boolean {
  const digits = text.replace(/[ -]/g, '');
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

function globToRegex(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'is');
}

/**
 * Checks redaction rules and compiles them, or says what is wrong with each bad one (an unknown pattern name, a
 * regex that does not compile, an empty glob). `onRedacted` hears each replaced value's rule (for metrics).
 *
 * @example
 * ```ts
 * const compiled = compileRedaction({ keys: ['*password*'], patterns: ['email', 'card-number'], mode: 'hash' });
 * if (compiled.ok) spans = compiled.value.redact(spans);
 * ```
 */
export function compileRedaction(rules: RedactionRules, onRedacted: (rule: string) => void = () => {}): Result<Redactor, string[]> {
  const problems: string[] = [];
  const keyGlobs: { rule: string; regex: RegExp }[] = [];
  for (const glob of rules.keys ?? []) {
    if (glob.trim() === '') problems.push('--redact-key "" is empty; write a key such as "user.email" or a glob such as "*password*"');
    else keyGlobs.push({ rule: glob, regex: globToRegex(glob) });
  }
  const patterns: CompiledPattern[] = [];
  for (const source of rules.patterns ?? []) {
    const builtIn = BUILT_IN_REDACTION_PATTERNS[source];
    if (builtIn !== undefined) {
      patterns.push({ rule: source, regex: builtIn, accept: source === 'card-number' ? isCardNumber : () => true });
      continue;
    }
    const problem = regexProblem(source);
    if (problem !== undefined) {
      const names = Object.keys(BUILT_IN_REDACTION_PATTERNS).join(', ');
      problems.push(`--redact-pattern ${JSON.stringify(source)} is neither a built-in name (${names}) nor a usable regex: ${problem.reason} (${problem.hint})`);
      continue;
    }
    const regex = specRegex(source);
    patterns.push({ rule: source, regex: new RegExp(regex.source, `${regex.flags}g`), accept: () => true });
  }
  if (problems.length > 0) return err(problems);
  return ok(createRedactor(keyGlobs, patterns, rules.mode ?? 'mask', onRedacted));
}

function createRedactor(
  keyGlobs: readonly { rule: string; regex: RegExp }[],
  patterns: readonly CompiledPattern[],
  mode: RedactionMode,
  count: (rule: string) => void,
): Redactor {
  const replacement = (secret: string): string =>
    mode === 'mask' ? REDACTED_MASK : `sha256:${createHash('sha256').update(secret).digest('hex').slice(0, 16)}`;

  /** The text with every pattern match replaced; the same string when nothing matched. */
  const redactText = (text: string): string => {
    let out = text;
    for (const { rule, regex, accept } of patterns) {
      regex.lastIndex = 0;
      if (!regex.test(out)) continue;
      regex.lastIndex = 0;
      out = out.replace(regex, (match: string, ...rest: unknown[]) => {
        if (!accept(match)) return match;
        count(rule);
        const groups = rest.at(-1);
        const secret = typeof groups === 'object' && groups !== null ? (groups as Record<string, string | undefined>)['secret'] : undefined;
        return secret === undefined ? replacement(match) : match.replace(secret, replacement(secret));
      });
    }
    return out;
  };

  const keyRule = (key: string): string | undefined => keyGlobs.find((glob) => glob.regex.test(key))?.rule;

  const redactValue = (value: AttributeValue): AttributeValue => {
    if (typeof value === 'string') return redactText(value);
    if (Array.isArray(value)) {
      const items = value.map(redactValue);
      return items.some((item, i) => item !== value[i]) ? items : value;
    }
    if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) return redactMap(value);
    return value;
  };

  /** The map with redacted values, or the same map when nothing changed (so shared objects stay shared). */
  const redactMap = (map: AttributeMap): AttributeMap => {
    let out: AttributeMap | undefined;
    for (const key of Object.keys(map)) {
      const value = map[key] as AttributeValue;
      const rule = keyRule(key);
      let next: AttributeValue;
      if (rule !== undefined) {
        count(rule);
        next = replacement(typeof value === 'string' ? value : JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
      } else {
        next = redactValue(value);
      }
      if (next !== value && out === undefined) {
        out = emptyAttributes();
        for (const k of Object.keys(map)) out[k] = map[k] as AttributeValue;
      }
      if (out !== undefined) out[key] = next;
    }
    return out ?? map;
  };

  const redactEvent = (event: SpanEvent): SpanEvent => {
    const name = redactText(event.name);
    const attributes = redactMap(event.attributes);
    return name === event.name && attributes === event.attributes ? event : { ...event, name, attributes };
  };
  const redactLink = (link: SpanLink): SpanLink => {
    const attributes = redactMap(link.attributes);
    return attributes === link.attributes ? link : { ...link, attributes };
  };

  return {
    redact(spans) {
      // Spans of one ResourceSpans / ScopeSpans share one object; their redacted copies must too, so an export's
      // grouping survives into the save file and the forwarded request.
      const resources = new Map<Resource, Resource>();
      const scopes = new Map<InstrumentationScope, InstrumentationScope>();
      return spans.map((span) => {
        let resource = resources.get(span.resource);
        if (resource === undefined) {
          const attributes = redactMap(span.resource.attributes);
          resource = attributes === span.resource.attributes ? span.resource : { ...span.resource, attributes };
          resources.set(span.resource, resource);
        }
        let scope = scopes.get(span.scope);
        if (scope === undefined) {
          const attributes = redactMap(span.scope.attributes);
          scope = attributes === span.scope.attributes ? span.scope : { ...span.scope, attributes };
          scopes.set(span.scope, scope);
        }
        const name = redactText(span.name);
        const attributes = redactMap(span.attributes);
        const statusMessage = redactText(span.status.message);
        const events = span.events.map(redactEvent);
        const links = span.links.map(redactLink);
        const unchanged =
          resource === span.resource &&
          scope === span.scope &&
          name === span.name &&
          attributes === span.attributes &&
          statusMessage === span.status.message &&
          events.every((e, i) => e === span.events[i]) &&
          links.every((l, i) => l === span.links[i]);
        if (unchanged) return span;
        // A SpanRecord like every decoded span, so the code that reads spans sees one hidden class.
        return new SpanRecord(
          span.traceId,
          span.spanId,
          span.parentSpanId,
          span.traceState,
          name,
          span.kind,
          span.startTimeUnixNano,
          span.endTimeUnixNano,
          attributes,
          span.droppedAttributesCount,
          events,
          span.droppedEventsCount,
          links,
          span.droppedLinksCount,
          statusMessage === span.status.message ? span.status : { ...span.status, message: statusMessage },
          span.flags,
          resource,
          scope,
        );
      });
    },
  };
}

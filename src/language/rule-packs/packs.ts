/**
 * The rule packs a spec can include with `extends:`. Each rule is an ordinary expectation of the spec language,
 * built here from the convention data of semconv-data.ts (generated from `@opentelemetry/semantic-conventions`
 * by scripts/generate-semconv.ts), with a stable id and a link to the convention it checks.
 */
import type { AttributeMatchers, Expectation, SpansExpectation } from '../types.ts';
import { DEPRECATED_ATTRIBUTES, ENUM_VALUES, REQUIREMENTS, SEMCONV_VERSION } from './semconv-data.ts';

/** One rule: an id (`semconv/http/required-attributes`), what it checks, where the convention says so, and the expectation. */
export interface RuleDefinition {
  readonly id: string;
  readonly summary: string;
  readonly link: string;
  readonly expectation: Expectation;
}

/** A pack of rules, named as `extends:` names it (`tracecheck:semconv/http`). */
export interface RulePack {
  readonly name: string;
  readonly title: string;
  readonly rules: readonly RuleDefinition[];
}

/** Spans of any count, zero included: a pack's rule holds vacuously in a run without such spans. */
const ANY = { min: 0 } as const;
const SEMCONV = `https://github.com/open-telemetry/semantic-conventions/tree/v${SEMCONV_VERSION}/docs`;

function rule(id: string, summary: string, link: string, body: Omit<SpansExpectation, 'name'>): RuleDefinition {
  return { id, summary, link, expectation: { name: `${id}: ${summary}`, ...body } };
}

function exists(attribute: string): string {
  return `exists(span.${attribute})`;
}

function allExist(names: readonly string[], scope: 'span' | 'resource' = 'span'): AttributeMatchers {
  return Object.fromEntries(names.map((name) => [scope === 'span' ? name : `resource.${name}`, { exists: true }]));
}

function anyOf(names: readonly string[], clause: (name: string) => string): string {
  return names.map(clause).join(' || ');
}

/** Required (error) and recommended (warn) attributes of the spans a selector picks. */
function requirementRules(prefix: string, what: string, spans: string, level: { readonly link: string; readonly required: readonly string[]; readonly recommended: readonly string[] }): RuleDefinition[] {
  return [
    rule(`${prefix}/required-attributes`, `${what} carry ${level.required.join(', ')}`, level.link, { spans, count: ANY, attributes: allExist(level.required) }),
    rule(`${prefix}/recommended-attributes`, `${what} carry ${level.recommended.join(', ')}`, level.link, { spans, count: ANY, attributes: allExist(level.recommended), severity: 'warn' }),
  ];
}

/** One rule per deprecated attribute of the namespaces: present on no span. */
function deprecationRules(prefix: string, namespaces: readonly string[], link: string): RuleDefinition[] {
  return DEPRECATED_ATTRIBUTES.filter((d) => namespaces.includes(d.name.split('.')[0] ?? '')).map((d) =>
    rule(`${prefix}/deprecated/${d.name}`, `${d.name} is deprecated: use ${d.replacement}`, link, { spans: `{ ${exists(d.name)} }`, count: 'none' }),
  );
}

/** Values of an enumerated attribute are among the convention's. */
function enumRule(prefix: string, attribute: string, link: string): RuleDefinition {
  const values = ENUM_VALUES[attribute] ?? [];
  return rule(`${prefix}/values/${attribute}`, `${attribute} is one of ${values.join(', ')}`, link, { spans: `{ ${exists(attribute)} }`, count: ANY, attributes: { [attribute]: { in: [...values] } } });
}

function typeRule(prefix: string, attribute: string, type: 'int' | 'string', link: string): RuleDefinition {
  return rule(`${prefix}/types/${attribute}`, `${attribute} is ${type === 'int' ? 'an int' : 'a string'}`, link, { spans: `{ ${exists(attribute)} }`, count: ANY, attributes: { [attribute]: { type } } });
}

const HTTP = `${SEMCONV}/http/http-spans.md`;
const HTTP_SPAN = `(${exists('http.request.method')} || ${exists('http.method')})`;
const METHODS = (ENUM_VALUES['http.request.method'] ?? []).filter((m) => m !== '_OTHER');

const httpPack: RulePack = {
  name: 'tracecheck:semconv/http',
  title: 'HTTP spans',
  rules: [
    ...requirementRules('semconv/http/server', 'HTTP server spans', `{ kind = server && ${HTTP_SPAN} }`, REQUIREMENTS.httpServer),
    ...requirementRules('semconv/http/client', 'HTTP client spans', `{ kind = client && ${HTTP_SPAN} }`, REQUIREMENTS.httpClient),
    enumRule('semconv/http', 'http.request.method', HTTP),
    typeRule('semconv/http', 'http.response.status_code', 'int', HTTP),
    typeRule('semconv/http', 'server.port', 'int', HTTP),
    rule('semconv/http/server/span-name', 'HTTP server spans are named "{method} {route}" or "{method}"', `${HTTP}#name`, {
      spans: `{ kind = server && ${exists('http.request.method')} && !(name =~ "^(${[...METHODS, 'HTTP'].join('|')})( /[^?#\\\\s]*)?$") }`,
      count: 'none',
    }),
    rule('semconv/http/span-name-cardinality', 'HTTP span names hold no ids, query strings or full URLs', `${HTTP}#name`, {
      spans: `{ ${HTTP_SPAN} && name =~ "(/[0-9]+(/|$)|/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-|\\\\?|://)" }`,
      count: 'none',
    }),
    rule('semconv/http/server/error-status', 'HTTP server spans with a 5xx response have status error', `${HTTP}#status`, {
      spans: `{ kind = server && span.http.response.status_code >= 500 && status != error }`,
      count: 'none',
    }),
    rule('semconv/http/server/4xx-not-error', 'HTTP server spans with a 4xx response leave status unset', `${HTTP}#status`, {
      spans: `{ kind = server && span.http.response.status_code >= 400 && span.http.response.status_code < 500 && status = error }`,
      count: 'none',
      severity: 'warn',
    }),
    rule('semconv/http/client/error-status', 'HTTP client spans with a 4xx or 5xx response have status error', `${HTTP}#status`, {
      spans: `{ kind = client && span.http.response.status_code >= 400 && status != error }`,
      count: 'none',
    }),
    ...deprecationRules('semconv/http', ['http', 'net'], `${SEMCONV}/registry/attributes/http.md#deprecated-http-attributes`),
  ],
};

const DB = `${SEMCONV}/database/database-spans.md`;
const dbPack: RulePack = {
  name: 'tracecheck:semconv/db',
  title: 'Database client spans',
  rules: [
    ...requirementRules('semconv/db', 'database client spans', `{ kind = client && (${exists('db.system.name')} || ${exists('db.system')}) }`, REQUIREMENTS.db),
    enumRule('semconv/db', 'db.system.name', DB),
    ...deprecationRules('semconv/db', ['db'], `${SEMCONV}/registry/attributes/db.md#deprecated-database-attributes`),
  ],
};

const MESSAGING = `${SEMCONV}/messaging/messaging-spans.md`;
const MESSAGING_SPAN = `(${exists('messaging.system.name')} || ${exists('messaging.system')})`;
const messagingPack: RulePack = {
  name: 'tracecheck:semconv/messaging',
  title: 'Messaging spans (conventions in development)',
  rules: [
    ...requirementRules('semconv/messaging', 'messaging spans', `{ kind in [producer, consumer, client] && ${MESSAGING_SPAN} }`, REQUIREMENTS.messaging),
    rule('semconv/messaging/kind', 'messaging spans are producer, consumer or client spans', MESSAGING, { spans: `{ ${MESSAGING_SPAN} && kind in [server, internal, unspecified] }`, count: 'none', severity: 'warn' }),
    ...deprecationRules('semconv/messaging', ['messaging'], `${SEMCONV}/registry/attributes/messaging.md#deprecated-messaging-attributes`),
  ],
};

const RPC = `${SEMCONV}/rpc/rpc-spans.md`;
const RPC_SPAN = `(${exists('rpc.system.name')} || ${exists('rpc.system')})`;
const rpcPack: RulePack = {
  name: 'tracecheck:semconv/rpc',
  title: 'RPC spans',
  rules: [
    ...requirementRules('semconv/rpc', 'RPC spans', `{ kind in [client, server] && ${RPC_SPAN} }`, REQUIREMENTS.rpc),
    rule('semconv/rpc/span-name', 'RPC spans are named after rpc.method, not a URL', RPC, { spans: `{ ${RPC_SPAN} && name =~ "(://|\\\\?)" }`, count: 'none' }),
    ...deprecationRules('semconv/rpc', ['rpc'], `${SEMCONV}/registry/attributes/rpc.md#deprecated-rpc-attributes`),
  ],
};

const EXCEPTIONS = `${SEMCONV}/exceptions/exceptions-spans.md`;
const exceptionsPack: RulePack = {
  name: 'tracecheck:semconv/exceptions',
  title: 'Errors and exceptions',
  rules: [
    rule('semconv/exceptions/error-explained', 'spans with status error carry error.type or an exception event', `${SEMCONV}/general/recording-errors.md`, {
      spans: '{ status = error && span.error.type = nil } && !{ event.name = "exception" }',
      count: 'none',
    }),
    rule('semconv/exceptions/event-attributes', 'exception events carry exception.type or exception.message', EXCEPTIONS, {
      spans: '{ event.name = "exception" } && !{ exists(event.exception.type) || exists(event.exception.message) }',
      count: 'none',
    }),
  ],
};

const resourcePack: RulePack = {
  name: 'tracecheck:semconv/resource',
  title: 'Resources: service and SDK',
  rules: [
    rule('semconv/resource/service-name', 'every span\'s resource names its service (service.name set, not unknown_service:*)', REQUIREMENTS.resource.link, {
      spans: '{ }',
      count: ANY,
      attributes: { 'resource.service.name': { exists: true, notMatches: '^unknown_service' } },
    }),
    rule('semconv/resource/telemetry-sdk', 'every span\'s resource carries telemetry.sdk.name, .language and .version', `${SEMCONV}/resource/README.md#telemetry-sdk`, {
      spans: '{ }',
      count: ANY,
      attributes: allExist(REQUIREMENTS.resource.required.filter((a) => a.startsWith('telemetry.')), 'resource'),
    }),
    rule('semconv/resource/service-version', 'every span\'s resource carries service.version', REQUIREMENTS.resource.link, {
      spans: '{ }',
      count: ANY,
      attributes: allExist(REQUIREMENTS.resource.recommended, 'resource'),
      severity: 'warn',
    }),
  ],
};

/** Attributes that hold free text a request can put secrets or personal data into. */
const FREE_TEXT = ['url.full', 'url.query', 'url.path', 'http.url', 'http.target', 'db.query.text', 'db.statement', 'messaging.destination.name'];
const CREDENTIAL_HEADERS = ['http.request.header.authorization', 'http.request.header.proxy-authorization', 'http.request.header.cookie', 'http.request.header.x-api-key', 'http.response.header.set-cookie'];
const HYGIENE = 'https://opentelemetry.io/docs/security/handling-sensitive-data/';
/** Distinct span names one spec (one service, under analyze) may use in a run: past this, names carry ids. */
const MAX_SPAN_NAMES = 100;
/**
 * How far a span may start before the run began, or end after its last export arrived, and still be taken as the
 * run's: the clocks of the collector and the services disagree a little (NTP keeps machines within milliseconds,
 * timestamps have millisecond precision, and the Node SDK stamps spans from a monotonic clock that drifts from the
 * wall clock in a long-lived process). A clock minutes off, or a span started an hour ago, is well past it.
 */
const RUN_WINDOW_TOLERANCE = '5s';

/** A regex over free-text attributes, as one selector clause per attribute. */
function freeTextMatches(pattern: string): string {
  // A backtick string is raw in a selector: the pattern needs no escaping.
  return `{ ${anyOf(FREE_TEXT, (a) => `span.${a} =~ \`${pattern}\``)} }`;
}

const hygienePack: RulePack = {
  name: 'tracecheck:hygiene',
  title: 'Hygiene: secrets, personal data, broken spans',
  rules: [
    rule('hygiene/credential-headers', `no span records credential headers (${CREDENTIAL_HEADERS.map((h) => h.split('.').pop()).join(', ')})`, HYGIENE, {
      spans: `{ ${anyOf(CREDENTIAL_HEADERS, (h) => `exists(span.${h})`)} }`,
      count: 'none',
    }),
    rule('hygiene/secrets-in-values', 'no bearer token, password/token query parameter or user:password@ in URLs and queries', HYGIENE, {
      spans: freeTextMatches('(?i)(bearer\\s+[a-z0-9._~+/-]+|(^|[?&])(access_token|token|api_key|apikey|password|passwd|secret)=[^&]+|://[^/\\s:@]+:[^/\\s@]+@)'),
      count: 'none',
    }),
    rule('hygiene/email-addresses', 'no e-mail address in URLs and queries', HYGIENE, {
      spans: freeTextMatches('[A-Za-z0-9._%+-]+(@|%40)[A-Za-z0-9.-]+\\.[A-Za-z]{2,}'),
      count: 'none',
    }),
    rule('hygiene/card-numbers', 'no payment card number in URLs and queries', HYGIENE, {
      spans: freeTextMatches('(^|[^0-9])(4[0-9]{3}|5[1-5][0-9]{2}|3[47][0-9]{2})[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{1,4}([^0-9]|$)'),
      count: 'none',
    }),
    rule('hygiene/server-span-duration', 'no server span is zero-length or ends before it starts', 'https://opentelemetry.io/docs/specs/otel/trace/api/#end', {
      spans: '{ kind = server && duration <= 0ns }',
      count: 'none',
    }),
    rule('hygiene/span-name-cardinality', `a service uses at most ${MAX_SPAN_NAMES} distinct span names across the run (ids and URLs in names make them unbounded)`, 'https://opentelemetry.io/docs/specs/otel/trace/api/#span', {
      spans: '{ }',
      count: ANY,
      distinct: { of: 'name', count: { max: MAX_SPAN_NAMES } },
    }),
    rule('hygiene/timestamps-in-run', `every span starts and ends inside the run's window (from when the run began to its last export's arrival, ± ${RUN_WINDOW_TOLERANCE})`, 'https://opentelemetry.io/docs/specs/otel/trace/api/#span', {
      spans: '{ }',
      count: ANY,
      withinRun: RUN_WINDOW_TOLERANCE,
    }),
    rule('hygiene/no-orphans', 'every span\'s parent arrived (no orphans once the run settled)', 'https://opentelemetry.io/docs/concepts/context-propagation/', {
      spans: '{ } !> { !root }',
      count: 'none',
    }),
  ],
};

/**
 * Every pack, by the name `extends:` gives it.
 *
 * @example
 * ```ts
 * for (const pack of RULE_PACKS) console.log(pack.name, pack.rules.map((rule) => rule.id));
 * ```
 */
export const RULE_PACKS: readonly RulePack[] = [httpPack, dbPack, messagingPack, rpcPack, exceptionsPack, resourcePack, hygienePack];

/**
 * The pack `extends:` names, or `undefined`.
 *
 * @example
 * ```ts
 * const hygiene = rulePack('tracecheck:hygiene');
 * await run.expect({ name: 'clean', expect: hygiene?.rules.map((rule) => rule.expectation) ?? [] });
 * ```
 */
export function rulePack(name: string): RulePack | undefined {
  return RULE_PACKS.find((pack) => pack.name === name);
}

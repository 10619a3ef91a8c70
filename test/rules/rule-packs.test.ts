import { describe, expect, it } from 'vitest';
import { evaluateSpecsNow, type ExpectationResult } from '../../src/engine/index.ts';
import { formatSpecProblem } from '../../src/errors.ts';
import { loadSpecText, RULE_PACKS, validateSpecObject, type RuleDefinition } from '../../src/language/index.ts';
import { assemble } from '../engine/checkout-trace.ts';
import { BASE_TIME_MILLIS, makeTrace, type SdkSpanSpec } from '../support/sdk-traces.ts';

const RULES: RuleDefinition[] = RULE_PACKS.flatMap((pack) => [...pack.rules]);
const at = (ms: number): number => BASE_TIME_MILLIS + ms;

/** A well-instrumented HTTP call: client → server, both with what the conventions ask. */
const GOOD_CLIENT: SdkSpanSpec = {
  ref: 'client', name: 'GET', kind: 'client', service: 'web', start: at(0), end: at(50),
  attributes: { 'http.request.method': 'GET', 'server.address': 'orders', 'server.port': 8080, 'url.full': 'http://orders:8080/orders/17', 'http.response.status_code': 200, 'network.protocol.version': '1.1' },
};
const GOOD_SERVER: SdkSpanSpec = {
  parent: 'client', name: 'GET /orders/:id', kind: 'server', service: 'orders', start: at(5), end: at(45),
  attributes: {
    'http.request.method': 'GET', 'url.path': '/orders/17', 'url.scheme': 'http', 'http.route': '/orders/:id', 'http.response.status_code': 200,
    'network.protocol.version': '1.1', 'server.address': 'orders', 'server.port': 8080, 'user_agent.original': 'node', 'client.address': '127.0.0.1',
  },
};
const DB: SdkSpanSpec = { parent: 'client', name: 'SELECT orders', kind: 'client', service: 'orders', start: at(10), end: at(20), attributes: { 'db.system.name': 'postgresql', 'db.operation.name': 'SELECT', 'db.collection.name': 'orders', 'db.namespace': 'shop', 'server.address': 'db', 'server.port': 5432 } };
const MESSAGE: SdkSpanSpec = { parent: 'client', name: 'publish orders', kind: 'producer', service: 'orders', start: at(21), end: at(22), attributes: { 'messaging.system.name': 'rabbitmq', 'messaging.operation.name': 'publish', 'messaging.operation.type': 'send', 'messaging.destination.name': 'orders', 'server.address': 'mq' } };
const RPC: SdkSpanSpec = { parent: 'client', name: 'shop.Stock/Reserve', kind: 'client', service: 'orders', start: at(23), end: at(24), attributes: { 'rpc.system.name': 'grpc', 'rpc.method': 'shop.Stock/Reserve', 'server.address': 'stock', 'server.port': 50051 } };
const GOOD: SdkSpanSpec[] = [GOOD_CLIENT, GOOD_SERVER, DB, MESSAGE, RPC];

function withServer(change: Partial<SdkSpanSpec> & { attributes?: Record<string, unknown> }, drop: readonly string[] = []): SdkSpanSpec[] {
  const attributes = Object.fromEntries(Object.entries({ ...GOOD_SERVER.attributes, ...change.attributes }).filter(([k]) => !drop.includes(k)));
  return [GOOD_CLIENT, { ...GOOD_SERVER, ...change, attributes: attributes as SdkSpanSpec['attributes'] }];
}
function replace(spec: SdkSpanSpec, change: Partial<SdkSpanSpec>, drop: readonly string[] = []): SdkSpanSpec[] {
  const attributes = Object.fromEntries(Object.entries({ ...spec.attributes, ...change.attributes }).filter(([k]) => !drop.includes(k)));
  return [GOOD_CLIENT, GOOD_SERVER, { ...spec, ...change, attributes: attributes as SdkSpanSpec['attributes'] }];
}

/** A failing case per rule (deprecations are generated below from the data); each passes on {@link GOOD}. */
const FAILING: Readonly<Record<string, SdkSpanSpec[]>> = {
  'semconv/http/server/required-attributes': withServer({}, ['url.scheme']),
  'semconv/http/server/recommended-attributes': withServer({}, ['http.route']),
  'semconv/http/client/required-attributes': [{ ...GOOD_CLIENT, attributes: { ...GOOD_CLIENT.attributes, 'url.full': undefined } }, GOOD_SERVER],
  'semconv/http/client/recommended-attributes': [{ ...GOOD_CLIENT, attributes: { ...GOOD_CLIENT.attributes, 'network.protocol.version': undefined } }, GOOD_SERVER],
  'semconv/http/values/http.request.method': withServer({ attributes: { 'http.request.method': 'get' } }),
  'semconv/http/types/http.response.status_code': withServer({ attributes: { 'http.response.status_code': '200' } }),
  'semconv/http/types/server.port': withServer({ attributes: { 'server.port': '8080' } }),
  'semconv/http/server/span-name': withServer({ name: 'handle request' }),
  'semconv/http/span-name-cardinality': withServer({ name: 'GET /orders/17' }),
  'semconv/http/server/error-status': withServer({ attributes: { 'http.response.status_code': 503 } }),
  'semconv/http/server/4xx-not-error': withServer({ attributes: { 'http.response.status_code': 404, 'error.type': '404' }, status: { code: 'error' } }),
  'semconv/http/client/error-status': [{ ...GOOD_CLIENT, attributes: { ...GOOD_CLIENT.attributes, 'http.response.status_code': 500 } }, GOOD_SERVER],
  'semconv/db/required-attributes': replace(DB, { attributes: { 'db.system': 'postgresql' } }, ['db.system.name']),
  'semconv/db/recommended-attributes': replace(DB, {}, ['db.collection.name']),
  'semconv/db/values/db.system.name': replace(DB, { attributes: { 'db.system.name': 'postgres' } }),
  'semconv/messaging/required-attributes': replace(MESSAGE, {}, ['messaging.operation.name']),
  'semconv/messaging/recommended-attributes': replace(MESSAGE, {}, ['messaging.destination.name']),
  'semconv/messaging/kind': replace(MESSAGE, { kind: 'internal' }),
  'semconv/rpc/required-attributes': replace(RPC, { attributes: { 'rpc.system': 'grpc' } }, ['rpc.system.name']),
  'semconv/rpc/recommended-attributes': replace(RPC, {}, ['rpc.method']),
  'semconv/rpc/span-name': replace(RPC, { name: 'http://stock:50051/shop.Stock/Reserve' }),
  'semconv/exceptions/error-explained': withServer({ status: { code: 'error' }, attributes: { 'http.response.status_code': 500 } }),
  'semconv/exceptions/event-attributes': withServer({ events: [{ name: 'exception', attributes: { 'exception.stacktrace': 'at x' } }] }),
  'semconv/resource/service-name': withServer({ service: 'unknown_service:node' }),
  'semconv/resource/service-version': GOOD,
  'semconv/resource/telemetry-sdk': GOOD,
  'hygiene/credential-headers': withServer({ attributes: { 'http.request.header.authorization': ['Bearer abc.def'] } }),
  'hygiene/secrets-in-values': withServer({ attributes: { 'url.query': 'access_token=abc123' } }),
  'hygiene/email-addresses': withServer({ attributes: { 'url.query': 'customer=ada%40example.com' } }),
  'hygiene/card-numbers': withServer({ attributes: { 'url.query': 'card=4111 1111 1111 1111' } }),
  'hygiene/server-span-duration': withServer({ end: at(5) }),
  'hygiene/span-name-cardinality': [...GOOD, ...Array.from({ length: 101 }, (_, i): SdkSpanSpec => ({ parent: 'client', name: `render invoice ${1000 + i}`, service: 'orders', start: at(30), end: at(31) }))],
  // A span stamped by a clock an hour behind: it starts (and ends) long before the run began.
  'hygiene/timestamps-in-run': [GOOD_CLIENT, { ...GOOD_SERVER, start: at(-3_600_000), end: at(-3_599_960) }],
  'hygiene/no-orphans': [GOOD_CLIENT, { ...GOOD_SERVER, parent: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true } }],
};

/** What a configured SDK puts on every resource beside service.name; the test SDK sets none of it by itself. */
const SDK_RESOURCE = { 'telemetry.sdk.name': 'opentelemetry', 'telemetry.sdk.language': 'nodejs', 'telemetry.sdk.version': '2.0.0' };
const RESOURCE = { ...SDK_RESOURCE, 'service.version': '1.0.0' };
/** Failing cases made by the resource rather than the spans. */
const FAILING_RESOURCE: Readonly<Record<string, Record<string, string>>> = {
  'semconv/resource/service-version': SDK_RESOURCE,
  'semconv/resource/telemetry-sdk': { 'service.version': '1.0.0' },
};

/** The run the spans above were made in: it began a second before the first and its last export came a second after. */
const RUN_WINDOW = { startUnixNano: BigInt(at(-1000)) * 1_000_000n, endUnixNano: BigInt(at(1050)) * 1_000_000n };

async function judge(rule: RuleDefinition, specs: readonly SdkSpanSpec[], resourceAttributes: Record<string, string> = RESOURCE): Promise<ExpectationResult> {
  const traces = assemble(await makeTrace(specs, { resourceAttributes }));
  const result = evaluateSpecsNow([{ name: rule.id, expect: [{ ...rule.expectation, severity: 'error' }] }], traces, { runWindow: RUN_WINDOW });
  return result.specs[0]?.expectations.at(-1) as ExpectationResult;
}

describe('the rule packs', () => {
  it('are valid spec expectations, each named after its rule id, with a link', () => {
    for (const pack of RULE_PACKS) {
      const result = validateSpecObject({ name: pack.name, expect: pack.rules.map((r) => r.expectation) });
      expect(result.ok, result.ok ? '' : result.error.map(formatSpecProblem).join('\n')).toBe(true);
      for (const rule of pack.rules) {
        expect(rule.expectation.name?.startsWith(`${rule.id}: `)).toBe(true);
        expect(rule.link).toMatch(/^https:\/\//u);
      }
    }
    expect(new Set(RULES.map((r) => r.id)).size).toBe(RULES.length);
  });

  it('have a failing case for every rule here, or a reason it is failed elsewhere', () => {
    const uncovered = RULES.filter((r) => !r.id.includes('/deprecated/') && FAILING[r.id] === undefined).map((r) => r.id);
    expect(uncovered).toEqual([]);
  });

  it.each(RULES.filter((r) => !r.id.includes('/deprecated/')).map((r) => [r.id, r] as const))('%s passes on well-instrumented spans', async (_id, rule) => {
    const result = await judge(rule, GOOD);
    expect(result.passed, result.message).toBe(true);
  });

  it.each(Object.entries(FAILING))('%s fails on its bad case', async (id, specs) => {
    const rule = RULES.find((r) => r.id === id) as RuleDefinition;
    const result = await judge(rule, specs, FAILING_RESOURCE[id] ?? RESOURCE);
    expect(result.passed, `${id} should fail`).toBe(false);
  });

  it('judges timestamps against the run\'s window with its 5 s tolerance, and holds without judging where no window is known', async () => {
    const rule = RULES.find((r) => r.id === 'hygiene/timestamps-in-run') as RuleDefinition;
    const verdict = async (start: number, end: number, runWindow: typeof RUN_WINDOW | null = RUN_WINDOW): Promise<ExpectationResult | undefined> => {
      const traces = assemble(await makeTrace([GOOD_CLIENT, { ...GOOD_SERVER, start: at(start), end: at(end) }], { resourceAttributes: RESOURCE }));
      return evaluateSpecsNow([{ name: rule.id, expect: [rule.expectation] }], traces, runWindow === null ? {} : { runWindow }).specs[0]?.expectations.at(-1);
    };
    // The window is [-1000, 1050]: 4 s early or late is clock disagreement, 6 s is not.
    expect((await verdict(-5000, -4990))?.passed).toBe(true);
    expect((await verdict(1000, 6000))?.passed).toBe(true);
    const early = await verdict(-7000, -6990);
    expect(early?.passed).toBe(false);
    expect(early?.message).toMatch(/started 6s before the run began \(more than the 5s allowed\)/u);
    const late = await verdict(1000, 7100);
    expect(late?.message).toMatch(/ended 6.05s after the run's last export arrived/u);
    // Saved traces have no arrival times: nothing to judge against.
    const unjudged = await verdict(-3_600_000, -3_599_990, null);
    expect(unjudged?.passed, unjudged?.message).toBe(true);
  });

  it('flags every deprecated attribute with its replacement, and passes without it', async () => {
    const deprecated = RULES.filter((r) => r.id.includes('/deprecated/'));
    expect(deprecated.map((r) => r.id)).toContain('semconv/http/deprecated/http.method');
    expect(deprecated.find((r) => r.id === 'semconv/http/deprecated/http.method')?.expectation.name).toContain('use http.request.method');
    const traces = assemble(await makeTrace(GOOD, { resourceAttributes: RESOURCE }));
    const passing = evaluateSpecsNow([{ name: 'clean', expect: deprecated.map((r) => r.expectation) }], traces);
    expect(passing.passed).toBe(true);
    for (const rule of deprecated) {
      const attribute = rule.id.split('/deprecated/')[1] as string;
      const bad = assemble(await makeTrace(withServer({ attributes: { [attribute]: 'x' } })));
      const result = evaluateSpecsNow([{ name: rule.id, expect: [rule.expectation] }], bad);
      expect(result.passed, rule.id).toBe(false);
    }
  });
});

describe('extends and rules in a spec file', () => {
  it('adds the pack\'s rules to the spec, judged like its own expectations', async () => {
    const loaded = loadSpecText('name: clean\nextends: [tracecheck:hygiene, tracecheck:semconv/http]\nexpect:\n  - spans: \'{ kind = server }\'\n', 'specs/clean.yaml');
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    const traces = assemble(await makeTrace(withServer({ attributes: { 'http.request.header.authorization': ['Bearer x'] } }), { resourceAttributes: RESOURCE }));
    const result = evaluateSpecsNow(loaded.value, traces);
    const failed = result.specs[0]?.expectations.filter((e) => !e.passed) ?? [];
    expect(failed.map((e) => e.name)).toEqual([expect.stringMatching(/^hygiene\/credential-headers: /u)]);
    expect(failed[0]?.source).toEqual({ file: 'specs/clean.yaml', line: 2, col: 11 });
    expect(result.passed).toBe(false);
  });

  it('turns a rule off or lowers it to a warning, each with a reason', async () => {
    const text = [
      'name: legacy',
      'extends: [tracecheck:hygiene]',
      'rules:',
      '  hygiene/credential-headers: { severity: warn, reason: "legacy gateway records headers; ticket OPS-12" }',
      '  hygiene/no-orphans: { severity: "off", reason: "the load balancer drops traceparent" }',
    ].join('\n');
    const loaded = loadSpecText(text, 'specs/legacy.yaml');
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    const traces = assemble(await makeTrace(withServer({ attributes: { 'http.request.header.authorization': ['Bearer x'] } })));
    const result = evaluateSpecsNow(loaded.value, traces);
    const lowered = result.specs[0]?.expectations.find((e) => e.name.startsWith('hygiene/credential-headers'));
    expect(lowered).toMatchObject({ passed: false, severity: 'warn', source: { file: 'specs/legacy.yaml', line: 4, col: 31 } });
    expect(result.specs[0]?.expectations.some((e) => e.name.startsWith('hygiene/no-orphans'))).toBe(false);
    expect(result.passed).toBe(true);
  });

  it('reports an unknown pack at file:line:col with a did-you-mean', () => {
    const loaded = loadSpecText('name: s\nextends:\n  - tracecheck:semconv/htp\n  - hygiene\nexpect: [{ connected: true }]\n', 'specs/s.yaml');
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.error.map(formatSpecProblem)).toEqual([
      expect.stringMatching(/^specs\/s\.yaml:3:5 .*unknown rule pack "tracecheck:semconv\/htp".*did you mean "tracecheck:semconv\/http"\?/u),
      expect.stringMatching(/^specs\/s\.yaml:4:5 .*unknown rule pack "hygiene".*did you mean "tracecheck:hygiene"\?/u),
    ]);
  });

  it('refuses an override without a reason, and an unknown rule id with a did-you-mean', () => {
    const loaded = loadSpecText('name: s\nextends: [tracecheck:hygiene]\nrules:\n  hygiene/no-orphan: { severity: warn }\n', 'specs/s.yaml');
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    const messages = loaded.error.map(formatSpecProblem).join('\n');
    expect(messages).toMatch(/specs\/s\.yaml:4:3 .*no extended pack has a rule "hygiene\/no-orphan".*did you mean "hygiene\/no-orphans"\?/u);
    expect(messages).toMatch(/needs a "reason"/u);
  });

  it('checks distinct (the feature span-name cardinality needed) like every other key', () => {
    const result = validateSpecObject({ name: 's', expect: [{ spans: '{ }', distinct: { of: 'nmae', count: { max: 'lots' } } }] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.map((p) => p.message).join('\n')).toMatch(/nmae[\s\S]*count max must be a non-negative whole number|count[\s\S]*nmae/u);
  });

  it('works from code the same way (run.expect / the matchers take the same object)', async () => {
    const traces = assemble(await makeTrace(withServer({ service: 'unknown_service:node' }), { resourceAttributes: RESOURCE }));
    const result = evaluateSpecsNow([{ name: 'resource', extends: ['tracecheck:semconv/resource'], rules: { 'semconv/resource/service-version': { severity: 'off', reason: 'not versioned yet' } } }], traces);
    expect(result.specs[0]?.expectations.filter((e) => !e.passed).map((e) => e.name)).toEqual([expect.stringMatching(/^semconv\/resource\/service-name/u)]);
  });
});

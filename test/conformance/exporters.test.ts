/**
 * Exporter conformance: the real OpenTelemetry JS exporters, each in its own child process configured only by
 * `run.envFor(...)`, send every kind of span data the SDK can produce; what the collector stores must equal,
 * span for span, what the SDK recorded. One suite, six transports: OTLP/HTTP JSON, OTLP/HTTP protobuf and
 * OTLP/gRPC, each plain and gzip-compressed.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttributeMap, AttributeValue, Span } from '../../src/model/index.ts';
import { startCollector, type Collector, type ExportEnvOptions } from '../../src/server/index.ts';
import type { EmittedSpan, EmittedSpans } from '../fixtures/emit-spans.ts';
import { environmentWithoutOtel, runNodeScript } from '../support/child-process.ts';
import { comparableValue, expectedFromPrinted, storedSpan, type ComparableSpan } from '../support/comparable-span.ts';

const emitSpans = fileURLToPath(new URL('../fixtures/emit-spans.ts', import.meta.url));

type OtlpProtocol = NonNullable<ExportEnvOptions['protocol']>;

const transports: readonly { readonly exporter: string; readonly protocol: OtlpProtocol; readonly compression: 'none' | 'gzip' }[] = [
  { exporter: '@opentelemetry/exporter-trace-otlp-http', protocol: 'http/json', compression: 'none' },
  { exporter: '@opentelemetry/exporter-trace-otlp-http', protocol: 'http/json', compression: 'gzip' },
  { exporter: '@opentelemetry/exporter-trace-otlp-proto', protocol: 'http/protobuf', compression: 'none' },
  { exporter: '@opentelemetry/exporter-trace-otlp-proto', protocol: 'http/protobuf', compression: 'gzip' },
  { exporter: '@opentelemetry/exporter-trace-otlp-grpc', protocol: 'grpc', compression: 'none' },
  { exporter: '@opentelemetry/exporter-trace-otlp-grpc', protocol: 'grpc', compression: 'gzip' },
];

/**
 * The model value the SDK's recorded value must arrive as. The JS OTLP transformer sends a number as
 * `int_value` when `Number.isInteger`, else as `double_value`; our model holds ints as bigint.
 * Over protobuf an int64 carries the double's exact value. Over OTLP/JSON the JS exporter writes `intValue` as a
 * JSON number with `JSON.stringify`, i.e. the shortest decimal that identifies the double (2^62 is written
 * `4611686018427388000`), and the collector reads that literal exactly, so beyond 2^53 the JSON wire value is
 * the decimal `String(n)`, not the double.
 */
function expectedValue(recorded: unknown, protocol: OtlpProtocol): AttributeValue {
  if (recorded === null || typeof recorded === 'string' || typeof recorded === 'boolean') return recorded;
  if (typeof recorded === 'number') {
    if (!Number.isInteger(recorded)) return recorded;
    return protocol === 'http/json' ? BigInt(String(recorded)) : BigInt(recorded);
  }
  if (Array.isArray(recorded)) return recorded.map((value) => expectedValue(value, protocol));
  if (typeof recorded === 'object') {
    const fields = recorded as Record<string, unknown>;
    if (typeof fields['$bytes'] === 'string' && Object.keys(fields).length === 1) return new Uint8Array(Buffer.from(fields['$bytes'], 'base64'));
    return expectedAttributes(fields, protocol);
  }
  throw new Error(`the fixture printed an attribute value of type ${typeof recorded}`);
}

function expectedAttributes(recorded: Record<string, unknown>, protocol: OtlpProtocol): AttributeMap {
  const map: AttributeMap = {};
  for (const [key, value] of Object.entries(recorded)) map[key] = expectedValue(value, protocol);
  return map;
}

/** Both sides in one comparable shape: the model's fields, the sent span mapped by OTLP's rules. */
function expectedSpan(sent: EmittedSpan, protocol: OtlpProtocol): ComparableSpan {
  // The API numbers INTERNAL..CONSUMER 0..4; OTLP numbers them 1..5 (0 is UNSPECIFIED).
  return expectedFromPrinted(sent, (attributes) => expectedAttributes(attributes, protocol), sent.kind + 1, {});
}

describe.each(transports)('$exporter over $protocol, compression $compression', ({ protocol, compression }) => {
  let collector: Collector;
  let sent: EmittedSpans;
  let stored: ReadonlyMap<string, Span>;
  let runId: string;

  beforeAll(async () => {
    collector = await startCollector({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 });
    const run = collector.run();
    runId = run.id;
    const outcome = await runNodeScript(emitSpans, { ...environmentWithoutOtel(), ...run.envFor({ protocol, compression }) }, 20_000);
    if (outcome.code !== 0) throw new Error(`emit-spans exited with ${outcome.code ?? outcome.signal}; stderr:\n${outcome.stderr}`);
    sent = JSON.parse(outcome.stdout) as EmittedSpans;
    // The child exits only after shutdown flushed and the collector answered, so settling is quick.
    const settled = await run.settled({ quietMillis: 50, timeoutMillis: 10_000 });
    expect(settled.settled, `run did not settle: ${JSON.stringify(settled)}`).toBe(true);
    stored = new Map(run.spans().map((span) => [span.spanId, span]));
  });

  afterAll(async () => {
    await collector?.close();
  });

  it('exports with the protocol it was configured for, and every export succeeds', () => {
    expect(sent.protocol).toBe(protocol);
    expect(sent.shutdownError).toBeUndefined();
    expect(sent.exportResults.length).toBeGreaterThan(0);
    expect(sent.exportResults.filter((result) => result.code !== 0)).toEqual([]);
  });

  it('stores exactly the spans that were sent: no span lost, none extra', () => {
    expect(sent.spans.length).toBe(27);
    expect([...stored.keys()].sort()).toEqual(sent.spans.map((span) => span.spanId).sort());
  });

  it.each([
    'checkout',
    'load-cart',
    'GET /inventory',
    'publish order',
    'item 0',
    'item 19',
    'crowded',
    'consume order',
    'unset-status',
  ])('keeps span "%s" field for field: ids, nanosecond times, typed attributes, events, links, status, resource, scope', (name) => {
    const matching = sent.spans.filter((span) => span.name === name);
    expect(matching).toHaveLength(1);
    const expected = expectedSpan(matching[0]!, protocol);
    const actual = stored.get(expected.spanId);
    expect(actual, `span ${name} (${expected.spanId}) was not stored`).toBeDefined();
    expect(storedSpan(actual!)).toEqual(expected);
  });

  it('keeps every other span equal too', () => {
    for (const span of sent.spans) expect(storedSpan(stored.get(span.spanId)!), span.name).toEqual(expectedSpan(span, protocol));
  });

  it('tags every span with the run through the environment alone', () => {
    expect(new Set([...stored.values()].map((span) => span.resource.attributes['test.run.id']))).toEqual(new Set([runId]));
  });

  it('keeps the values that are easiest to lose exactly (checked against constants, not only against the SDK)', () => {
    const checkout = [...stored.values()].find((span) => span.name === 'checkout');
    expect(checkout?.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
    expect(checkout?.endTimeUnixNano).toBe(1_700_000_001_987_654_321n);
    expect(checkout?.kind).toBe(2);
    const attributes = checkout?.attributes ?? {};
    if (protocol === 'http/json') {
      expect(attributes['attr.int.2pow62']).toBe(4_611_686_018_427_388_000n);
      expect(attributes['attr.int.minus-2pow60']).toBe(-1_152_921_504_606_847_000n);
    } else {
      expect(attributes['attr.int.2pow62']).toBe(2n ** 62n);
      expect(attributes['attr.int.minus-2pow60']).toBe(-(2n ** 60n));
    }
    expect(attributes['attr.int.max-safe']).toBe(9_007_199_254_740_991n);
    expect(attributes['attr.double']).toBe(3.14159);
    expect(attributes['attr.double.tiny']).toBe(5e-324);
    expect(attributes['attr.string.unicode']).toBe('héllo wörld — 你好 🌍 𝄞 e\u0301 \u0000 "quoted" \\ back');
    expect(attributes['attr.array.int']).toEqual([1n, -2n, 3n, protocol === 'http/json' ? 36_028_797_018_963_970n : 2n ** 55n]);
    expect(comparableValue(attributes['any.bytes'] ?? null)).toEqual(new Uint8Array([0, 1, 2, 127, 128, 254, 255]));
    expect(attributes['any.null']).toBeNull();
    const crowded = [...stored.values()].find((span) => span.name === 'crowded');
    expect(crowded?.droppedAttributesCount).toBe(2);
  });
});

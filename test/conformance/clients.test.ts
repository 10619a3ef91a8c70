/**
 * Cross-language exporter conformance: the real OpenTelemetry SDKs of Python, Go and Java (built by
 * scripts/install-clients.sh, pinned in clients/*), each run as a child process configured only by the `OTEL_*`
 * variables of `run.envFor(...)`, make a fixed set of spans covering every field their SDK can send (clients/python/emit.py,
 * clients/go/emit, clients/java). Each prints what its SDK recorded; what the collector stored must equal it span for
 * span, field for field, with times to the nanosecond (all three SDKs record and send nanoseconds). Every SDK runs
 * over OTLP/HTTP protobuf and OTLP/gRPC, each plain and gzip-compressed: four runs per language, started together,
 * each under its own run id, against one collector for the file. Once more per language over OTLP/HTTP through a
 * recording proxy, to see the gzip encoding itself on the wire.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttributeMap, AttributeValue, Span } from '../../src/model/index.ts';
import { startCollector, type Collector, type CollectorRun, type ExportEnvOptions } from '../../src/server/index.ts';
import type { IngestContext } from '../../src/store/index.ts';
import { environmentWithoutOtel, runProgram } from '../support/child-process.ts';
import { builtClient, goCommand, javaCommand, pythonCommand, type ClientCommand, type ClientLanguage } from '../support/clients.ts';
import { comparableValue, expectedFromPrinted, storedSpan, type ComparableSpan, type PrintedSpan } from '../support/comparable-span.ts';
import { startRecordingProxy } from '../support/recording-proxy.ts';

/** An attribute value as the emitters print it: the OTLP/JSON AnyValue shape, ints as decimal strings. */
type TypedValue =
  | { readonly stringValue: string }
  | { readonly boolValue: boolean }
  | { readonly intValue: string }
  | { readonly doubleValue: number }
  | { readonly bytesValue: string }
  | { readonly arrayValue: readonly TypedValue[] };
type TypedMap = Readonly<Record<string, TypedValue>>;

/** One span as an emitter printed it: read back from its SDK's own span data. Kinds and status codes are OTLP's. */
interface ClientSpan extends PrintedSpan<TypedMap> {
  readonly scope: PrintedSpan<TypedMap>['scope'] & { readonly attributes: TypedMap };
}

/** What an emitter prints. */
interface ClientOutput {
  readonly sdk: string;
  readonly protocol: string;
  readonly exportResults: readonly { readonly ok: boolean; readonly error?: string }[];
  readonly shutdownError?: string;
  readonly spans: readonly ClientSpan[];
}

function modelValue(value: TypedValue): AttributeValue {
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return BigInt(value.intValue);
  if ('doubleValue' in value) return value.doubleValue;
  if ('bytesValue' in value) return new Uint8Array(Buffer.from(value.bytesValue, 'base64'));
  return value.arrayValue.map(modelValue);
}

function modelAttributes(map: TypedMap): AttributeMap {
  const attributes: AttributeMap = {};
  for (const [key, value] of Object.entries(map)) attributes[key] = modelValue(value);
  return attributes;
}

function expectedSpan(sent: ClientSpan): ComparableSpan {
  return expectedFromPrinted(sent, modelAttributes, sent.kind, modelAttributes(sent.scope.attributes));
}

/**
 * Without gzip, OTEL_EXPORTER_OTLP_COMPRESSION is left unset (every SDK's default is no compression): Python's gRPC
 * exporter refuses the value `none` that the specification allows and fails at start-up (docs/clients.md).
 */
type Transport = ExportEnvOptions & { readonly protocol: 'http/protobuf' | 'grpc'; readonly label: 'gzip' | 'unset' };
const transports: readonly Transport[] = [
  { protocol: 'http/protobuf', label: 'unset' },
  { protocol: 'http/protobuf', compression: 'gzip', label: 'gzip' },
  { protocol: 'grpc', label: 'unset' },
  { protocol: 'grpc', compression: 'gzip', label: 'gzip' },
];
const key = ({ protocol, label }: Transport): string => `${protocol}+${label}`;

/** A link's trace state is recorded by the SDK but not put on the wire (OTLP `Span.Link.trace_state` left empty). */
const withoutLinkTraceState = (span: ComparableSpan): ComparableSpan => ({ ...span, links: span.links.map((link) => ({ ...link, traceState: '' })) });

/**
 * Each language: how to run its emitter, and what its exporter leaves out of what its SDK recorded (each one is in
 * docs/clients.md). The rest of every span must arrive exactly as recorded.
 */
const languages: readonly {
  readonly language: ClientLanguage;
  readonly emitter: (dir: string) => ClientCommand;
  /** The Java API's TracerBuilder has no scope attributes: the Java emitter sets none. */
  readonly scopeAttributes: boolean;
  readonly onTheWire: (span: ComparableSpan) => ComparableSpan;
}[] = [
  {
    language: 'python',
    emitter: (dir) => pythonCommand(dir, 'clients/python/emit.py'),
    scopeAttributes: true,
    // Python's OTLP encoder puts only the is-remote bits in `Span.flags` and `Link.flags`, not the W3C trace flags,
    // and leaves the link's trace state out.
    onTheWire: (span) => ({ ...span, traceFlags: 0, links: span.links.map((link) => ({ ...link, traceState: '', traceFlags: 0 })) }),
  },
  { language: 'go', emitter: (dir) => goCommand(dir, 'emit'), scopeAttributes: true, onTheWire: withoutLinkTraceState },
  { language: 'java', emitter: (dir) => javaCommand(dir, 'dev.tracecheck.clients.Emit'), scopeAttributes: false, onTheWire: (span) => span },
];

/** One emitter run: what it printed, what the collector stored for its run, and the request run id of each span. */
interface Outcome {
  readonly runId: string;
  readonly sent: ClientOutput;
  readonly stored: ReadonlyMap<string, Span>;
}

let collector: Collector;
/** The request's context (the run id header or metadata, the transport) of every span the collector took. */
const contextBySpanId = new Map<string, IngestContext>();

beforeAll(async () => {
  collector = await startCollector({
    host: '127.0.0.1',
    httpPort: 0,
    grpcPort: 0,
    onExport: (spans, context) => {
      for (const span of spans) contextBySpanId.set(span.spanId, context);
    },
  });
});

afterAll(async () => {
  await collector?.close();
});

/** The run's spans once it holds at least `count`; rejects past the deadline with what it holds. */
function spansArrived(run: CollectorRun, count: number, timeoutMillis: number): Promise<readonly Span[]> {
  return new Promise((resolve, reject) => {
    let unsubscribe = (): void => {};
    const deadline = setTimeout(() => {
      unsubscribe();
      reject(new Error(`run ${run.id} holds ${run.spans().length} spans after ${timeoutMillis} ms, not the ${count} sent`));
    }, timeoutMillis);
    const check = (): void => {
      const spans = run.spans();
      if (spans.length < count) return;
      clearTimeout(deadline);
      unsubscribe();
      resolve(spans);
    };
    unsubscribe = run.onChange(check);
    check();
  });
}

async function emit(command: ClientCommand, transport: Transport): Promise<Outcome> {
  const run = collector.run();
  const [program, ...args] = command;
  const outcome = await runProgram(program, args, { ...environmentWithoutOtel(), ...run.envFor({ protocol: transport.protocol, ...(transport.compression === undefined ? {} : { compression: transport.compression }) }) }, 60_000);
  if (outcome.code !== 0) throw new Error(`${program} exited with ${outcome.code ?? outcome.signal}; stderr:\n${outcome.stderr}`);
  const sent = JSON.parse(outcome.stdout) as ClientOutput;
  // The child exits only after shutdown flushed and the collector answered. The run does not "settle": its root
  // span's parent is remote and never arrives, so the wait is for as many spans as the SDK recorded.
  const spans = await spansArrived(run, sent.spans.length, 10_000);
  return { runId: run.id, sent, stored: new Map(spans.map((span) => [span.spanId, span])) };
}

describe.each(languages)('the $language SDK', ({ language, emitter, scopeAttributes, onTheWire }) => {
  const dir = builtClient(language);
  const outcomes = new Map<string, Outcome>();

  describe.skipIf(dir === undefined)('exports every span field', () => {
    beforeAll(async () => {
      const command = emitter(dir!);
      const runs = await Promise.all(transports.map(async (transport) => [key(transport), await emit(command, transport)] as const));
      for (const [name, outcome] of runs) outcomes.set(name, outcome);
    }, 120_000);

    it('puts gzip on the wire over OTLP/HTTP when asked to, and no encoding when not (seen through a recording proxy)', async () => {
      const [program, ...args] = emitter(dir!);
      const proxy = await startRecordingProxy(collector.httpUrl);
      try {
        const encodings: (string | undefined)[][] = [];
        for (const compression of ['gzip', undefined] as const) {
          const env = collector.run().envFor({ protocol: 'http/protobuf', ...(compression === undefined ? {} : { compression }) });
          // The run's own variables, but for the endpoint: the proxy, which forwards to the collector untouched.
          const viaProxy = { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: proxy.url, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${proxy.url}/v1/traces` };
          const before = proxy.requests.length;
          const outcome = await runProgram(program, args, { ...environmentWithoutOtel(), ...viaProxy }, 60_000);
          expect(outcome.code, outcome.stderr).toBe(0);
          expect(proxy.requests.slice(before).every((request) => request.status === 200)).toBe(true);
          encodings.push([...new Set(proxy.requests.slice(before).map((request) => request.contentEncoding))]);
        }
        expect(encodings).toEqual([['gzip'], [undefined]]);
      } finally {
        await proxy.close();
      }
    }, 120_000);

    describe.each(transports)('over $protocol, compression $label', (transport) => {
      const outcome = (): Outcome => outcomes.get(key(transport))!;

      it('exports with the protocol it was configured for, and every export succeeds', () => {
        const { sent } = outcome();
        expect(sent.sdk).toBe(language);
        expect(sent.protocol).toBe(transport.protocol);
        expect(sent.shutdownError).toBeUndefined();
        expect(sent.exportResults.length).toBeGreaterThan(0);
        expect(sent.exportResults.filter((result) => !result.ok)).toEqual([]);
      });

      it('stores exactly the spans that were sent: no span lost, none extra', () => {
        const { sent, stored } = outcome();
        expect(sent.spans.map((span) => span.name).sort()).toEqual(['GET /inventory', 'checkout', 'consume order', 'load-cart', 'publish order']);
        expect([...stored.keys()].sort()).toEqual(sent.spans.map((span) => span.spanId).sort());
      });

      it('keeps every span field for field: ids, nanosecond times, typed attributes, events, links, status, resource, scope', () => {
        const { sent, stored } = outcome();
        for (const span of sent.spans) {
          const actual = stored.get(span.spanId);
          expect(actual, `span ${span.name} (${span.spanId}) was not stored`).toBeDefined();
          expect(storedSpan(actual!), span.name).toEqual(onTheWire(expectedSpan(span)));
        }
      });

      it('tags every span with the run twice: the resource attribute and the request header', () => {
        const { runId, stored } = outcome();
        for (const span of stored.values()) {
          expect(span.resource.attributes['test.run.id'], span.name).toBe(runId);
          expect(contextBySpanId.get(span.spanId), span.name).toEqual({ runId, transport: transport.protocol === 'grpc' ? 'grpc' : 'http' });
        }
      });

      it('keeps the values that are easiest to lose exactly (checked against constants, not only against the SDK)', () => {
        const spans = [...outcome().stored.values()];
        const checkout = spans.find((span) => span.name === 'checkout')!;
        expect(checkout.parentSpanId).toMatch(/^[0-9a-f]{16}$/);
        expect(checkout.traceState).toMatch(/^(vendor=value,other=x|other=x,vendor=value)$/);
        expect(checkout.startTimeUnixNano).toBe(1_700_000_000_123_456_789n);
        expect(checkout.endTimeUnixNano).toBe(1_700_000_001_987_654_321n);
        expect(checkout.events.map((event) => event.timeUnixNano)).toEqual([1_700_000_000_123_457_790n, 1_700_000_000_123_458_791n]);
        expect(checkout.kind).toBe(2);
        expect(checkout.status).toEqual({ code: 2, message: 'payment declined' });
        const attributes = checkout.attributes;
        expect(attributes['attr.int.max']).toBe(2n ** 63n - 1n);
        expect(attributes['attr.int.min']).toBe(-(2n ** 63n));
        expect(attributes['attr.double.whole']).toBe(2);
        expect(attributes['attr.double.tiny']).toBe(5e-324);
        expect(attributes['attr.string.unicode']).toBe('héllo wörld — 你好 🌍 𝄞 "quoted" \\ back');
        expect(attributes['attr.array.int']).toEqual([1n, -2n, 2n ** 62n]);
        expect(attributes['attr.array.double']).toEqual([1.5, -0.25]);
        if (language === 'python') expect(comparableValue(attributes['attr.bytes'] ?? null)).toEqual(new Uint8Array([0, 1, 2, 127, 128, 254, 255]));
        expect(checkout.scope).toMatchObject({ name: 'tracecheck.conformance', version: '1.2.3', schemaUrl: 'https://opentelemetry.io/schemas/1.30.0' });
        expect(checkout.scope.attributes).toEqual(scopeAttributes ? { 'scope.attr': 'yes', 'scope.int': 7n } : {});
        const publish = spans.find((span) => span.name === 'publish order')!;
        expect(publish.links.map((link) => [link.traceId, link.spanId, link.traceState, link.attributes])).toEqual([
          [
            '4bf92f3577b34da6a3ce929d0e0e4736',
            '00f067aa0ba902b7',
            language === 'java' ? 'linked=1' : '',
            { 'link.string': 'batch', 'link.int': 9n, 'link.double': 0.5, 'link.bool': true },
          ],
        ]);
        const consume = spans.find((span) => span.name === 'consume order')!;
        expect(consume.parentSpanId).toBeUndefined();
        expect(consume.links.map((link) => link.spanId)).toEqual([publish.spanId]);
        expect(checkout.resource.attributes['telemetry.sdk.language']).toBe(language);
      });
    });
  });
});

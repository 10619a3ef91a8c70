// One receiver suite over every way an export arrives, in the manner of Hono's shared router tests: the export core
// called in-process, OTLP/HTTP over real HTTP requests and the real OpenTelemetry HTTP exporters, and OTLP/gRPC
// over a real grpc-js client and the real OpenTelemetry gRPC exporter. Each case is written once; each transport
// only says how it sends bytes and how its answer reads as an export outcome.
import * as grpc from '@grpc/grpc-js';
import { ExportResultCode } from '@opentelemetry/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OtlpEncoding } from '../../src/otlp/index.ts';
import { otlpProtoRoot } from '../../src/otlp/index.ts';
import type { ExportOutcome } from '../../src/receiver/index.ts';
import { createOtlpHttpHandler, exportTraces, listenGrpc, listenHttp } from '../../src/receiver/index.ts';
import type { IngestContext } from '../../src/store/span-sink.ts';
import type { ExporterKind } from './fixtures.ts';
import { CollectingSink, exportOnce, jsonRequestBytes, protobufRequestBytes, readExportResponse, readRpcStatus, recordRealSpans } from './fixtures.ts';
import { rawGrpcExport } from './raw-grpc-client.ts';

/** What a receiver is configured with in this suite. */
interface ReceiverOptions {
  readonly authToken?: string;
  readonly maxBodyBytes?: number;
  readonly acceptingExports?: () => boolean;
}

/** One answer, read back as the outcome of the export core whatever the transport said it with. */
interface Answer {
  readonly kind: ExportOutcome['kind'];
  readonly rejectedSpans: number;
  readonly message: string;
}

interface SendOptions {
  readonly encoding: OtlpEncoding;
  readonly runId?: string;
  readonly authorization?: string;
}

interface RunningReceiver {
  send(bytes: Uint8Array, options: SendOptions): Promise<Answer>;
  /** The real OpenTelemetry exporters that can talk to it, and its URL for them. */
  readonly exporters: readonly ExporterKind[];
  readonly url: string;
  close(): Promise<void>;
}

interface Transport {
  readonly name: string;
  readonly encodings: readonly OtlpEncoding[];
  /** `IngestContext.transport` of what it ingests. */
  readonly ingestTransport: IngestContext['transport'];
  /** Whether a run id with surrounding blanks reaches the receiver as sent. */
  readonly carriesPaddedValues: boolean;
  start(sink: CollectingSink, options: ReceiverOptions): Promise<RunningReceiver>;
}

const contentTypes: Record<OtlpEncoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

const core: Transport = {
  name: 'the export core, in-process',
  encodings: ['protobuf', 'json'],
  ingestTransport: 'memory',
  carriesPaddedValues: true,
  async start(sink, options) {
    return {
      exporters: [],
      url: '',
      async send(bytes, { encoding, runId, authorization }) {
        const outcome = await exportTraces({ bytes, encoding, runId, authorization, transport: 'memory' }, sink, options);
        return {
          kind: outcome.kind,
          rejectedSpans: outcome.kind === 'partial' ? outcome.rejectedSpans : 0,
          message: 'message' in outcome ? outcome.message : outcome.kind === 'partial' ? outcome.errorMessage : '',
        };
      },
      close: async () => {},
    };
  },
};

/** OTLP/HTTP status → outcome, with what each answer must carry besides its status. */
const httpOutcomes: Record<number, { kind: ExportOutcome['kind']; rpcCode: number; header?: [string, RegExp] }> = {
  400: { kind: 'invalid', rpcCode: 3 },
  401: { kind: 'unauthenticated', rpcCode: 16, header: ['www-authenticate', /^Bearer$/] },
  413: { kind: 'tooLarge', rpcCode: 8 },
  503: { kind: 'unavailable', rpcCode: 14, header: ['retry-after', /^\d+$/] },
};

const http: Transport = {
  name: 'OTLP/HTTP over node:http',
  encodings: ['protobuf', 'json'],
  ingestTransport: 'http',
  carriesPaddedValues: true,
  async start(sink, options) {
    const handler = createOtlpHttpHandler({ sink, ...options });
    const server = await listenHttp({ host: '127.0.0.1', port: 0, handler });
    return {
      exporters: ['http/protobuf', 'http/json'],
      url: server.url,
      async send(bytes, { encoding, runId, authorization }) {
        const headers: Record<string, string> = { 'content-type': contentTypes[encoding] };
        if (runId !== undefined) headers['x-test-run-id'] = runId;
        if (authorization !== undefined) headers['authorization'] = authorization;
        const response = await fetch(`${server.url}/v1/traces`, { method: 'POST', headers, body: bytes });
        const body = new Uint8Array(await response.arrayBuffer());
        expect(response.headers.get('content-type')).toBe(contentTypes[encoding]);
        if (response.status === 200) {
          const partial = readExportResponse(encoding, body).partialSuccess;
          const rejectedSpans = Number(partial?.rejectedSpans ?? 0);
          return { kind: rejectedSpans > 0 ? 'partial' : 'ok', rejectedSpans, message: partial?.errorMessage ?? '' };
        }
        const expected = httpOutcomes[response.status];
        if (expected === undefined) throw new Error(`OTLP/HTTP answered ${response.status}, which no export outcome maps to`);
        const status = readRpcStatus(encoding, body);
        expect(status.code).toBe(expected.rpcCode);
        if (expected.header !== undefined) expect(response.headers.get(expected.header[0])).toMatch(expected.header[1]);
        return { kind: expected.kind, rejectedSpans: 0, message: status.message };
      },
      close: () => server.close(),
    };
  },
};

const grpcOutcomes = new Map<number, ExportOutcome['kind']>([
  [grpc.status.INVALID_ARGUMENT, 'invalid'],
  [grpc.status.UNAUTHENTICATED, 'unauthenticated'],
  [grpc.status.RESOURCE_EXHAUSTED, 'tooLarge'],
  [grpc.status.UNAVAILABLE, 'unavailable'],
]);

const grpcTransport: Transport = {
  name: 'OTLP/gRPC over grpc-js',
  encodings: ['protobuf'],
  ingestTransport: 'grpc',
  // HTTP/2 field values must not start or end with blanks (RFC 9113 §8.2.1); grpc-js does not send them so.
  carriesPaddedValues: false,
  async start(sink, options) {
    const server = await listenGrpc({
      host: '127.0.0.1',
      port: 0,
      sink,
      authToken: options.authToken,
      acceptingExports: options.acceptingExports,
      maxReceiveMessageBytes: options.maxBodyBytes,
    });
    return {
      exporters: ['grpc'],
      url: server.url,
      async send(bytes, { runId, authorization }) {
        const metadata: Record<string, string> = {};
        if (runId !== undefined) metadata['x-test-run-id'] = runId;
        if (authorization !== undefined) metadata['authorization'] = authorization;
        const { error, response } = await rawGrpcExport(server.url, bytes, { metadata });
        if (error === null) {
          const partial = readExportResponse('protobuf', response ?? new Uint8Array(0)).partialSuccess;
          const rejectedSpans = Number(partial?.rejectedSpans ?? 0);
          return { kind: rejectedSpans > 0 ? 'partial' : 'ok', rejectedSpans, message: partial?.errorMessage ?? '' };
        }
        const kind = grpcOutcomes.get(error.code);
        if (kind === undefined) throw new Error(`OTLP/gRPC answered ${grpc.status[error.code]}, which no export outcome maps to: ${error.details}`);
        return { kind, rejectedSpans: 0, message: error.details };
      },
      close: () => server.close(),
    };
  },
};

/** A protobuf export whose first span's trace id is 3 bytes: the request decodes, that span is rejected. */
function protobufWithOneBadSpan(spanCount: number): Uint8Array {
  const type = otlpProtoRoot().lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');
  const message = type.decode(protobufRequestBytes(recordRealSpans('partial', spanCount - 1))) as unknown as {
    resourceSpans: { scopeSpans: { spans: { traceId: Uint8Array }[] }[] }[];
  };
  const first = message.resourceSpans[0]?.scopeSpans[0]?.spans[0];
  if (first === undefined) throw new Error('the SDK serializer wrote no spans');
  first.traceId = new Uint8Array([1, 2, 3]);
  return type.encode(message as never).finish();
}

/** The same, as OTLP/JSON: a base64 trace id where hex is required. */
function jsonWithOneBadSpan(spanCount: number): Uint8Array {
  const request = JSON.parse(new TextDecoder().decode(jsonRequestBytes(recordRealSpans('partial', spanCount - 1)))) as {
    resourceSpans: { scopeSpans: { spans: { traceId: string }[] }[] }[];
  };
  const first = request.resourceSpans[0]?.scopeSpans[0]?.spans[0];
  if (first === undefined) throw new Error('the SDK serializer wrote no spans');
  first.traceId = Buffer.from(first.traceId, 'hex').toString('base64');
  return new TextEncoder().encode(JSON.stringify(request));
}

const validBytes: Record<OtlpEncoding, (prefix: string, childCount: number) => Uint8Array> = {
  protobuf: (prefix, childCount) => protobufRequestBytes(recordRealSpans(prefix, childCount)),
  json: (prefix, childCount) => jsonRequestBytes(recordRealSpans(prefix, childCount)),
};
const badSpanBytes: Record<OtlpEncoding, (spanCount: number) => Uint8Array> = { protobuf: protobufWithOneBadSpan, json: jsonWithOneBadSpan };
const malformedBytes: Record<OtlpEncoding, Uint8Array> = {
  // Field 1 (resource_spans), wire type 2, a length of 100 with 2 bytes behind it: truncated.
  protobuf: new Uint8Array([0x0a, 100, 1, 2]),
  json: new TextEncoder().encode('{"resourceSpans": ['),
};
const emptyMessages: Record<OtlpEncoding, Uint8Array> = { protobuf: new Uint8Array(0), json: new TextEncoder().encode('{}') };

describe.each([core, http, grpcTransport])('$name', (transport) => {
  let sink: CollectingSink;
  let receiver: RunningReceiver | undefined;

  const start = async (options: ReceiverOptions = {}): Promise<RunningReceiver> => {
    receiver = await transport.start(sink, options);
    return receiver;
  };

  beforeEach(() => {
    sink = new CollectingSink();
  });
  afterEach(async () => {
    await receiver?.close();
    receiver = undefined;
  });

  describe.each(transport.encodings)('%s', (encoding) => {
    it('a valid export: ok, every span ingested with the request run id', async () => {
      const exporter = await start();
      const answer = await exporter.send(validBytes[encoding]('valid', 2), { encoding, runId: 'run-1' });
      expect(answer).toEqual({ kind: 'ok', rejectedSpans: 0, message: '' });
      expect(sink.spans()).toHaveLength(3);
      expect(sink.batches.map((batch) => batch.context)).toEqual([{ runId: 'run-1', transport: transport.ingestTransport }]);
    });

    it.runIf(transport.carriesPaddedValues)('a run id with blanks around it is trimmed', async () => {
      const exporter = await start();
      expect((await exporter.send(validBytes[encoding]('padded', 0), { encoding, runId: '  run-2 ' })).kind).toBe('ok');
      expect(sink.batches[0]?.context.runId).toBe('run-2');
    });

    it('a blank run id is no run id', async () => {
      const exporter = await start();
      expect((await exporter.send(validBytes[encoding]('blank', 0), { encoding, runId: '   ' })).kind).toBe('ok');
      expect(sink.batches[0]?.context.runId).toBeUndefined();
    });

    it('some spans invalid: partial success counting them, the valid ones ingested', async () => {
      const exporter = await start();
      const answer = await exporter.send(badSpanBytes[encoding](3), { encoding });
      expect(answer.kind).toBe('partial');
      expect(answer.rejectedSpans).toBe(1);
      expect(answer.message).not.toBe('');
      expect(sink.spans()).toHaveLength(2);
    });

    it('a malformed request: invalid, with the decoder message, nothing ingested', async () => {
      const exporter = await start();
      const answer = await exporter.send(malformedBytes[encoding], { encoding });
      expect(answer.kind).toBe('invalid');
      expect(answer.message).toMatch(new RegExp(`^undecodable OTLP ${encoding === 'protobuf' ? 'protobuf' : 'JSON'} export request: .+`));
      expect(sink.batches).toEqual([]);
    });

    it.each([
      ['zero bytes', () => new Uint8Array(0)],
      ['an empty message', () => emptyMessages[encoding]],
    ])('an empty request (%s): ok, nothing ingested', async (_label, bytes) => {
      const exporter = await start();
      expect(await exporter.send(bytes(), { encoding })).toEqual({ kind: 'ok', rejectedSpans: 0, message: '' });
      expect(sink.batches).toEqual([]);
    });

    it('a bearer token set: unauthenticated without it or with a wrong one, ok with it', async () => {
      const exporter = await start({ authToken: 's3cret' });
      const bytes = validBytes[encoding]('auth', 1);
      expect((await exporter.send(bytes, { encoding })).kind).toBe('unauthenticated');
      const wrong = await exporter.send(bytes, { encoding, authorization: 'Bearer nope' });
      expect(wrong.kind).toBe('unauthenticated');
      expect(wrong.message).toMatch(/bearer token/);
      expect(sink.batches).toEqual([]);
      expect((await exporter.send(bytes, { encoding, authorization: 'Bearer s3cret' })).kind).toBe('ok');
      expect(sink.spans()).toHaveLength(2);
    });

    it('a request over the size limit: tooLarge, nothing ingested; a smaller one after it is ok', async () => {
      const exporter = await start({ maxBodyBytes: 4096 });
      const big = validBytes[encoding]('big', 80);
      expect(big.byteLength).toBeGreaterThan(4096);
      expect((await exporter.send(big, { encoding })).kind).toBe('tooLarge');
      expect(sink.batches).toEqual([]);
      expect((await exporter.send(validBytes[encoding]('small', 0), { encoding })).kind).toBe('ok');
    });

    it('a sink that takes no exports now: unavailable (retryable), nothing ingested', async () => {
      let accepting = false;
      const exporter = await start({ acceptingExports: () => accepting });
      const bytes = validBytes[encoding]('closing', 0);
      const answer = await exporter.send(bytes, { encoding });
      expect(answer.kind).toBe('unavailable');
      expect(answer.message).not.toBe('');
      expect(sink.batches).toEqual([]);
      accepting = true;
      expect((await exporter.send(bytes, { encoding })).kind).toBe('ok');
    });
  });

  it('the real OpenTelemetry exporters succeed, tagged with the run id', async () => {
    const exporter = await start();
    for (const kind of exporter.exporters) {
      const spans = recordRealSpans(kind, 1);
      const result = await exportOnce(kind, exporter.url, spans, { runId: `run-${kind}`, gzip: true });
      expect(result.error).toBeUndefined();
      expect(result.code).toBe(ExportResultCode.SUCCESS);
      expect(sink.batches.at(-1)?.context).toEqual({ runId: `run-${kind}`, transport: transport.ingestTransport });
    }
    expect(sink.spans()).toHaveLength(exporter.exporters.length * 2);
  });
});

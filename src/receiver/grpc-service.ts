import * as grpc from '@grpc/grpc-js';
import { TracecheckError } from '../errors.ts';
import { encodeExportResponse, encodeRpcStatus } from '../otlp/index.ts';
import { runIdHeaderName } from '../protocol/index.ts';
import type { SpanSink } from '../store/index.ts';
import { exportTraces, handledOf, notifyObserver } from './export-traces.ts';
import type { ExportObserver, ExportOutcome, ExportPolicy } from './export-traces.ts';
import { defaultMaxBodyBytes } from './http-handler.ts';

/** The full gRPC method path of OTLP trace export (package `opentelemetry.proto.collector.trace.v1`). */
export const traceExportMethodPath = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/**
 * `TraceService` with a pass-through request deserializer: the raw message bytes reach the handler, which
 * decodes them and answers INVALID_ARGUMENT for bad data (a throwing deserializer would make grpc-js answer
 * INTERNAL, which exporters treat differently). Responses are already-encoded `ExportTraceServiceResponse` bytes.
 */
export const traceServiceDefinition: grpc.ServiceDefinition = {
  Export: {
    path: traceExportMethodPath,
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Uint8Array) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
    requestDeserialize: (bytes: Buffer) => bytes,
    responseSerialize: (value: Uint8Array) => Buffer.from(value.buffer, value.byteOffset, value.byteLength),
    responseDeserialize: (bytes: Buffer) => bytes,
  },
};

/** Options of {@link createTraceServiceHandlers} and {@link listenGrpc}. */
export interface GrpcReceiverOptions {
  /** Receives every accepted span, with the call's run id. */
  readonly sink: SpanSink;
  /** Metadata key carrying the test-run id (lower-case). Default `x-test-run-id`. */
  readonly runIdMetadataKey?: string;
  /** When set, calls need metadata `authorization: Bearer <authToken>`; UNAUTHENTICATED otherwise. */
  readonly authToken?: string;
  /** Whether the sink takes exports now; when false, calls are answered UNAVAILABLE. Default: always. */
  readonly acceptingExports?: () => boolean;
  /** Told of every export call once answered: outcome, spans, latency. For metrics. */
  readonly onExportHandled?: ExportObserver;
}

/** The gRPC answer to one outcome of the export core: a response message, or a status error. */
function callbackArgs(outcome: ExportOutcome): [Partial<grpc.StatusObject> | null, Uint8Array?] {
  switch (outcome.kind) {
    case 'ok':
      return [null, encodeExportResponse('protobuf', undefined)];
    case 'partial':
      return [null, encodeExportResponse('protobuf', { rejectedSpans: outcome.rejectedSpans, errorMessage: outcome.errorMessage })];
    case 'unauthenticated':
      return [{ code: grpc.status.UNAUTHENTICATED, details: `${outcome.message}: send metadata "authorization: Bearer <token>"` }];
    case 'invalid':
      return [{ code: grpc.status.INVALID_ARGUMENT, details: outcome.message }];
    case 'tooLarge':
      return [{ code: grpc.status.RESOURCE_EXHAUSTED, details: outcome.message }];
    case 'unavailable':
      return [{ code: grpc.status.UNAVAILABLE, details: outcome.message, metadata: retryInfoTrailer(outcome.message, outcome.retryAfterSeconds) }];
  }
}

/**
 * The OTLP/gRPC retry hint: a `google.rpc.Status` whose details hold a `google.rpc.RetryInfo`, in the
 * `grpc-status-details-bin` trailer (gRPC's rich error model; OTLP specification, "OTLP/gRPC Throttling").
 */
function retryInfoTrailer(message: string, retryAfterSeconds: number): grpc.Metadata {
  const metadata = new grpc.Metadata();
  const status = encodeRpcStatus('protobuf', grpc.status.UNAVAILABLE, message, retryAfterSeconds);
  metadata.set('grpc-status-details-bin', Buffer.from(status.buffer, status.byteOffset, status.byteLength));
  return metadata;
}

/** The unary `Export` implementation, for mounting on a grpc-js server of your own. */
export function createTraceServiceHandlers(options: GrpcReceiverOptions): grpc.UntypedServiceImplementation {
  const runIdKey = runIdHeaderName(options.runIdMetadataKey);
  // grpc-js enforces the message size limit itself (RESOURCE_EXHAUSTED) and inflates gzip/deflate before this.
  const policy: ExportPolicy = { authToken: options.authToken, acceptingExports: options.acceptingExports };
  const { sink } = options;

  const firstString = (metadata: grpc.Metadata, key: string): string | undefined => {
    const value = metadata.get(key)[0];
    return typeof value === 'string' ? value : undefined;
  };

  const exportHandler: grpc.handleUnaryCall<Buffer, Uint8Array> = async (call, callback) => {
    const startedAtMillis = performance.now();
    try {
      const outcome = await exportTraces(
        {
          bytes: call.request,
          encoding: 'protobuf',
          runId: firstString(call.metadata, runIdKey),
          authorization: firstString(call.metadata, 'authorization'),
          transport: 'grpc',
        },
        sink,
        policy,
      );
      const [error, response] = callbackArgs(outcome);
      callback(error, response);
      notifyObserver(options.onExportHandled, handledOf('grpc', outcome, startedAtMillis));
    } catch (cause) {
      notifyObserver(options.onExportHandled, handledOf('grpc', 'internal', startedAtMillis));
      callback({ code: grpc.status.INTERNAL, details: `internal error in the receiver: ${cause instanceof Error ? cause.message : String(cause)}` });
    }
  };
  return { Export: exportHandler };
}

/** Options of {@link listenGrpc}. */
export interface ListenGrpcOptions extends GrpcReceiverOptions {
  /** Interface to bind, e.g. `127.0.0.1`. */
  readonly host: string;
  /** Port to bind; `0` picks a free one. */
  readonly port: number;
  /**
   * Largest accepted message in bytes, after decompression (`grpc.max_receive_message_length`); over it the
   * call fails with RESOURCE_EXHAUSTED. Default 64 MiB, as the OTLP spec recommends (grpc's own default is 4 MiB).
   */
  readonly maxReceiveMessageBytes?: number;
  /** How long `close()` lets in-flight calls finish before cutting them. Default 10 000. */
  readonly closeTimeoutMillis?: number;
}

/** A listening gRPC receiver. */
export interface GrpcListener {
  /** e.g. `http://127.0.0.1:4317`: what `OTEL_EXPORTER_OTLP_ENDPOINT` wants for the gRPC exporter. */
  readonly url: string;
  /** The bound port (the chosen one when `port: 0` was asked for). */
  readonly port: number;
  /** Graceful shutdown (`tryShutdown`) bounded by `closeTimeoutMillis`, then `forceShutdown`. Idempotent. */
  close(): Promise<void>;
}

/**
 * Serves OTLP/gRPC trace export (unary `TraceService/Export`, plaintext). gzip and deflate compressed
 * messages are undone by grpc-js before the handler sees them.
 *
 * @example
 * ```ts
 * const grpcServer = await listenGrpc({ host: '127.0.0.1', port: 0, sink });
 * // new OTLPTraceExporter({ url: grpcServer.url }) from @opentelemetry/exporter-trace-otlp-grpc
 * await grpcServer.close();
 * ```
 */
export async function listenGrpc(options: ListenGrpcOptions): Promise<GrpcListener> {
  const maxReceiveMessageBytes = options.maxReceiveMessageBytes ?? defaultMaxBodyBytes;
  const closeTimeoutMillis = options.closeTimeoutMillis ?? 10_000;
  const server = new grpc.Server({ 'grpc.max_receive_message_length': maxReceiveMessageBytes });
  server.addService(traceServiceDefinition, createTraceServiceHandlers(options));

  const hostPart = options.host.includes(':') ? `[${options.host}]` : options.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${hostPart}:${options.port}`, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error === null) resolve(boundPort);
      else reject(new TracecheckError('TC_LISTEN_FAILED', `cannot listen for OTLP/gRPC on ${options.host}:${options.port}: ${error.message}`, { cause: error }));
    });
  });

  let closed: Promise<void> | undefined;
  return {
    url: `http://${hostPart}:${port}`,
    port,
    close() {
      closed ??= new Promise<void>((resolve) => {
        const deadline = setTimeout(() => server.forceShutdown(), closeTimeoutMillis);
        deadline.unref();
        server.tryShutdown(() => {
          clearTimeout(deadline);
          resolve();
        });
      });
      return closed;
    },
  };
}

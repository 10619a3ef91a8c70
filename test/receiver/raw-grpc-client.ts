// A raw grpc-js client for OTLP/gRPC Export: sends bytes as they are, for inputs no real exporter would send.
import * as grpc from '@grpc/grpc-js';
import { traceServiceDefinition } from '../../src/receiver/index.ts';

const RawClient = grpc.makeGenericClientConstructor(traceServiceDefinition, 'TraceService');

interface RawTraceClient {
  Export(request: Uint8Array, metadata: grpc.Metadata, callback: (error: grpc.ServiceError | null, response?: Uint8Array) => void): void;
}

/** The outcome of one raw call. */
export interface RawCallResult {
  readonly error: grpc.ServiceError | null;
  readonly response: Uint8Array | undefined;
}

/** Calls Export with raw bytes at `url` (`http://host:port`); `compression` picks grpc-js's message compression. */
export async function rawGrpcExport(
  url: string,
  bytes: Uint8Array,
  options: { metadata?: Record<string, string>; compression?: grpc.compressionAlgorithms } = {},
): Promise<RawCallResult> {
  const channelOptions: grpc.ChannelOptions =
    options.compression === undefined ? {} : { 'grpc.default_compression_algorithm': options.compression };
  const client = new RawClient(url.replace(/^http:\/\//, ''), grpc.credentials.createInsecure(), channelOptions);
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
  try {
    // makeGenericClientConstructor adds one method per service entry; its type does not name them.
    const typed = client as unknown as RawTraceClient;
    return await new Promise<RawCallResult>((resolve) => typed.Export(bytes, metadata, (error, response) => resolve({ error, response })));
  } finally {
    client.close();
  }
}

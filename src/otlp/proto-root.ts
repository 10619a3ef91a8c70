import { fileURLToPath } from 'node:url';
import path from 'node:path';
import protobuf from 'protobufjs';

/** The package's `proto/` folder: `../../proto` from both `src/otlp` and `dist/otlp`. */
export const PROTO_DIR = fileURLToPath(new URL('../../proto/', import.meta.url));

let root: protobuf.Root | undefined;

/**
 * The OTLP trace service, `google.rpc.Status` and `google.rpc.RetryInfo` definitions from `proto/`, parsed once on first use.
 * Imports resolve against `proto/` (the include path), as protoc's `-I proto` would.
 */
export function otlpProtoRoot(): protobuf.Root {
  if (root === undefined) {
    const r = new protobuf.Root();
    r.resolvePath = (_origin, target) => (path.isAbsolute(target) ? target : path.join(PROTO_DIR, target));
    r.loadSync(['opentelemetry/proto/collector/trace/v1/trace_service.proto', 'google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: false });
    root = r;
  }
  return root;
}

/** Looks up a message type by its full name, e.g. `google.rpc.Status`. */
export function otlpMessageType(fullName: string): protobuf.Type {
  return otlpProtoRoot().lookupType(fullName);
}

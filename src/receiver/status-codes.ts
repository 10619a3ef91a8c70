/**
 * `google.rpc.Code` numbers (google/rpc/code.proto), the `code` field of a `google.rpc.Status` body.
 * The same numbers are gRPC status codes.
 */
export const RpcCode = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/**
 * The `google.rpc.Code` put into the Status body of an HTTP error answer, following the HTTP ↔ gRPC mapping of
 * google/rpc/code.proto (400 INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 NOT_FOUND,
 * 413 RESOURCE_EXHAUSTED, 500 INTERNAL). 405 and 415 have no entry there; they are requests this receiver
 * does not implement, so UNIMPLEMENTED.
 */
export function grpcStatusOfHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return RpcCode.INVALID_ARGUMENT;
    case 401:
      return RpcCode.UNAUTHENTICATED;
    case 403:
      return RpcCode.PERMISSION_DENIED;
    case 404:
      return RpcCode.NOT_FOUND;
    case 405:
    case 415:
      return RpcCode.UNIMPLEMENTED;
    case 413:
      return RpcCode.RESOURCE_EXHAUSTED;
    case 503:
      return RpcCode.UNAVAILABLE;
    default:
      return status >= 500 ? RpcCode.INTERNAL : RpcCode.INVALID_ARGUMENT;
  }
}

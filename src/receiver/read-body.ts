import type { Result } from '../result.ts';
import { err, ok } from '../result.ts';

/** Why a request body could not be read. */
export interface ReadBodyError {
  /** `too-large` → 413; `aborted` → the client went away or the stream failed. */
  readonly kind: 'too-large' | 'aborted';
  readonly message: string;
}

/**
 * Collects a request body, counting bytes as they stream in and stopping at the first chunk that passes
 * `maxBodyBytes`, so an oversized upload is refused without buffering it. Chunked bodies without
 * `Content-Length` are the normal case (the JS exporter streams; Java sends gzip without a length).
 * Never throws.
 */
export async function readBody(
  body: Uint8Array | AsyncIterable<Uint8Array>,
  maxBodyBytes: number,
): Promise<Result<Uint8Array, ReadBodyError>> {
  if (body instanceof Uint8Array) {
    return body.byteLength > maxBodyBytes ? err(tooLarge(maxBodyBytes)) : ok(body);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of body) {
      total += chunk.byteLength;
      if (total > maxBodyBytes) return err(tooLarge(maxBodyBytes));
      chunks.push(chunk);
    }
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    return err({ kind: 'aborted', message: `request body could not be read: ${detail}` });
  }
  if (chunks.length === 1 && chunks[0] !== undefined) return ok(chunks[0]);
  return ok(Buffer.concat(chunks, total));
}

function tooLarge(maxBodyBytes: number): ReadBodyError {
  return { kind: 'too-large', message: `request body is larger than the limit of ${maxBodyBytes} bytes` };
}

import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Result } from '../result.ts';
import { err, ok } from '../result.ts';

/** A content coding the receiver can undo. `identity` means "not encoded". */
export type ContentCoding = 'gzip' | 'deflate' | 'zstd' | 'identity';

type Inflater = (input: Uint8Array, options: zlib.ZlibOptions) => Promise<Buffer>;

const gunzip: Inflater = promisify(zlib.gunzip);
const inflate: Inflater = promisify(zlib.inflate);
const inflateRaw: Inflater = promisify(zlib.inflateRaw);
// zstd arrived in node:zlib with Node 23.8 / 22.15; older runtimes simply do not offer the coding.
const zstdDecompress: Inflater | undefined =
  typeof zlib.zstdDecompress === 'function' ? (promisify(zlib.zstdDecompress) as Inflater) : undefined;

/** The codings this runtime can decode, in the order they are advertised (e.g. in a 415 answer). */
export const supportedContentCodings: readonly ContentCoding[] =
  zstdDecompress === undefined ? ['gzip', 'deflate', 'identity'] : ['gzip', 'deflate', 'zstd', 'identity'];

/** Why a body could not be decompressed; `kind` picks the HTTP answer. */
export interface DecompressError {
  /** `unsupported` → 415, `too-large` → 413, `corrupt` → 400. */
  readonly kind: 'unsupported' | 'too-large' | 'corrupt';
  readonly message: string;
}

/**
 * Parses a `Content-Encoding` header into the codings applied, in the order they were applied
 * (RFC 9110 §8.4: a list, first applied first). Missing or empty means no coding. `x-gzip` is gzip (RFC 9110 §8.4.1.3).
 */
export function parseContentEncoding(header: string | undefined): Result<ContentCoding[], DecompressError> {
  if (header === undefined) return ok([]);
  const codings: ContentCoding[] = [];
  for (const raw of header.split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === '' || name === 'identity') continue;
    const coding = name === 'x-gzip' ? 'gzip' : name;
    if (coding === 'gzip' || coding === 'deflate' || (coding === 'zstd' && zstdDecompress !== undefined)) {
      codings.push(coding);
    } else {
      return err({
        kind: 'unsupported',
        message: `unsupported Content-Encoding "${name}"; this receiver accepts ${supportedContentCodings.join(', ')}`,
      });
    }
  }
  return ok(codings);
}

/**
 * RFC 1950 zlib header: CM = 8 (deflate) in the low nibble of CMF, and CMF*256+FLG a multiple of 31.
 * HTTP `deflate` means zlib-wrapped (RFC 9110 §8.4.1.2), but some clients send raw deflate; accept both.
 */
function hasZlibHeader(body: Uint8Array): boolean {
  const cmf = body[0];
  const flg = body[1];
  if (cmf === undefined || flg === undefined) return false;
  return (cmf & 0x0f) === 8 && (cmf * 256 + flg) % 31 === 0;
}

/**
 * Undoes `codings` (as applied, first to last) on `body`, never producing more than `maxBodyBytes`:
 * inflation stops at the limit (zlib `maxOutputLength`), so a small "zip bomb" costs at most the limit.
 * Runs on the libuv thread pool; never throws.
 */
export async function decompressBody(
  body: Uint8Array,
  codings: readonly ContentCoding[],
  maxBodyBytes: number,
): Promise<Result<Uint8Array, DecompressError>> {
  let current = body;
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i];
    if (coding === undefined || coding === 'identity') continue;
    const inflater =
      coding === 'gzip' ? gunzip : coding === 'zstd' ? zstdDecompress : hasZlibHeader(current) ? inflate : inflateRaw;
    if (inflater === undefined) {
      return err({ kind: 'unsupported', message: `unsupported Content-Encoding "${coding}"` });
    }
    try {
      // maxOutputLength must be ≥ 1; an empty output is checked by the decoder, not here.
      current = await inflater(current, { maxOutputLength: Math.max(1, maxBodyBytes) });
    } catch (cause) {
      const code = (cause as { code?: unknown }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') {
        return err({
          kind: 'too-large',
          message: `request body inflates past the limit of ${maxBodyBytes} bytes (${coding})`,
        });
      }
      const detail = cause instanceof Error ? cause.message : String(cause);
      return err({ kind: 'corrupt', message: `request body is not valid ${coding} data: ${detail}` });
    }
  }
  return ok(current);
}

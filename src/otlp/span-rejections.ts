/** How many rejection reasons are spelled out in `partial_success.error_message`; the rest are counted. */
const MAX_LISTED_REASONS = 3;

/**
 * Collects spans rejected during one decode (partial success): the count, and the first few reasons with the
 * span's position in the request, so a user can find the offending exporter.
 */
export class SpanRejections {
  count = 0;
  private readonly reasons: string[] = [];

  /** Records one rejected span; `where` locates it in the request, `reason` says what is wrong. */
  reject(where: string, reason: string): void {
    this.count++;
    if (this.reasons.length < MAX_LISTED_REASONS) this.reasons.push(`${where}: ${reason}`);
  }

  /** The `error_message` for the export response; `''` when nothing was rejected. */
  message(): string {
    if (this.count === 0) return '';
    const more = this.count - this.reasons.length;
    const tail = more > 0 ? `; and ${more} more` : '';
    return `${this.count} span${this.count === 1 ? '' : 's'} rejected: ${this.reasons.join('; ')}${tail}`;
  }
}

/** Why a trace id of `byteLength` bytes is unusable, or `undefined` when it is fine. */
export function traceIdProblem(byteLength: number, allZero: boolean): string | undefined {
  if (byteLength !== 16) return `trace id is ${byteLength} bytes, must be 16`;
  if (allZero) return 'trace id is all zeros, which OTLP defines as invalid';
  return undefined;
}

/** Why a span id of `byteLength` bytes is unusable, or `undefined` when it is fine. */
export function spanIdProblem(byteLength: number, allZero: boolean): string | undefined {
  if (byteLength !== 8) return `span id is ${byteLength} bytes, must be 8`;
  if (allZero) return 'span id is all zeros, which OTLP defines as invalid';
  return undefined;
}

/** Why a parent span id of `byteLength` bytes is unusable (it must be empty or 8 bytes), or `undefined`. */
export function parentSpanIdProblem(byteLength: number): string | undefined {
  if (byteLength !== 0 && byteLength !== 8) return `parent span id is ${byteLength} bytes, must be empty or 8`;
  return undefined;
}

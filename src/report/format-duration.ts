/**
 * Formats milliseconds for people: `0.42ms`, `12.3ms`, `412ms`, `1.24s`, `2m 5s`.
 * Three significant digits are enough to compare against a budget at a glance.
 */
export function formatMillis(millis: number): string {
  if (!Number.isFinite(millis)) return `${millis}ms`;
  const sign = millis < 0 ? '-' : '';
  const ms = Math.abs(millis);
  if (ms < 1) return `${sign}${trim(ms.toFixed(2))}ms`;
  if (ms < 100) return `${sign}${trim(ms.toFixed(1))}ms`;
  if (ms < 1000) return `${sign}${Math.round(ms)}ms`;
  if (ms < 60_000) return `${sign}${trim((ms / 1000).toFixed(2))}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms - minutes * 60_000) / 1000);
  return `${sign}${minutes}m ${seconds}s`;
}

/** Formats a signed nanosecond count given as a decimal string (as the result model carries it), e.g. `+3.2ms`. */
export function formatSignedNanos(nanos: string): string {
  let value: bigint;
  try {
    value = BigInt(nanos);
  } catch {
    return `${nanos}ns`;
  }
  const sign = value < 0n ? '-' : '+';
  const abs = value < 0n ? -value : value;
  // Whole microseconds first, so spans beyond 2^53 ns (104 days) keep their precision where it matters.
  return sign + formatMillis(Number(abs / 1000n) / 1000);
}

function trim(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

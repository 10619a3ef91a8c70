/** Whether `bytes[start, end)` are all zero: OTLP treats an all-zero trace or span id as invalid. */
export function isAllZeroBytes(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}

const ZERO = 48;
const NINE = 57;
const LOWER_A = 97;
const LOWER_F = 102;
const UPPER_A = 65;
const UPPER_F = 70;

/**
 * Normalises a hex id from OTLP/JSON: lower-cases it, or returns `undefined` when it holds a non-hex character.
 * Ids in OTLP/JSON are case-insensitive hex (protobuf's JSON mapping would say base64; OTLP overrides that).
 */
export function normaliseHexId(text: string): string | undefined {
  let upper = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= ZERO && c <= NINE) || (c >= LOWER_A && c <= LOWER_F)) continue;
    if (c >= UPPER_A && c <= UPPER_F) {
      upper = true;
      continue;
    }
    return undefined;
  }
  return upper ? text.toLowerCase() : text;
}

/** Whether a hex id is all zeros (e.g. `0000000000000000`). */
export function isAllZeroHex(hex: string): boolean {
  for (let i = 0; i < hex.length; i++) if (hex.charCodeAt(i) !== ZERO) return false;
  return true;
}

import type { Result } from '../result.ts';
import { interpolate, type InterpolationError, type InterpolationScope } from './values.ts';

/**
 * Whether an offset of a selector, as written, lies inside a double-quoted string (between its quotes). Scans
 * the written text, references unreplaced: a reference holds no quote, backslash or backtick, so this is where the
 * author put it. Backtick strings are skipped whole (they are raw, so a `"` in one opens nothing).
 */
export function insideQuotedString(selector: string): (offset: number) => boolean {
  const strings: (readonly [number, number])[] = [];
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === '`') {
      const close = selector.indexOf('`', i + 1);
      i = close < 0 ? selector.length : close;
    } else if (c === '"') {
      const start = i;
      for (i += 1; i < selector.length && selector[i] !== '"'; i++) if (selector[i] === '\\') i += 1;
      strings.push([start, i]);
    }
  }
  return (offset) => strings.some(([open, close]) => offset > open && offset < close);
}

/** A value written inside a double-quoted selector string so that the string holds it exactly. */
export function quotedStringText(value: string): string {
  return value.replace(/["\\]/gu, '\\$&');
}

/**
 * Substitutes `${env:..}` and `${var:..}` in a selector. A reference inside a double-quoted string stands for its
 * value: quotes and backslashes in it are escaped, so `span.order.id = "${var:orderId}"` finds the id whatever it
 * holds, as a captured value bound into a selector template does (engine/selector-template.ts). Anywhere else,
 * backtick strings included (raw: they cannot hold a backtick), the value is written as it is and must read as
 * selector syntax (`span.code = ${var:code}`).
 */
export function interpolateSelector(selector: string, scope: InterpolationScope): Result<string, InterpolationError> {
  if (!selector.includes('${')) return interpolate(selector, scope);
  const quoted = insideQuotedString(selector);
  return interpolate(selector, scope, (value, offset) => (quoted(offset) ? quotedStringText(value) : value));
}

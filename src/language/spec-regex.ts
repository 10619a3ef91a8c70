/**
 * Regular expressions of the spec language (`=~`, `!~`, `matches`, `notMatches`): JavaScript syntax with the `u`
 * flag, plus the inline flags of TraceQL (Go's RE2) at the very start of a pattern: `(?i)` case-insensitive, `(?s)`
 * "." matches line breaks, `(?m)` "^" and "$" match at line breaks, or several together (`(?is)`). JavaScript has the
 * same three flags but no inline form for a whole pattern, so people who write TraceQL every day would otherwise be
 * told "Invalid group".
 */

/** A leading inline flag group, `(?i)` or `(?ims)`: RE2 and PCRE syntax for flags over the whole pattern. */
const LEADING_FLAGS = /^\(\?([a-zA-Z]+)\)/u;

/** RE2's inline flags that JavaScript has as flags of the same meaning. */
const SUPPORTED_FLAGS = 'ims';

const FLAG_MEANINGS = '(?i) case-insensitive, (?s) "." matches line breaks, (?m) "^" and "$" match at line breaks';

/** The pattern JavaScript compiles and its flags: a leading `(?i)` becomes the `i` flag. */
function split(pattern: string): { body: string; flags: string } {
  const leading = LEADING_FLAGS.exec(pattern);
  const letters = leading?.[1];
  if (letters === undefined || [...letters].some((f) => !SUPPORTED_FLAGS.includes(f))) return { body: pattern, flags: 'u' };
  return { body: pattern.slice(leading?.[0].length ?? 0), flags: `${[...new Set(letters)].sort().join('')}u` };
}

/**
 * Compiles a spec regex; throws a `SyntaxError` as `new RegExp` does for a pattern it cannot compile.
 *
 * @example
 * ```ts
 * specRegex('(?i)^get /orders').test('GET /orders/7'); // true
 * ```
 */
export function specRegex(pattern: string): RegExp {
  const { body, flags } = split(pattern);
  return new RegExp(body, flags);
}

/** Why a spec regex does not compile, and how to fix it. */
export interface RegexProblem {
  readonly reason: string;
  readonly hint: string;
  /** Offset in the pattern of what the problem is about, when it is one place. */
  readonly offset?: number;
}

/**
 * Checks a spec regex as the engine will compile it. Inline flags get their own explanation: JavaScript rejects
 * `(?i)` with "Invalid group", which says nothing to someone used to TraceQL.
 */
export function regexProblem(pattern: string): RegexProblem | undefined {
  const leading = LEADING_FLAGS.exec(pattern);
  const unsupported = [...(leading?.[1] ?? '')].filter((f) => !SUPPORTED_FLAGS.includes(f));
  if (leading !== null && unsupported.length > 0) {
    return {
      reason: `the inline flag${unsupported.length === 1 ? '' : 's'} "${unsupported.join('')}" of "${leading[0]}" ${unsupported.length === 1 ? 'is' : 'are'} not supported`,
      hint: `a pattern may start with ${FLAG_MEANINGS}; nothing else`,
      offset: 0,
    };
  }
  const { body, flags } = split(pattern);
  try {
    new RegExp(body, flags);
    return undefined;
  } catch (error) {
    const inner = /\(\?[a-zA-Z]+\)/u.exec(body);
    if (inner !== null) {
      return {
        reason: `inline flags such as "${inner[0]}" are read only at the very start of the pattern, for all of it`,
        hint: `JavaScript has no flags for part of a pattern; move "${inner[0]}" to the start: "${inner[0]}${body.slice(0, inner.index)}${body.slice(inner.index + inner[0].length)}"`,
        offset: inner.index + pattern.length - body.length,
      };
    }
    return {
      reason: (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /su, ''),
      hint: 'JavaScript regex syntax; escape special characters such as ( [ . with a backslash',
    };
  }
}

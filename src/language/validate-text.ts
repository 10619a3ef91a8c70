import { JSONPath } from 'jsonpath-plus';
import { didYouMean } from './did-you-mean.ts';
import type { ProblemCollector, SpecPath } from './problem-collector.ts';
import { regexProblem } from './spec-regex.ts';
import { doubledEqualsMessage, findDoubledEquals } from './doubled-equals.ts';
import { parseSelector } from './selector-parser.ts';
import { insideQuotedString, quotedStringText } from './selector-references.ts';
import type { SpecScalar } from './types.ts';
import { describeValueType, findReferences } from './values.ts';

/** The variables a string may refer to at one place of a spec. */
export interface VariableScope {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether an unset `${env:NAME}` is an error (the default) or, for `tracecheck validate`, a warning. */
  readonly unsetEnv?: 'error' | 'warning';
  /** `vars:` of the spec, with their values. */
  readonly vars: ReadonlyMap<string, SpecScalar>;
  /** Names captured by earlier expectations; their values exist only while a trace is judged. */
  readonly captured: ReadonlySet<string>;
}

/** A string with its references replaced for checking, and a map back to the written offsets. */
interface Substituted {
  readonly text: string;
  /** Maps an offset of `text` to the written string; `undefined` inside a captured variable's stand-in. */
  readonly toWritten: (offset: number) => number | undefined;
  /**
   * Whether `length` characters from `offset` of `text` overlap a captured variable's stand-in: an error about
   * a token such as `"x"` (say, "parentSpanId is hex") is then about the stand-in, not about what was written.
   */
  readonly touchesCaptured: (offset: number, length: number) => boolean;
}

interface Segment {
  readonly at: number;
  readonly length: number;
  readonly writtenAt: number;
  readonly writtenLength: number;
  readonly captured: boolean;
}

/**
 * Checks the `${env:NAME}` / `${var:NAME}` references of a string, reporting each malformed reference, unset
 * environment variable and undefined variable at its own column, and returns the string as the engine would
 * see it: in a `selector`, a value inside a quoted string is escaped (see interpolateSelector). A captured
 * variable (unknown until a trace is judged) becomes a stand-in: `x` inside a quoted selector string, `0` outside.
 */
export function checkReferences(c: ProblemCollector, text: string, path: SpecPath, scope: VariableScope, form: 'text' | 'selector' = 'text'): Substituted {
  const { references, malformed } = findReferences(text);
  for (const bad of malformed) {
    c.report(path, `malformed reference "${bad.text}"`, 'write ${env:NAME} or ${var:NAME}; write $${ for a literal ${', { offset: bad.offset });
  }
  if (references.length === 0 && !text.includes('$${')) return { text, toWritten: (offset) => offset, touchesCaptured: () => false };
  const quoted = insideQuotedString(text);
  const write = (value: string, offset: number): string => (form === 'selector' && quoted(offset) ? quotedStringText(value) : value);
  const segments: Segment[] = [];
  let out = '';
  let last = 0;
  const append = (written: number, writtenLength: number, replacement: string, captured: boolean): void => {
    out += text.slice(last, written);
    segments.push({ at: out.length, length: replacement.length, writtenAt: written, writtenLength, captured });
    out += replacement;
    last = written + writtenLength;
  };
  const escapes = [...text.matchAll(/\$\$\{/gu)].map((m) => m.index);
  const all = [
    ...references.map((r) => ({ at: r.offset, ref: r })),
    ...escapes.map((at) => ({ at, ref: undefined })),
  ].sort((a, b) => a.at - b.at);
  for (const { at, ref } of all) {
    if (ref === undefined) {
      append(at, 3, '${', false);
      continue;
    }
    if (ref.kind === 'env') {
      const value = scope.env[ref.name];
      if (value !== undefined) {
        append(ref.offset, ref.length, write(value, ref.offset), false);
        continue;
      }
      if (scope.unsetEnv === 'warning') {
        c.warn(path, `environment variable "${ref.name}" is not set`, 'checking the spec does not need its value, but judging does: set it where the tests run', { offset: ref.offset });
      } else {
        c.report(path, `environment variable "${ref.name}" is not set`, 'set it in the environment that runs tracecheck (an unset variable is an error, so a spec never silently checks an empty value)', { offset: ref.offset });
      }
    } else if (scope.vars.has(ref.name)) {
      append(ref.offset, ref.length, write(String(scope.vars.get(ref.name)), ref.offset), false);
      continue;
    } else if (!scope.captured.has(ref.name)) {
      const near = didYouMean(ref.name, [...scope.vars.keys(), ...scope.captured]);
      c.report(
        path,
        `variable "${ref.name}" is used before it is defined`,
        near === undefined
          ? 'define it under "vars:" or with "capture:" in an earlier expectation of this spec'
          : `did you mean "${near}"?`,
        { offset: ref.offset },
      );
    }
    // Unknown until a trace is judged (or already reported): a stand-in that keeps the selector parseable.
    append(ref.offset, ref.length, quoted(ref.offset) ? 'x' : '0', true);
  }
  out += text.slice(last);
  return {
    text: out,
    toWritten: (offset) => {
      let shift = 0;
      for (const s of segments) {
        if (offset < s.at) break;
        if (offset < s.at + s.length) return s.captured ? undefined : s.writtenAt;
        shift = s.writtenAt + s.writtenLength - (s.at + s.length);
      }
      return offset + shift;
    },
    touchesCaptured: (offset, length) =>
      segments.some((s) => s.captured && offset < s.at + s.length && s.at < offset + Math.max(length, 1)),
  };
}

/**
 * Checks a selector string: its type, references, and syntax (with engineer F's parser). A syntax error is
 * reported at the column of the offending character in the file. Errors that fall inside a captured variable's
 * stand-in are left to the engine, which sees the real value.
 */
export function checkSelector(c: ProblemCollector, value: unknown, path: SpecPath, scope: VariableScope): void {
  if (typeof value !== 'string') {
    c.report(path, `expected a selector string, got ${describeValueType(value)}`, 'e.g. \'{ service = "orders" && kind = server }\'');
    return;
  }
  if (value.trim() === '') {
    c.report(path, 'the selector is empty', 'write a selector such as \'{ kind = server }\', or "{ }" for every span');
    return;
  }
  const substituted = checkReferences(c, value, path, scope, 'selector');
  const parsed = parseSelector(substituted.text);
  if (parsed.ok) return;
  // The parser's hint would show variables' values (or their stand-ins); the rewrite of the written text shows the selector to write.
  const doubled = findDoubledEquals(value);
  if (doubled !== undefined) {
    c.report(path, doubledEqualsMessage(value.slice(doubled.offset, doubled.offset + doubled.length), doubled.meant), `write ${doubled.rewritten}`, { offset: doubled.offset });
    return;
  }
  const offset = substituted.toWritten(parsed.error.offset);
  if (offset === undefined || substituted.touchesCaptured(parsed.error.offset, parsed.error.length)) return;
  c.report(path, parsed.error.message, parsed.error.hint, { offset });
}

/** Checks a regular expression (JavaScript syntax, as the engine compiles it). */
export function checkRegex(c: ProblemCollector, value: unknown, path: SpecPath, scope: VariableScope): void {
  if (typeof value !== 'string') {
    c.report(path, `expected a regular expression string, got ${describeValueType(value)}`);
    return;
  }
  const substituted = checkReferences(c, value, path, scope);
  const problem = regexProblem(substituted.text);
  if (problem === undefined) return;
  const offset = problem.offset === undefined ? undefined : substituted.toWritten(problem.offset);
  c.report(path, `invalid regular expression "${value}": ${problem.reason}`, problem.hint, offset === undefined ? undefined : { offset });
}

/** Brackets and parentheses must balance outside quoted names; jsonpath-plus itself accepts almost anything. */
function unbalanced(path: string): number | undefined {
  const stack: { char: string; at: number }[] = [];
  let quote: string | undefined;
  for (let i = 0; i < path.length; i++) {
    const ch = path[i] ?? '';
    if (quote !== undefined) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[' || ch === '(') stack.push({ char: ch, at: i });
    else if (ch === ']' || ch === ')') {
      const open = stack.pop();
      if (open === undefined || (open.char === '[') !== (ch === ']')) return i;
    }
  }
  return stack[0]?.at;
}

/**
 * Checks a JSONPath: it starts at `$`, brackets balance, and every filter `?(...)` compiles with jsonpath-plus's
 * safe evaluator (filters are only compiled when run, so each is run once against a probe value).
 */
export function checkJsonPath(c: ProblemCollector, value: unknown, path: SpecPath, scope: VariableScope): void {
  if (typeof value !== 'string') {
    c.report(path, `expected a JSONPath string, got ${describeValueType(value)}`, 'e.g. "$.items[0].sku"');
    return;
  }
  const text = checkReferences(c, value, path, scope).text;
  const hint = 'JSONPath starts at $, e.g. "$.items[*].sku" or "$.items[?(@.qty > 1)]"';
  if (!text.trim().startsWith('$')) {
    c.report(path, `invalid JSONPath "${value}": it must start with "$"`, hint);
    return;
  }
  const at = unbalanced(text);
  if (at !== undefined) {
    c.report(path, `invalid JSONPath "${value}": unbalanced "${text[at] ?? ''}"`, hint, { offset: at });
    return;
  }
  try {
    for (const part of JSONPath.toPathArray(text)) {
      if (!part.startsWith('?(')) continue;
      JSONPath({ path: `$[${part}]`, json: [{}], wrap: true });
    }
  } catch (error) {
    c.report(path, `invalid JSONPath "${value}": ${(error as Error).message}`, hint);
  }
}

import type { Span } from '../../model/span.ts';
import type { Trace } from '../../model/trace.ts';
import type { JudgeContext } from '../judge.ts';
import { GENERATE_CODE_AFTER_SPANS } from '../select-predicate.ts';
import type { SpanCondition } from './span-conditions.ts';

/**
 * Finds the first condition a span fails: its position in the conditions, or -1 when the span meets them all.
 * The reason is then asked of that condition's `check` alone, so a conforming span costs no string.
 */
export type ConditionScan = (span: Span, trace: Trace, context: JudgeContext) => number;

/** Property path of the attribute map a condition reads, in generated code. */
const MAP_OF_SCOPE = { span: 'span.attributes', resource: 'span.resource.attributes', scope: 'span.scope.attributes' } as const;

/**
 * Generates one function for the conditions of one expectation (as selectors do, see select-predicate.ts): the
 * attribute reads are inline, and each test is called from a call site of its own, so V8 sees one target per site
 * and inlines it, where a shared loop over every expectation's conditions is megamorphic.
 */
function generateScan(conditions: readonly SpanCondition[]): ConditionScan {
  const constants: unknown[] = [];
  const constant = (value: unknown): string => {
    constants.push(value);
    return `c[${constants.length - 1}]`;
  };
  const lines: string[] = [];
  conditions.forEach((condition, k) => {
    const attribute = condition.attribute;
    if (attribute === undefined) {
      lines.push(`if (${constant(condition)}.check(span, trace, context) !== undefined) return ${k};`);
      return;
    }
    lines.push(`v = ${MAP_OF_SCOPE[attribute.scope]}[${JSON.stringify(attribute.name)}];`);
    // Attribute maps may be hand-built with Object.prototype: an inherited member (a function) is no attribute.
    // Only keys naming such a member can find one, so only they pay for the test.
    if (attribute.name in Object.prototype) lines.push(`if (typeof v === "function") v = undefined;`);
    lines.push(`if (${constant(attribute.test)}(v) !== undefined) return ${k};`);
  });
  const code = `return function scan(span, trace, context) { let v; ${lines.join('\n')} return -1; };`;
  return new Function('c', code)(constants) as ConditionScan;
}

/**
 * A {@link ConditionScan} over the conditions of one expectation. It starts as a loop over their `check`s and
 * generates code once it has judged {@link GENERATE_CODE_AFTER_SPANS} spans: an expectation judged over a large
 * run repays the compile many times, a one-off (a per-trace captured value, a small run) never pays it.
 */
export function compileConditionScan(conditions: readonly SpanCondition[], generateAfterSpans = GENERATE_CODE_AFTER_SPANS): ConditionScan {
  let generated: ConditionScan | undefined;
  let judged = 0;
  const loop: ConditionScan = (span, trace, context) => {
    for (let c = 0; c < conditions.length; c++) if ((conditions[c] as SpanCondition).check(span, trace, context) !== undefined) return c;
    return -1;
  };
  return (span, trace, context) => {
    if (generated !== undefined) return generated(span, trace, context);
    judged += 1;
    if (judged >= generateAfterSpans) generated = generateScan(conditions);
    return loop(span, trace, context);
  };
}

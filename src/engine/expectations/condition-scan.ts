import type { Span, Trace } from '../../model/index.ts';
import type { JudgeContext } from '../judge.ts';
import type { Accelerators } from '../selectors/accelerators.ts';
import { GENERATE_CODE_AFTER_SPANS, generateAfter, mapRead, objectMemoSource } from '../selectors/generated.ts';
import type { SpanCondition } from './span-conditions.ts';

/**
 * The conditions of one expectation, compiled to find failures without writing why: the reason is then asked of
 * the failing condition's `check` alone, so a conforming span costs no string.
 */
export interface ConditionScan {
  /** The position of the first condition `span` fails, or -1 when it meets them all. */
  failing(span: Span, trace: Trace, context: JudgeContext): number;
  /** The position in `spans` of the first span from `from` on that fails some condition, or -1 when none does. */
  firstFailingSpan(spans: readonly Span[], from: number, trace: Trace, context: JudgeContext): number;
}

/** Property path of the attribute map a condition reads, in generated code. */
const MAP_OF_SCOPE = { span: 'span.attributes', resource: 'span.resource.attributes', scope: 'span.scope.attributes' } as const;

/**
 * Generates the functions for the conditions of one expectation (as selectors do, see selectors/generated.ts): the
 * attribute reads are inline, each test is called from a call site of its own, so V8 sees one target per site and
 * inlines it, and the loop over a trace's spans is generated too, so judging a span costs no call of its own.
 */
function generateScan(conditions: readonly SpanCondition[], useMemos: boolean): ConditionScan {
  const constants: unknown[] = [];
  const constant = (value: unknown): string => {
    constants.push(value);
    return `c[${constants.length - 1}]`;
  };
  // Verdicts on resource and scope attributes are remembered per holder object (one per service and export, shared
  // by its spans), as selectors remember theirs; the memos are declared once for both generated functions.
  // The same read as selectors' generated code: only keys naming an Object.prototype member pay for an own-key test.
  const read = (map: string, name: string): string[] => [`v = ${mapRead(map, name)};`];
  const fails = conditions.map((condition) => {
    const attribute = condition.attribute;
    if (attribute === undefined) return '';
    // A simple matcher's inline accept decides most spans; its test runs only when that says no.
    const accept = attribute.fastAccept === undefined ? '' : `!(${attribute.fastAccept('v')}) && `;
    return `${accept}${constant(attribute.test)}(v) !== undefined`;
  });
  const memos = conditions.map((condition, k) => {
    const attribute = condition.attribute;
    if (!useMemos || attribute === undefined || attribute.scope === 'span') return undefined;
    return objectMemoSource(`m${k}`, `let v; ${read('o.attributes', attribute.name).join(' ')} const verdict = ${fails[k] as string};`);
  });
  // `fail(k)` is the statement run when condition k fails: a return in `failing`, a jump in the loop.
  const body = (fail: (k: number) => string): string =>
    conditions
      .map((condition, k) => {
        const attribute = condition.attribute;
        if (attribute === undefined) return `if (${constant(condition)}.check(span, trace, context) !== undefined) ${fail(k)}`;
        const memo = memos[k];
        if (memo !== undefined) return `if (${memo.lookup(attribute.scope === 'resource' ? 'span.resource' : 'span.scope')}) ${fail(k)}`;
        return [...read(MAP_OF_SCOPE[attribute.scope], attribute.name), `if (${fails[k] as string}) ${fail(k)}`].join('\n');
      })
      .join('\n');
  const failingBody = body((k) => `return ${k};`);
  const loopBody = body(() => 'return i;');
  const code = `
    ${memos.flatMap((memo) => (memo === undefined ? [] : [memo.declarations])).join('\n')}
    function failing(span, trace, context) { let v; ${failingBody} return -1; }
    function firstFailingSpan(spans, from, trace, context) {
      let v;
      for (let i = from; i < spans.length; i++) { const span = spans[i]; ${loopBody} }
      return -1;
    }
    return { failing, firstFailingSpan };`;
  return new Function('c', code)(constants) as ConditionScan;
}

/**
 * A {@link ConditionScan} over the conditions of one expectation: a loop over their `check`s, which is the
 * definition. With the `scans` accelerator it generates code, at once or (with `tiering`) once it has judged
 * `generateAfterSpans` spans ({@link GENERATE_CODE_AFTER_SPANS} by default): an expectation judged over a large run
 * repays the compile many times, a small run never pays it.
 */
export function compileConditionScan(conditions: readonly SpanCondition[], accelerators: Accelerators, generateAfterSpans = GENERATE_CODE_AFTER_SPANS): ConditionScan {
  const failing = (span: Span, trace: Trace, context: JudgeContext): number => {
    for (let c = 0; c < conditions.length; c++) if ((conditions[c] as SpanCondition).check(span, trace, context) !== undefined) return c;
    return -1;
  };
  const loop: ConditionScan = {
    failing,
    firstFailingSpan(spans, from, trace, context) {
      for (let i = from; i < spans.length; i++) if (failing(spans[i] as Span, trace, context) >= 0) return i;
      return -1;
    },
  };
  if (!accelerators.scans) return loop;
  const generate = (): ConditionScan => generateScan(conditions, accelerators.memos);
  if (!accelerators.tiering) return generate();
  const tier = generateAfter(generate, generateAfterSpans);
  return {
    failing: (span, trace, context) => (tier(1) ?? loop).failing(span, trace, context),
    firstFailingSpan: (spans, from, trace, context) => (tier(spans.length - from) ?? loop).firstFailingSpan(spans, from, trace, context),
  };
}

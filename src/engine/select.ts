/**
 * Span selection: compile a parsed selector once, pick spans of traces with it, and explain a selector that
 * picked nothing. The language itself is parsed in src/language (see docs/selectors.md).
 */
export { compileSelector } from './compile-selector.ts';
export type { CompiledSelector } from './compile-selector.ts';
export { explainMiss } from './explain-miss.ts';
export { summarizeSpan } from './span-summary.ts';

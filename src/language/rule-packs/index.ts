/** The rule packs (`extends: [tracecheck:semconv/http, ...]`): their rules, and a spec's expectations with them. */
export { RULE_PACKS, rulePack } from './packs.ts';
export type { RuleDefinition, RulePack } from './packs.ts';
export { specExpectations } from './expand.ts';
export type { SpecExpectation } from './expand.ts';
export { SEMCONV_VERSION } from './semconv-data.ts';
export { analysisSpecs, NO_SERVICE } from './analysis.ts';

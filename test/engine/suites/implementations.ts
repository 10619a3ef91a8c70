import type { RunResult } from '../../../src/engine/index.ts';
import { evaluateSpecsNow, type EvaluateNowOptions } from '../../../src/engine/evaluate.ts';
import type { SpecInput } from '../../../src/engine/compile-spec.ts';
import { compileSelector } from '../../../src/engine/compile-selector.ts';
import { ACCELERATOR_NAMES, ALL_ACCELERATORS, NO_ACCELERATORS, type Accelerators } from '../../../src/engine/selectors/accelerators.ts';
import { compileReference } from '../../../src/engine/selectors/reference.ts';
import type { CompiledSelector } from '../../../src/engine/selectors/selector-types.ts';
import type { SelectorAst } from '../../../src/language/selector-ast.ts';
import type { Trace } from '../../../src/model/trace.ts';

/**
 * One way of judging selectors and expectations: the reference alone, one accelerator on top of it, or all of
 * them. Every shared suite runs once per implementation (in the style of Hono's router tests), so an accelerator
 * that selects differently from the reference fails the same test the reference passes.
 */
export interface Implementation {
  readonly name: string;
  readonly accelerators: Accelerators;
  /** Compiles a selector with these accelerators. */
  compile(ast: SelectorAst): CompiledSelector;
  /** `evaluateSpecsNow` with these accelerators. */
  evaluateNow(specs: readonly SpecInput[], traces: readonly Trace[], options?: EvaluateNowOptions): RunResult;
}

function implementation(name: string, accelerators: Accelerators): Implementation {
  return {
    name,
    accelerators,
    compile: (ast) => (name === 'reference' ? compileReference(ast) : compileSelector(ast, accelerators)),
    evaluateNow: (specs, traces, options = {}) => evaluateSpecsNow(specs, traces, { ...options, accelerators }),
  };
}

function only(...names: (keyof Accelerators)[]): Accelerators {
  return { ...NO_ACCELERATORS, ...Object.fromEntries(names.map((name) => [name, true])) };
}

/**
 * The reference, each accelerator alone (tiering and memos also with the code generation they work in), and all.
 * Tiering switches after 512 judged spans, past what most cases judge; test/engine/generated-code.test.ts drives
 * the switch itself.
 */
export const IMPLEMENTATIONS: readonly Implementation[] = [
  implementation('reference', NO_ACCELERATORS),
  ...ACCELERATOR_NAMES.map((name) => implementation(name, only(name))),
  implementation('codegen+tiering', only('codegen', 'tiering')),
  implementation('codegen+memos', only('codegen', 'memos')),
  implementation('groups+memos', only('groups', 'memos')),
  implementation('all', ALL_ACCELERATORS),
];

import { err, ok, type Result } from '../../result.ts';

/**
 * The accelerators: each makes judging faster and none changes a verdict. Off, the engine judges with the
 * reference implementation (./reference.ts) and plain loops over each expectation's conditions.
 *
 * @example
 * ```ts
 * // The reference implementation alone (as TRACECHECK_ACCELERATORS=off), or every accelerator but code generation.
 * const reference = evaluateSpecsNow(specs, traces, { accelerators: false });
 * const noCodegen = evaluateSpecsNow(specs, traces, { accelerators: { codegen: false } });
 * ```
 */
export interface Accelerators {
  /** Generated JavaScript per selector and per expectation's conditions, instead of closures. */
  readonly codegen: boolean;
  /** With `codegen`: closures first, code generated once a selector or scan has judged enough spans to repay it. */
  readonly tiering: boolean;
  /** Span groups: a selector looks only at the group its top-level `&&` requires (src/engine/span-partitions.ts). */
  readonly groups: boolean;
  /** Verdicts remembered: per resource object for resource conditions, and per trace object for selections. */
  readonly memos: boolean;
  /** Selector templates: a `${var:..}` selector compiled once and bound per set of values (src/engine/selector-template.ts). */
  readonly templates: boolean;
  /** Structural selectors over typed arrays (masks, and span by span for `>` and `>>`) instead of walking the tree. */
  readonly structure: boolean;
  /** Condition scans: an expectation's attribute conditions as one generated loop with inline accepts. */
  readonly scans: boolean;
}

/** The accelerators' names, in the order docs and `TRACECHECK_ACCELERATORS` list them. */
export const ACCELERATOR_NAMES = ['codegen', 'tiering', 'groups', 'memos', 'templates', 'structure', 'scans'] as const satisfies readonly (keyof Accelerators)[];

/** Every accelerator on: the default. */
export const ALL_ACCELERATORS: Accelerators = Object.freeze({ codegen: true, tiering: true, groups: true, memos: true, templates: true, structure: true, scans: true });

/** Every accelerator off: the reference implementation alone. */
export const NO_ACCELERATORS: Accelerators = Object.freeze({ codegen: false, tiering: false, groups: false, memos: false, templates: false, structure: false, scans: false });

/** The environment variable that chooses the accelerators when no option does. */
export const ACCELERATORS_ENV = 'TRACECHECK_ACCELERATORS';

/**
 * Reads a `TRACECHECK_ACCELERATORS` value: `on` (or unset/empty) for all, `off` for none, or a comma-separated
 * list of the accelerators to turn on (`codegen,groups`). An unknown name is an error that lists the known ones.
 */
export function parseAccelerators(text: string | undefined): Result<Accelerators, string> {
  const value = (text ?? '').trim().toLowerCase();
  if (value === '' || value === 'on' || value === 'all') return ok(ALL_ACCELERATORS);
  if (value === 'off' || value === 'none') return ok(NO_ACCELERATORS);
  const on: Record<keyof Accelerators, boolean> = { ...NO_ACCELERATORS };
  for (const raw of value.split(',')) {
    const name = raw.trim();
    if (!(ACCELERATOR_NAMES as readonly string[]).includes(name)) {
      return err(`${ACCELERATORS_ENV}: unknown accelerator "${name}"; use on, off, or a comma-separated list of ${ACCELERATOR_NAMES.join(', ')}`);
    }
    on[name as keyof Accelerators] = true;
  }
  return ok(Object.freeze(on));
}

/** The accelerators an option asks for (`true`/`false` for all or none, or some by name), else the environment's. */
export function resolveAccelerators(
  option: boolean | Partial<Accelerators> | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Result<Accelerators, string> {
  if (option === true) return ok(ALL_ACCELERATORS);
  if (option === false) return ok(NO_ACCELERATORS);
  const base = parseAccelerators(env[ACCELERATORS_ENV]);
  if (option === undefined || !base.ok) return base;
  return ok(Object.freeze({ ...base.value, ...option }));
}

/**
 * The faults the example services can be started with (`EXAMPLE_FAULT`), for "broken hop" demos:
 * - `drop-context`: orders calls inventory from a fresh root context, so inventory's spans start another trace;
 * - `slow`: inventory answers each lookup about 1.2 s late;
 * - `error`: inventory answers 500 and records the exception on its span;
 * - `drop-call`: orders places the order without checking any item with inventory (a call dropped);
 * - `rename-span`: orders names its INTERNAL span `orders.submit` instead of `orders.place`.
 * The last two change the trace's shape and nothing else: the checkout still succeeds (docs/snapshots.md).
 */
export type ExampleFault = 'none' | 'drop-context' | 'slow' | 'error' | 'drop-call' | 'rename-span';

const faults: readonly ExampleFault[] = ['none', 'drop-context', 'slow', 'error', 'drop-call', 'rename-span'];

/** How late inventory answers under the `slow` fault. */
export const slowReplyMillis = 1200;

/**
 * Reads `EXAMPLE_FAULT` from an environment. Returns `'none'` when unset; throws on an unknown value so a typo
 * fails at start-up instead of silently running the healthy variant.
 */
export function exampleFaultFrom(env: NodeJS.ProcessEnv): ExampleFault {
  const value = env['EXAMPLE_FAULT'];
  if (value === undefined || value === '') return 'none';
  const fault = faults.find((f) => f === value);
  if (fault === undefined) {
    throw new Error(`EXAMPLE_FAULT=${value} is not a known fault; use one of: ${faults.join(', ')}`);
  }
  return fault;
}

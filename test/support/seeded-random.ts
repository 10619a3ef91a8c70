/**
 * A small deterministic random source for randomized tests (a linear congruential generator): the same seed
 * gives the same sequence on every run, so a failure names a case that can be replayed.
 *
 * @example
 * ```ts
 * const random = seededRandom(5);
 * random(10); // an integer in 0..9, the same one every run
 * ```
 */
export function seededRandom(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
}

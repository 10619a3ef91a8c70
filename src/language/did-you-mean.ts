/**
 * Edit distance with adjacent transpositions (optimal string alignment), so `slector` is one edit from `selector`
 * and `stauts` one from `status`.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((d[(i - 1) * cols + j] ?? 0) + 1, (d[i * cols + j - 1] ?? 0) + 1, (d[(i - 1) * cols + j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (d[(i - 2) * cols + j - 2] ?? 0) + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1] ?? 0;
}

/**
 * The closest candidate to a mistyped word, or `undefined` when none is close. Comparison ignores case.
 * `aliases` maps words people often write (`selector`, `errors`) to the candidate they mean (`spans`,
 * `noErrors`); a typo of an alias (`slector`) suggests the alias's target.
 *
 * @example
 * ```ts
 * didYouMean('slector', ['spans', 'order'], { selector: 'spans' }); // 'spans'
 * didYouMean('stauts', ['status', 'name']);                          // 'status'
 * ```
 */
export function didYouMean(
  word: string,
  candidates: readonly string[],
  aliases: Readonly<Record<string, string>> = {},
): string | undefined {
  const lower = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  const consider = (written: string, meant: string): void => {
    if (!candidates.includes(meant)) return;
    const distance = editDistance(lower, written.toLowerCase());
    if (distance < bestDistance) {
      bestDistance = distance;
      best = meant;
    }
  };
  for (const candidate of candidates) consider(candidate, candidate);
  for (const [alias, meant] of Object.entries(aliases)) consider(alias, meant);
  const allowed = Math.max(1, Math.floor(lower.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

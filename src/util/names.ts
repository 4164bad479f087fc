/** "Did you mean": the registered names closest to a misspelt one, for error messages. */

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** The `n` names closest to `name` (ties alphabetical); with `maxDistance`, only those that near. */
export function closestNames(name: string, names: string[], n = 3, maxDistance = Infinity): string[] {
  return names
    .map((k) => ({ k, d: editDistance(name, k) }))
    .filter((x) => x.d <= maxDistance)
    .sort((x, y) => x.d - y.d || x.k.localeCompare(y.k))
    .slice(0, n)
    .map((x) => x.k);
}

/** Cut `s` to `n` characters, ending in an ellipsis when cut (long values quoted in messages and tables). */
export function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, Math.max(1, n - 1)).trimEnd() + '…';
}

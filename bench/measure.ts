/** Steps per second of `run(k)` (which does k steps): a warm-up of half a window, then the best of 3 windows. */
export function measure(run: (k: number) => void, chunk: number, windowMs: number): number {
  const warmEnd = performance.now() + windowMs / 2;
  while (performance.now() < warmEnd) run(chunk);
  let best = 0;
  for (let w = 0; w < 3; w++) {
    let steps = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < windowMs) {
      run(chunk);
      steps += chunk;
      t = performance.now();
    }
    best = Math.max(best, (steps / (t - t0)) * 1000);
  }
  return best;
}

/** The median of a non-empty list (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

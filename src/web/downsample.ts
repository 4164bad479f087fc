/**
 * Downsampling a learning curve for drawing: a chart a few hundred pixels wide cannot show 200k
 * points, and drawing them all makes every live update slow. Browser-safe.
 */

/** Points per series the dashboard draws at most (2 per bucket, plus the first and the last). */
export const MAX_CHART_POINTS = 2000;

/**
 * At most `max` points of `points` (in order), keeping the shape: the series is cut into
 * (max - 2) / 2 buckets of consecutive points and each bucket keeps its minimum and its maximum
 * (in their original order), so spikes and dips survive; the first and the last point are always
 * kept (the last is the current value). Returns the input itself when it is short enough.
 */
export function downsampleMinMax<P extends readonly [number, number]>(points: readonly P[], max = MAX_CHART_POINTS): readonly P[] {
  if (!(max >= 4)) throw new RangeError(`downsampleMinMax: max must be at least 4, got ${max}`);
  const n = points.length;
  if (n <= max) return points;
  const buckets = Math.floor((max - 2) / 2);
  const out: P[] = [points[0]];
  // Interior points 1..n-2 split into `buckets` runs of nearly equal length.
  const inner = n - 2;
  for (let b = 0; b < buckets; b++) {
    const lo = 1 + Math.floor((b * inner) / buckets);
    const hi = 1 + Math.floor(((b + 1) * inner) / buckets); // exclusive
    if (hi <= lo) continue;
    let iMin = lo,
      iMax = lo;
    for (let i = lo + 1; i < hi; i++) {
      const y = points[i][1];
      if (y < points[iMin][1]) iMin = i;
      if (y > points[iMax][1]) iMax = i;
    }
    if (iMin === iMax) out.push(points[iMin]);
    else if (iMin < iMax) out.push(points[iMin], points[iMax]);
    else out.push(points[iMax], points[iMin]);
  }
  out.push(points[n - 1]);
  return out;
}

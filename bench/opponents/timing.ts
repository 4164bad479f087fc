// Shared timing helper for the engine bench: warm-up calls, then repeated timed samples; reports the
// median and interquartile range per call. Used for Ascent and every opponent alike, so that the
// ratios compare like with like.

export interface TimingOptions {
  /** Untimed calls first (JIT, kernel compilation, caches). Default 10. */
  warmup?: number;
  /** Number of timed samples. Default 30. */
  samples?: number;
  /**
   * Calls per sample. Default 'auto': enough calls that one sample lasts at least minSampleMs,
   * so that microsecond calls are not dominated by timer resolution.
   */
  callsPerSample?: number | 'auto';
  /** Used by callsPerSample 'auto'. Default 1 ms. */
  minSampleMs?: number;
  /** Stop taking samples after this much timed wall time (at least 5 samples are kept). Default 10 s. */
  maxTimeMs?: number;
}

export interface Timing {
  /** Milliseconds per call. */
  median: number;
  q1: number;
  q3: number;
  iqr: number;
  min: number;
  samples: number;
  callsPerSample: number;
}

type Fn = () => unknown;

/** Runs fn n times, awaiting only when it returns a promise (an await costs a microtask turn). */
async function runCalls(fn: Fn, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = fn();
    if (r instanceof Promise) await r;
  }
}

/** Quantile with linear interpolation between order statistics (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('quantile: empty sample');
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export async function measure(fn: Fn, opts: TimingOptions = {}): Promise<Timing> {
  const warmup = opts.warmup ?? 10;
  const samples = opts.samples ?? 30;
  const minSampleMs = opts.minSampleMs ?? 1;
  const maxTimeMs = opts.maxTimeMs ?? 10_000;
  await runCalls(fn, warmup);

  let calls = typeof opts.callsPerSample === 'number' ? opts.callsPerSample : 1;
  if (opts.callsPerSample === undefined || opts.callsPerSample === 'auto') {
    // Double the calls per sample until one sample lasts minSampleMs.
    for (;;) {
      const t0 = performance.now();
      await runCalls(fn, calls);
      if (performance.now() - t0 >= minSampleMs || calls >= 4096) break;
      calls *= 2;
    }
  }
  if (!Number.isInteger(calls) || calls < 1) {
    throw new Error(`measure: callsPerSample must be a positive integer or 'auto', got ${calls}`);
  }

  const perCall: number[] = [];
  const start = performance.now();
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    await runCalls(fn, calls);
    perCall.push((performance.now() - t0) / calls);
    if (perCall.length >= 5 && performance.now() - start > maxTimeMs) break;
  }
  perCall.sort((a, b) => a - b);
  const q1 = quantile(perCall, 0.25);
  const q3 = quantile(perCall, 0.75);
  return {
    median: quantile(perCall, 0.5),
    q1,
    q3,
    iqr: q3 - q1,
    min: perCall[0],
    samples: perCall.length,
    callsPerSample: calls,
  };
}

/** "1.23 ms ± 0.05" style: median and half the IQR. */
export function formatTiming(t: Timing): string {
  const unit = t.median < 0.1 ? { scale: 1000, name: 'us' } : { scale: 1, name: 'ms' };
  const digits = t.median * unit.scale < 10 ? 2 : 1;
  return `${(t.median * unit.scale).toFixed(digits)} ${unit.name} ±${((t.iqr / 2) * unit.scale).toFixed(digits)}`;
}

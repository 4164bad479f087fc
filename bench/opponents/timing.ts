// Shared timing helper for the engine bench: warm-up calls, then repeated timed samples; reports the
// median and interquartile range per call. Used for Ascent and every opponent alike, so that the
// ratios compare like with like.

export interface TimingOptions {
  /**
   * Untimed calls first, at least `warmup` calls and at least `warmupMs` of wall time. V8 needs a few
   * hundred calls of a small update before the JS around the kernels is optimised (measured here:
   * tfjs-wasm's B=64 update goes from 3.7 ms in its first 20 calls to 1.5 ms after ~200), and jax-js
   * compiles its kernels on the first calls. Defaults 10 calls and 500 ms.
   */
  warmup?: number;
  warmupMs?: number;
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

interface Prepared {
  fn: Fn;
  calls: number;
  perCall: number[];
}

async function prepare(fn: Fn, opts: TimingOptions): Promise<Prepared> {
  const warmup = opts.warmup ?? 10;
  const warmupMs = opts.warmupMs ?? 500;
  const t0 = performance.now();
  for (let i = 0; i < warmup || performance.now() - t0 < warmupMs; i++) {
    const r = fn();
    if (r instanceof Promise) await r;
  }
  let calls = typeof opts.callsPerSample === 'number' ? opts.callsPerSample : 1;
  if (opts.callsPerSample === undefined || opts.callsPerSample === 'auto') {
    // Double the calls per sample until one sample lasts minSampleMs.
    const minSampleMs = opts.minSampleMs ?? 1;
    for (;;) {
      const t1 = performance.now();
      await runCalls(fn, calls);
      if (performance.now() - t1 >= minSampleMs || calls >= 4096) break;
      calls *= 2;
    }
  }
  if (!Number.isInteger(calls) || calls < 1) {
    throw new Error(`measure: callsPerSample must be a positive integer or 'auto', got ${calls}`);
  }
  return { fn, calls, perCall: [] };
}

async function sample(p: Prepared): Promise<void> {
  const t0 = performance.now();
  await runCalls(p.fn, p.calls);
  p.perCall.push((performance.now() - t0) / p.calls);
}

function summarise(p: Prepared): Timing {
  const sorted = [...p.perCall].sort((a, b) => a - b);
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  return { median: quantile(sorted, 0.5), q1, q3, iqr: q3 - q1, min: sorted[0], samples: sorted.length, callsPerSample: p.calls };
}

/** Times one function: warm-up, then `samples` timed samples. */
export async function measure(fn: Fn, opts: TimingOptions = {}): Promise<Timing> {
  return (await measureInterleaved({ only: fn }, opts)).only;
}

/**
 * Times several functions side by side: after each one's warm-up, the samples are taken in rounds,
 * one sample of each function per round (starting from a different one each round), so that load
 * from other processes on a shared machine falls on all of them alike and their ratios stay fair.
 * maxTimeMs bounds the whole run (each function still gets at least 5 samples).
 */
export async function measureInterleaved<K extends string>(fns: Record<K, Fn>, opts: TimingOptions = {}): Promise<Record<K, Timing>> {
  const samples = opts.samples ?? 30;
  const maxTimeMs = opts.maxTimeMs ?? 10_000;
  const names = Object.keys(fns) as K[];
  const prepared = {} as Record<K, Prepared>;
  for (const k of names) prepared[k] = await prepare(fns[k], opts);
  const start = performance.now();
  for (let s = 0; s < samples; s++) {
    for (let j = 0; j < names.length; j++) await sample(prepared[names[(s + j) % names.length]]);
    if (s >= 4 && performance.now() - start > maxTimeMs) break;
  }
  const out = {} as Record<K, Timing>;
  for (const k of names) out[k] = summarise(prepared[k]);
  return out;
}

/** "1.23 ms ± 0.05" style: median and half the IQR. */
export function formatTiming(t: Timing): string {
  const unit = t.median < 0.1 ? { scale: 1000, name: 'us' } : { scale: 1, name: 'ms' };
  const digits = t.median * unit.scale < 10 ? 2 : 1;
  return `${(t.median * unit.scale).toFixed(digits)} ${unit.name} ±${((t.iqr / 2) * unit.scale).toFixed(digits)}`;
}

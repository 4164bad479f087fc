/**
 * Gradient checking against central finite differences in float64.
 *
 * The function is evaluated on float64 copies of the inputs, so the check measures the op's
 * gradient formula, not float32 rounding.
 */
import { Tensor, gradients, noGrad } from './tensor.ts';

export interface GradCheckResult {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  /** Where the worst mismatch is: input index, flat element index, analytic and numeric values. */
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
}

export interface GradCheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
}

/** Compare autodiff gradients of sum(f(inputs) * w) (random fixed w) with finite differences. */
export function checkGradients(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradCheckOptions = {}): GradCheckResult {
  const eps = opts.eps ?? 1e-6,
    atol = opts.atol ?? 1e-6,
    rtol = opts.rtol ?? 1e-5;
  const xs = inputs.map((x) => new Tensor(Float64Array.from(x.data), x.shape, true));
  const out0 = f(...xs);
  // A fixed, irregular weighting so every output element matters and errors cannot cancel.
  const w = new Float64Array(out0.size).map((_, i) => 1 + 0.37 * Math.sin(1.3 * i + 0.5));
  const scalar = (o: Tensor) => {
    let s = 0;
    for (let i = 0; i < o.size; i++) s += o.data[i] * w[i];
    return s;
  };
  const seed = new Tensor(w, out0.shape);
  const analytic = gradients(out0, xs, { seed, allowUnused: true });
  const result: GradCheckResult = { ok: true, maxAbsError: 0, maxRelError: 0, worst: null };
  noGrad(() => {
    xs.forEach((x, i) => {
      for (let j = 0; j < x.size; j++) {
        const v = x.data[j];
        x.data[j] = v + eps;
        const up = scalar(f(...xs));
        x.data[j] = v - eps;
        const down = scalar(f(...xs));
        x.data[j] = v;
        const numeric = (up - down) / (2 * eps);
        const a = analytic[i] ? analytic[i]!.data[j] : 0;
        const abs = Math.abs(a - numeric);
        const rel = abs / Math.max(1e-12, Math.abs(numeric), Math.abs(a));
        // Written so that NaN (in either gradient) counts as the worst error and fails the check.
        if (!(abs <= result.maxAbsError)) {
          if (!Number.isNaN(result.maxAbsError)) result.worst = { input: i, index: j, analytic: a, numeric };
          result.maxAbsError = Number.isNaN(result.maxAbsError) ? NaN : abs;
        }
        result.maxRelError = Math.max(result.maxRelError, Math.min(rel, abs));
        if (!(abs <= atol + rtol * Math.abs(numeric))) result.ok = false;
      }
    });
  });
  return result;
}

/**
 * PPO's whole minibatch loss as one op (issue 12: at batch 64 the ~25 small ops of the loss chain
 * and their backwards cost more than the network's products):
 *
 *   L = -E[min(r A, clip(r, 1 - eps, 1 + eps) A)] + vfCoef E[(V - R)^2] - entCoef E[H(pi)]
 *   r = exp(log pi(a|s) - log pi_old(a|s))      (Schulman et al. 2017, eqs. 7 and 9)
 *
 * for a categorical policy (logits [B, K]) or a diagonal Gaussian (mean [B, D], log-std [1, D] or
 * [B, D]), with the clipped value loss E[max((V - R)^2, (V_clip - R)^2)] when clipRangeVf > 0.
 * The gradients, per row i (1/B from the means):
 *   dL/dlog pi_i = -r_i A_i / B where the min takes r A (elsewhere the clipped term is flat);
 *   categorical: dlog pi/dl_k = [k = a] - p_k, dH/dl_k = -p_k (log p_k + H);
 *   Gaussian:    dlog pi/dmu = z / sigma, dlog pi/dlog sigma = z^2 - 1 (z = (a - mu) / sigma), dH/dlog sigma = 1;
 *   dL/dV_i = 2 vfCoef (V_i - R_i) / B (or through V_clip when the max takes it).
 * Ties follow the op chain (ppoClipLossOps): min and max give the gradient to their first operand,
 * clip passes it inside the closed interval. A backward that is itself differentiated (createGraph)
 * rebuilds the chain from ops and differentiates that.
 */
import { Tensor, record, allocData, shapeStr, isGradEnabled, gradients, withGrad, type Data, type DType } from '../tensor.ts';
import { add, sub, mul, exp, neg, square, minimum, maximum, clip } from './elementwise.ts';
import { sum, mean, logSoftmax } from './reduce.ts';
import { takeAlongAxis, reshape, broadcastTo } from './shape.ts';
import { HALF_LOG_2PI } from '../../util/math.ts';

/** The policy's output: logits (categorical) or a mean and log-std (diagonal Gaussian). */
export type PpoPolicyOutput = { logits: Tensor } | { mean: Tensor; logStd: Tensor };

/** The minibatch: constants from the rollout, one row per sample. */
export interface PpoLossBatch {
  /** Categorical: one action index per row [B]; Gaussian: the actions [B * D]. */
  actions: ArrayLike<number>;
  /** log pi_old(a|s) [B]. */
  oldLogProbs: ArrayLike<number>;
  /** A [B] (already standardised if wanted). */
  advantages: ArrayLike<number>;
  /** The value targets R [B]. */
  returns: ArrayLike<number>;
  /** V_old [B]: needed when clipRangeVf > 0. */
  oldValues?: ArrayLike<number>;
}

export interface PpoLossCoefs {
  /** eps of the clipped surrogate. */
  clipRange: number;
  vfCoef: number;
  entCoef: number;
  /** > 0: clip V - V_old to [-clipRangeVf, clipRangeVf] (the pessimistic max of both losses); 0: off. */
  clipRangeVf?: number;
}

export interface PpoLossResult {
  /** The scalar loss, on the tape. */
  loss: Tensor;
  /** Its three parts as numbers: the clipped-surrogate loss, E[(V - R)^2] (clipped), E[H]. */
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  /** The probability ratios r [B] (for the KL estimate and the clip fraction). */
  ratios: Data;
}

/** The same loss from elementwise ops (the createGraph path; also the reference in tests). */
export function ppoClipLossOps(policy: PpoPolicyOutput, values: Tensor, batch: PpoLossBatch, c: PpoLossCoefs): PpoLossResult {
  const { B, D, dtype } = checkInputs('ppoClipLossOps', policy, values, batch, c);
  const cst = (x: ArrayLike<number>) => Tensor.from(x, [B], dtype);
  let logp: Tensor, ent: Tensor;
  if ('logits' in policy) {
    const lp = logSoftmax(policy.logits, 1);
    logp = reshape(takeAlongAxis(lp, batch.actions, 1), [B]);
    // 0 log 0 = 0 for masked (-Infinity) logits, as Categorical.entropy.
    ent = neg(sum(mul(exp(lp), maximum(lp, -MAX_FINITE[dtype])), 1));
  } else {
    const ls = policy.logStd;
    const z = mul(sub(Tensor.from(batch.actions, [B, D], dtype), policy.mean), exp(mul(ls, -1)));
    logp = sum(sub(mul(square(z), -0.5), add(ls, HALF_LOG_2PI)), 1);
    ent = add(sum(broadcastTo(ls, [B, D]), 1), D * (0.5 + HALF_LOG_2PI));
  }
  const ratio = exp(sub(logp, cst(batch.oldLogProbs)));
  const A = cst(batch.advantages);
  const pg = neg(mean(minimum(mul(ratio, A), mul(clip(ratio, 1 - c.clipRange, 1 + c.clipRange), A))));
  const R = cst(batch.returns);
  let vl = square(sub(values, R));
  const cv = c.clipRangeVf ?? 0;
  if (cv > 0) {
    const vo = cst(batch.oldValues!);
    vl = maximum(vl, square(sub(add(vo, clip(sub(values, vo), -cv, cv)), R)));
  }
  const vLoss = mean(vl),
    entropy = mean(ent);
  const loss = add(add(pg, mul(vLoss, c.vfCoef)), mul(entropy, -c.entCoef));
  return { loss, policyLoss: pg.data[0], valueLoss: vLoss.data[0], entropy: entropy.data[0], ratios: ratio.data };
}

const MAX_FINITE: Record<DType, number> = { float32: 3.4028234663852886e38, float64: Number.MAX_VALUE };

function checkInputs(op: string, policy: PpoPolicyOutput, values: Tensor, batch: PpoLossBatch, c: PpoLossCoefs) {
  const head = 'logits' in policy ? policy.logits : policy.mean;
  if (head.rank !== 2)
    throw new RangeError(`${op}: ${'logits' in policy ? 'logits' : 'mean'} must be [B, ${'logits' in policy ? 'K' : 'D'}], got ${shapeStr(head.shape)}`);
  const [B, D] = head.shape;
  if (values.size !== B || values.rank !== 1) throw new RangeError(`${op}: values must be [${B}] (one per row), got ${shapeStr(values.shape)}`);
  if (!('logits' in policy)) {
    const s = policy.logStd.shape;
    if (s.length !== 2 || (s[0] !== 1 && s[0] !== B) || s[1] !== D) throw new RangeError(`${op}: logStd must be [1, ${D}] or [${B}, ${D}], got ${shapeStr(s)}`);
  }
  const nAct = 'logits' in policy ? B : B * D;
  if (batch.actions.length !== nAct) throw new RangeError(`${op}: expected ${nAct} actions, got ${batch.actions.length}`);
  for (const k of ['oldLogProbs', 'advantages', 'returns'] as const) {
    if (batch[k].length !== B) throw new RangeError(`${op}: ${k} must hold ${B} values (one per row), got ${batch[k].length}`);
  }
  if (!(c.clipRange >= 0)) throw new RangeError(`${op}: clipRange must be a number >= 0, got ${c.clipRange}`);
  if (!(c.clipRangeVf === undefined || c.clipRangeVf >= 0)) throw new RangeError(`${op}: clipRangeVf must be a number >= 0, got ${c.clipRangeVf}`);
  if ((c.clipRangeVf ?? 0) > 0 && batch.oldValues?.length !== B) {
    throw new RangeError(`${op}: clipRangeVf > 0 needs oldValues of ${B} values, got ${batch.oldValues?.length ?? 'none'}`);
  }
  if ('logits' in policy) {
    const a = batch.actions;
    for (let i = 0; i < B; i++) {
      if (!Number.isInteger(a[i]) || a[i] < 0 || a[i] >= D) throw new RangeError(`${op}: action ${a[i]} at row ${i} is outside {0, ..., ${D - 1}}`);
    }
  }
  const dtype: DType = [head, values, 'logStd' in policy ? policy.logStd : head].some((t) => t.dtype === 'float64') ? 'float64' : 'float32';
  return { B, D, dtype };
}

/**
 * The PPO loss (see the file comment) as one op on the tape; the inputs that require gradients
 * (logits, or mean and logStd, and values) get them from one backward.
 */
export function ppoClipLoss(policy: PpoPolicyOutput, values: Tensor, batch: PpoLossBatch, c: PpoLossCoefs): PpoLossResult {
  const { B, D, dtype } = checkInputs('ppoClipLoss', policy, values, batch, c);
  const cat = 'logits' in policy;
  const head = cat ? policy.logits : policy.mean;
  const logStd = cat ? null : policy.logStd;
  const h = head.data,
    v = values.data,
    { actions: act, oldLogProbs: lpOld, advantages: adv, returns: ret } = batch;
  const lo = 1 - c.clipRange,
    hi = 1 + c.clipRange,
    cv = c.clipRangeVf ?? 0;
  const ratios = allocData(dtype, B, false);
  // Per row: dL/dlog pi and dL/dV (before the 1/B and the coefficients), H; per element: p_k
  // (categorical) or z (Gaussian).
  const dlp = allocData('float64', B, false),
    dv = allocData('float64', B, false),
    ents = allocData('float64', B, false),
    lses = allocData('float64', cat ? B : 0, false),
    pz = allocData('float64', B * D, false);
  let pgSum = 0,
    vSum = 0,
    hSum = 0;
  const lsd = logStd?.data,
    lsRow = logStd && logStd.shape[0] !== 1 ? D : 0;
  for (let i = 0; i < B; i++) {
    const o = i * D;
    let lp: number, H: number;
    if (cat) {
      let m = -Infinity;
      for (let k = 0; k < D; k++) m = Math.max(m, h[o + k]);
      // p_k = e_k / z with e_k = exp(l_k - m): one exp per logit (kept in pz for the backward).
      let z = 0;
      for (let k = 0; k < D; k++) z += pz[o + k] = Math.exp(h[o + k] - m);
      const lse = (lses[i] = m + Math.log(z));
      H = 0;
      for (let k = 0; k < D; k++) {
        const p = (pz[o + k] /= z);
        if (p > 0) H -= p * (h[o + k] - lse); // 0 log 0 = 0 for masked (-Infinity) logits
      }
      lp = h[o + act[i]] - lse;
    } else {
      lp = 0;
      H = 0;
      for (let d = 0; d < D; d++) {
        const ls = lsd![i * lsRow + d];
        const z = (act[o + d] - h[o + d]) * Math.exp(-ls);
        pz[o + d] = z;
        lp += -0.5 * z * z - ls - HALF_LOG_2PI;
        H += ls;
      }
      H += D * (0.5 + HALF_LOG_2PI);
    }
    const r = Math.exp(lp - lpOld[i]),
      A = adv[i];
    ratios[i] = r;
    const s1 = r * A,
      s2 = (r < lo ? lo : r > hi ? hi : r) * A;
    // min takes r A at ties (its first operand); where it takes the clipped term, r is outside the
    // closed interval (inside it both terms are equal), so that term's gradient is 0.
    const first = s1 <= s2 || s1 !== s1;
    pgSum += first ? s1 : s2;
    dlp[i] = first ? -A * r : 0;
    const e = v[i] - ret[i];
    let vl = e * e,
      dvi = 2 * e;
    if (cv > 0) {
      const vo = batch.oldValues![i],
        dvo = v[i] - vo;
      const ec = vo + (dvo < -cv ? -cv : dvo > cv ? cv : dvo) - ret[i];
      if (!(vl >= ec * ec) && vl === vl) {
        vl = ec * ec;
        dvi = dvo >= -cv && dvo <= cv ? 2 * ec : 0;
      }
    }
    vSum += vl;
    dv[i] = dvi;
    ents[i] = H;
    hSum += H;
  }
  const policyLoss = -pgSum / B,
    valueLoss = vSum / B,
    entropy = hSum / B;
  const out = allocData(dtype, 1, false);
  out[0] = policyLoss + valueLoss * c.vfCoef + entropy * -c.entCoef;
  const inputs = cat ? [head, values] : [head, logStd!, values];
  const loss = record('ppoClipLoss', new Tensor(out, []), inputs, (g) => {
    if (isGradEnabled()) {
      return withGrad(() => gradients(ppoClipLossOps(policy, values, batch, c).loss, inputs, { seed: g, createGraph: true, allowUnused: true }));
    }
    const s = g.data[0] / B,
      ent = c.entCoef * s;
    let dHead: Data | null = null,
      dLs: Data | null = null,
      dV: Data | null = null;
    if (head.requiresGrad || logStd?.requiresGrad) {
      dHead = head.requiresGrad ? allocData(dtype, B * D, false) : null;
      dLs = logStd?.requiresGrad ? allocData(dtype, logStd.size) : null;
      for (let i = 0; i < B; i++) {
        const o = i * D,
          gl = dlp[i] * s;
        if (cat) {
          // dL/dl_k = g (1[k = a] - p_k) + entCoef p_k (log p_k + H) / B
          const H = ents[i],
            lse = lses[i];
          for (let k = 0; k < D; k++) {
            const p = pz[o + k];
            dHead![o + k] = -gl * p + (p > 0 ? ent * p * (h[o + k] - lse + H) : 0);
          }
          dHead![o + act[i]] += gl;
        } else {
          for (let d = 0; d < D; d++) {
            const z = pz[o + d],
              ls = lsd![i * lsRow + d];
            if (dHead) dHead[o + d] = gl * z * Math.exp(-ls);
            if (dLs) dLs[i * lsRow + d] += gl * (z * z - 1) - ent;
          }
        }
      }
    }
    if (values.requiresGrad) {
      dV = allocData(dtype, B, false);
      const sv = c.vfCoef * s;
      for (let i = 0; i < B; i++) dV[i] = dv[i] * sv;
    }
    const gHead = dHead && new Tensor(dHead, head.shape),
      gV = dV && new Tensor(dV, values.shape);
    return cat ? [gHead, gV] : [gHead, dLs && new Tensor(dLs, logStd!.shape), gV];
  });
  return { loss, policyLoss, valueLoss, entropy, ratios };
}

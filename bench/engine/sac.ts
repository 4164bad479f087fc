// Ascent's side of the SAC update bench (issue 12): the update of sac-workload.ts written with the
// library's nn/tensor API the way src/algos/sac.ts's train() uses it (MLP.forward on the tape for
// the actor and critics, MLP.predict off the tape for the targets, SquashedGaussian.rsample, grad,
// Adam, and nn's polyak() for the targets, which sac.ts does as a JS loop today).
import { Tensor, BufferArena, grad, mul, mean, sub, square, add, minimum, reshape, concat, slice, clip } from '../../src/tensor/index.ts';
import { Adam, MLP, polyak, forwardTwin, predictTwin, forwardAndPredict } from '../../src/nn/index.ts';
import { SquashedGaussian } from '../../src/distributions/index.ts';
import { Rng } from '../../src/rng/index.ts';
import { SAC, actorSizes, criticSizes, type Layers, type SacWorkload } from './sac-workload.ts';

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

function mlp(sizes: number[], layers: Layers): MLP {
  const net = new MLP(sizes, new Rng(0), { activation: 'relu' });
  const ps = net.parameters();
  if (ps.length !== layers.length) throw new Error(`sac bench: ${layers.length} arrays for ${ps.length} parameters`);
  ps.forEach((p, i) => p.data.set(layers[i]));
  return net;
}

/** log(1 - tanh(u)^2) = 2 (log 2 - u - softplus(-2u)), as sac.ts computes it off the tape. */
function logDetTanh(u: number): number {
  const x = -2 * u;
  return 2 * (Math.LN2 - u - (x > 20 ? x : Math.log1p(Math.exp(x))));
}

export interface SacUpdateFn {
  (): number;
  /** Losses of the last update: [critic, actor]. */
  losses(): [number, number];
  /** Parameters after the updates so far: actor, q1, q2, target q1, target q2, log alpha. */
  params(): Float32Array[];
}

/**
 * With `arena` (the default), each update runs in a BufferArena: the tape's buffers are reused from
 * one update to the next instead of allocated (what an algorithm's update loop can do; sac.ts does
 * not yet).
 */
export function ascentSacUpdate(w: SacWorkload, opts: { arena?: boolean; twin?: boolean } = {}): SacUpdateFn {
  // twin (the default): the twin critics and their targets as pairs (nn's forwardTwin/predictTwin),
  // the second of each on the twin worker thread when that pays; false: one network at a time.
  const twin = opts.twin !== false;
  const fwd2 = (a: MLP, b: MLP, x: Tensor): [Tensor, Tensor] => (twin ? forwardTwin(a, b, x) : [a.forward(x), b.forward(x)]);
  const arena = opts.arena === false ? null : new BufferArena();
  const { obs: O, act: A, batch: B } = w.size;
  const W = O + A;
  const actor = mlp(actorSizes(w.size), w.actor);
  const q1 = mlp(criticSizes(w.size), w.q1),
    q2 = mlp(criticSizes(w.size), w.q2);
  const t1 = mlp(criticSizes(w.size), w.q1),
    t2 = mlp(criticSizes(w.size), w.q2);
  const logAlpha = Tensor.param(new Float32Array(1), [1], 'logAlpha');
  const actorParams = actor.parameters(),
    criticParams = [...q1.parameters(), ...q2.parameters()];
  const targetParams = [...t1.parameters(), ...t2.parameters()];
  const opt = { lr: SAC.lr, beta1: SAC.beta1, beta2: SAC.beta2, eps: SAC.eps };
  const actorOpt = new Adam(actorParams, opt),
    criticOpt = new Adam(criticParams, opt),
    alphaOpt = new Adam([logAlpha], opt);
  const d = w.data,
    targetEntropy = -A;
  // Hands rsample the fixed noise eps1 in place of a generator's draw.
  const eps1 = { fillNormal: (out: Float32Array) => (out.set(d.eps1), out) } as unknown as Rng;
  const sa = new Float32Array(B * W),
    saNext = new Float32Array(B * W),
    nextLogp = new Float32Array(B),
    y = new Float32Array(B);
  for (let i = 0; i < B; i++) {
    for (let j = 0; j < O; j++) sa[i * W + j] = d.obs[i * O + j];
    for (let j = 0; j < A; j++) sa[i * W + O + j] = d.actions[i * A + j];
    for (let j = 0; j < O; j++) saNext[i * W + j] = d.nextObs[i * O + j];
  }
  let last: [number, number] = [NaN, NaN];

  const update = () => {
    const alpha = Math.exp(logAlpha.data[0]);
    const obsT = new Tensor(d.obs, [B, O]);
    // The actor on s (tape) and on s' (targets) at once: s' on the twin worker when twin.
    const [out, pn] = twin ? forwardAndPredict(actor, obsT, d.nextObs, B) : [actor.forward(obsT), actor.predict(d.nextObs, B)];
    const dist = new SquashedGaussian(slice(out, 1, 0, A), clip(slice(out, 1, A, 2 * A), SAC.logStdMin, SAC.logStdMax));
    const { action, logProb } = dist.rsample(eps1);
    let entropy = 0;
    for (let i = 0; i < B; i++) entropy -= logProb.data[i];
    entropy /= B;
    alphaOpt.step([new Tensor(Float32Array.of(entropy - targetEntropy), [1])]);

    // Targets off the tape, as TwinQ.targets / sampleUnit.
    for (let i = 0; i < B; i++) {
      let lp = 0;
      for (let k = 0; k < A; k++) {
        const m = pn[i * 2 * A + k];
        let ls = pn[i * 2 * A + A + k];
        ls = ls < SAC.logStdMin ? SAC.logStdMin : ls > SAC.logStdMax ? SAC.logStdMax : ls;
        const z = d.eps2[i * A + k],
          u = m + Math.exp(ls) * z;
        saNext[i * W + O + k] = Math.tanh(u);
        lp += -0.5 * z * z - ls - HALF_LOG_2PI - logDetTanh(u);
      }
      nextLogp[i] = lp;
    }
    const [y1, y2] = twin ? predictTwin(t1, t2, saNext, B) : [t1.predict(saNext, B), t2.predict(saNext, B)];
    for (let i = 0; i < B; i++) y[i] = d.rewards[i] + (d.terminated[i] ? 0 : SAC.gamma * (Math.min(y1[i], y2[i]) - alpha * nextLogp[i]));

    // Critic step.
    const saT = new Tensor(sa, [B, W]),
      yT = new Tensor(y, [B, 1]);
    const [c1, c2] = fwd2(q1, q2, saT);
    const criticLoss = mul(add(mean(square(sub(c1, yT))), mean(square(sub(c2, yT)))), 0.5);
    criticOpt.step(grad(criticLoss, criticParams));

    // Actor step through the updated, frozen critics.
    for (const p of criticParams) p.requiresGrad = false;
    let actorLoss: Tensor;
    try {
      const saPi = concat([obsT, action], 1);
      const qPi = minimum(...fwd2(q1, q2, saPi));
      actorLoss = mean(sub(mul(logProb, alpha), reshape(qPi, [B])));
      actorOpt.step(grad(actorLoss, actorParams));
    } finally {
      for (const p of criticParams) p.requiresGrad = true;
    }

    polyak(targetParams, criticParams, SAC.tau);
    last = [criticLoss.item(), actorLoss.item()];
    return last[0];
  };
  const fn = (() => (arena ? arena.run(update) : update())) as SacUpdateFn;
  fn.losses = () => last;
  fn.params = () => [...actorParams, ...criticParams, ...targetParams, logAlpha].map((p) => Float32Array.from(p.data));
  return fn;
}

// Ascent's side of the engine bench: the same PPO update and inference as bench/opponents/workload.ts,
// written with the library's ops, autodiff and Adam, as an algorithm in src/algos would write them:
// the trunk as MLP.forward computes it (the whole-MLP op: both tanh layers in one visit to wasm
// memory), the loss as src/algos/ppo.ts computes it (ppoClipLoss: one op), and each update in a
// BufferArena so that its tape reuses the previous update's buffers (issue 12).
import { Tensor, BufferArena, FusedMlpKernels, linear, mlp, reshape, grad, ppoClipLoss } from '../../src/tensor/index.ts';
import { Adam, MLP } from '../../src/nn/index.ts';
import { Rng } from '../../src/rng/index.ts';
import { PARAM_SPECS, PPO, initParams, makePpoBatch, makeObs, checkParams } from '../opponents/workload.ts';
import type { ParamArrays } from '../opponents/types.ts';

function toParams(params: ParamArrays): Tensor[] {
  checkParams(params);
  return PARAM_SPECS.map(({ name, shape }, i) => Tensor.param(params[i].slice(), shape, name));
}

/** Trunk and both heads: logits [B, 2] and values [B]. `trunk` holds the trunk's wasm state. */
function forward(p: Tensor[], obs: Tensor, trunk: FusedMlpKernels): { logits: Tensor; value: Tensor } {
  const h = mlp(obs, [p[0], p[2]], [p[1], p[3]], ['tanh', 'tanh'], trunk);
  return { logits: linear(h, p[4], p[5]), value: reshape(linear(h, p[6], p[7]), [-1]) };
}

/**
 * The PPO loss: clipped surrogate + vfCoef * value loss - entCoef * entropy, in one op
 * (ppoClipLoss, as src/algos/ppo.ts computes it).
 */
export function ppoLoss(p: Tensor[], b: ReturnType<typeof makePpoBatch>, trunk = new FusedMlpKernels([4, 64, 64])): Tensor {
  const B = b.batch;
  const { logits, value } = forward(p, new Tensor(b.obs, [B, 4]), trunk);
  const batch = { actions: b.actions, oldLogProbs: b.oldLogProb, advantages: b.advantages, returns: b.returns };
  return ppoClipLoss({ logits }, value, batch, { clipRange: PPO.clip, vfCoef: PPO.vfCoef, entCoef: PPO.entCoef }).loss;
}

export function ascentPpoUpdate(batch: number, seed: number, params?: ParamArrays) {
  const p = toParams(params ?? initParams(seed));
  const b = makePpoBatch(batch, seed);
  const opt = new Adam(p, { lr: PPO.lr, beta1: PPO.beta1, beta2: PPO.beta2, eps: PPO.eps });
  const arena = new BufferArena();
  const trunk = new FusedMlpKernels([4, 64, 64]);
  const update = () => {
    const loss = ppoLoss(p, b, trunk);
    opt.step(grad(loss, p));
    return loss.data[0];
  };
  const fn = () => arena.run(update);
  return Object.assign(fn, { readParams: async () => p.map((t) => Float32Array.from(t.data)) });
}

/**
 * Inference as a rollout collector runs it: the policy MLP (trunk + policy head) on the tape-free
 * path with reused buffers, then a softmax over each row.
 */
export function ascentInference(batch: number, seed: number, params?: ParamArrays) {
  const ps = params ?? initParams(seed);
  checkParams(ps);
  const policy = new MLP([4, 64, 64, 2], new Rng(seed), { activation: 'tanh' });
  policy.parameters().forEach((p, i) => p.data.set(ps[i]));
  const obs = makeObs(batch, seed);
  const probs = new Float32Array(batch * 2);
  return () => {
    const logits = policy.predict(obs, batch);
    for (let i = 0; i < batch; i++) {
      const a = logits[2 * i],
        b = logits[2 * i + 1],
        m = a > b ? a : b;
      const ea = Math.exp(a - m),
        eb = Math.exp(b - m),
        z = ea + eb;
      probs[2 * i] = ea / z;
      probs[2 * i + 1] = eb / z;
    }
    return probs;
  };
}

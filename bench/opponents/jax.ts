// jax-js opponent on its wasm device: the whole PPO update (loss, valueAndGrad, Adam) is one jit'ed
// function, which jax-js traces once per shape and compiles into fused WebAssembly kernels; that is
// its fastest idiomatic path. jax-js frees memory by reference counting: every function consumes its
// array arguments, so arrays used again are passed as `x.ref` (README of @jax-js/jax).

import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { defaultDevice, init, jit, nn, numpy as np, valueAndGrad } from '@jax-js/jax';
import type { InferenceFn, Opponent, ParamArrays, PpoUpdateFn } from './types.ts';
import { N_ACTIONS, OBS_DIM, PARAM_SPECS, PPO, checkParams, initParams, makeObs, makePpoBatch } from './workload.ts';

type Params = np.Array[];

/** tanh(tanh(x W1 + b1) W2 + b2); consumes x and p[0..3]. */
function trunk(p: Params, x: np.Array): np.Array {
  const h1 = np.tanh(np.matmul(x, p[0]).add(p[1]));
  return np.tanh(np.matmul(h1, p[2]).add(p[3]));
}

function ppoLoss(p: Params, obs: np.Array, actions: np.Array, oldLogProb: np.Array, adv: np.Array, ret: np.Array): np.Array {
  const h = trunk(p, obs);
  const logits = np.matmul(h.ref, p[4]).add(p[5]);
  const value = np.matmul(h, p[6]).add(p[7]).reshape([-1]);
  const logpAll = nn.logSoftmax(logits, -1);
  const logp = logpAll.ref.mul(nn.oneHot(actions, N_ACTIONS)).sum(-1);
  const ratio = np.exp(logp.sub(oldLogProb));
  const clipped = np.clip(ratio.ref, 1 - PPO.clip, 1 + PPO.clip);
  const policyLoss = np.minimum(ratio.mul(adv.ref), clipped.mul(adv)).mean().neg();
  const valueLoss = np.square(value.sub(ret)).mean();
  const entropy = np.exp(logpAll.ref).mul(logpAll).sum(-1).neg().mean();
  return policyLoss.add(valueLoss.mul(PPO.vfCoef)).sub(entropy.mul(PPO.entCoef));
}

/**
 * One PPO update: loss and gradients, then bias-corrected Adam (Kingma & Ba, 2015, Algorithm 1,
 * with eps added to sqrt(v_hat), as tf.train.adam does). t counts steps already taken.
 */
function ppoStep(p: Params, m: Params, v: Params, t: np.Array, obs: np.Array, actions: np.Array, oldLogProb: np.Array, adv: np.Array, ret: np.Array) {
  const [loss, g] = valueAndGrad(ppoLoss)(
    p.map((x) => x.ref),
    obs,
    actions,
    oldLogProb,
    adv,
    ret,
  );
  const t1 = t.add(1);
  const bc1 = np.power(PPO.beta1, t1.ref).neg().add(1);
  const bc2 = np.power(PPO.beta2, t1.ref).neg().add(1);
  const m1 = m.map((mi, i) => mi.mul(PPO.beta1).add(g[i].ref.mul(1 - PPO.beta1)));
  const v1 = v.map((vi, i) => vi.mul(PPO.beta2).add(np.square(g[i]).mul(1 - PPO.beta2)));
  const p1 = p.map((pi, i) => {
    const mHat = m1[i].ref.div(bc1.ref);
    const vHat = v1[i].ref.div(bc2.ref);
    return pi.sub(mHat.div(np.sqrt(vHat).add(PPO.eps)).mul(PPO.lr));
  });
  bc1.dispose();
  bc2.dispose();
  return [loss, p1, m1, v1, t1] as [np.Array, Params, Params, Params, np.Array];
}

function policyProbs(p: Params, x: np.Array): np.Array {
  return nn.softmax(np.matmul(trunk(p, x), p[4]).add(p[5]), -1);
}

const toArrays = (params: ParamArrays): Params => params.map((x, i) => np.array(x, { shape: [...PARAM_SPECS[i].shape] }));

/**
 * Counts live wasm buffers by wrapping the backend's malloc/incRef/decRef. jax-js exports no memory
 * statistics, so this reaches its internal getBackend(); it returns false if a new version moved it.
 */
const liveBuffers = new Map<number, number>();
let tracking: Promise<boolean> | undefined;
const trackWasmBuffers = () => (tracking ??= wrapWasmBackend(liveBuffers));

async function wrapWasmBackend(counter: Map<number, number>): Promise<boolean> {
  const dist = path.dirname(fs.realpathSync(createRequire(import.meta.url).resolve('@jax-js/jax')));
  const chunk = fs.readdirSync(dist).find((f) => /^backend-.*\.js$/.test(f));
  if (!chunk) return false;
  const mod: Record<string, unknown> = await import(pathToFileURL(path.join(dist, chunk)).href);
  const getBackend = Object.values(mod).find((f) => typeof f === 'function' && f.name === 'getBackend') as
    | ((d: string) => Record<string, (...a: number[]) => unknown>)
    | undefined;
  if (!getBackend) return false;
  const b = getBackend('wasm');
  const [malloc, incRef, decRef] = [b.malloc, b.incRef, b.decRef].map((f) => f.bind(b));
  b.malloc = (...a) => {
    const slot = malloc(...a) as number;
    counter.set(slot, 1);
    return slot;
  };
  b.incRef = (slot) => (counter.set(slot, (counter.get(slot) ?? 0) + 1), incRef(slot));
  b.decRef = (slot) => {
    const r = (counter.get(slot) ?? 1) - 1;
    if (r <= 0) counter.delete(slot);
    else counter.set(slot, r);
    return decRef(slot);
  };
  return true;
}

export function createJaxOpponent(): Opponent {
  const live = new Set<{ release(): void }>();
  const config: Record<string, string | number | boolean> = { library: '@jax-js/jax', device: 'wasm' };
  const track = <F extends { release(): void }>(fn: F, free: () => void): F => {
    fn.release = () => {
      if (live.delete(fn)) free();
    };
    live.add(fn);
    return fn;
  };

  return {
    name: 'jax-js-wasm',
    config,

    async init() {
      const devices = await init('wasm');
      if (!devices.includes('wasm')) throw new Error(`jax-js: the wasm device did not start (got ${devices.join(', ')})`);
      defaultDevice('wasm');
      config.version = JSON.parse(
        fs.readFileSync(path.join(path.dirname(createRequire(import.meta.url).resolve('@jax-js/jax')), '..', 'package.json'), 'utf8'),
      ).version;
      // jax-js generates SIMD kernels itself; its thread pool needs a global Web Worker, which Node lacks.
      config.threads = typeof (globalThis as { Worker?: unknown }).Worker === 'function' ? 'worker pool' : 1;
      config.bufferCounting = await trackWasmBuffers();
    },

    async ppoUpdate(batch, seed, params) {
      const p0 = params ?? initParams(seed);
      checkParams(p0);
      const d = makePpoBatch(batch, seed);
      const step = jit(ppoStep);
      let p = toArrays(p0);
      let m = p.map((x) => np.zerosLike(x.ref));
      let v = p.map((x) => np.zerosLike(x.ref));
      let t = np.zeros([]);
      const obs = np.array(d.obs, { shape: [batch, OBS_DIM] });
      const actions = np.array(d.actions, { shape: [batch], dtype: np.int32 });
      const oldLogProb = np.array(d.oldLogProb);
      const adv = np.array(d.advantages);
      const ret = np.array(d.returns);
      const fn = (() => {
        let loss: np.Array;
        [loss, p, m, v, t] = step(p, m, v, t, obs.ref, actions.ref, oldLogProb.ref, adv.ref, ret.ref);
        return loss.dataSync()[0];
      }) as PpoUpdateFn;
      fn.readParams = async () => Promise.all(p.map(async (x) => Float32Array.from(await x.ref.data())));
      return track(fn, () => {
        for (const x of [...p, ...m, ...v, t, obs, actions, oldLogProb, adv, ret]) x.dispose();
        step.dispose();
      });
    },

    async inference(batch, seed, params) {
      const p0 = params ?? initParams(seed);
      checkParams(p0);
      const obs = makeObs(batch, seed);
      const p = toArrays(p0.slice(0, 6)); // trunk and policy head; the value head is not needed
      const forward = jit(policyProbs);
      const fn = (() =>
        forward(
          p.map((x) => x.ref),
          np.array(obs, { shape: [batch, OBS_DIM] }),
        ).dataSync() as Float32Array) as InferenceFn;
      return track(fn, () => {
        for (const x of p) x.dispose();
        forward.dispose();
      });
    },

    /** Process-wide: all jax-js arrays on the wasm device. */
    memory() {
      return { liveBuffers: liveBuffers.size };
    },

    async dispose() {
      for (const fn of [...live]) fn.release();
    },
  };
}

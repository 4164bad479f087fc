// TensorFlow.js opponents: the cpu backend (plain JS kernels) and the wasm backend (XNNPACK kernels
// compiled to WebAssembly). Both use the low-level ops API, not tf.layers: that is the fastest path
// tfjs offers for a hand-written loss, and optimizer.minimize is its idiomatic training step.

import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { InferenceFn, Opponent, ParamArrays, PpoUpdateFn } from './types.ts';
import { N_ACTIONS, OBS_DIM, PARAM_SPECS, PPO, checkParams, initParams, makeObs, makePpoBatch } from './workload.ts';

export type TfjsBackend = 'cpu' | 'wasm';

let wasmPathsSet = false;

/** In Node the .wasm binaries are loaded from the package's dist folder in node_modules. */
function pointWasmAtNodeModules(): void {
  if (wasmPathsSet) return;
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  setWasmPaths(path.join(path.dirname(pkg), 'dist') + path.sep);
  wasmPathsSet = true;
}

type Vars = tf.Variable[];

/** Trunk: tanh(tanh(x W1 + b1) W2 + b2). */
function trunk(x: tf.Tensor2D, v: Vars): tf.Tensor2D {
  const h1 = tf.tanh(tf.add(tf.matMul(x, v[0]), v[1])) as tf.Tensor2D;
  return tf.tanh(tf.add(tf.matMul(h1, v[2]), v[3])) as tf.Tensor2D;
}

export function createTfjsOpponent(backend: TfjsBackend): Opponent {
  const live = new Set<{ release(): void }>();
  const config: Record<string, string | number | boolean> = { library: `@tensorflow/tfjs ${tf.version.tfjs}`, backend };

  // tfjs has one global active backend; if another opponent switched it, switch back before running
  // (tensors made under the other backend would otherwise be copied across on every read).
  const activate = async () => {
    if (tf.getBackend() === backend) return;
    if (backend === 'wasm') pointWasmAtNodeModules();
    if (!(await tf.setBackend(backend))) throw new Error(`tfjs-${backend}: tf.setBackend('${backend}') failed`);
  };
  const withBackend =
    <T>(run: () => T): (() => T | Promise<T>) =>
    () =>
      tf.getBackend() === backend ? run() : activate().then(run);

  const track = <F extends { release(): void }>(fn: F, free: () => void): F => {
    fn.release = () => {
      if (live.delete(fn)) free();
    };
    live.add(fn);
    return fn;
  };

  const makeVars = (params: ParamArrays): Vars =>
    tf.tidy(() => PARAM_SPECS.map(({ shape }, i) => tf.variable(tf.tensor(params[i], shape as number[], 'float32'))));

  return {
    name: `tfjs-${backend}`,
    config,

    async init() {
      await activate();
      await tf.ready();
      if (backend === 'wasm') {
        config.simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
        // The threaded build needs Web Workers on a SharedArrayBuffer heap; tfjs reports no
        // multithread support in Node and forcing the flag fails in Emscripten's pthread start-up.
        config.multithreadSupported = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
        config.threads = getThreadsCount();
      }
    },

    async ppoUpdate(batch, seed, params) {
      await activate();
      const p = params ?? initParams(seed);
      checkParams(p);
      const d = makePpoBatch(batch, seed);
      const vars = makeVars(p);
      const obs = tf.tensor2d(d.obs, [batch, OBS_DIM]);
      const actions = tf.tensor1d(d.actions, 'int32');
      const oldLogProb = tf.tensor1d(d.oldLogProb);
      const adv = tf.tensor1d(d.advantages);
      const ret = tf.tensor1d(d.returns);
      const optimizer = tf.train.adam(PPO.lr, PPO.beta1, PPO.beta2, PPO.eps);

      const loss = (): tf.Scalar => {
        const h = trunk(obs, vars);
        const logits = tf.add(tf.matMul(h, vars[4]), vars[5]);
        const value = tf.reshape(tf.add(tf.matMul(h, vars[6]), vars[7]), [batch]);
        const logpAll = tf.logSoftmax(logits);
        const logp = tf.sum(tf.mul(logpAll, tf.oneHot(actions, N_ACTIONS)), 1);
        const ratio = tf.exp(tf.sub(logp, oldLogProb));
        const clipped = tf.clipByValue(ratio, 1 - PPO.clip, 1 + PPO.clip);
        const policyLoss = tf.neg(tf.mean(tf.minimum(tf.mul(ratio, adv), tf.mul(clipped, adv))));
        const valueLoss = tf.mean(tf.square(tf.sub(value, ret)));
        const entropy = tf.mean(tf.neg(tf.sum(tf.mul(tf.exp(logpAll), logpAll), 1)));
        return tf.sub(tf.add(policyLoss, tf.mul(valueLoss, PPO.vfCoef)), tf.mul(entropy, PPO.entCoef)) as tf.Scalar;
      };

      const fn = withBackend(() => {
        const l = optimizer.minimize(loss, true, vars)!;
        const value = l.dataSync()[0];
        l.dispose();
        return value;
      }) as PpoUpdateFn;
      fn.readParams = async () => Promise.all(vars.map(async (v) => Float32Array.from(await v.data())));
      return track(fn, () => {
        optimizer.dispose();
        tf.dispose([...vars, obs, actions, oldLogProb, adv, ret]);
      });
    },

    async inference(batch, seed, params) {
      await activate();
      const p = params ?? initParams(seed);
      checkParams(p);
      const obs = makeObs(batch, seed);
      const vars = makeVars(p);
      const fn = withBackend(() => {
        const probs = tf.tidy(() => {
          const h = trunk(tf.tensor2d(obs, [batch, OBS_DIM]), vars);
          return tf.softmax(tf.add(tf.matMul(h, vars[4]), vars[5]));
        });
        const out = probs.dataSync() as Float32Array;
        probs.dispose();
        return out;
      }) as InferenceFn;
      return track(fn, () => tf.dispose(vars));
    },

    /** Engine-wide counts: both tfjs opponents share one engine. */
    memory() {
      const m = tf.memory();
      return { numTensors: m.numTensors, numDataBuffers: m.numDataBuffers, numBytes: m.numBytes };
    },

    async dispose() {
      for (const fn of [...live]) fn.release();
    },
  };
}

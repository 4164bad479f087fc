/**
 * The approach of the TensorFlow.js cart-pole example (github.com/tensorflow/tfjs-examples,
 * cart-pole/index.js), written anew for this bench and run on Ascent's CartPole-v1:
 *  - policy: one hidden dense layer (elu) and a 1-unit logit; sigmoid(logit) is the probability
 *    of one of the two actions, sampled as a Bernoulli;
 *  - during each game, per step, tf.variableGrads of the log-likelihood of the sampled action
 *    (sigmoid cross-entropy against it) gives one gradient per variable per step;
 *  - after a batch of games: each game's rewards discounted, all normalised together (mean, std),
 *    every step's gradients scaled by its normalised return and averaged over all steps, applied
 *    with tf.train.adam.
 * Its published UI defaults (as reproduced with the same input ids in a port of the example,
 * CartPolePage: hidden layer size 4, 20 games per iteration, 500 max steps per game, discount rate
 * 0.95, learning rate 0.05) are TFJS_EXAMPLE below. Kernels are Glorot-uniform and biases zero, as
 * tf.layers.dense's defaults, drawn from our seeded Rng so a seed reproduces a run.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { make } from '../../src/envs/index.ts';
import { Rng } from '../../src/rng/index.ts';
import type { Protocol, RunResult, RunSpec } from './run-one.ts';

export interface TfjsCartPoleOptions {
  backend: 'cpu' | 'wasm';
  hidden: number;
  gamesPerIteration: number;
  maxStepsPerGame: number;
  discountRate: number;
  learningRate: number;
}

export const TFJS_EXAMPLE: Omit<TfjsCartPoleOptions, 'backend'> = {
  hidden: 4,
  gamesPerIteration: 20,
  maxStepsPerGame: 500,
  discountRate: 0.95,
  learningRate: 0.05,
};

async function useBackend(backend: 'cpu' | 'wasm'): Promise<void> {
  if (backend === 'wasm') {
    // In Node the .wasm binaries load from the package's dist folder (as bench/opponents/tfjs.ts does).
    const require = createRequire(import.meta.url);
    setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs: setBackend('${backend}') failed`);
  await tf.ready();
}

function glorotUniform(rng: Rng, fanIn: number, fanOut: number): tf.Tensor2D {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const w = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < w.length; i++) w[i] = rng.uniform(-limit, limit);
  return tf.tensor2d(w, [fanIn, fanOut]);
}

class PolicyNet {
  readonly vars: tf.Variable[];

  constructor(obsDim: number, hidden: number, rng: Rng) {
    this.vars = [
      tf.variable(glorotUniform(rng, obsDim, hidden), true, 'w1'),
      tf.variable(tf.zeros([hidden]), true, 'b1'),
      tf.variable(glorotUniform(rng, hidden, 1), true, 'w2'),
      tf.variable(tf.zeros([1]), true, 'b2'),
    ];
  }

  /** The logit of P(action 0) for a [1, obsDim] observation. */
  logit(x: tf.Tensor2D): tf.Tensor2D {
    const [w1, b1, w2, b2] = this.vars;
    const h = tf.elu(tf.add(tf.matMul(x, w1 as tf.Tensor2D), b1));
    return tf.add(tf.matMul(h as tf.Tensor2D, w2 as tf.Tensor2D), b2) as tf.Tensor2D;
  }
}

/** Discount each game's rewards, then normalise all of them together. */
function discountAndNormalise(games: number[][], gamma: number): Float32Array[] {
  const disc = games.map((rs) => {
    const out = new Float32Array(rs.length);
    let g = 0;
    for (let t = rs.length - 1; t >= 0; t--) out[t] = g = rs[t] + gamma * g;
    return out;
  });
  let n = 0,
    sum = 0,
    sq = 0;
  for (const d of disc)
    for (const x of d) {
      n++;
      sum += x;
    }
  const mean = sum / n;
  for (const d of disc) for (const x of d) sq += (x - mean) ** 2;
  const std = Math.sqrt(sq / n) || 1;
  for (const d of disc) for (let t = 0; t < d.length; t++) d[t] = (d[t] - mean) / std;
  return disc;
}

export async function runTfjsCartPole(spec: RunSpec, protocol: (s: RunSpec) => Protocol): Promise<RunResult> {
  const o: TfjsCartPoleOptions = { backend: 'cpu', ...TFJS_EXAMPLE, ...spec.tfjs };
  await useBackend(o.backend);
  const load = loadavg().map((x) => +x.toFixed(2));
  const p = protocol(spec);
  const rng = new Rng(spec.seed);
  const actRng = rng.split();
  const env = make(spec.env, { maxEpisodeSteps: o.maxStepsPerGame });
  const obsDim = (env.observationSpace as unknown as { shape: number[] }).shape[0];
  const net = new PolicyNet(obsDim, o.hidden, rng.split());
  const optimizer = tf.train.adam(o.learningRate);
  const names = net.vars.map((v) => v.name);

  /** Greedy returns: the more likely action (logit >= 0 means action 0) on seeds seed, seed + 1, ... */
  const greedy = (episodes: number, seed: number): number[] => {
    const evalEnv = make(spec.env);
    const returns: number[] = [];
    for (let ep = 0; ep < episodes; ep++) {
      let { obs } = evalEnv.reset({ seed: seed + ep });
      let total = 0;
      for (;;) {
        const logit = tf.tidy(() => net.logit(tf.tensor2d(obs, [1, obsDim])).dataSync()[0]);
        const r = evalEnv.step(logit >= 0 ? 0 : 1);
        total += r.reward;
        obs = r.obs;
        if (r.terminated || r.truncated) break;
      }
      returns.push(total);
    }
    evalEnv.close();
    return returns;
  };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

  let steps = 0;
  let first = true;
  for (;;) {
    const grads: tf.Tensor[][] = names.map(() => []);
    const rewards: number[][] = [];
    for (let g = 0; g < o.gamesPerIteration; g++) {
      let { obs } = env.reset(first ? { seed: spec.seed } : undefined);
      first = false;
      const rs: number[] = [];
      for (;;) {
        const x = tf.tensor2d(obs, [1, obsDim]);
        let action = 0;
        const { value, grads: gs } = tf.variableGrads(() => {
          const logit = net.logit(x);
          const pFirst = 1 / (1 + Math.exp(-logit.dataSync()[0]));
          action = actRng.random() < pFirst ? 0 : 1;
          // -log pi(action | s): cross-entropy of the Bernoulli against the sampled action.
          return tf.losses.sigmoidCrossEntropy(tf.tensor2d([action === 0 ? 1 : 0], [1, 1]), logit);
        }, net.vars);
        value.dispose();
        x.dispose();
        names.forEach((n, i) => grads[i].push(gs[n]));
        const r = env.step(action);
        steps++;
        rs.push(r.reward);
        obs = r.obs;
        if (r.terminated || r.truncated) break;
      }
      rewards.push(rs);
    }
    const adv = discountAndNormalise(rewards, o.discountRate);
    const flat = new Float32Array(adv.reduce((a, d) => a + d.length, 0));
    let k = 0;
    for (const d of adv) {
      flat.set(d, k);
      k += d.length;
    }
    const scaled: Record<string, tf.Tensor> = {};
    tf.tidy(() => {
      names.forEach((n, i) => {
        const stacked = tf.stack(grads[i]);
        const w = tf.tensor(flat, [flat.length, ...stacked.shape.slice(1).map(() => 1)]);
        scaled[n] = tf.keep(tf.mean(tf.mul(stacked, w), 0));
      });
    });
    optimizer.applyGradients(scaled as tf.NamedTensorMap as Parameters<typeof optimizer.applyGradients>[0]);
    for (const n of names) scaled[n].dispose();
    for (const list of grads) for (const t of list) t.dispose();
    const meanLength = rewards.reduce((a, rs) => a + rs.length, 0) / rewards.length;
    if (p.afterUpdate(steps, meanLength, (n, seed) => mean(greedy(n, seed)))) break;
  }
  const fin = greedy(10, 100),
    m = mean(fin);
  env.close();
  return p.result(steps, { mean: m, std: Math.sqrt(mean(fin.map((x) => (x - m) ** 2))), episodes: 10 }, load);
}

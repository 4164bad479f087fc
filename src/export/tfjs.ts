/**
 * TensorFlow.js LayersModel export (model.json + weights.bin, the format tf.loadLayersModel reads):
 * a Sequential model of Dense layers from raw observations to the greedy action (continuous) or the
 * logits (discrete: the greedy action is their argMax).
 *
 * Observation normalisation is folded into layers Keras has: a Dense layer with a diagonal kernel
 * 1/std and bias -mean/std + c, a ReLU capped at 2c, and an identity Dense with bias -c, which
 * together compute clip((obs - mean) / std, -c, c). SAC's tanh-Gaussian keeps the mean half of its
 * last layer, a tanh, and a diagonal Dense that rescales [-1, 1] to the action space.
 */
import { unsupported, type DenseLayer, type PolicyDescription } from './spec.ts';

export const TFJS_MODEL_FILE = 'model.json';
export const TFJS_WEIGHTS_FILE = 'weights.bin';

const KERAS_ACTIVATION: Record<string, string> = { tanh: 'tanh', relu: 'relu', elu: 'elu', sigmoid: 'sigmoid', identity: 'linear' };

interface KerasLayer {
  class_name: string;
  config: Record<string, unknown>;
}

export interface TfjsModel {
  /** model.json's contents. */
  modelJson: Record<string, unknown>;
  /** weights.bin: every weight in manifest order, float32 little-endian. */
  weights: Uint8Array;
}

function diagonal(values: ArrayLike<number>): Float32Array {
  const n = values.length,
    w = new Float32Array(n * n);
  for (let i = 0; i < n; i++) w[i * n + i] = values[i];
  return w;
}

/** The described policy as a TensorFlow.js LayersModel. */
export function toTfjs(d: PolicyDescription, producer = 'ascent-rl'): TfjsModel {
  if (d.recurrent) throw unsupported('RecurrentActorCritic', 'tfjs');
  if (d.cnn) throw unsupported('CnnPolicy', 'tfjs');
  if (d.multiInput) throw unsupported('MultiInputPolicy', 'tfjs');
  const layers: KerasLayer[] = [];
  const specs: { name: string; shape: number[]; dtype: 'float32' }[] = [];
  const chunks: Float32Array[] = [];
  const n = d.obsDim;

  const dense = (units: number, inFeatures: number, activation: string, weight: Float32Array, bias: Float32Array) => {
    const name = `dense_${layers.length}`;
    const config: Record<string, unknown> = {
      name,
      trainable: false,
      dtype: 'float32',
      units,
      activation: KERAS_ACTIVATION[activation] ?? activation,
      use_bias: true,
      kernel_initializer: { class_name: 'Zeros', config: {} },
      bias_initializer: { class_name: 'Zeros', config: {} },
    };
    if (layers.length === 0) config.batch_input_shape = [null, n];
    layers.push({ class_name: 'Dense', config });
    specs.push({ name: `${name}/kernel`, shape: [inFeatures, units], dtype: 'float32' }, { name: `${name}/bias`, shape: [units], dtype: 'float32' });
    chunks.push(weight, bias);
  };
  const add = (l: DenseLayer, activation = l.activation) => {
    if (!(activation in KERAS_ACTIVATION)) throw new Error(`tfjs: no Keras activation for '${activation}'`);
    dense(l.outFeatures, l.inFeatures, activation, l.weight, l.bias);
  };

  if (d.obsNorm) {
    const { mean, std, clip: c } = d.obsNorm;
    const inv = Float32Array.from(std, (s) => 1 / s);
    dense(
      n,
      n,
      'identity',
      diagonal(inv),
      Float32Array.from(mean, (m, i) => -m / std[i] + c),
    );
    layers.push({ class_name: 'ReLU', config: { name: 'obs_clip', trainable: false, dtype: 'float32', max_value: 2 * c } });
    dense(n, n, 'identity', diagonal(new Float32Array(n).fill(1)), new Float32Array(n).fill(-c));
  }
  const h = d.head;
  const last = d.layers.length - 1;
  for (let i = 0; i < last; i++) add(d.layers[i]);
  if (h.kind === 'squashed-gaussian') {
    // Keep the mean columns of the last layer ([mu, log-std] side by side): tanh(mu), then rescale.
    const l = d.layers[last],
      D = h.actDim;
    const w = new Float32Array(l.inFeatures * D);
    for (let i = 0; i < l.inFeatures; i++) for (let j = 0; j < D; j++) w[i * D + j] = l.weight[i * l.outFeatures + j];
    dense(D, l.inFeatures, 'tanh', w, l.bias.slice(0, D));
    const half = Float32Array.from(h.low, (lo, j) => 0.5 * (h.high[j] - lo));
    dense(
      D,
      D,
      'identity',
      diagonal(half),
      Float32Array.from(h.low, (lo, j) => lo + half[j]),
    );
  } else {
    add(d.layers[last]);
  }

  const total = chunks.reduce((s, c) => s + c.length, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  const output = h.kind === 'categorical' ? 'logits (the greedy action is their argMax' + (h.start ? ` + ${h.start}` : '') + ')' : 'the greedy action';
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: producer,
      convertedBy: null,
      modelTopology: {
        class_name: 'Sequential',
        config: { name: 'policy', layers },
        keras_version: 'tfjs-layers 4.22.0',
        backend: 'tensor_flow.js',
      },
      weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: specs }],
      userDefinedMetadata: {
        ascent: {
          algo: d.algo,
          env: d.env,
          policy: h.kind,
          input: 'raw observations',
          frameStack: d.frameStack,
          output,
          actionStart: h.kind === 'categorical' ? h.start : undefined,
        },
      },
    },
    weights: new Uint8Array(all.buffer),
  };
}

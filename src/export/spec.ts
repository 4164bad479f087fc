/**
 * What an exporter needs of a trained agent, read once from the live algorithm: the observation
 * normalisation the run applies (frozen training statistics), the policy network's layers, the
 * action head (categorical, Gaussian or tanh-squashed Gaussian) and the value network when there is
 * one. Every format (ONNX, TensorFlow.js, the zero-dependency runner) writes from this description,
 * so they all compute the same function as the library's greedy `act`.
 */
import { MLP, type Activation } from '../nn/index.ts';
import {
  CategoricalPolicy,
  CnnPolicy,
  CnnValueFunction,
  GaussianPolicy,
  MultiInputPolicy,
  MultiInputValueFunction,
  RecurrentActorCritic,
  SquashedGaussianActor,
  type Policy,
} from '../policies/index.ts';
import { findObsNormalizer } from '../algos/common.ts';
import type { Algorithm } from '../algos/types.ts';
import { Discrete } from '../envs/index.ts';

/** The formats `exportPolicy` writes. */
export const EXPORT_FORMATS = ['onnx', 'tfjs', 'ascent-runner'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Which formats can carry each kind of policy (for the error naming the ones that support it). */
export const FORMATS_FOR: Record<string, readonly ExportFormat[]> = {
  CategoricalPolicy: EXPORT_FORMATS,
  GaussianPolicy: EXPORT_FORMATS,
  SquashedGaussianActor: EXPORT_FORMATS,
  // The state becomes an extra input and output: only ONNX carries it.
  RecurrentActorCritic: ['onnx'],
  // Convolutions: ONNX has Conv; the Dense-only formats do not carry them.
  CnnPolicy: ['onnx'],
  // One input per Dict key in ONNX; the Dense-only formats do not carry the convolutions.
  MultiInputPolicy: ['onnx'],
};

/**
 * The clip applied after observation normalisation: [-10, 10] (makeEnv in src/algos/common.ts,
 * after CleanRL's ppo_continuous_action and SB3's VecNormalize clip_obs = 10).
 */
export const OBS_CLIP = 10;

export interface DenseLayer {
  inFeatures: number;
  outFeatures: number;
  /** Row-major [inFeatures, outFeatures] (y = x W + b, the library's layout). */
  weight: Float32Array;
  bias: Float32Array;
  activation: Activation;
}

export interface ObsNormalization {
  /** Running mean of the training observations (float32). */
  mean: Float32Array;
  /** sqrt(var + epsilon), rounded to float32 exactly as NormalizeObservation computes it. */
  std: Float32Array;
  /** Symmetric clip after normalising. */
  clip: number;
}

export type ActionHead =
  | { kind: 'categorical'; nActions: number /** Discrete.start: added to the argmax. */; start: number }
  | { kind: 'gaussian'; actDim: number /** State-independent log-std. */; logStd: Float32Array }
  | {
      kind: 'squashed-gaussian';
      actDim: number;
      /** The Box the unit action tanh(mu) is rescaled to. */
      low: Float32Array;
      high: Float32Array;
      logStdMin: number;
      logStdMax: number;
    };

/** One LSTM or GRU cell in PyTorch's gate layout (src/nn/recurrent.ts): W [in, G H], gates i f g o / r z n. */
export interface CellWeights {
  inFeatures: number;
  wIh: Float32Array;
  wHh: Float32Array;
  /** LSTM: the one bias [4H]; GRU: b_ih [3H] (b_hh in bHh). */
  bias: Float32Array;
  bHh: Float32Array | null;
}

/**
 * A recurrent actor-critic (src/policies/recurrent.ts): the actor's and the critic's cells, each
 * followed by its head (`layers` and `value`). The state of one env is packed as the library packs
 * it: [actor h, (actor c), critic h, (critic c)].
 */
export interface RecurrentSpec {
  cell: 'lstm' | 'gru';
  hiddenSize: number;
  /** Numbers per env of the packed state. */
  stateSize: number;
  actor: CellWeights;
  critic: CellWeights;
}

/** A 2-D convolution (src/policies/cnn.ts's Conv2d): weight [O, C, k, k], symmetric zero padding, ReLU after. */
export interface ConvLayer {
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  padding: number;
  weight: Float32Array;
  bias: Float32Array;
}

/** A CNN encoder: the flat observation viewed as [C, H, W], convolutions, flatten, a ReLU dense layer. */
export interface ConvEncoderSpec {
  imageShape: [number, number, number];
  convs: ConvLayer[];
  fc: DenseLayer;
}

/** One key of a Dict observation in a combined encoder: where it sits in a flat row, and its network. */
export interface InputPartSpec {
  key: string;
  /** The key's Box shape: [C, H, W] for an image, [n] for a vector. */
  shape: number[];
  /** Where the key's numbers start in a flat row (spaces.flatten's order: keys sorted). */
  offset: number;
  size: number;
  /** An image key's CNN, or a vector key's MLP (activated output). */
  encoder: { kind: 'cnn'; cnn: ConvEncoderSpec } | { kind: 'mlp'; layers: DenseLayer[] };
}

/** A combined encoder (SB3's CombinedExtractor): each key through its own network, features concatenated in key order. */
export interface CombinedEncoderSpec {
  parts: InputPartSpec[];
}

export interface PolicyDescription {
  algo: string;
  env: string;
  obsDim: number;
  /**
   * Observations per input row: k > 1 when the run stacked the last k observations (FrameStack,
   * oldest first, flattened), as the exported models then expect them.
   */
  frameStack: number;
  obsNorm: ObsNormalization | null;
  /** The policy network: logits, the Gaussian mean, or [mu, log-std] for the squashed Gaussian. */
  layers: DenseLayer[];
  head: ActionHead;
  /** V(o), when the algorithm trains a state-value function on the same observations. */
  value: DenseLayer[] | null;
  /** Recurrent policies: the cells before `layers` (actor) and `value` (critic); null for MLPs. */
  recurrent: RecurrentSpec | null;
  /** Image policies: the CNN encoders before `layers` and `value` (each network has its own). */
  cnn: { policy: ConvEncoderSpec; value: ConvEncoderSpec | null } | null;
  /** Dict observations (MultiInputPolicy): the combined encoders before `layers` and `value`. */
  multiInput: { policy: CombinedEncoderSpec; value: CombinedEncoderSpec | null } | null;
}

/** A policy this format cannot carry: names the policy and the formats that can. */
export class UnsupportedPolicyError extends Error {
  override name = 'UnsupportedPolicyError';
}

export function unsupported(policyName: string, format: string): UnsupportedPolicyError {
  const ok = FORMATS_FOR[policyName];
  const where = ok?.length
    ? `formats that support it: ${ok.join(', ')}`
    : `no export format supports it yet (supported: ${Object.keys(FORMATS_FOR).join(', ')})`;
  return new UnsupportedPolicyError(`cannot export a ${policyName} policy to ${format}: ${where}`);
}

function mlpLayers(net: MLP): DenseLayer[] {
  const hidden = net.opts.activation ?? 'tanh',
    output = net.opts.outputActivation ?? 'identity';
  return net.layers.map((l, i) => ({
    inFeatures: l.inFeatures,
    outFeatures: l.outFeatures,
    weight: Float32Array.from(l.weight.data),
    bias: l.bias ? Float32Array.from(l.bias.data) : new Float32Array(l.outFeatures),
    activation: i === net.layers.length - 1 ? output : hidden,
  }));
}

/** The tanh-squashed Gaussian actor of SAC and MBPO, with the parts the exporters read. */
function isSquashedActor(
  p: any,
): p is { net: MLP; actDim: number; obsDim: number; low: Float32Array; high: Float32Array; opts: { logStdMin: number; logStdMax: number } } {
  return (
    p instanceof SquashedGaussianActor &&
    p.net instanceof MLP &&
    p.net.outFeatures === 2 * p.actDim &&
    p.low instanceof Float32Array &&
    p.high instanceof Float32Array &&
    typeof p.opts?.logStdMin === 'number' &&
    typeof p.opts?.logStdMax === 'number'
  );
}

function cellWeights(cell: any): CellWeights {
  const copy = (t: any) => Float32Array.from(t.data as Float32Array);
  return cell.kind === 'lstm'
    ? { inFeatures: cell.inFeatures, wIh: copy(cell.wIh), wHh: copy(cell.wHh), bias: copy(cell.bias), bHh: null }
    : { inFeatures: cell.inFeatures, wIh: copy(cell.wIh), wHh: copy(cell.wHh), bias: copy(cell.bIh), bHh: copy(cell.bHh) };
}

/** The recurrent actor-critic with one LSTM or GRU cell kind for actor and critic. */
function isRecurrent(p: any): boolean {
  return (
    p instanceof RecurrentActorCritic &&
    p.piHead instanceof MLP &&
    p.vfHead instanceof MLP &&
    ['lstm', 'gru'].includes(p.actor?.kind) &&
    p.critic?.kind === p.actor.kind &&
    p.actor.hiddenSize === p.critic.hiddenSize
  );
}

function linearLayer(l: any, activation: Activation): DenseLayer {
  return {
    inFeatures: l.inFeatures,
    outFeatures: l.outFeatures,
    weight: Float32Array.from(l.weight.data as Float32Array),
    bias: l.bias ? Float32Array.from(l.bias.data as Float32Array) : new Float32Array(l.outFeatures),
    activation,
  };
}

/** A CnnEncoder (convolutions, then one ReLU dense layer), recognised by its parts; null for other encoders. */
function convEncoder(e: any): ConvEncoderSpec | null {
  if (!Array.isArray(e?.convs) || !e.fc || !Array.isArray(e.imageShape) || e.imageShape.length !== 3) return null;
  return {
    imageShape: [e.imageShape[0], e.imageShape[1], e.imageShape[2]],
    convs: e.convs.map((c: any) => ({
      inChannels: c.inChannels,
      outChannels: c.outChannels,
      kernel: c.kernel,
      stride: c.stride,
      padding: c.padding,
      weight: Float32Array.from(c.weight.data as Float32Array),
      bias: Float32Array.from(c.bias.data as Float32Array),
    })),
    fc: linearLayer(e.fc, 'relu'),
  };
}

/** A CombinedEncoder (src/policies/cnn.ts), recognised by its parts; null if a part is neither a CnnEncoder nor an MLP. */
function combinedEncoder(e: any): CombinedEncoderSpec | null {
  if (!Array.isArray(e?.parts)) return null;
  const parts: InputPartSpec[] = [];
  for (const p of e.parts) {
    const cnn = p.image ? convEncoder(p.net) : null;
    if (p.image && !cnn) return null;
    if (!p.image && !(p.net instanceof MLP)) return null;
    parts.push({
      key: p.key,
      shape: p.image ? [...p.image] : [p.size],
      offset: p.offset,
      size: p.size,
      encoder: cnn ? { kind: 'cnn', cnn } : { kind: 'mlp', layers: mlpLayers(p.net) },
    });
  }
  return { parts };
}

/** The policy part of a description, or an UnsupportedPolicyError naming the policy. */
export function describeNetwork(
  policy: Policy,
  format: string,
): Pick<PolicyDescription, 'obsDim' | 'layers' | 'head'> &
  Partial<Pick<PolicyDescription, 'value' | 'recurrent'>> & { encoder?: ConvEncoderSpec; combined?: CombinedEncoderSpec } {
  if (policy instanceof MultiInputPolicy) {
    const p = policy as any;
    const combined = combinedEncoder(p.encoder);
    if (!combined || !p.head) throw unsupported('MultiInputPolicy (an unknown encoder part)', format);
    if (format !== 'onnx') throw unsupported('MultiInputPolicy', format);
    const head: ActionHead =
      p.kind === 'categorical'
        ? { kind: 'categorical', nActions: p.head.outFeatures, start: 0 }
        : { kind: 'gaussian', actDim: p.actDim, logStd: Float32Array.from(p.logStd.data) };
    return { obsDim: p.obsDim, layers: [linearLayer(p.head, 'identity')], head, combined };
  }
  if (policy instanceof CnnPolicy) {
    const p = policy as any;
    const encoder = convEncoder(p.encoder);
    if (!encoder || !p.head) throw unsupported(`CnnPolicy (${p.encoder?.constructor?.name ?? 'unknown'} encoder)`, format);
    if (format !== 'onnx') throw unsupported('CnnPolicy', format);
    const head: ActionHead =
      p.kind === 'categorical'
        ? { kind: 'categorical', nActions: p.head.outFeatures, start: 0 }
        : { kind: 'gaussian', actDim: p.actDim, logStd: Float32Array.from(p.logStd.data) };
    return { obsDim: p.obsDim, layers: [linearLayer(p.head, 'identity')], head, encoder };
  }
  if (isRecurrent(policy)) {
    if (format !== 'onnx') throw unsupported('RecurrentActorCritic', format);
    const p = policy as any;
    const head: ActionHead =
      p.kind === 'categorical'
        ? { kind: 'categorical', nActions: p.piHead.outFeatures, start: 0 }
        : { kind: 'gaussian', actDim: p.actDim, logStd: Float32Array.from(p.logStd.data) };
    return {
      obsDim: p.obsDim,
      layers: mlpLayers(p.piHead),
      head,
      value: mlpLayers(p.vfHead),
      recurrent: { cell: p.actor.kind, hiddenSize: p.actor.hiddenSize, stateSize: p.stateSize, actor: cellWeights(p.actor), critic: cellWeights(p.critic) },
    };
  }
  if (policy instanceof CategoricalPolicy) {
    return { obsDim: policy.obsDim, layers: mlpLayers(policy.net), head: { kind: 'categorical', nActions: policy.nActions, start: 0 } };
  }
  if (policy instanceof GaussianPolicy) {
    return {
      obsDim: policy.obsDim,
      layers: mlpLayers(policy.net),
      head: { kind: 'gaussian', actDim: policy.actDim, logStd: Float32Array.from(policy.logStd.data) },
    };
  }
  if (isSquashedActor(policy)) {
    return {
      obsDim: policy.obsDim,
      layers: mlpLayers(policy.net),
      head: {
        kind: 'squashed-gaussian',
        actDim: policy.actDim,
        low: Float32Array.from(policy.low),
        high: Float32Array.from(policy.high),
        logStdMin: policy.opts.logStdMin,
        logStdMax: policy.opts.logStdMax,
      },
    };
  }
  throw unsupported((policy as object)?.constructor?.name ?? typeof policy, format);
}

/**
 * Describe a trained algorithm's greedy policy for export. `format` only words the error for a
 * policy the exporters do not handle.
 */
export function describePolicy(algo: Algorithm, format: string = 'onnx', names: { algo?: string; env?: string } = {}): PolicyDescription {
  const net = describeNetwork(algo.policy, format);
  const a = algo as any;
  const config = (a.config ?? {}) as { env?: string; normalizeObs?: boolean; frameStack?: number };
  const envId = names.env ?? config.env ?? 'unknown';
  // The env the algorithm trains on: its action space (Discrete.start) and observation statistics.
  const env = a.env?.envs?.[0] ?? a.env ?? null;
  let obsNorm: ObsNormalization | null = null;
  if (config.normalizeObs) {
    const norm = env ? findObsNormalizer(env) : null;
    if (!norm) throw new Error(`export: ${names.algo ?? algo.name} trains with normalizeObs, but its NormalizeObservation wrapper was not found`);
    const { mean, var: v } = norm.getStats();
    const fr = Math.fround,
      eps = fr(norm.epsilon);
    // NormalizeObservation divides by fr(sqrt(fr(var + eps))) for float32 spaces; float64 ones differ by < 1 ulp of float32.
    obsNorm = {
      mean: Float32Array.from(mean),
      std: Float32Array.from(v, (x) => fr(Math.sqrt(fr(x + eps)))),
      clip: OBS_CLIP,
    };
  }
  if (net.head.kind === 'categorical') {
    const space = env?.actionSpace ?? a.env?.singleActionSpace;
    if (space instanceof Discrete) net.head.start = space.start;
  }
  let value = net.value ?? (a.value?.net instanceof MLP && a.value.obsDim === net.obsDim ? mlpLayers(a.value.net) : null);
  let cnn: PolicyDescription['cnn'] = null;
  if (net.encoder) {
    // An image policy's value function has its own encoder (CnnValueFunction), or is left out.
    const ve = a.value instanceof CnnValueFunction ? convEncoder(a.value.encoder) : null;
    value = ve && a.value.head ? [linearLayer(a.value.head, 'identity')] : null;
    cnn = { policy: net.encoder, value: value ? ve : null };
  }
  let multiInput: PolicyDescription['multiInput'] = null;
  if (net.combined) {
    // Its value function has its own combined encoder (MultiInputValueFunction), or is left out.
    const ve = a.value instanceof MultiInputValueFunction ? combinedEncoder(a.value.encoder) : null;
    value = ve && a.value.head ? [linearLayer(a.value.head, 'identity')] : null;
    multiInput = { policy: net.combined, value: value ? ve : null };
  }
  return {
    algo: names.algo ?? algo.name,
    env: envId,
    obsDim: net.obsDim,
    frameStack: config.frameStack ?? 1,
    obsNorm,
    layers: net.layers,
    head: net.head,
    value,
    recurrent: net.recurrent ?? null,
    cnn,
    multiInput,
  };
}

/**
 * Distributed rollouts over Redis: what a learner and its rollout workers exchange. Node-only.
 *
 * Keys (prefix ascent:ro:<run>):
 *   :spec       JSON RolloutSpec, written once by the learner
 *   :params     hash {version, data, norm}: the newest policy parameters (float32 bytes) and the
 *               normalisers' global statistics (JSON NormStats, '' when none); versions only rise
 *   :version    pub/sub channel announcing each new version
 *   :tickets    list of requests, each the version it was issued for: one chunk per ticket
 *   :chunks     list of encoded chunks (encodeChunk), pushed by workers, popped by the learner
 *   :workers    counter: each worker's index (its env seeds)
 *   :done       set when the learner has finished
 *   ascent:ro:latest   the newest run id (a worker started without --run joins it)
 *
 * Like RLlib's env runners answering sample requests: the learner issues one ticket per chunk it
 * needs, any worker takes it, steps its envs with the newest parameters it has, and pushes the chunk
 * tagged with the version that produced it. A ticket whose chunk never comes (its worker died) is
 * issued again, so the share of a killed worker is re-collected by the others.
 */
import type { Redis } from 'ioredis';
import type { Rollout } from '../rollout/collector.ts';
import type { NormStats } from './norm-sync.ts';

export const RO_PREFIX = 'ascent:ro';
export const roKey = {
  spec: (run: string) => `${RO_PREFIX}:${run}:spec`,
  params: (run: string) => `${RO_PREFIX}:${run}:params`,
  channel: (run: string) => `${RO_PREFIX}:${run}:version`,
  tickets: (run: string) => `${RO_PREFIX}:${run}:tickets`,
  chunks: (run: string) => `${RO_PREFIX}:${run}:chunks`,
  workers: (run: string) => `${RO_PREFIX}:${run}:workers`,
  done: (run: string) => `${RO_PREFIX}:${run}:done`,
  latest: `${RO_PREFIX}:latest`,
};

/** What a rollout worker needs to build the learner's envs and policy. */
export interface RolloutSpec {
  run: string;
  algo: string;
  env: string;
  /** The learner's resolved config; a worker builds the same algorithm with numEnvs = envsPerWorker. */
  config: Record<string, unknown>;
  /** Envs each worker steps; a chunk is T steps of all of them. */
  envsPerWorker: number;
  /** Steps per env in a chunk. */
  T: number;
  /** Versions a chunk may lag behind the learner's and still be used (0: on-policy only). */
  maxStaleness: number;
  learner: string;
  createdAt: string;
}

/** Steps a worker collected with one parameter version. */
export interface Chunk {
  version: number;
  worker: string;
  ro: Rollout;
  /** o'_final of truncated steps (rows of other steps are unused), T * n * obsDim. */
  finalObs: Float32Array;
  /** The observation after the last step, per env: V(o_T) bootstraps the unfinished last step. */
  lastObs: Float32Array;
  /** Milliseconds the worker spent stepping. */
  ms: number;
  /** The normalisers' statistics of what the worker saw since its last chunk (norm-sync.ts). */
  norm?: NormStats;
}

type Arr = Float32Array | Float64Array | Uint8Array;
const ARRAYS = ['obs', 'actions', 'rewards', 'terminated', 'truncated', 'logProbs', 'mask', 'continuing', 'finalObs', 'lastObs'] as const;

/** One buffer: a 4-byte header length, the JSON header, then each array's bytes (8-byte aligned). */
export function encodeChunk(c: Chunk): Buffer {
  const arrays: Arr[] = ARRAYS.map((k) => (k === 'finalObs' || k === 'lastObs' ? c[k] : (c.ro[k] as Arr)));
  const header = Buffer.from(
    JSON.stringify({
      version: c.version,
      worker: c.worker,
      ms: c.ms,
      norm: c.norm,
      T: c.ro.T,
      numEnvs: c.ro.numEnvs,
      obsDim: c.ro.obsDim,
      actDim: c.ro.actDim,
      episodes: c.ro.episodes,
      lengths: arrays.map((a) => a.byteLength),
    }),
  );
  const start = align8(4 + header.length);
  const total = arrays.reduce((s, a) => s + align8(a.byteLength), start);
  const out = Buffer.alloc(total);
  out.writeUInt32LE(header.length, 0);
  header.copy(out, 4);
  let at = start;
  for (const a of arrays) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(out, at);
    at += align8(a.byteLength);
  }
  return out;
}

export function decodeChunk(buf: Buffer): Chunk {
  const hl = buf.readUInt32LE(0);
  const h = JSON.parse(buf.subarray(4, 4 + hl).toString('utf8'));
  let at = align8(4 + hl);
  const views: Record<string, Arr> = {};
  ARRAYS.forEach((k, j) => {
    const len = h.lengths[j] as number;
    // A copy: the pieces of a Redis reply are not aligned for typed arrays.
    const bytes = new Uint8Array(buf.subarray(at, at + len));
    views[k] =
      k === 'rewards'
        ? new Float64Array(bytes.buffer)
        : k === 'terminated' || k === 'truncated' || k === 'mask' || k === 'continuing'
          ? bytes
          : new Float32Array(bytes.buffer);
    at += align8(len);
  });
  const ro: Rollout = {
    T: h.T,
    numEnvs: h.numEnvs,
    obsDim: h.obsDim,
    actDim: h.actDim,
    obs: views.obs as Float32Array,
    actions: views.actions as Float32Array,
    rewards: views.rewards as Float64Array,
    terminated: views.terminated as Uint8Array,
    truncated: views.truncated as Uint8Array,
    logProbs: views.logProbs as Float32Array,
    values: null,
    finalValues: null,
    lastValues: null,
    mask: views.mask as Uint8Array,
    continuing: views.continuing as Uint8Array,
    episodes: h.episodes,
  };
  return {
    version: h.version,
    worker: h.worker,
    ms: h.ms,
    norm: h.norm ?? undefined,
    ro,
    finalObs: views.finalObs as Float32Array,
    lastObs: views.lastObs as Float32Array,
  };
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/**
 * Chunks of the same T side by side: a [T, sum of numEnvs] rollout (time-major, so each time row
 * concatenates the chunks' rows), with their final and last observations alike.
 */
export function concatChunks(chunks: Chunk[]): { ro: Rollout; finalObs: Float32Array; lastObs: Float32Array } {
  if (chunks.length === 0) throw new RangeError('concatChunks: no chunks');
  const { T, obsDim: od, actDim: ad } = chunks[0].ro;
  for (const c of chunks)
    if (c.ro.T !== T || c.ro.obsDim !== od || c.ro.actDim !== ad)
      throw new RangeError(`concatChunks: chunk of ${c.worker} is [T ${c.ro.T}, obs ${c.ro.obsDim}, act ${c.ro.actDim}], expected [${T}, ${od}, ${ad}]`);
  const n = chunks.reduce((s, c) => s + c.ro.numEnvs, 0);
  const rows = <A extends Arr>(get: (c: Chunk) => A, width: number, make: (len: number) => A, steps = T): A => {
    const out = make(steps * n * width);
    let col = 0;
    for (const c of chunks) {
      const src = get(c);
      const w = c.ro.numEnvs * width;
      for (let t = 0; t < steps; t++) out.set(src.subarray(t * w, (t + 1) * w), t * n * width + col * width);
      col += c.ro.numEnvs;
    }
    return out;
  };
  const f32 = (l: number) => new Float32Array(l);
  const u8 = (l: number) => new Uint8Array(l);
  const ro: Rollout = {
    T,
    numEnvs: n,
    obsDim: od,
    actDim: ad,
    obs: rows((c) => c.ro.obs, od, f32),
    actions: rows((c) => c.ro.actions, ad, f32),
    rewards: rows(
      (c) => c.ro.rewards,
      1,
      (l) => new Float64Array(l),
    ),
    terminated: rows((c) => c.ro.terminated, 1, u8),
    truncated: rows((c) => c.ro.truncated, 1, u8),
    logProbs: rows((c) => c.ro.logProbs, 1, f32),
    values: null,
    finalValues: null,
    lastValues: null,
    mask: rows((c) => c.ro.mask, 1, u8),
    continuing: rows((c) => c.ro.continuing, 1, u8, 1),
    episodes: chunks.flatMap((c) => c.ro.episodes),
  };
  return { ro, finalObs: rows((c) => c.finalObs, od, f32), lastObs: rows((c) => c.lastObs, od, f32, 1) };
}

/** A policy's parameters as one float32 vector, in parameters() order. */
export function flatParams(params: { data: Float32Array | Float64Array }[]): Float32Array {
  const out = new Float32Array(params.reduce((s, p) => s + p.data.length, 0));
  let at = 0;
  for (const p of params) {
    out.set(p.data, at);
    at += p.data.length;
  }
  return out;
}

export function loadFlatParams(params: { data: Float32Array | Float64Array }[], flat: Float32Array): void {
  const want = params.reduce((s, p) => s + p.data.length, 0);
  if (flat.length !== want) throw new RangeError(`parameters: got ${flat.length} numbers, the policy has ${want}`);
  let at = 0;
  for (const p of params) {
    p.data.set(flat.subarray(at, at + p.data.length));
    at += p.data.length;
  }
}

// Versions only rise: a publish of a version not above the stored one (an old learner) is refused.
const PUBLISH = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'version') or '-1')
if tonumber(ARGV[1]) <= cur then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'data', ARGV[2], 'norm', ARGV[3])
redis.call('PUBLISH', KEYS[2], ARGV[1])
return 1`;

/**
 * Store `flat` as `version`, with the normalisers' statistics (in the same write, so a worker gets
 * the statistics of the version it loads), and announce it; false when a version >= this one is already stored.
 */
export async function publishParams(redis: Redis, run: string, version: number, flat: Float32Array, norm?: NormStats): Promise<boolean> {
  const data = Buffer.from(flat.buffer, flat.byteOffset, flat.byteLength);
  return (await redis.eval(PUBLISH, 2, roKey.params(run), roKey.channel(run), String(version), data, norm ? JSON.stringify(norm) : '')) === 1;
}

export async function storedVersion(redis: Redis, run: string): Promise<number> {
  const v = await redis.hget(roKey.params(run), 'version');
  return v === null ? -1 : Number(v);
}

export async function fetchParams(redis: Redis, run: string): Promise<{ version: number; flat: Float32Array; norm?: NormStats } | null> {
  const [v, data, norm] = await redis.hmgetBuffer(roKey.params(run), 'version', 'data', 'norm');
  if (!v || !data) return null;
  const out: { version: number; flat: Float32Array; norm?: NormStats } = { version: Number(v.toString()), flat: new Float32Array(new Uint8Array(data).buffer) };
  if (norm?.length) out.norm = JSON.parse(norm.toString('utf8')) as NormStats;
  return out;
}

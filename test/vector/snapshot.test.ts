import { test } from 'node:test';
import assert from 'node:assert/strict';
import { make, SnapshotUnsupportedError, type Env } from '../../src/envs/index.ts';
import { NormalizeObservation, NormalizeReward, RecordEpisodeStatistics } from '../../src/wrappers/index.ts';
import { SyncVectorEnv, type AutoresetMode, type VectorEnvState } from '../../src/vector/index.ts';
import { Rng } from '../../src/rng/index.ts';
import { ScriptedEnv } from '../wrappers/scripted.ts';

const viaJson = (s: VectorEnvState): VectorEnvState => JSON.parse(JSON.stringify(s));
const hex = (a: ArrayLike<number>, T: typeof Float64Array | typeof Uint8Array = Float64Array) => Buffer.from(T.from(a).buffer).toString('hex');
const N = 3;

function stack(id: string): Env<Float32Array, any> {
  let e: Env<any, any> = make(id, { maxEpisodeSteps: 21 });
  e = new RecordEpisodeStatistics(e, { now: () => 0 });
  e = new NormalizeObservation(e);
  return new NormalizeReward(e);
}

const vec = (id: string, mode: AutoresetMode) => new SyncVectorEnv(Array.from({ length: N }, () => () => stack(id)), { autoresetMode: mode });

function run(v: SyncVectorEnv, rng: Rng, n: number, box: boolean): string[] {
  const out: string[] = [];
  const acts = new Float32Array(N);
  for (let t = 0; t < n; t++) {
    for (let i = 0; i < N; i++) acts[i] = box ? rng.uniform(-2, 2) : rng.int(2);
    const r = v.step(acts);
    out.push([hex(r.obs), hex(r.rewards), hex(r.terminated, Uint8Array), hex(r.truncated, Uint8Array)].join(' '));
    if (r.finalMask) out.push(`final ${hex(r.finalMask, Uint8Array)} ${hex(r.finalObs!.filter((_, j) => r.finalMask![Math.floor(j / v.obsDim)]))}`);
    out.push(JSON.stringify([r.infos, r.finalInfos]));
  }
  return out;
}

for (const mode of ['next-step', 'same-step'] as const) {
  for (const id of ['CartPole-v1', 'Pendulum-v1']) {
    test(`SyncVectorEnv (${mode}, ${id}): getState, JSON round trip, setState on a fresh vector env continue bit for bit`, () => {
      const box = id === 'Pendulum-v1';
      const a = vec(id, mode);
      a.reset({ seed: 12 });
      const rng = new Rng(3);
      // Stop right after an episode end, so that a pending autoreset (next-step) is part of the state.
      let steps = 0;
      for (; steps < 200; steps++) {
        run(a, rng, 1, box);
        const s = a.getState()!;
        if (mode === 'next-step' ? s.autoreset.includes(1) : steps > 30) break;
      }
      const snap = viaJson(a.getState()!);
      if (mode === 'next-step') assert.ok(snap.autoreset.includes(1), 'the snapshot holds a pending autoreset');
      const rngAt = rng.getState();
      const b = vec(id, mode);
      b.setState(snap);
      assert.deepEqual(b.getState()!.obs, snap.obs, 'the last observations are restored');
      const expected = run(a, rng, 50, box);
      const got = run(b, Rng.fromState(rngAt), 50, box);
      assert.ok(expected.some((l) => /episode/.test(l)), 'the continuation finishes episodes');
      assert.deepEqual(got, expected);
      assert.deepEqual(b.getState(), a.getState());
    });
  }
}

test('SyncVectorEnv.setState: bad snapshots are refused with the env index and what was expected', () => {
  const a = vec('CartPole-v1', 'same-step');
  a.reset({ seed: 0 });
  const s = viaJson(a.getState()!);
  assert.throws(() => new SyncVectorEnv([() => stack('CartPole-v1')], { autoresetMode: 'same-step' }).setState(s), /SyncVectorEnv\.setState: the snapshot is of 3 envs with 4 observation values each, expected 1 envs with 4/);
  assert.throws(() => vec('CartPole-v1', 'next-step').setState(s), /the snapshot is of autoresetMode 'same-step', this vector env uses 'next-step'/);
  assert.throws(() => vec('CartPole-v1', 'same-step').setState({ ...s, envs: s.envs.slice(1) }), /expected 3 env snapshots and autoreset flags, got 2 and 3/);
  assert.throws(() => vec('CartPole-v1', 'same-step').setState(null as never), /expected a vector env snapshot \{ kind: 'vector-env'/);
  const mixed = new SyncVectorEnv([() => stack('CartPole-v1'), () => stack('CartPole-v1'), () => stack('CartPoleMaskedVelocity-v1')], { autoresetMode: 'same-step' });
  assert.throws(() => mixed.setState(s), /SyncVectorEnv: env 2: MaskVelocity\(CartPoleMaskedVelocity-v1\)\.restore: the snapshot is of 'CartPoleEnv', expected 'MaskVelocity'/);
  const bad = viaJson(s);
  bad.autoreset[1] = 7;
  assert.throws(() => vec('CartPole-v1', 'same-step').setState(bad), /env 1: autoreset flag must be 0 or 1, got 7/);
});

test('SyncVectorEnv with an env that cannot snapshot itself: getState() is null, snapshotUnsupported() and snapshot() say which', () => {
  const v = new SyncVectorEnv([() => stack('Pendulum-v1'), () => new ScriptedEnv(5, 3)]);
  v.reset({ seed: 0 });
  assert.equal(v.getState(), null);
  assert.match(v.snapshotUnsupported()!, /SyncVectorEnv: env 1: ScriptedEnv cannot snapshot itself/);
  assert.throws(() => v.snapshot(), SnapshotUnsupportedError);
  assert.equal(vec('CartPole-v1', 'next-step').snapshotUnsupported(), null);
});

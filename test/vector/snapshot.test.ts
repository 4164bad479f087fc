import { test } from 'node:test';
import assert from 'node:assert/strict';
import { make, SnapshotUnsupportedError, type Env } from '../../src/envs/index.ts';
import { NormalizeObservation, NormalizeReward, RecordEpisodeStatistics } from '../../src/wrappers/index.ts';
import { AsyncVectorEnv, SyncVectorEnv, makeVec, type AutoresetMode, type VectorEnvState } from '../../src/vector/index.ts';
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

const vec = (id: string, mode: AutoresetMode) =>
  new SyncVectorEnv(
    Array.from({ length: N }, () => () => stack(id)),
    { autoresetMode: mode },
  );

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
      assert.ok(
        expected.some((l) => /episode/.test(l)),
        'the continuation finishes episodes',
      );
      assert.deepEqual(got, expected);
      assert.deepEqual(b.getState(), a.getState());
    });
  }
}

test('SyncVectorEnv.setState: bad snapshots are refused with the env index and what was expected', () => {
  const a = vec('CartPole-v1', 'same-step');
  a.reset({ seed: 0 });
  const s = viaJson(a.getState()!);
  assert.throws(
    () => new SyncVectorEnv([() => stack('CartPole-v1')], { autoresetMode: 'same-step' }).setState(s),
    /SyncVectorEnv\.setState: the snapshot is of 3 envs with 4 observation values each, expected 1 envs with 4/,
  );
  assert.throws(() => vec('CartPole-v1', 'next-step').setState(s), /the snapshot is of autoresetMode 'same-step', this vector env uses 'next-step'/);
  assert.throws(() => vec('CartPole-v1', 'same-step').setState({ ...s, envs: s.envs.slice(1) }), /expected 3 env snapshots and autoreset flags, got 2 and 3/);
  assert.throws(() => vec('CartPole-v1', 'same-step').setState(null as never), /expected a vector env snapshot \{ kind: 'vector-env'/);
  const mixed = new SyncVectorEnv([() => stack('CartPole-v1'), () => stack('CartPole-v1'), () => stack('CartPoleMaskedVelocity-v1')], {
    autoresetMode: 'same-step',
  });
  assert.throws(
    () => mixed.setState(s),
    /SyncVectorEnv: env 2: MaskVelocity\(CartPoleMaskedVelocity-v1\)\.restore: the snapshot is of 'CartPoleEnv', expected 'MaskVelocity'/,
  );
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

for (const mainThreadShare of [false, true]) {
  test(`AsyncVectorEnv (${mainThreadShare ? 'main-thread share + 1 worker' : '2 workers'}): getState/setState through the workers, interchangeable with SyncVectorEnv's`, async () => {
    const opts = { envId: 'CartPole-v1', numEnvs: 4, autoresetMode: 'next-step' as const, recordEpisodeStatistics: true };
    const av = await AsyncVectorEnv.create({ ...opts, numWorkers: mainThreadShare ? 1 : 2, mainThreadShare });
    const av2 = await AsyncVectorEnv.create({ ...opts, numWorkers: 2 });
    const sv = await makeVec('CartPole-v1', 4, { autoresetMode: 'next-step', recordEpisodeStatistics: true });
    try {
      av.reset({ seed: 6 });
      const rng = new Rng(1);
      const acts = new Float64Array(4);
      const stepAll = (envs: { step(a: ArrayLike<number>): { obs: Float32Array; rewards: Float64Array; terminated: Uint8Array } }[], r: Rng, n: number) => {
        const out: string[][] = envs.map(() => []);
        for (let t = 0; t < n; t++) {
          for (let i = 0; i < 4; i++) acts[i] = r.int(2);
          envs.forEach((e, k) => {
            const x = e.step(acts);
            out[k].push(`${hex(x.obs)} ${hex(x.rewards)} ${hex(x.terminated, Uint8Array)}`);
          });
        }
        return out;
      };
      stepAll([av], rng, 25);
      const snap = viaJson(av.getState()!);
      assert.equal(snap.envs.length, 4);
      assert.deepEqual(
        snap.envs.map((e) => e.kind),
        ['RecordEpisodeStatistics', 'RecordEpisodeStatistics', 'RecordEpisodeStatistics', 'RecordEpisodeStatistics'],
      );
      av2.setState(snap);
      (sv as SyncVectorEnv).setState(snap);
      const [x, y, z] = stepAll([av, av2, sv as SyncVectorEnv], rng, 40);
      assert.deepEqual(y, x);
      assert.deepEqual(z, x);
      // Everything but wall-clock times (episode durations) agrees: physics, generators, counters, episode returns.
      const strip = (s: VectorEnvState) => JSON.stringify(s).replace(/"elapsedMs":[^,}]+|"timeQueue":\[[^\]]*\]/g, '');
      assert.equal(strip(av2.getState()!), strip(av.getState()!));
      const bad = viaJson(snap);
      (bad.envs[3].env!.env!.env!.state as { s: number[] }).s = [1];
      assert.throws(() => av2.setState(bad), /AsyncVectorEnv: env 3: CartPole-v1\.restore: state\.s \[x, x_dot, theta, theta_dot\]: expected 4 numbers, got 1/);
    } finally {
      await av.close();
      await av2.close();
    }
  });
}

test('AsyncVectorEnv moves snapshots larger than one shared-memory chunk (64 KiB) in pieces', async () => {
  const n = 320;
  const av = await AsyncVectorEnv.create({ envId: 'CartPole-v1', numEnvs: n, numWorkers: 1, autoresetMode: 'same-step' });
  const sv = (await makeVec('CartPole-v1', n, { autoresetMode: 'same-step' })) as SyncVectorEnv;
  try {
    for (const v of [av, sv]) {
      v.reset({ seed: 100 });
      v.step(new Float64Array(n).fill(1));
    }
    const s = av.getState()!;
    assert.ok(JSON.stringify(s).length > 2 * 65536, 'the worker snapshot spans three chunks');
    assert.deepEqual(s, sv.getState(), 'read back whole from the worker');
    sv.step(new Float64Array(n).fill(0));
    av.setState(viaJson(sv.getState()!));
    assert.deepEqual(av.getState(), sv.getState(), 'written whole to the worker');
  } finally {
    await av.close();
  }
});

/**
 * Play a checkpoint's policy in its environment, one step at a time, for a canvas. Browser-safe.
 *
 * The policy acts on the same env stack as evaluation (algos/common makeEnv: frame stacking, the
 * training observation statistics frozen), with the same seeds and sampler stream as evaluate():
 * episode i starts from reset({ seed: seed + i }) and actions come from Rng(seed, 7). So with the
 * run's evalSeed the first played episode is the evaluation's first episode, step for step. Frames
 * come from a second, rendering instance of the env that is handed the first one's physical state:
 * its rgb_array frames (`frame()`), or for MuJoCo tasks in a browser its simulation (`physics()`),
 * which a three.js view draws (web/mujoco/view.ts).
 */
import { ALGORITHMS } from '../algos/index.ts';
import { makeEnv, findObsNormalizer } from '../algos/common.ts';
import type { Algorithm } from '../algos/types.ts';
import { make, Discrete, type Env, type RgbFrame } from '../envs/index.ts';
import type { StatefulEnv } from '../envs/classic/index.ts';
import type { MjSim } from '../envs/mujoco/sim.ts';
import { Rng } from '../rng/index.ts';
import { decodeCheckpoint, type Checkpoint } from '../train/checkpoint.ts';

export interface PlayStep {
  reward: number;
  /** The episode ended with this step (the next step starts the next episode). */
  done: boolean;
  episodeReturn: number;
  episodeLength: number;
}

export interface PlayerOptions {
  /** First episode's reset seed; default the run's evaluation seed (so episode 0 replays evaluation episode 0). */
  seed?: number;
  /** Greedy actions (the mode), as evaluation; default true. */
  deterministic?: boolean;
  /**
   * 'rgb_array' (default): `frame()` renders pictures. 'physics': no pictures; `physics()` gives the
   * rendering instance's MuJoCo simulation for a view to draw (MuJoCo tasks only).
   */
  frames?: 'rgb_array' | 'physics';
}

function restore(ck: Checkpoint): Algorithm {
  const entry = ALGORITHMS[ck.algo];
  if (!entry) throw new Error(`checkpoint is for algorithm '${ck.algo}', which this build does not have (known: ${Object.keys(ALGORITHMS).join(', ')})`);
  const algo = entry.create(ck.config);
  algo.setState(ck.state);
  return algo;
}

export class Player {
  checkpoint: Checkpoint;
  readonly seed: number;
  readonly deterministic: boolean;
  /** Finished episodes, oldest first. */
  readonly episodes: { return: number; length: number }[] = [];
  episodeReturn = 0;
  episodeLength = 0;
  private algo: Algorithm;
  private readonly env: Env<Float32Array, any>;
  private readonly view: Env<any, any> | null;
  private readonly rng: Rng;
  private readonly offset: number;
  private obs: Float32Array;
  private readonly frames: 'rgb_array' | 'physics';
  /** The view holds an episode's final state (synced before the reset): do not sync until the next step. */
  private held = false;

  /** Decode (checksum verified) and restore a checkpoint; throws a one-line error for a bad file. */
  constructor(bytes: Uint8Array, opts: PlayerOptions = {}) {
    this.checkpoint = decodeCheckpoint(bytes);
    const ck = this.checkpoint;
    this.algo = restore(ck);
    this.seed = opts.seed ?? ck.run?.evalSeed ?? 0;
    this.deterministic = opts.deterministic ?? true;
    const c = ck.config as { envKwargs?: Record<string, unknown> | null; frameStack?: number; normalizeObs?: boolean };
    const kwargs = c.envKwargs ?? undefined;
    this.env = makeEnv(ck.env, { envKwargs: kwargs, frameStack: c.frameStack ?? 1, normalizeObs: Boolean(c.normalizeObs) });
    this.syncStats();
    this.frames = opts.frames ?? 'rgb_array';
    if (this.frames !== 'rgb_array' && this.frames !== 'physics')
      throw new Error(`Player: frames must be 'rgb_array' or 'physics', got ${JSON.stringify(opts.frames)}`);
    const view = make(ck.env, { kwargs, renderMode: this.frames === 'rgb_array' ? 'rgb_array' : null });
    const canSync =
      typeof (this.env.unwrapped as unknown as Partial<StatefulEnv>).getState === 'function' &&
      typeof (view.unwrapped as unknown as Partial<StatefulEnv>).setState === 'function';
    this.view = canSync ? view : null;
    if (!canSync) view.close();
    this.view?.reset({ seed: this.seed });
    this.rng = new Rng(this.seed, 7);
    this.offset = this.env.actionSpace instanceof Discrete ? this.env.actionSpace.start : 0;
    this.obs = this.env.reset({ seed: this.seed }).obs;
    this.algo.policy.resetState?.(); // a policy with memory starts each episode afresh, as evaluate() does
  }

  /** Take newer weights of the same run (same algorithm, env and config) without restarting the episode. */
  load(bytes: Uint8Array): void {
    const ck = decodeCheckpoint(bytes);
    const same = ck.algo === this.checkpoint.algo && ck.env === this.checkpoint.env && JSON.stringify(ck.config) === JSON.stringify(this.checkpoint.config);
    if (!same)
      throw new Error(
        `Player.load: checkpoint is ${ck.algo} on ${ck.env}, this player plays ${this.checkpoint.algo} on ${this.checkpoint.env}; make a new Player`,
      );
    this.algo.setState(ck.state);
    this.checkpoint = ck;
    this.syncStats();
  }

  /** The evaluation env sees the training statistics, frozen (as evaluate() does). */
  private syncStats(): void {
    const norm = findObsNormalizer(this.env);
    if (!norm) return;
    const train = findObsNormalizer((this.algo as any).env?.envs?.[0] ?? null);
    if (!train) throw new Error(`${this.checkpoint.algo} normalises observations but its statistics are not in the checkpoint`);
    norm.setStats(train.getStats());
    norm.updateRunningMean = false;
  }

  step(): PlayStep {
    const policy = this.algo.policy;
    const { actions } = policy.act(this.obs, 1, this.rng, this.deterministic);
    const r = this.env.step(policy.kind === 'categorical' ? actions[0] + this.offset : actions);
    this.episodeReturn += r.reward;
    this.episodeLength++;
    const out: PlayStep = { reward: r.reward, done: r.terminated || r.truncated, episodeReturn: this.episodeReturn, episodeLength: this.episodeLength };
    if (out.done) {
      this.episodes.push({ return: this.episodeReturn, length: this.episodeLength });
      this.episodeReturn = 0;
      this.episodeLength = 0;
      // Render (or hold, for physics()) the final state before the reset replaces it.
      if (this.frames === 'rgb_array') this.lastFrame = this.render();
      else if (this.view) {
        this.syncView();
        this.held = true;
      }
      this.obs = this.env.reset({ seed: this.seed + this.episodes.length }).obs;
      policy.resetState?.();
    } else {
      this.obs = r.obs;
      this.lastFrame = null;
      this.held = false;
    }
    return out;
  }

  private lastFrame: RgbFrame | null = null;

  /** The current frame (after an episode's last step: that step's final state), or null if the env cannot be rendered. */
  frame(): RgbFrame | null {
    if (this.frames !== 'rgb_array') return null;
    return this.lastFrame ?? this.render();
  }

  /**
   * With `frames: 'physics'`: the rendering instance's MuJoCo simulation, in the current state
   * (after an episode's last step: that step's final state, as `frame()`), positions and derived
   * fields computed (mj_forward); null for envs that are not MuJoCo or with `frames: 'rgb_array'`.
   * The simulation belongs to the player: valid until `close()`.
   */
  physics(): MjSim | null {
    if (this.frames !== 'physics' || !this.view) return null;
    const sim = (this.view.unwrapped as unknown as { sim?: MjSim }).sim;
    if (!sim) return null;
    if (!this.held) this.syncView();
    return sim;
  }

  private syncView(): void {
    const src = this.env.unwrapped as unknown as StatefulEnv,
      dst = this.view!.unwrapped as unknown as StatefulEnv;
    dst.setState(src.getState());
  }

  private render(): RgbFrame | null {
    if (!this.view) return null;
    this.syncView();
    return this.view.render();
  }

  close(): void {
    this.env.close();
    this.view?.close();
    this.algo.close();
  }
}

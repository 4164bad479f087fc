/**
 * Render one evaluation episode to frames. The episode runs on the same env stack as evaluation
 * (algos/common makeEnv: frame stacking, frozen observation normalisation); each frame is drawn by
 * a second, rendering instance of the env that takes the same actions (so that drawings of the last
 * action, like Pendulum's torque arrow, appear) and is then given the first one's physical state
 * (StatefulEnv.getState/setState), so the policy sees exactly what it sees in `ascent eval`.
 */
import { make, Discrete, type RgbFrame } from '../envs/index.ts';
import type { StatefulEnv } from '../envs/classic/index.ts';
import { makeEnv, findObsNormalizer } from '../algos/common.ts';
import type { Algorithm } from '../algos/types.ts';
import { Rng } from '../rng/index.ts';
import { ConfigError } from '../train/setup.ts';

export interface RecordedEpisode {
  /** Frames passed to onFrame. */
  frames: number;
  return: number;
  length: number;
}

/**
 * Each frame goes to `onFrame` as soon as it is drawn (and its pixels may be overwritten after the
 * call returns): an encoder that consumes it there keeps memory flat however long the episode.
 */
export function recordEpisode(
  algo: Algorithm,
  envId: string,
  config: Record<string, unknown>,
  seed: number,
  deterministic: boolean,
  onFrame: (frame: RgbFrame) => void,
  maxFrames = 2000,
): RecordedEpisode {
  const kwargs = (config.envKwargs as Record<string, unknown> | null | undefined) ?? undefined;
  const env = makeEnv(envId, { envKwargs: kwargs, frameStack: (config.frameStack as number | undefined) ?? 1, normalizeObs: Boolean(config.normalizeObs) });
  const norm = findObsNormalizer(env);
  if (norm) {
    // The training statistics live in the algorithm's own envs.
    const train = findObsNormalizer((algo as any).env?.envs?.[0] ?? null);
    if (!train) throw new ConfigError(`--record: ${algo.name} normalises observations but its statistics are not reachable for recording`);
    norm.setStats(train.getStats());
    norm.updateRunningMean = false;
  }
  const view = make(envId, { kwargs, renderMode: 'rgb_array', maxEpisodeSteps: null, orderEnforce: false });
  const src = env.unwrapped as unknown as Partial<StatefulEnv>,
    dst = view.unwrapped as unknown as Partial<StatefulEnv>;
  if (typeof src.getState !== 'function' || typeof dst.setState !== 'function') {
    throw new ConfigError(`--record: ${envId} does not expose its state (getState/setState), so it cannot be rendered alongside evaluation`);
  }
  view.reset({ seed });
  let frames = 0;
  const frame = (): void => {
    dst.setState!(src.getState!());
    onFrame(view.render());
    frames++;
  };
  // Same generator and stream as algos/common evaluate(), so stochastic episodes match too.
  const rng = new Rng(seed, 7);
  const policy = algo.policy;
  const offset = env.actionSpace instanceof Discrete ? env.actionSpace.start : 0;
  let { obs } = env.reset({ seed });
  policy.resetState?.();
  frame();
  let total = 0,
    len = 0;
  for (;;) {
    const { actions } = policy.act(obs, 1, rng, deterministic);
    const action = policy.kind === 'categorical' ? actions[0] + offset : actions;
    const r = env.step(action);
    view.step(action);
    total += r.reward;
    len++;
    obs = r.obs;
    if (frames < maxFrames) frame();
    if (r.terminated || r.truncated) break;
  }
  env.close();
  view.close();
  return { frames, return: total, length: len };
}

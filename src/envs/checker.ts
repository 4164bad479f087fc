/**
 * checkEnv: validates a user-written env against the API (in the spirit of
 * gymnasium.utils.env_checker.check_env). Throws an Error listing every problem found.
 * Checks: spaces are Space instances; reset/step return the documented shapes and types; obs lie in
 * the observation space (Box obs are Float32Array/Float64Array per dtype); rewards are finite
 * numbers; terminated/truncated are booleans; reset with the same seed and the same actions
 * reproduces the same trajectory; renderMode is null or a declared mode (metadata.renderModes, by
 * default ['rgb_array']); render() (if renderMode is 'rgb_array') returns a proper frame;
 * if the env can snapshot itself, restoring a JSON round trip of a mid-run snapshot continues exactly.
 */
import type { Env } from './env.ts';

/** The render modes Ascent's envs implement (env.ts RenderMode). */
const RENDER_MODES = ['rgb_array'] as const;
import { SnapshotUnsupportedError } from './snapshot.ts';
import { Rng } from '../rng/index.ts';
import { Box, Space } from './spaces.ts';

function show(x: unknown): string {
  if (ArrayBuffer.isView(x)) return `${x.constructor.name}[${Array.from(x as unknown as ArrayLike<number>).join(',')}]`;
  if (Array.isArray(x)) return `[${x.map(show).join(',')}]`;
  if (x && typeof x === 'object')
    return `{${Object.keys(x)
      .sort()
      .map((k) => `${k}:${show((x as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return String(x);
}

export interface CheckEnvOptions {
  steps?: number;
  seed?: number;
}

export function checkEnv(env: Env<unknown, unknown>, opts: CheckEnvOptions = {}): void {
  const steps = opts.steps ?? 50;
  const seed = opts.seed ?? 123;
  const problems: string[] = [];
  const name = env.spec?.id ?? env.constructor?.name ?? 'env';
  if (!(env.observationSpace instanceof Space)) problems.push(`observationSpace is not a Space: ${String(env.observationSpace)}`);
  if (!(env.actionSpace instanceof Space)) problems.push(`actionSpace is not a Space: ${String(env.actionSpace)}`);
  if (problems.length) throw new Error(`checkEnv(${name}):\n- ${problems.join('\n- ')}`);
  const obsSpace = env.observationSpace;

  const checkObs = (obs: unknown, where: string) => {
    if (obsSpace instanceof Box) {
      const want = obsSpace.dtype === 'float64' ? Float64Array : obsSpace.dtype === 'uint8' ? Uint8Array : Float32Array;
      if (!(obs instanceof want)) problems.push(`${where}: obs should be a ${want.name} for ${obsSpace}, got ${obs?.constructor?.name ?? typeof obs}`);
    }
    if (!obsSpace.contains(obs)) problems.push(`${where}: obs ${show(obs)} is not in the observation space ${obsSpace}`);
  };

  const rollout = (): string[] => {
    const trace: string[] = [];
    const r0 = env.reset({ seed });
    if (!r0 || typeof r0 !== 'object' || !('obs' in r0) || typeof r0.info !== 'object') {
      problems.push(`reset() must return { obs, info }, got ${show(r0)}`);
      return trace;
    }
    checkObs(r0.obs, 'reset');
    trace.push(show(r0.obs));
    const rng = new Rng(seed);
    for (let t = 0; t < steps; t++) {
      const a = env.actionSpace.sample(rng);
      const r = env.step(a);
      const where = `step ${t}`;
      if (typeof r.reward !== 'number' || !Number.isFinite(r.reward)) problems.push(`${where}: reward must be a finite number, got ${String(r.reward)}`);
      if (typeof r.terminated !== 'boolean') problems.push(`${where}: terminated must be a boolean, got ${String(r.terminated)}`);
      if (typeof r.truncated !== 'boolean') problems.push(`${where}: truncated must be a boolean, got ${String(r.truncated)}`);
      if (typeof r.info !== 'object' || r.info === null) problems.push(`${where}: info must be an object`);
      checkObs(r.obs, where);
      trace.push(`${show(r.obs)}|${r.reward}|${r.terminated}|${r.truncated}`);
      if (problems.length > 20) break;
      if (r.terminated || r.truncated) {
        const rr = env.reset();
        checkObs(rr.obs, `reset after ${where}`);
        trace.push(show(rr.obs));
      }
    }
    return trace;
  };

  const a = rollout();
  const b = rollout();
  if (problems.length === 0) {
    const i = a.findIndex((x, k) => x !== b[k]);
    if (i >= 0 || a.length !== b.length) {
      problems.push(`not deterministic under reset({ seed: ${seed} }): the two rollouts differ at record ${i} (${a[i]} vs ${b[i]})`);
    }
  }
  if (problems.length === 0) checkSnapshot(env, steps, seed, problems);
  checkRenderMode(env, problems);
  if (env.renderMode === 'rgb_array' && problems.every((p) => !p.startsWith('renderMode'))) {
    const f = env.render();
    if (!f || !(f.data instanceof Uint8Array) || f.data.length !== f.width * f.height * 3 || f.width <= 0 || f.height <= 0) {
      problems.push(`render() must return { width, height, data: Uint8Array(width * height * 3) }`);
    }
  }
  if (problems.length) throw new Error(`checkEnv(${name}): ${problems.length} problem(s):\n- ${problems.join('\n- ')}`);
}

/**
 * As Gymnasium's env_render_passive_checker: the render mode must be null or one of the declared
 * modes. An env declares them in `metadata.renderModes` (Gymnasium's metadata['render_modes']);
 * without it, the modes Ascent's envs support (RenderMode: 'rgb_array').
 */
function checkRenderMode(env: Env<unknown, unknown>, problems: string[]): void {
  const declared = (env as { metadata?: { renderModes?: unknown } }).metadata?.renderModes;
  if (declared !== undefined && !(Array.isArray(declared) && declared.every((m) => typeof m === 'string'))) {
    problems.push(`metadata.renderModes must be a list of strings, got ${show(declared)}`);
    return;
  }
  const modes: string[] = (declared as string[] | undefined) ?? [...RENDER_MODES];
  const mode = env.renderMode as unknown;
  if (mode !== null && !modes.includes(mode as string)) {
    problems.push(
      `renderMode ${typeof mode === 'string' ? `'${mode}'` : show(mode)} is not among the declared render modes [${modes.join(', ')}] (it must be null or one of them)`,
    );
  }
}

/** Snapshot mid-run, continue, restore the JSON round trip of the snapshot, replay: both continuations must agree. */
function checkSnapshot(env: Env<unknown, unknown>, steps: number, seed: number, problems: string[]): void {
  if (typeof env.snapshot !== 'function' || typeof env.restore !== 'function') return;
  const rng = new Rng(seed + 1);
  const run = (n: number): string[] => {
    const trace: string[] = [];
    for (let t = 0; t < n; t++) {
      const r = env.step(env.actionSpace.sample(rng));
      trace.push(`${show(r.obs)}|${r.reward}|${r.terminated}|${r.truncated}`);
      if (r.terminated || r.truncated) trace.push(show(env.reset().obs));
    }
    return trace;
  };
  env.reset({ seed });
  run(Math.floor(steps / 2));
  let snap: unknown;
  try {
    snap = JSON.parse(JSON.stringify(env.snapshot()));
  } catch (e) {
    if (!(e instanceof SnapshotUnsupportedError)) problems.push(`snapshot() failed: ${(e as Error).message}`);
    return;
  }
  const g = rng.getState();
  const a = run(steps);
  try {
    env.restore(snap as Parameters<NonNullable<typeof env.restore>>[0]);
  } catch (e) {
    problems.push(`restore() refused a JSON round trip of its own snapshot: ${(e as Error).message}`);
    return;
  }
  rng.setState(g);
  const b = run(steps);
  const i = a.findIndex((x, k) => x !== b[k]);
  if (i >= 0)
    problems.push(
      `snapshot()/restore() do not continue exactly: after restoring the snapshot (through JSON) the run differs at record ${i} (${a[i]} vs ${b[i]})`,
    );
}

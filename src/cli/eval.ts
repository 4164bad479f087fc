/** `ascent eval <run-dir or checkpoint>`: mean ± std over N episodes, JSON, optional GIF. */
import { writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { spec } from '../envs/index.ts';
import { loadEnvsFor } from './load-envs.ts';
import { runEvaluation } from '../train/driver.ts';
import { checkpointPath, readCheckpoint, restoreAlgorithm, runDirOf } from '../train/node/load.ts';
import { fmtNum } from '../train/node/display.ts';
import { ConfigError } from '../train/setup.ts';
import { GifWriter, scaleFrame } from '../util/image/gif.ts';
import { recordEpisode } from './record.ts';

export interface EvalFlags {
  episodes?: number;
  seed?: number;
  stochastic?: boolean;
  best?: boolean;
  json?: string;
  record?: string;
  scale: number;
}

export async function evalCommand(path: string, f: EvalFlags): Promise<void> {
  if (f.record && !/\.gif$/i.test(f.record)) throw new ConfigError(`--record writes a GIF: give a file ending in .gif, got '${f.record}'`);
  const ckPath = checkpointPath(path, f.best ? 'best' : 'last');
  const ck = readCheckpoint(ckPath);
  await loadEnvsFor(ck.env); // MuJoCo ids register once their module is loaded
  const algo = restoreAlgorithm(ck, ckPath);
  const episodes = f.episodes ?? ck.run.evalEpisodes;
  const seed = f.seed ?? ck.run.evalSeed;
  const deterministic = !f.stochastic;
  try {
    const ev = runEvaluation(algo, (ck.state.meta as any)?.iteration ?? 0, episodes, seed, deterministic);
    const mode = deterministic ? 'greedy' : 'stochastic';
    // The threshold the run trained to (a preset's or --threshold), else the env's registered one.
    const threshold = ck.run.threshold ?? spec(ck.env).rewardThreshold ?? null;
    const shownCk = relative(process.cwd(), ckPath) || ckPath;
    process.stdout.write(`${ck.algo} on ${ck.env}, ${shownCk} (${ck.steps} steps)\n`);
    process.stdout.write(
      `return ${fmtNum(ev.mean, 4)} ± ${fmtNum(ev.std, 3)} over ${episodes} episodes (${mode}, seeds ${seed}..${seed + episodes - 1}), ` +
        `mean length ${fmtNum(ev.lengthMean, 4)}${threshold !== null ? `; threshold ${threshold}: ${ev.mean >= threshold ? 'solved' : 'not reached'}` : ''}\n`,
    );
    const result = {
      algo: ck.algo,
      env: ck.env,
      checkpoint: ckPath,
      steps: ck.steps,
      episodes,
      seed,
      deterministic,
      mean: ev.mean,
      std: ev.std,
      lengthMean: ev.lengthMean,
      threshold,
      solved: threshold !== null ? ev.mean >= threshold : null,
      returns: ev.returns,
      lengths: ev.lengths,
      evaluatedAt: new Date().toISOString(),
    };
    const kind = basename(ckPath).replace(/\.ascent$/, '');
    const out = f.json ?? join(runDirOf(ckPath), `eval-${kind}-${mode}-s${seed}-n${episodes}.json`);
    writeFileSync(out, JSON.stringify(result, null, 1) + '\n');
    process.stdout.write(`wrote ${relative(process.cwd(), out) || out}\n`);
    if (f.record) {
      let gif: GifWriter | null = null;
      // Frames are encoded as they are drawn: only the compressed GIF stays in memory.
      const ep = recordEpisode(algo, ck.env, ck.config, seed, deterministic, (frame) => {
        const fr = scaleFrame(frame, f.scale);
        // Gymnasium's classic-control render_fps is 50 (30 for MountainCar, Pendulum, Acrobot's 15); 4 cs per frame plays at 25 fps.
        gif ??= new GifWriter(fr.width, fr.height, { delayCs: 4 });
        gif.addFrame(fr);
      });
      writeFileSync(f.record, gif!.finish());
      process.stdout.write(`recorded episode (seed ${seed}, return ${fmtNum(ep.return, 4)}, ${ep.length} steps, ${ep.frames} frames) to ${f.record}\n`);
    }
  } finally {
    algo.close();
  }
}

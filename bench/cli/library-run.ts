// The library side of bench/cli.ts: the same algorithm, config, seed and steps as the CLI run, through
// `algo.learn()`, then the same final greedy evaluation the CLI runs (evalSeed = seed + 1000).
import { PPO } from '../../src/algos/ppo.ts';
import { findPreset } from '../../src/train/node/presets.ts';
import { train } from '../../src/train/driver.ts';

const [env, steps, seed, episodes] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])];
/** 'learn': algo.learn(); 'driver': the CLI's loop (train() of src/train/driver.ts) without the CLI's callbacks. */
const loop = process.argv[6] ?? 'learn';
/** Settings over the preset, as the CLI's --set (a JSON object). */
const overrides = JSON.parse(process.argv[7] ?? '{}');
const preset = findPreset('ppo', env);
const algo = new PPO({ ...(preset?.config ?? {}), ...overrides, env, totalSteps: steps, seed });
if (loop === 'driver') await train(algo, { totalSteps: steps, evalEvery: 0, finalEval: false });
else algo.learn();
const ev = algo.evaluate({ episodes, seed: seed + 1000, deterministic: true });
algo.close();
console.log(JSON.stringify({ steps: algo.steps, evalMean: ev.mean }));

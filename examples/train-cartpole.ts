// Train REINFORCE (reward-to-go, learned value baseline) on CartPole-v1 and evaluate it greedily.
//   npm run train            (or: node --import tsx examples/train-cartpole.ts [seed])
import { Reinforce } from '../src/algos/reinforce.ts';

const seed = Number(process.argv[2] ?? 0);
const agent = new Reinforce({ env: 'CartPole-v1', seed, totalSteps: 300_000 });
console.log(`REINFORCE on CartPole-v1 (seed ${seed}): rewardToGo + value baseline, ${agent.config.numEnvs} envs, ${agent.config.batchSteps} steps per update`);
agent.learn({
  onUpdate: (l) => {
    if (l.iteration % 5 === 0) {
      console.log(
        `update ${String(l.iteration).padStart(3)}  steps ${String(l.steps).padStart(7)}  ${l.seconds.toFixed(1).padStart(5)} s  return ${l.returnMean.toFixed(1).padStart(6)}  entropy ${l.entropy.toFixed(3)}`,
      );
    }
  },
  stop: (l) => l.returnMean >= 490 && agent.evaluate({ episodes: 10 }).mean >= 475,
});
const ev = agent.evaluate({ episodes: 20, seed: 1000 });
console.log(`greedy evaluation over 20 episodes: ${ev.mean.toFixed(1)} ± ${ev.std.toFixed(1)} (threshold 475)`);
agent.close();

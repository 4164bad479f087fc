"""Same-work PyTorch PPO for bench/learning/cleanrl-ppo.ts (issue 12: Ascent vs CleanRL's throughput).

This is this project's own script, written from the description of CleanRL's ppo.py (Huang et al.,
"CleanRL", JMLR 2022; github.com/vwxyzjn/cleanrl, cleanrl/ppo.py) because the `cleanrl` package is
not installable here. It follows that file's algorithm and default arguments:
  CartPole-v1, 4 synchronous envs x 128 steps (batch 512), 4 minibatches of 128, 4 epochs,
  Adam lr 2.5e-4 (eps 1e-5) annealed linearly to 0 over the iterations, gamma 0.99, GAE lambda 0.95,
  advantages normalised per minibatch, clip 0.2 for the ratio and the value (clip_vloss), value loss
  0.5 * mean(max(unclipped, clipped)) with vf_coef 0.5, ent_coef 0.01, max grad norm 0.5, separate
  64x64 tanh actor and critic with orthogonal init (gain sqrt 2; 0.01 actor output, 1 critic output),
  terminated or truncated both end the episode (no bootstrap), total_timesteps // 512 iterations.
It logs nothing during training (CleanRL writes TensorBoard scalars every iteration; leaving them out
only makes this side faster). Prints one JSON line: CPU and wall seconds of the training loop and of
the whole process, steps, and the mean return of the last 20 episodes.

  python cleanrl_ppo.py [--seed 1] [--total-timesteps 500000] [--threads 0 (torch's default)]
"""

import argparse
import json
import random
import resource
import time

import gymnasium as gym
import numpy as np
import torch
import torch.nn as nn
from torch.distributions.categorical import Categorical

parser = argparse.ArgumentParser()
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--total-timesteps", type=int, default=500000)
parser.add_argument("--threads", type=int, default=0, help="torch intra-op threads; 0 keeps torch's default")
args = parser.parse_args()

NUM_ENVS, NUM_STEPS, NUM_MINIBATCHES, EPOCHS = 4, 128, 4, 4
LR, GAMMA, LAMBDA, CLIP, ENT, VF, MAX_GRAD = 2.5e-4, 0.99, 0.95, 0.2, 0.01, 0.5, 0.5
BATCH = NUM_ENVS * NUM_STEPS
MINIBATCH = BATCH // NUM_MINIBATCHES
ITERATIONS = args.total_timesteps // BATCH

if args.threads > 0:
    torch.set_num_threads(args.threads)
random.seed(args.seed)
np.random.seed(args.seed)
torch.manual_seed(args.seed)


def dense(n_in, n_out, gain=np.sqrt(2)):
    layer = nn.Linear(n_in, n_out)
    nn.init.orthogonal_(layer.weight, gain)
    nn.init.constant_(layer.bias, 0.0)
    return layer


class ActorCritic(nn.Module):
    def __init__(self, n_obs, n_act):
        super().__init__()
        self.critic = nn.Sequential(dense(n_obs, 64), nn.Tanh(), dense(64, 64), nn.Tanh(), dense(64, 1, 1.0))
        self.actor = nn.Sequential(dense(n_obs, 64), nn.Tanh(), dense(64, 64), nn.Tanh(), dense(64, n_act, 0.01))

    def value(self, x):
        return self.critic(x)

    def act(self, x, action=None):
        dist = Categorical(logits=self.actor(x))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.critic(x)


# Same-step autoreset (the observation after a done is the next episode's first), as CleanRL's
# gymnasium-0.29 vector envs did; gymnasium >= 1.1 names it.
vec_kwargs = {}
if hasattr(gym.vector, "AutoresetMode"):
    vec_kwargs["autoreset_mode"] = gym.vector.AutoresetMode.SAME_STEP
envs = gym.vector.SyncVectorEnv([lambda: gym.make("CartPole-v1") for _ in range(NUM_ENVS)], **vec_kwargs)
n_obs = envs.single_observation_space.shape[0]
agent = ActorCritic(n_obs, envs.single_action_space.n)
optimizer = torch.optim.Adam(agent.parameters(), lr=LR, eps=1e-5)

obs = torch.zeros((NUM_STEPS, NUM_ENVS, n_obs))
actions = torch.zeros((NUM_STEPS, NUM_ENVS))
logprobs = torch.zeros((NUM_STEPS, NUM_ENVS))
rewards = torch.zeros((NUM_STEPS, NUM_ENVS))
dones = torch.zeros((NUM_STEPS, NUM_ENVS))
values = torch.zeros((NUM_STEPS, NUM_ENVS))

cpu0, wall0 = time.process_time(), time.perf_counter()
next_obs = torch.Tensor(envs.reset(seed=args.seed)[0])
next_done = torch.zeros(NUM_ENVS)
ep_ret = np.zeros(NUM_ENVS)
returns_seen = []
steps = 0
for iteration in range(1, ITERATIONS + 1):
    optimizer.param_groups[0]["lr"] = (1.0 - (iteration - 1.0) / ITERATIONS) * LR
    for step in range(NUM_STEPS):
        steps += NUM_ENVS
        obs[step] = next_obs
        dones[step] = next_done
        with torch.no_grad():
            action, logprob, _, value = agent.act(next_obs)
            values[step] = value.flatten()
        actions[step] = action
        logprobs[step] = logprob
        o, r, term, trunc, _ = envs.step(action.cpu().numpy())
        done = np.logical_or(term, trunc)
        ep_ret += r
        for i in np.nonzero(done)[0]:
            returns_seen.append(ep_ret[i])
            ep_ret[i] = 0.0
        rewards[step] = torch.tensor(r).view(-1)
        next_obs, next_done = torch.Tensor(o), torch.Tensor(done.astype(np.float32))

    # GAE(gamma, lambda), the bootstrap from V(s_T) cut where an episode ended.
    with torch.no_grad():
        next_value = agent.value(next_obs).reshape(1, -1)
        advantages = torch.zeros_like(rewards)
        carry = 0
        for t in reversed(range(NUM_STEPS)):
            if t == NUM_STEPS - 1:
                nonterminal, nextvalues = 1.0 - next_done, next_value
            else:
                nonterminal, nextvalues = 1.0 - dones[t + 1], values[t + 1]
            delta = rewards[t] + GAMMA * nextvalues * nonterminal - values[t]
            advantages[t] = carry = delta + GAMMA * LAMBDA * nonterminal * carry
        returns = advantages + values

    b_obs, b_logprobs, b_actions = obs.reshape((-1, n_obs)), logprobs.reshape(-1), actions.reshape(-1)
    b_adv, b_ret, b_val = advantages.reshape(-1), returns.reshape(-1), values.reshape(-1)
    b_inds = np.arange(BATCH)
    for epoch in range(EPOCHS):
        np.random.shuffle(b_inds)
        for start in range(0, BATCH, MINIBATCH):
            mb = b_inds[start : start + MINIBATCH]
            _, newlogprob, entropy, newvalue = agent.act(b_obs[mb], b_actions.long()[mb])
            logratio = newlogprob - b_logprobs[mb]
            ratio = logratio.exp()
            with torch.no_grad():  # the diagnostics CleanRL computes per minibatch
                approx_kl = ((ratio - 1) - logratio).mean()
                clipfrac = ((ratio - 1.0).abs() > CLIP).float().mean().item()
            mb_adv = b_adv[mb]
            mb_adv = (mb_adv - mb_adv.mean()) / (mb_adv.std() + 1e-8)
            pg_loss = torch.max(-mb_adv * ratio, -mb_adv * torch.clamp(ratio, 1 - CLIP, 1 + CLIP)).mean()
            newvalue = newvalue.view(-1)
            v_unclipped = (newvalue - b_ret[mb]) ** 2
            v_clipped = b_val[mb] + torch.clamp(newvalue - b_val[mb], -CLIP, CLIP)
            v_loss = 0.5 * torch.max(v_unclipped, (v_clipped - b_ret[mb]) ** 2).mean()
            loss = pg_loss - ENT * entropy.mean() + v_loss * VF
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), MAX_GRAD)
            optimizer.step()
    # explained variance, as CleanRL computes (and logs) every iteration
    y_pred, y_true = b_val.numpy(), b_ret.numpy()
    var_y = np.var(y_true)
    explained_var = np.nan if var_y == 0 else 1 - np.var(y_true - y_pred) / var_y

train_cpu, train_wall = time.process_time() - cpu0, time.perf_counter() - wall0
ru = resource.getrusage(resource.RUSAGE_SELF)
print(
    json.dumps(
        {
            "torch": torch.__version__,
            "gymnasium": gym.__version__,
            "threads": torch.get_num_threads(),
            "steps": steps,
            "iterations": ITERATIONS,
            "trainCpuSeconds": train_cpu,
            "trainWallSeconds": train_wall,
            "processCpuSeconds": ru.ru_utime + ru.ru_stime,
            "episodes": len(returns_seen),
            "meanReturnLast20": float(np.mean(returns_seen[-20:])) if returns_seen else None,
        }
    )
)

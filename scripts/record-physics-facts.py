#!/usr/bin/env python3
"""Record a few Gymnasium transitions per classic-control env into test/fixtures/physics/.

Run by hand, never by the tests or CI (Python is not a dependency of Ascent):
    python3 -m venv /tmp/gym && /tmp/gym/bin/pip install gymnasium numpy
    /tmp/gym/bin/python scripts/record-physics-facts.py

Each episode starts from `start_state` (written into env.unwrapped.state after reset, so NumPy's
PCG64 never matters) and replays `actions`; every step's observation (float32 values as exact
doubles), reward, flags and internal state are kept. The start states cover the edges that a wrong
constant or a missing clip would change: walls, speed limits, angle wrap-around, first-step ends.
"""
import json
import pathlib

import gymnasium as gym
import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "physics"
STEPS = 60  # per episode, unless it ends sooner

# (env id, start states, action bound for continuous actions (None: discrete), action scale)
CASES = [
    ("CartPole-v1", [[0.0, 0.0, 0.0, 0.0], [0.01, -0.02, 0.03, 0.04], [2.3, 0.5, 0.0, 0.0]], None, 1.0),
    ("Acrobot-v1", [[0.0, 0.0, 0.0, 0.0], [0.05, -0.05, 0.1, -0.1], [3.0, 1.0, 12.0, -28.0]], None, 1.0),
    ("MountainCar-v0", [[-0.5, 0.0], [-1.19, -0.06], [0.49, 0.06]], None, 1.0),
    ("MountainCarContinuous-v0", [[-0.5, 0.0], [-1.19, -0.06], [0.44, 0.06]], 1.0, 1.5),
    ("Pendulum-v1", [[0.0, 0.0], [3.141592653589793, 0.0], [1.0, -7.9]], 2.0, 1.5),
]


def actions(seed, n, count, bound, scale):
    """The same 32-bit LCG as the shared golden files (first 8 outputs discarded)."""
    x = seed & 0xFFFFFFFF
    for _ in range(8):
        x = (1664525 * x + 1013904223) & 0xFFFFFFFF
    out = []
    for _ in range(count):
        x = (1664525 * x + 1013904223) & 0xFFFFFFFF
        if bound is None:
            out.append(x * n // 2**32)
        else:
            k = x * 513 // 2**32
            out.append((k - 256) / 256 * bound * scale)
    return out


def record(env_id, starts, bound, scale):
    env = gym.make(env_id)
    n = int(env.action_space.n) if bound is None else 0
    episodes = []
    for seed, start in enumerate(starts):
        env.reset(seed=seed)
        env.unwrapped.state = np.array(start, dtype=np.float64)
        acts = actions(seed + 100, n, STEPS, bound, scale)
        steps = []
        for a in acts:
            act = a if bound is None else np.array([a], dtype=np.float32)
            obs, reward, terminated, truncated, _ = env.step(act)
            steps.append({
                "obs": [float(v) for v in np.asarray(obs, dtype=np.float32)],
                "reward": float(reward),
                "terminated": bool(terminated),
                "truncated": bool(truncated),
                "state": [float(v) for v in np.asarray(env.unwrapped.state, dtype=np.float64)],
            })
            if terminated or truncated:
                break
        episodes.append({"seed": seed, "start_state": start, "actions": acts[: len(steps)], "steps": steps})
    env.close()
    return {
        "env_id": env_id,
        "source": f"Gymnasium {gym.__version__}, NumPy {np.__version__}: scripts/record-physics-facts.py",
        "continuous": bound is not None,
        "episodes": episodes,
    }


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for env_id, starts, bound, scale in CASES:
        data = record(env_id, starts, bound, scale)
        (OUT / f"{env_id}.json").write_text(json.dumps(data, separators=(",", ":")) + "\n")
        print(env_id, [len(e["steps"]) for e in data["episodes"]])

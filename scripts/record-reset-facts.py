#!/usr/bin/env python3
"""Record Gymnasium's reset(seed=...) draws for the classic-control envs into test/fixtures/resets/.

Run by hand, never by the tests or CI (Python is not a dependency of Ascent):
    python3 -m venv /tmp/gym && /tmp/gym/bin/pip install gymnasium numpy
    /tmp/gym/bin/python scripts/record-reset-facts.py

Each case is a sequence of resets on one env: the first with a seed, the rest without (so the
generator's stream continues), some with Gymnasium's reset options. The internal state (float64,
float32 for Acrobot) and the observation (float32 values as exact doubles) are kept per reset.
"""
import json
import pathlib

import gymnasium as gym
import numpy as np

OUT = pathlib.Path(__file__).resolve().parent.parent / "test" / "fixtures" / "resets" / "classic.json"

# (env id, [(seed or None, options or None), ...])
SEEDS = [0, 1, 2, 42, 2**31 - 1, 2**32 - 1, 2**32, 2**53 - 1]
CASES = {
    "CartPole-v1": [None, {"low": -0.2, "high": 0.3}],
    "Acrobot-v1": [None, {"low": -1.0, "high": 1.0}],
    "MountainCar-v0": [None, {"low": -1.0, "high": 0.1}],
    "MountainCarContinuous-v0": [None, {"low": -1.0, "high": 0.1}],
    "Pendulum-v1": [None, {"x_init": 1.5, "y_init": 0.25}],
}


def reset(env, seed, options):
    obs, _ = env.reset(seed=seed, options=options)
    return {
        "seed": seed,
        "options": options,
        "obs": [float(v) for v in np.asarray(obs, dtype=np.float32)],
        "state": [float(v) for v in np.asarray(env.unwrapped.state, dtype=np.float64)],
    }


def main():
    out = {"source": f"Gymnasium {gym.__version__}, NumPy {np.__version__}: scripts/record-reset-facts.py", "envs": {}}
    for env_id, options in CASES.items():
        env = gym.make(env_id)
        sequences = []
        for seed in SEEDS:
            # seeded reset, then two unseeded ones (the stream continues), then one with options
            sequences.append([reset(env, seed, None), reset(env, None, None), reset(env, None, None), reset(env, None, options[1])])
        sequences.append([reset(env, 7, options[1]), reset(env, None, options[1])])
        env.close()
        out["envs"][env_id] = sequences
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

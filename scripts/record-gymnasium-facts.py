#!/usr/bin/env python3
"""Records Gymnasium's behaviour for the differential tests of issue 20 into test/fixtures/gymnasium/*.json.

Run by hand, never by tests or CI (Python is not a dependency of Ascent; the JSON files are the facts):
    python -m venv /tmp/gymvenv && /tmp/gymvenv/bin/pip install gymnasium numpy
    /tmp/gymvenv/bin/python scripts/record-gymnasium-facts.py
Floats are written with repr (shortest round trip), float32 values as the exact float64 they widen to.
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import gymnasium as gym
from gymnasium import spaces
from gymnasium.vector import AsyncVectorEnv, SyncVectorEnv
from gymnasium.wrappers import FrameStackObservation, NormalizeObservation, NormalizeReward, RecordEpisodeStatistics, RescaleAction
from gymnasium.utils.env_checker import check_env

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "gymnasium")
META = {"gymnasium": gym.__version__, "numpy": np.__version__, "python": sys.version.split()[0], "script": "scripts/record-gymnasium-facts.py"}


def num(x):
    """JSON-safe float: non-finite numbers as strings."""
    x = float(x)
    return x if math.isfinite(x) else str(x)


def nums(a):
    return [num(v) for v in np.asarray(a).ravel()]


def write(name, facts):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name), "w") as f:
        json.dump({"recorded_with": META, **facts}, f, indent=1)
        f.write("\n")
    print("wrote", name)


class ScriptedEnv(gym.Env):
    """Mirror of test/wrappers/scripted.ts: obs k (+ i/10 per dim), reward k, terminated once k >= length."""

    def __init__(self, length=3, dim=1, low=-1000.0, high=1000.0, base=0.0):
        self.length, self.dim, self.base, self.k = length, dim, base, 0
        self.observation_space = spaces.Box(low, high, (dim,), np.float32)
        self.action_space = spaces.Box(-2, 2, (1,), np.float32)

    def _obs(self):
        return np.array([self.base + self.k + i / 10 for i in range(self.dim)], dtype=np.float32)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.k = 0
        return self._obs(), {}

    def step(self, action):
        self.k += 1
        return self._obs(), float(self.k), self.k >= self.length, False, {}


def cartpoles(cls, n=4):
    return cls([lambda: gym.make("CartPole-v1") for _ in range(n)])


def single_reset(seed, options=None):
    return gym.make("CartPole-v1").reset(seed=seed, options=options)[0]


def vector_facts(cls):
    """Relations between vector and single-env resets (NumPy's seeding is not Ascent's, so values cannot be compared)."""
    v = cartpoles(cls)
    f = {}
    by_list, _ = v.reset(seed=[7, 8, 9, 10])
    by_int, _ = v.reset(seed=7)
    f["seed_list_7_8_9_10_equals_seed_int_7"] = bool(np.array_equal(by_list, by_int))
    f["seed_list_row_i_equals_single_reset_seed_i"] = [bool(np.array_equal(by_list[i], single_reset(s))) for i, s in enumerate([7, 8, 9, 10])]
    try:
        v.reset(seed=[7, 8, 9])
        f["seed_list_wrong_length_error"] = None
    except AssertionError as e:
        f["seed_list_wrong_length_error"] = str(e)
    # reset_mask: only the masked envs are reset (with their seed and the other options); the rest keep their obs.
    v.reset(seed=[7, 8, 9, 10])
    for _ in range(3):
        before, *_ = v.step(np.array([1, 0, 1, 0]))
    before = before.copy()
    seeds, mask, options = [20, 21, 22, 23], [True, False, True, False], {"low": -0.2, "high": 0.2}
    after, info = v.reset(seed=seeds, options={"reset_mask": np.array(mask), **options})
    f["mask"] = {"seeds": seeds, "mask": mask, "options": options}
    f["mask_row_equals_single_reset_with_seed_and_options"] = [bool(np.array_equal(after[i], single_reset(seeds[i], dict(options)))) for i in range(4)]
    f["mask_row_equals_obs_before"] = [bool(np.array_equal(after[i], before[i])) for i in range(4)]
    f["mask_info_keys"] = sorted(k for k in info if not k.startswith("_"))
    stepped, *_ = v.step(np.array([0, 0, 0, 0]))
    f["mask_next_step_changes_every_row"] = [not np.array_equal(stepped[i], after[i]) for i in range(4)]
    # options reach every sub-env
    obs, _ = v.reset(seed=3, options={"low": -0.3, "high": 0.3})
    f["options_row_equals_single_reset_seed_3_plus_i_with_options"] = [bool(np.array_equal(obs[i], single_reset(3 + i, {"low": -0.3, "high": 0.3}))) for i in range(4)]
    f["options_all_in_low_high"] = bool(np.all(np.abs(obs) <= 0.3))
    f["options_some_outside_default_0_05"] = bool(np.any(np.abs(obs) > 0.05))
    v.close()
    return f


def vector():
    write("vector.json", {
        "env": "CartPole-v1", "num_envs": 4, "autoreset_mode": "next-step",
        "sync": vector_facts(SyncVectorEnv),
        "async": vector_facts(AsyncVectorEnv),
    })


def rescale():
    inner = spaces.Box(-1.0, 1.0, (1,), np.float32)  # MountainCarContinuous' action space
    _, _, backward = gym.wrappers.utils.rescale_box(inner, 0.0, 1.0)
    inputs = [-0.32, 0.0, 0.1, 0.25, 0.5, 0.9, 1.0, 1.7]
    f = {
        "inner": {"low": -1.0, "high": 1.0}, "new": {"min": 0.0, "max": 1.0}, "inputs": inputs,
        "float64_outputs": [num(backward(np.array([a], dtype=np.float64))[0]) for a in inputs],
        "float32_outputs": [num(backward(np.array([a], dtype=np.float32))[0]) for a in inputs],
        "float32_output_dtype": str(backward(np.array([0.5], dtype=np.float32)).dtype),
    }
    env = RescaleAction(gym.make("MountainCarContinuous-v0"), 0.0, 1.0)
    # low = high: a start state that does not depend on NumPy's generator (Ascent's is another one)
    obs, _ = env.reset(seed=5, options={"low": -0.5, "high": -0.5})
    rng = np.random.default_rng(0)
    actions = [round(float(a), 2) for a in rng.uniform(-0.6, 1.6, 40)]
    rewards, observations = [], [nums(obs)]
    for a in actions:
        # a float32 action (as a float32 policy gives): rescaled in float32, so the env sees the float32 value
        obs, r, term, trunc, _ = env.step(np.array([a], dtype=np.float32))
        rewards.append(num(r))
        observations.append(nums(obs))
    f["mountain_car_continuous"] = {"seed": 5, "options": {"low": -0.5, "high": -0.5}, "min_action": 0.0, "max_action": 1.0, "actions": actions, "rewards": rewards, "obs": observations}
    write("rescale-action.json", f)


def frame_stack():
    class Shifted(ScriptedEnv):
        """A Box that excludes 0 in two dimensions; obs [1.5 + k/10, -2 - k/10, 0.5] at step k."""

        def __init__(self):
            super().__init__(length=10, dim=3)
            self.observation_space = spaces.Box(np.array([1.0, -3.0, -1.0], np.float32), np.array([2.0, -1.0, 1.0], np.float32), (3,), np.float32)

        def _obs(self):
            return np.array([1.5 + self.k / 10, -2 - self.k / 10, 0.5], dtype=np.float32)

    env = Shifted()
    w = FrameStackObservation(env, 3, padding_type="zero")
    obs, _ = w.reset(seed=0)
    f = {"low": [1.0, -3.0, -1.0], "high": [2.0, -1.0, 1.0], "stack_size": 3, "padding_type": "zero",
         "reset_obs_inner": nums(env._obs()), "reset_obs": nums(obs), "reset_obs_in_space": bool(w.observation_space.contains(obs)),
         "padding_value": nums(w.padding_value)}
    obs, *_ = w.step(np.zeros(1, np.float32))
    f["step_obs"] = nums(obs)
    write("frame-stack.json", f)


def record_episode_statistics():
    env = RecordEpisodeStatistics(ScriptedEnv(length=3))
    env.reset(seed=0)
    steps = []
    for _ in range(5):  # stepping on after the episode ended (terminated stays true)
        _, r, term, _, info = env.step(np.zeros(1, np.float32))
        ep = info.get("episode")
        steps.append({"reward": r, "terminated": term, "episode": None if ep is None else {"r": float(ep["r"]), "l": int(ep["l"])},
                      "episode_returns": float(env.episode_returns), "episode_lengths": int(env.episode_lengths), "episode_count": env.episode_count})
    env.reset()
    after_reset = {"episode_returns": float(env.episode_returns), "episode_lengths": int(env.episode_lengths)}
    write("record-episode-statistics.json", {"env": "ScriptedEnv(length=3): reward k at step k, terminated once k >= 3", "steps": steps, "after_reset": after_reset})


def normalize():
    f = {}
    w = NormalizeObservation(gym.make("CartPole-v1"), epsilon=-1.0)
    obs, _ = w.reset(seed=0)
    f["observation_epsilon_minus_1"] = {"raised": False, "reset_obs": nums(obs)}
    try:
        NormalizeReward(gym.make("CartPole-v1"), gamma=1.5)
        f["reward_gamma_1_5"] = {"raised": False}
    except Exception as e:  # noqa: BLE001
        f["reward_gamma_1_5"] = {"raised": True, "error": str(e)}
    f["note"] = ("Gymnasium 1.3.0 does not validate these parameters (epsilon=-1 gives NaN observations, gamma=1.5 is accepted); "
                 "issue 20 reports that 1.4.0 raises. Ascent raises, naming the value.")
    write("normalize.json", f)


def space_facts():
    dtypes = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "float32", "float64"]
    box = {}
    for bd in ["float32", "float64", "uint8"]:
        b = spaces.Box(0, 10, (2,), np.dtype(bd))
        box[bd] = {d: bool(b.contains(np.array([1, 2], dtype=d))) for d in dtypes}
    md = spaces.MultiDiscrete([3, 4])
    multi_discrete = {d: bool(md.contains(np.array([1, 2], dtype=d))) for d in dtypes}
    b64 = spaces.Box(-1, 1, (3,), np.float64)
    x = np.array([0.1, -0.2, 1 / 3], dtype=np.float64)
    fl = spaces.flatten(b64, x)
    t = spaces.Tuple((spaces.Box(-1, 1, (2,), np.float64), spaces.Discrete(3)))
    tx = (np.array([0.1, 0.7]), 1)
    tfl = spaces.flatten(t, tx)
    d = spaces.Dict({"a": spaces.Box(-1, 1, (1,), np.float64), "b": spaces.Box(-1, 1, (1,), np.float32)})
    dx = {"a": np.array([0.1]), "b": np.array([0.25], np.float32)}
    dfl = spaces.flatten(d, dx)
    b32 = spaces.Box(-1, 1, (2,), np.float32)
    write("spaces.json", {
        "box_contains_array_1_2": box,
        "multi_discrete_3_4_contains_array_1_2": multi_discrete,
        "flatten": {
            "box_float64": {"x": nums(x), "dtype": str(fl.dtype), "flat": nums(fl), "unflat": nums(spaces.unflatten(b64, fl)),
                            "flatten_space_dtype": str(spaces.flatten_space(b64).dtype)},
            "tuple_box_float64_discrete_3": {"x": [nums(tx[0]), tx[1]], "dtype": str(tfl.dtype), "flat": nums(tfl)},
            "dict_a_float64_b_float32": {"dtype": str(dfl.dtype), "flat": nums(dfl)},
            "box_float32_dtype": str(spaces.flatten(b32, np.array([0.1, 0.2], np.float32)).dtype),
        },
    })


class HumanOnly(ScriptedEnv):
    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}

    def __init__(self):
        super().__init__()
        self.render_mode = "human"

    def render(self):
        return None


def checker_and_strings():
    f = {}
    try:
        check_env(HumanOnly())
        f["undeclared_render_mode"] = {"raised": False}
    except AssertionError as e:
        f["undeclared_render_mode"] = {"raised": True, "error": str(e)}
    f["str_make_cartpole_v1"] = str(gym.make("CartPole-v1"))
    f["str_make_cartpole_v1_no_checker"] = str(gym.make("CartPole-v1", disable_env_checker=True))
    f["str_wrapped_env_without_spec"] = str(RecordEpisodeStatistics(ScriptedEnv()))
    f["str_env_without_spec"] = str(ScriptedEnv())
    write("env-checker-and-str.json", f)


if __name__ == "__main__":
    vector()
    rescale()
    frame_stack()
    record_episode_statistics()
    normalize()
    space_facts()
    checker_and_strings()

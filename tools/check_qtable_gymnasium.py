#!/usr/bin/env python3
"""Checks that a Q-table saved by `embedml train qlearn` means the same thing in gymnasium.

Loads the safetensors tensor `q` [S, A] and the metadata (`gym_id`, `slippery`) of an embedml
Q-learning model, plays its greedy policy (argmax, lowest action on ties, as embedml) in
gymnasium's own environment for N episodes and prints the success rate and mean return, to put
next to `embedml eval --model M --episodes N --json`.

    pip install safetensors gymnasium numpy
    embedml train qlearn --env frozenlake-4x4 --out fl.safetensors
    python3 tools/check_qtable_gymnasium.py fl.safetensors --episodes 10000 --seed 0
    embedml eval --model fl.safetensors --episodes 10000 --seed 0 --json

Output: one JSON line {"gym_id":…, "slippery":…, "episodes":…, "success_rate":…,
"mean_return":…, "exact_success":…}; `exact_success` is the probability that the greedy policy
reaches the goal (FrozenLake: a rewarding terminal state; others: any terminal state) within the time limit, computed from gymnasium's own
transition table `env.unwrapped.P` (dynamic programming over the remaining steps), so the two
sampled figures can be judged against it. Success = the episode ended with a positive reward on FrozenLake (reaching
the goal), termination on the others.
"""

import argparse
import json

import gymnasium as gym
import numpy as np
from safetensors import safe_open


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model", help="an embedml qlearn model (safetensors)")
    ap.add_argument("--episodes", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    with safe_open(args.model, framework="numpy") as f:
        meta = f.metadata()
        q = f.get_tensor("q")
    if meta.get("kind") != "qlearn":
        raise SystemExit(f"error: {args.model} is a {meta.get('kind')} model, expected qlearn")
    gym_id = meta["gym_id"]
    slippery = meta["slippery"] == "true"
    kwargs = {"is_slippery": slippery} if gym_id.startswith("FrozenLake") else {}
    if gym_id == "Taxi-v4" and "Taxi-v4" not in gym.registry:
        gym_id = "Taxi-v3"
    env = gym.make(gym_id, **kwargs)
    n_states, n_actions = env.observation_space.n, env.action_space.n
    if q.shape != (n_states, n_actions):
        raise SystemExit(f"error: q has shape {q.shape}, {gym_id} has {(n_states, n_actions)}")
    policy = np.argmax(q, axis=1)  # first maximum: embedml's tie rule

    # Exact: p_k(s) = P(success within k steps from s) under the policy, from gymnasium's P.
    P = env.unwrapped.P
    frozen = gym_id.startswith("FrozenLake")
    limit = env.spec.max_episode_steps or 1000
    p = np.zeros(n_states)
    for _ in range(limit):
        nxt = np.zeros(n_states)
        for st in range(n_states):
            for prob, s2, r, done in P[st][int(policy[st])]:
                win = 1.0 if (r > 0 or not frozen) else 0.0
                nxt[st] += prob * (win if done else p[s2])
        p = nxt
    init = np.array(env.unwrapped.initial_state_distrib, dtype=float)
    exact = float(init @ p)

    successes, total = 0, 0.0
    for episode in range(args.episodes):
        s, _ = env.reset(seed=args.seed + episode)
        ret, terminated, truncated, r = 0.0, False, False, 0.0
        while not (terminated or truncated):
            s, r, terminated, truncated, _ = env.step(int(policy[s]))
            ret += r
        total += ret
        if gym_id.startswith("FrozenLake"):
            successes += int(terminated and r > 0)
        else:
            successes += int(terminated)
    print(json.dumps({
        "gym_id": gym_id,
        "slippery": slippery,
        "episodes": args.episodes,
        "success_rate": successes / args.episodes,
        "mean_return": total / args.episodes,
        "exact_success": exact,
    }))


if __name__ == "__main__":
    main()

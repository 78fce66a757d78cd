#!/usr/bin/env python3
"""Transition tables of gymnasium's toy-text environments, for the embedml env tests.

Usage:  pip install gymnasium && python3 tools/env_reference.py
Prints Rust-ready constants; core/tests/envs_gymnasium.rs embeds this output.

For every environment, `env.unwrapped.P[s][a]` (a list of (prob, next, reward, terminated)) is
hashed with 64-bit FNV-1a over, for s in order, a in order: the number of outcomes (u32 LE),
then per outcome round(prob * 1e6) (u32 LE), next (u32 LE), round(reward) (i32 LE),
terminated (u8). The initial state distribution is hashed the same way as round(p * 1e6) (u32 LE)
per state. FrozenLake 4x4 and CliffWalking are also written out in full; Taxi gets spot checks.
"""
import gymnasium as gym

FNV_OFFSET, FNV_PRIME = 0xCBF29CE484222325, 0x100000001B3


def fnv(h, data):
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return h


def u32(v):
    return int(v).to_bytes(4, "little", signed=False)


def i32(v):
    return int(v).to_bytes(4, "little", signed=True)


def table_hash(P, nS, nA):
    h = FNV_OFFSET
    for s in range(nS):
        for a in range(nA):
            outs = P[s][a]
            h = fnv(h, u32(len(outs)))
            for p, n, r, t in outs:
                h = fnv(h, u32(round(p * 1e6)) + u32(n) + i32(round(r)) + bytes([int(bool(t))]))
    return h


def init_hash(d):
    h = FNV_OFFSET
    for p in d:
        h = fnv(h, u32(round(p * 1e6)))
    return h


ENVS = [
    ("FL4_SLIPPERY", "FrozenLake-v1", {"is_slippery": True}),
    ("FL4_DRY", "FrozenLake-v1", {"is_slippery": False}),
    ("FL8_SLIPPERY", "FrozenLake8x8-v1", {"is_slippery": True}),
    ("FL8_DRY", "FrozenLake8x8-v1", {"is_slippery": False}),
    ("CLIFF", "CliffWalking-v1", {}),
    ("CLIFF_SLIPPERY", "CliffWalkingSlippery-v1", {}),
    ("TAXI", "Taxi-v4", {}),
    # A custom, non-square map (3 rows x 5 columns), with gymnasium's default time limit of 100.
    ("CUSTOM_3X5", "FrozenLake-v1", {"desc": ["SFFHF", "FHFFF", "FFFHG"], "is_slippery": True}),
]

print(f"// gymnasium {gym.__version__}")
for name, gid, kw in ENVS:
    env = gym.make(gid, **kw)
    u = env.unwrapped
    nS, nA = u.observation_space.n, u.action_space.n
    print(f"const {name}_HASH: u64 = 0x{table_hash(u.P, nS, nA):016x};")
    print(f"const {name}_INIT_HASH: u64 = 0x{init_hash(u.initial_state_distrib):016x};")
    print(f"const {name}_MAX_STEPS: Option<u32> = {'None' if env.spec.max_episode_steps is None else 'Some(%d)' % env.spec.max_episode_steps};")
    if name in ("FL4_SLIPPERY", "FL4_DRY", "CLIFF"):
        # Full table: per (s, a) the outcomes (prob·1e6, next, reward, terminated).
        k = max(len(u.P[s][a]) for s in range(nS) for a in range(nA))
        print(f"const {name}_P: [[[Outcome; {k}]; {nA}]; {nS}] = [")
        for s in range(nS):
            row = []
            for a in range(nA):
                outs = [(round(p * 1e6), n, round(r), bool(t)) for p, n, r, t in u.P[s][a]]
                outs += [(0, 0, 0, False)] * (k - len(outs))
                row.append("[" + ", ".join(f"({p}, {n}, {r}, {str(t).lower()})" for p, n, r, t in outs) + "]")
            print("    [" + ", ".join(row) + "],")
        print("];")
    if name == "TAXI":
        spots = [(0, a) for a in range(6)] + [(s, a) for s in (16, 77, 123, 328, 410, 479, 499) for a in range(6)]
        print(f"const TAXI_SPOTS: [(usize, usize, usize, i32, bool); {len(spots)}] = [")
        for s, a in spots:
            (p, n, r, t), = u.P[s][a]
            print(f"    ({s}, {a}, {n}, {round(r)}, {str(bool(t)).lower()}),")
        print("];")

#!/usr/bin/env python3
"""Seed 002's NumPy training loop, verbatim in its arithmetic, run on given inputs.

Usage: python3 tools/seed002_reference.py X0 X1 ... X39
(the first 20 are "blue" t=1, the last 20 "red" t=0). Prints final cost, w_h, w_o; the
reference values pinned in core/tests/mlp.rs come from the 40 points that `Rng::new(2)` draws
there (printed by that test on failure).
"""
import sys

import numpy as np

x = np.array([float(v) for v in sys.argv[1:]]).reshape(-1, 1)
assert x.shape[0] == 40, "need 40 inputs"
t = np.vstack((np.ones((20, 1)), np.zeros((20, 1))))
rbf = lambda z: np.exp(-z**2)
logistic = lambda z: 1 / (1 + np.exp(-z))
cost = lambda y, t: -np.sum(t * np.log(y) + (1 - t) * np.log(1 - y))
wh, wo, lr, T = 2.0, -5.0, 0.2, 30
for _ in range(T):
    lr -= 0.2 / T
    zh = x * wh
    h = rbf(zh)
    y = logistic(h * wo - 1)
    go = y - t
    d_wo = lr * (h * go).sum()
    d_wh = lr * (x * -2 * zh * h * (wo * go)).sum()
    wh, wo = wh - d_wh, wo - d_wo
print(f"cost {cost(logistic(rbf(x * wh) * wo - 1), t):.6f} w_h {wh:.6f} w_o {wo:.6f}")

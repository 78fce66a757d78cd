#!/usr/bin/env python3
"""Reference predict_proba values of scikit-learn's naive Bayes classifiers for the embedml tests.

Usage:  pip install scikit-learn numpy && python3 tools/nb_reference.py
Prints Rust-ready arrays; core/tests/fixtures/sklearn_nb_reference.rs holds this output (shared
by core/tests/naive_bayes_sklearn.rs and host/tests/nb_cli.rs).

Data sets (the same values are written in the Rust test):
- categorical: the play-golf table (data/golf.csv), categories encoded as in the test;
- Bernoulli: a 12 x 5 binary matrix with 3 classes drawn from a fixed numpy seed;
- multinomial: a 12 x 6 count matrix with 3 classes drawn from a fixed numpy seed;
- Gaussian: iris (data/iris.csv), features rounded to float32 first as the Rust side reads them.
"""
import csv
import os

import numpy as np
import sklearn
from sklearn.naive_bayes import BernoulliNB, CategoricalNB, GaussianNB, MultinomialNB

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def rust(name, a, fmt="{:.12e}"):
    a = np.asarray(a)
    rows = ["    [" + ", ".join(fmt.format(v) for v in r) + "]," for r in a]
    print(f"pub const {name}: [[f64; {a.shape[1]}]; {a.shape[0]}] = [")
    print("\n".join(rows))
    print("];")


def rust_int(name, a, ty="u8"):
    a = np.asarray(a)
    if a.ndim == 1:
        print(f"pub const {name}: [{ty}; {a.shape[0]}] = [{', '.join(str(int(v)) for v in a)}];")
    else:
        print(f"pub const {name}: [[{ty}; {a.shape[1]}]; {a.shape[0]}] = [")
        for r in a:
            print("    [" + ", ".join(str(int(v)) for v in r) + "],")
        print("];")


print(f"// scikit-learn {sklearn.__version__}, numpy {np.__version__}")

# --- categorical: golf ---------------------------------------------------------------------
codes = [
    {"sunny": 0, "overcast": 1, "rainy": 2},
    {"hot": 0, "mild": 1, "cool": 2},
    {"high": 0, "normal": 1},
    {"false": 0, "true": 1},
    {"no": 0, "yes": 1},
]
with open(os.path.join(ROOT, "data", "golf.csv")) as f:
    rows = list(csv.reader(f))[1:]
enc = np.array([[codes[j][v] for j, v in enumerate(r)] for r in rows])
Xg, yg = enc[:, :4], enc[:, 4]
Qg = np.vstack([Xg, [[0, 2, 0, 1]]])  # every row + the SPEC query (sunny, cool, high, windy)
rust_int("GOLF_X", Xg)
rust_int("GOLF_Y", yg)
for alpha in (1.0, 0.5):
    m = CategoricalNB(alpha=alpha, force_alpha=True, min_categories=[3, 3, 2, 2]).fit(Xg, yg)
    rust(f"GOLF_PROBA_ALPHA_{str(alpha).replace('.', '_')}", m.predict_proba(Qg))

# --- Bernoulli ------------------------------------------------------------------------------
rng = np.random.default_rng(7)
yb = np.array([0, 1, 2] * 4)
pb = np.array([[0.8, 0.2, 0.5, 0.1, 0.6], [0.1, 0.7, 0.5, 0.9, 0.3], [0.5, 0.5, 0.1, 0.4, 0.9]])
Xb = (rng.random((12, 5)) < pb[yb]).astype(int)
Qb = np.array([[int(b) for b in format(i, "05b")] for i in range(32)])  # all 32 patterns
rust_int("BERN_X", Xb)
rust_int("BERN_Y", yb)
for alpha in (1.0, 0.5):
    m = BernoulliNB(alpha=alpha, force_alpha=True).fit(Xb, yb)
    rust(f"BERN_PROBA_ALPHA_{str(alpha).replace('.', '_')}", m.predict_proba(Qb))

# --- multinomial ----------------------------------------------------------------------------
ym = np.array([0, 1, 2] * 4)
lam = np.array([[3, 1, 0.5, 2, 0.2, 1], [0.5, 2, 3, 0.3, 1, 1], [1, 1, 1, 1, 4, 0.2]])
Xm = rng.poisson(lam[ym])
Qm = np.vstack([Xm, [[0, 0, 0, 0, 0, 0], [5, 0, 0, 0, 0, 1], [0, 3, 2, 0, 7, 0]]])
rust_int("MULTI_X", Xm)
rust_int("MULTI_Y", ym)
for alpha in (1.0, 0.3):
    m = MultinomialNB(alpha=alpha, force_alpha=True).fit(Xm, ym)
    rust(f"MULTI_PROBA_ALPHA_{str(alpha).replace('.', '_')}", m.predict_proba(Qm))

# --- Gaussian: iris -------------------------------------------------------------------------
with open(os.path.join(ROOT, "data", "iris.csv")) as f:
    rows = list(csv.reader(f))[1:]
species = {"setosa": 0, "versicolor": 1, "virginica": 2}
Xi = np.array([[float(v) for v in r[:4]] for r in rows], dtype=np.float32).astype(np.float64)
yi = np.array([species[r[4]] for r in rows])
idx = [0, 25, 50, 70, 77, 83, 106, 119, 133, 149]
Qi = np.vstack([Xi[idx], [[6.0, 2.8, 4.9, 1.6], [5.5, 3.0, 3.0, 1.0]]]).astype(np.float32).astype(np.float64)
print(f"pub const IRIS_QUERY_ROWS: [usize; {len(idx)}] = {idx};")
print("pub const IRIS_EXTRA_QUERIES: [[f32; 4]; 2] = [[6.0, 2.8, 4.9, 1.6], [5.5, 3.0, 3.0, 1.0]];")
m = GaussianNB().fit(Xi, yi)
rust("IRIS_PROBA", m.predict_proba(Qi))
rust("IRIS_VAR", m.var_)
rust("IRIS_THETA", m.theta_)

#!/usr/bin/env python3
"""The robot-arm MDN of `embedml demo robot-arm`, trained in PyTorch: the throughput baseline
for `bench/mdn_vs_torch.sh` (samples/s = steps x batch / seconds in training steps).

Model (the same as `embedml train mdn` builds): trunk [n_in, hidden..., K (L + 2)] with tanh
hidden layers and an identity output, Glorot-uniform weights and zero biases; head outputs
[a_pi (K) | a_sigma (K) | a_mu (K x L)],
sigma_k = sigma_min + exp(clamp(a_sigma_k, -30, 30)) (isotropic), pi = softmax(a_pi),
loss = mean over the batch of -log sum_k pi_k N(t | mu_k, sigma_k^2 I_L) (log-sum-exp); Adam;
inputs and targets standardised; shuffled minibatches, one epoch = ceil(n / batch) steps.

  python3 bench/mdn_torch.py --write-csv arm.csv --n 100000      # the data set (both tools)
  python3 bench/mdn_torch.py --data arm.csv --hidden 256,256 --components 10 --batch 1024 \
      --epochs 3 --device auto --json

Without PyTorch it prints "skipped: ..." and exits 0 (the driver then reports embedml alone).
Runs on CPU-only PyTorch too (--device cpu, or auto without a GPU).
"""

import argparse
import csv
import json
import math
import sys
import time

LINKS = (0.8, 0.6)


def write_csv(path, n, seed):
    """Two-link arm samples (the distribution of `embedml demo robot-arm`): x, y, theta1, theta2."""
    import random

    rng = random.Random(seed)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["x", "y", "theta1", "theta2"])
        for _ in range(n):
            t1 = rng.uniform(-math.pi / 2, math.pi / 2)
            t2 = rng.uniform(0.3, 2.8)
            if rng.random() < 0.5:
                t2 = -t2
            x = LINKS[0] * math.cos(t1) + LINKS[1] * math.cos(t1 + t2)
            y = LINKS[0] * math.sin(t1) + LINKS[1] * math.sin(t1 + t2)
            w.writerow([f"{x:.7g}", f"{y:.7g}", f"{t1:.7g}", f"{t2:.7g}"])


def read_csv(path, x_cols, y_cols):
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        xi = [header.index(c) for c in x_cols]
        yi = [header.index(c) for c in y_cols]
        xs, ys = [], []
        for row in r:
            xs.append([float(row[i]) for i in xi])
            ys.append([float(row[i]) for i in yi])
    return xs, ys


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write-csv", metavar="PATH", help="write the robot-arm data set and exit")
    ap.add_argument("--n", type=int, default=100_000, help="rows for --write-csv")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", help="training CSV (x, y, theta1, theta2)")
    ap.add_argument("--x", default="x,y")
    ap.add_argument("--y", default="theta1,theta2")
    ap.add_argument("--hidden", default="256,256")
    ap.add_argument("--components", type=int, default=10)
    ap.add_argument("--sigma-min", type=float, default=0.0)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    ap.add_argument("--repeat", type=int, default=1, help="runs; the fastest is reported")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()

    if a.write_csv:
        write_csv(a.write_csv, a.n, a.seed)
        return 0
    if not a.data:
        ap.error("--data is required (or --write-csv)")
    try:
        import torch
    except ImportError:
        print("skipped: PyTorch is not installed (pip install torch)")
        return 0

    if a.device == "auto":
        dev = "cuda" if torch.cuda.is_available() else "cpu"
    else:
        dev = a.device
    if dev == "cuda" and not torch.cuda.is_available():
        print("mdn_torch: --device cuda but torch.cuda.is_available() is False", file=sys.stderr)
        return 2
    torch.manual_seed(a.seed)
    xs, ys = read_csv(a.data, a.x.split(","), a.y.split(","))
    x = torch.tensor(xs, dtype=torch.float32)
    t = torch.tensor(ys, dtype=torch.float32)
    # Standardise (sample std, as embedml's Standardizer) and keep the log-Jacobian for the NLL
    # in data units.
    x = (x - x.mean(0)) / x.std(0)
    t_std = t.std(0)
    t = (t - t.mean(0)) / t_std
    log_jac = float(torch.log(t_std).sum())
    x, t = x.to(dev), t.to(dev)
    n, n_in = x.shape
    L = t.shape[1]
    K = a.components
    hidden = [int(h) for h in a.hidden.split(",") if h]

    def build():
        layers, w = [], n_in
        for h in hidden:
            layers += [torch.nn.Linear(w, h), torch.nn.Tanh()]
            w = h
        layers.append(torch.nn.Linear(w, K * (L + 2)))
        seq = torch.nn.Sequential(*layers)
        # embedml's default initialisation for tanh/identity layers: Glorot uniform weights,
        # zero biases (PyTorch's own default, U(±1/sqrt(fan_in)) for weights and biases, trains
        # to a different NLL and, on the CPU, runs into denormals that slow it down ~10x).
        for m in seq:
            if isinstance(m, torch.nn.Linear):
                torch.nn.init.xavier_uniform_(m.weight)
                torch.nn.init.zeros_(m.bias)
        return seq.to(dev)

    ln2pi = math.log(2 * math.pi)

    def nll(out, tb):
        a_pi, a_sigma, a_mu = out[:, :K], out[:, K:2 * K], out[:, 2 * K:].reshape(-1, K, L)
        e = torch.exp(torch.clamp(a_sigma, -30.0, 30.0))
        sigma = e + a.sigma_min
        log_pi = torch.log_softmax(a_pi, dim=1)
        q = (((tb[:, None, :] - a_mu) / sigma[:, :, None]) ** 2).sum(2)
        term = log_pi - L * torch.log(sigma) - 0.5 * L * ln2pi - 0.5 * q
        return -torch.logsumexp(term, dim=1)

    steps_per_epoch = (n + a.batch - 1) // a.batch
    best = None
    for _ in range(a.repeat):
        net = build()
        opt = torch.optim.Adam(net.parameters(), lr=a.lr)
        if dev == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        samples = 0
        for _ in range(a.epochs):
            perm = torch.randperm(n, device=dev)
            for s in range(steps_per_epoch):
                idx = perm[s * a.batch:(s + 1) * a.batch]
                loss = nll(net(x[idx]), t[idx]).mean()
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                samples += idx.numel()
        if dev == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - start
        with torch.no_grad():
            total = sum(float(nll(net(x[i:i + 65536]), t[i:i + 65536]).sum()) for i in range(0, n, 65536))
        run = {
            "tool": "pytorch",
            "torch": torch.__version__,
            "device": dev,
            "threads": torch.get_num_threads(),
            "samples_per_s": samples / seconds,
            "seconds": seconds,
            "steps": a.epochs * steps_per_epoch,
            "train_nll": total / n + log_jac,
        }
        if best is None or run["samples_per_s"] > best["samples_per_s"]:
            best = run
    if a.json:
        print(json.dumps(best))
    else:
        print(
            f"PyTorch {best['torch']} on {best['device']}: {best['steps']} steps in {best['seconds']:.2f} s, "
            f"{best['samples_per_s']:,.0f} samples/s, train NLL {best['train_nll']:.4f} nats (data units)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

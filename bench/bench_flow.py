#!/usr/bin/python3
"""Flows vs PyTorch: the same MAF (5 MADE layers, 2 x 64 ReLU hidden, d = 10, soft-clipped log-scales, reverse
order between layers, fixed standardisation) trained on 100k samples with batch 512 and Adam 1e-3, one thread on
both sides. Times training samples/s and log_prob latency at batch 1, 32 and 1024 in PyTorch float32 and float64,
then runs our C++ bench program on the same settings and prints the ratios.

Usage: /usr/bin/python3 bench/bench_flow.py [path/to/build/bench/bench_flow_cpp] [--epochs 2] [--n 100000]
"""
import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)
LOG_SCALE_BOUND = float(np.log(1e3))


def made_masks(d, hidden, hidden_layers, reverse):
    deg_in = np.arange(d, 0, -1) if reverse else np.arange(1, d + 1)
    masks, prev = [], deg_in
    for _ in range(hidden_layers):
        deg = (np.arange(hidden) % max(1, d - 1)) + min(1, d - 1)
        masks.append((deg[:, None] >= prev[None, :]).astype(np.float64))
        prev = deg
    out = (np.concatenate([deg_in, deg_in])[:, None] > prev[None, :]).astype(np.float64)
    masks.append(out)
    return masks


class MadeAffine(torch.nn.Module):
    def __init__(self, d, hidden, hidden_layers, reverse, dtype):
        super().__init__()
        sizes = [d] + [hidden] * hidden_layers + [2 * d]
        self.linears = torch.nn.ModuleList(
            [torch.nn.Linear(sizes[i], sizes[i + 1], dtype=dtype) for i in range(len(sizes) - 1)])
        for i, m in enumerate(made_masks(d, hidden, hidden_layers, reverse)):
            self.register_buffer(f"mask{i}", torch.tensor(m, dtype=dtype))
        with torch.no_grad():  # identity at start, as ours
            self.linears[-1].weight.zero_()
            self.linears[-1].bias.zero_()
        self.d = d

    def to_latent(self, x):
        h = x
        n = len(self.linears)
        for i, lin in enumerate(self.linears):
            h = torch.nn.functional.linear(h, lin.weight * getattr(self, f"mask{i}"), lin.bias)
            if i + 1 < n:
                h = torch.relu(h)
        mu, raw = h[:, :self.d], h[:, self.d:]
        a = raw / (1 + raw.abs() / LOG_SCALE_BOUND)
        return (x - mu) * torch.exp(-a), -a.sum(dim=1)


class Maf(torch.nn.Module):
    def __init__(self, d, layers, hidden, hidden_layers, mean, std, dtype):
        super().__init__()
        self.layers = torch.nn.ModuleList([MadeAffine(d, hidden, hidden_layers, k % 2 == 1, dtype)
                                           for k in range(layers)])
        self.register_buffer("mean", torch.tensor(mean, dtype=dtype))
        self.register_buffer("std", torch.tensor(std, dtype=dtype))
        self.const = -0.5 * d * np.log(2 * np.pi) - float(np.log(std).sum())

    def log_prob(self, x):
        z = (x - self.mean) / self.std
        ld = torch.zeros(x.shape[0], dtype=x.dtype)
        for layer in self.layers:
            z, l = layer.to_latent(z)
            ld = ld + l
        return ld - 0.5 * (z * z).sum(dim=1) + self.const


def data(n, d, seed=1):
    rng = np.random.default_rng(seed)
    a = np.eye(d) + np.tril(np.full((d, d), 0.3), -1)
    return rng.standard_normal((n, d)) @ a.T


def bench_torch(dtype, n, d, batch, layers, hidden, epochs):
    torch.manual_seed(0)
    x_np = data(n, d)
    model = Maf(d, layers, hidden, 2, x_np.mean(0), x_np.std(0), dtype)
    x = torch.tensor(x_np, dtype=dtype)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    t0 = time.perf_counter()
    loss = None
    for _ in range(epochs):
        perm = torch.randperm(n)
        for b0 in range(0, n, batch):
            xb = x[perm[b0:b0 + batch]]
            loss = -model.log_prob(xb).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
    train_s = time.perf_counter() - t0
    lat = {}
    with torch.no_grad():
        for rows in (1, 32, 1024):
            xb = x[:rows]
            model.log_prob(xb)
            calls, t0 = 0, time.perf_counter()
            while True:
                for _ in range(20):
                    model.log_prob(xb)
                calls += 20
                el = time.perf_counter() - t0
                if el > 0.5:
                    break
            lat[str(rows)] = 1e6 * el / calls
    return {"impl": f"PyTorch {torch.__version__} {str(dtype).replace('torch.', '')}",
            "params": sum(p.numel() for p in model.parameters()),
            "train_samples_per_s": n * epochs / train_s, "final_train_loss": float(loss), "log_prob_us": lat}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cpp", nargs="?", default=os.path.join(os.path.dirname(__file__), "..", "build", "bench",
                                                           "bench_flow_cpp"))
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--n", type=int, default=100000)
    args = ap.parse_args()
    d, batch, layers, hidden = 10, 512, 5, 64
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    cpp_out = subprocess.run([args.cpp, str(d), str(args.n), str(batch), str(layers), str(hidden), str(args.epochs)],
                             check=True, capture_output=True, text=True, env=env).stdout
    ours = json.loads(cpp_out)
    results = [ours] + [bench_torch(dt, args.n, d, batch, layers, hidden, args.epochs)
                        for dt in (torch.float32, torch.float64)]
    print(f"MAF d={d}, {layers} layers, 2x{hidden} hidden, n={args.n}, batch={batch}, {args.epochs} epochs, 1 thread")
    print(f"{'implementation':32s} {'params':>7s} {'train samples/s':>16s} {'loss':>8s} "
          f"{'lp us b=1':>10s} {'b=32':>9s} {'b=1024':>9s}")
    for r in results:
        lp = r["log_prob_us"]
        print(f"{r['impl']:32s} {r['params']:7d} {r['train_samples_per_s']:16.0f} {r['final_train_loss']:8.3f} "
              f"{lp['1']:10.1f} {lp['32']:9.1f} {lp['1024']:9.1f}")
    for r in results[1:]:
        lp, lo = r["log_prob_us"], ours["log_prob_us"]
        print(f"ratio C++ / {r['impl']}: training {ours['train_samples_per_s'] / r['train_samples_per_s']:.2f}x, "
              f"log_prob b=1 {lp['1'] / lo['1']:.1f}x, b=32 {lp['32'] / lo['32']:.1f}x, "
              f"b=1024 {lp['1024'] / lo['1024']:.1f}x faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())

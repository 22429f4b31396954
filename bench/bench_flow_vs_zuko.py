#!/usr/bin/python3
"""Flow fit and training time against zuko (probabilists/zuko), both sides in one invocation (issue 21, rows 1-2).

Target: the 10-D two-Gaussian mixture of `flowprior sample --target mixture` (equal weights, means -2 and +2 in
every coordinate, sd 0.5), whose log density is exact. 100k training draws and 50k held-out draws (numpy, fixed
seed) are written to raw float64 files that both sides read. Each side trains the same architecture: 3 transforms,
conditioner 2 x 64 ReLU, batch 512, Adam 1e-3, global-norm clip 5, 20 epochs on all training rows (no validation
split), fixed standardisation by the training mean/sd (ours builds it in; on zuko's side it is an affine map
outside the flow, as zuko's documentation recommends for its spline bound). Quality: the KL gap
KL(p||q) = E_p[log p - log q] on the held-out draws, +- its standard error. Time: training wall and CPU seconds.

zuko is not a Debian package and is not a dependency of flowprior: this script imports it from a source checkout
given by --zuko-path or ZUKO_PATH (e.g. `git clone https://github.com/probabilists/zuko`); torch comes from Debian
(bench/setup_peers.sh). Threads pinned on both sides: torch.set_num_threads(T), OMP/OPENBLAS/MKL_NUM_THREADS=T,
our training threads = T (default T = 2).

Usage: ZUKO_PATH=/path/to/zuko /usr/bin/python3 bench/bench_flow_vs_zuko.py [build] [--arch maf nsf]
       [--epochs 20] [--n 100000] [--threads 2] [--seed 1] [--dtype float32|float64]
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("build", nargs="?", default=os.path.join(os.path.dirname(__file__), "..", "build"))
ap.add_argument("--arch", nargs="+", default=["maf", "nsf"], help="maf, nsf (autoregressive), nsf-coupling")
ap.add_argument("--epochs", type=int, default=20)
ap.add_argument("--n", type=int, default=100000)
ap.add_argument("--n-test", type=int, default=50000)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--bins", type=int, default=8)
ap.add_argument("--tail-bound", type=float, default=0, help="our NSF's bound (0: our default)")
ap.add_argument("--dtype", default="float32", choices=["float32", "float64"])
ap.add_argument("--sides", nargs="+", default=["ours", "zuko"])
ap.add_argument("--zuko-passes", type=int, default=0, help="zuko NSF/MAF passes (0: fully autoregressive, 2: coupling)")
ap.add_argument("--zuko-path", default=os.environ.get("ZUKO_PATH", ""))
args = ap.parse_args()

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)
import numpy as np  # noqa: E402

DIM, LAYERS, HIDDEN, BATCH, LR, CLIP = 10, 3, 64, 512, 1e-3, 5.0
SD, MU = 0.5, 2.0


def draws(n, rng):
    side = np.where(rng.random(n) < 0.5, -MU, MU)
    return side[:, None] + SD * rng.standard_normal((n, DIM))


def log_p(x):
    norm = -0.5 * DIM * np.log(2 * np.pi) - DIM * np.log(SD) + np.log(0.5)
    qm = ((x + MU) ** 2).sum(1) / SD**2
    qp = ((x - MU) ** 2).sum(1) / SD**2
    return norm + np.logaddexp(-0.5 * qm, -0.5 * qp)


def run_zuko(arch, train, test, seed):
    if not args.zuko_path:
        sys.exit("zuko side needs --zuko-path or ZUKO_PATH (a source checkout of probabilists/zuko)")
    sys.path.insert(0, args.zuko_path)
    import torch
    import zuko

    torch.set_num_threads(args.threads)
    dtype = getattr(torch, args.dtype)
    torch.manual_seed(seed)
    kw = dict(transforms=LAYERS, hidden_features=[HIDDEN, HIDDEN])
    if args.zuko_passes or arch == "nsf-coupling":
        kw["passes"] = args.zuko_passes or 2  # zuko's coupling form: two passes
    spline = arch.startswith("nsf")
    flow = zuko.flows.NSF(DIM, bins=args.bins, **kw) if spline else zuko.flows.MAF(DIM, **kw)
    flow = flow.to(dtype)
    mean, sd = train.mean(0), train.std(0)
    x = torch.tensor((train - mean) / sd, dtype=dtype)
    opt = torch.optim.Adam(flow.parameters(), lr=LR)
    n = x.shape[0]
    c0, t0 = time.process_time(), time.perf_counter()
    for _ in range(args.epochs):
        perm = torch.randperm(n)
        for b0 in range(0, n, BATCH):
            loss = -flow().log_prob(x[perm[b0:b0 + BATCH]]).mean()
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(flow.parameters(), CLIP)
            opt.step()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    with torch.no_grad():
        lq = flow().log_prob(torch.tensor((test - mean) / sd, dtype=dtype)).double().numpy() - np.log(sd).sum()
    return {"impl": f"zuko {zuko.__version__} {arch} (torch {torch.__version__} {args.dtype})",
            "params": sum(p.numel() for p in flow.parameters()), "train_wall_s": wall, "train_cpu_s": cpu,
            "log_q": lq}


def run_ours(arch, train_file, test_file, seed):
    exe = os.path.join(args.build, "bench", "bench_flow_fit")
    out = subprocess.run([exe, train_file, test_file, str(DIM), arch, str(LAYERS), str(HIDDEN), str(args.bins),
                          str(args.epochs), str(BATCH), str(args.threads), str(seed), str(LR)]
                         + ([str(args.tail_bound)] if args.tail_bound else []),
                         check=True, capture_output=True, text=True, env=dict(os.environ)).stdout
    r = json.loads(out)
    r["log_q"] = np.array(r["log_q"])
    return r


def main():
    rng = np.random.default_rng(args.seed)
    train, test = draws(args.n, rng), draws(args.n_test, rng)
    lp = log_p(test)
    load = open("/proc/loadavg").read().split()[:3]
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
                 platform.machine())
    print(f"machine: {model}, {os.cpu_count()} CPUs; load before: {load}")
    print(f"10-D two-Gaussian mixture, n={args.n}, test {args.n_test}, {LAYERS} x [{HIDDEN},{HIDDEN}], batch "
          f"{BATCH}, {args.epochs} epochs, {args.threads} threads, bins {args.bins}, seed {args.seed}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tf, vf = os.path.join(tmp, "train.f64"), os.path.join(tmp, "test.f64")
        train.astype("<f8").tofile(tf)
        test.astype("<f8").tofile(vf)
        for arch in args.arch:
            res = {}
            for side in args.sides:
                r = run_ours(arch, tf, vf, args.seed) if side == "ours" else run_zuko(arch, train, test, args.seed)
                gap = lp - r["log_q"]
                r["kl"], r["kl_se"] = float(gap.mean()), float(gap.std() / np.sqrt(len(gap)))
                res[side] = r
                print(f"  {r['impl']:48s} params {r['params']:7d}  train wall {r['train_wall_s']:8.2f} s  cpu "
                      f"{r['train_cpu_s']:8.2f} s  KL gap {r['kl']:.4f} +- {r['kl_se']:.4f}", flush=True)
            if "ours" in res and "zuko" in res:
                o, z = res["ours"], res["zuko"]
                print(f"  {arch}: ours {z['train_wall_s'] / o['train_wall_s']:.1f}x faster (wall), "
                      f"{z['train_cpu_s'] / o['train_cpu_s']:.1f}x (CPU); KL gap ours {o['kl']:.4f} vs zuko "
                      f"{z['kl']:.4f}", flush=True)
            rows.append((arch, res))
    print(f"load after: {open('/proc/loadavg').read().split()[:3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""GP emulator vs scikit-learn's GaussianProcessRegressor, one thread on both sides.

Same design (300 points, 10-D), same targets, same kernel (amplitude * ARD SE or Matern 5/2 + white noise), same
bounds and number of optimiser starts. Times: fit, batch prediction of 10,000 points (mean and variance) and
single-point latency. Prints ratios sklearn / flowprior (> 1: flowprior faster).

    /usr/bin/python3 bench/bench_emulator.py [BUILD_DIR] [--kernel se|matern52] [--restarts R]
"""
import os

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.gaussian_process import GaussianProcessRegressor  # noqa: E402
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern, WhiteKernel  # noqa: E402


def latin_hypercube(n, d, rng):
    u = np.empty((n, d))
    for c in range(d):
        u[:, c] = (rng.permutation(n) + rng.random(n)) / n
    return u


def model(x):
    return (np.sin(3 * x[:, 0]) + x[:, 1] ** 2 + x[:, 2] * x[:, 3] + 0.5 * np.cos(2 * x[:, 4] + x[:, 5])
            + 0.1 * x[:, 6:].sum(axis=1))


def write_csv(path, names, values):
    np.savetxt(path, values, delimiter=",", header=",".join(names), comments="", fmt="%.17g")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default=os.path.join(here, "..", "build"))
    ap.add_argument("--kernel", default="se", choices=["se", "matern52"])
    ap.add_argument("--restarts", type=int, default=5, help="optimiser starts in total on each side")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--dim", type=int, default=10)
    ap.add_argument("--points", type=int, default=10000)
    args = ap.parse_args()

    rng = np.random.default_rng(1)
    x = latin_hypercube(args.n, args.dim, rng)
    y = model(x)
    y = (y - y.mean()) / y.std(ddof=1)
    points = rng.random((args.points, args.dim))

    shape = Matern(np.full(args.dim, 0.5), (1e-2, 1e2), nu=2.5) if args.kernel == "matern52" else \
        RBF(np.full(args.dim, 0.5), (1e-2, 1e2))
    kernel = ConstantKernel(1.0, (1e-2, 1e2)) * shape + WhiteKernel(1e-4, (1e-6, 1.0))
    gp = GaussianProcessRegressor(kernel, alpha=0.0, n_restarts_optimizer=args.restarts - 1, random_state=0)
    t0 = time.perf_counter()
    gp.fit(x, y)
    sk_fit = time.perf_counter() - t0
    sk_batch = 1e300
    for _ in range(3):
        t0 = time.perf_counter()
        sk_mean, sk_std = gp.predict(points, return_std=True)
        sk_batch = min(sk_batch, time.perf_counter() - t0)
    singles = 300
    t0 = time.perf_counter()
    for i in range(singles):
        gp.predict(points[i:i + 1], return_std=True)
    sk_single = (time.perf_counter() - t0) / singles

    exe = os.path.join(args.build, "bench", "bench_emulator_cpp")
    with tempfile.TemporaryDirectory() as tmp:
        names = [f"x{i}" for i in range(args.dim)]
        write_csv(os.path.join(tmp, "design.csv"), names, x)
        write_csv(os.path.join(tmp, "targets.csv"), ["z"], y[:, None])
        write_csv(os.path.join(tmp, "points.csv"), names, points)
        pred = os.path.join(tmp, "pred.csv")
        env = dict(os.environ, OMP_NUM_THREADS="1")
        out = subprocess.run([exe, os.path.join(tmp, "design.csv"), os.path.join(tmp, "targets.csv"),
                              os.path.join(tmp, "points.csv"), args.kernel, str(args.restarts), pred],
                             check=True, capture_output=True, text=True, env=env).stdout
        cpp = json.loads(out)
        ours = np.loadtxt(pred, delimiter=",", skiprows=1)

    print(f"GP emulator vs scikit-learn: kernel {args.kernel}, design {args.n} x {args.dim}, "
          f"{args.restarts} optimiser starts each, {args.points} prediction points, 1 thread")
    print(f"  log marginal likelihood: sklearn {gp.log_marginal_likelihood_value_:.4f}  flowprior {cpp['lml']:.4f}")
    print(f"  max |mean difference| {np.abs(ours[:, 0] - sk_mean).max():.2e}  "
          f"max |sd difference| {np.abs(np.sqrt(ours[:, 1]) - sk_std).max():.2e}  (sd of y = 1)")
    rows = [("fit", sk_fit, cpp["fit_s"]), ("batch predict (mean+var)", sk_batch, cpp["batch_s"]),
            ("single-point predict", sk_single, cpp["single_s"])]
    print(f"  {'':28s} {'sklearn':>12s} {'flowprior':>12s} {'ratio':>8s}")
    for name, a, b in rows:
        print(f"  {name:28s} {a:12.4g} {b:12.4g} {a / b:8.1f}x")


if __name__ == "__main__":
    main()

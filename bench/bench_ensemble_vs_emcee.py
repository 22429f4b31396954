#!/usr/bin/python3
"""flowprior's ensemble sampler against emcee (Debian's python3-emcee), one thread each (issue 3, items 2 and 3).

1. Integrated autocorrelation times (stretch move, emcee's integrated_time vs ours, both after the same burn-in,
   averaged over seeds) on the 10-D correlated Gaussian (32 walkers) and the 2-D Rosenbrock (32 walkers): the ratio
   should be within 15%.
2. Proposals per second on a cheap target (2-D Rosenbrock, 32 walkers): emcee vectorized (its fastest mode) and
   emcee with one Python call per walker (its default), against flowprior's in-memory run.

Usage: /usr/bin/python3 bench/bench_ensemble_vs_emcee.py <build-dir> [--quick]
"""
import json, os, subprocess, sys, time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import numpy as np
import emcee

build = sys.argv[1] if len(sys.argv) > 1 else "build"
quick = "--quick" in sys.argv
exe = os.path.join(build, "bench", "bench_ensemble")
SEEDS = [1, 2] if quick else [1, 2, 3, 4]


def gaussian_lp(d):
    cov = 0.9 ** np.abs(np.subtract.outer(np.arange(d), np.arange(d)))
    prec = np.linalg.inv(cov)

    def lp(x):  # vectorized: x (n, d); box [-10, 10]^d
        x = np.atleast_2d(x)
        out = -0.5 * np.einsum("ij,jk,ik->i", x, prec, x)
        out[np.any(np.abs(x) > 10, axis=1)] = -np.inf
        return out
    return lp


def rosenbrock_lp(x):
    x = np.atleast_2d(x)
    out = -((1 - x[:, 0]) ** 2 + 100 * (x[:, 1] - x[:, 0] ** 2) ** 2) / 20
    out[np.any(np.abs(x) > 10, axis=1)] = -np.inf
    return out


def rosenbrock_scalar(x):
    if abs(x[0]) > 10 or abs(x[1]) > 10:
        return -np.inf
    return -((1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2) / 20


def emcee_run(lp, d, walkers, steps, seed, vectorize=True):
    rng = np.random.default_rng(seed)
    p0 = rng.uniform(-10, 10, size=(walkers, d))
    np.random.seed(seed)
    s = emcee.EnsembleSampler(walkers, d, lp, vectorize=vectorize)
    t0 = time.perf_counter()
    s.run_mcmc(p0, steps, progress=False)
    return s, time.perf_counter() - t0


def ours(target, d, walkers, steps, discard, seed):
    out = subprocess.run([exe, target, str(d), str(walkers), str(steps), str(discard), str(seed)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


print("machine:", subprocess.run("lscpu | grep 'Model name'", shell=True, capture_output=True, text=True).stdout.strip())
print("emcee", emcee.__version__, "numpy", np.__version__)

print("\n== integrated autocorrelation time (stretch move), mean over parameters and seeds ==")
cases = [("gaussian", 10, 32, 12000 if quick else 40000, 2000, gaussian_lp(10)),
         ("rosenbrock", 2, 32, 12000 if quick else 40000, 2000, rosenbrock_lp)]
for name, d, w, steps, discard, lp in cases:
    t_e, t_o = [], []
    for seed in SEEDS:
        s, _ = emcee_run(lp, d, w, steps, seed)
        t_e.append(np.mean(s.get_autocorr_time(discard=discard, quiet=True)))
        t_o.append(np.mean(ours(name, d, w, steps, discard, seed)["autocorr_time"]))
    ratio = np.mean(t_o) / np.mean(t_e)
    spread = np.std(np.array(t_o) / np.array(t_e)) / np.sqrt(len(SEEDS))
    print(f"{name:10s} d={d:2d} W={w} steps={steps} seeds={len(SEEDS)}: tau emcee {np.mean(t_e):8.2f}  "
          f"flowprior {np.mean(t_o):8.2f}  ratio {ratio:.3f} (+- {spread:.3f})  "
          f"{'OK' if abs(ratio - 1) <= 0.15 else 'OUTSIDE 15%'}")

print("\n== proposals per second, 2-D Rosenbrock, 32 walkers, 1 thread ==")
steps_e = 2000 if quick else 10000
_, sec_v = emcee_run(rosenbrock_lp, 2, 32, steps_e, 1, vectorize=True)
_, sec_s = emcee_run(rosenbrock_scalar, 2, 32, steps_e // 5, 1, vectorize=False)
rate_v = steps_e * 32 / sec_v
rate_s = steps_e // 5 * 32 / sec_s
r = ours("rosenbrock", 2, 32, 200000 if quick else 1000000, 1000, 1)
rate_o = r["proposals_per_second"]
print(f"emcee vectorized : {rate_v:12.0f} proposals/s")
print(f"emcee per-walker : {rate_s:12.0f} proposals/s")
print(f"flowprior        : {rate_o:12.0f} proposals/s")
print(f"ratio vs vectorized emcee: {rate_o / rate_v:.1f}x, vs per-walker emcee: {rate_o / rate_s:.1f}x (target >= 50x)")

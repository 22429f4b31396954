"""Overhead of a Python-callable likelihood per batch, against the same likelihood in C++.

The likelihood is a normalised 5-D Gaussian (correlation 0.9^|i-j|): in C++ (fp.gaussian_density) and as a
numpy function. A third callable returns zeros, so its time is the pure cost of crossing into Python (GIL,
building the (B, d) array, converting the result). Part 1 times single log_prob calls issued from C++ without
the GIL, as the samplers issue them (fp.time_evaluations); part 2 runs the ensemble sampler (2 batches per step)
both ways and divides the time difference by the number of batches.

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=build/python /usr/bin/python3 bench/bench_python_callable.py
"""
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
import time  # noqa: E402

import numpy as np  # noqa: E402

import flowprior as fp  # noqa: E402

D = 5
MEAN = np.zeros(D)
COV = 0.9 ** np.abs(np.subtract.outer(np.arange(D), np.arange(D)))
CHOL_INV = np.linalg.inv(np.linalg.cholesky(COV))
LOG_NORM = -0.5 * D * np.log(2 * np.pi) - np.sum(np.log(np.diag(np.linalg.cholesky(COV))))
NAMES = [f"x{i + 1}" for i in range(D)]


def numpy_gaussian(x):
    z = (x - MEAN) @ CHOL_INV.T
    return LOG_NORM - 0.5 * np.einsum("ij,ij->i", z, z)


def zeros(x):
    return np.zeros(len(x))


def per_batch(density, x, budget=0.3):
    """Seconds per call, repeats chosen to fill about `budget` seconds; best of three."""
    once = fp.time_evaluations(density, x, 3)
    repeats = max(3, int(budget / max(once, 1e-7)))
    return min(fp.time_evaluations(density, x, repeats) for _ in range(3))


def main():
    cpp = fp.gaussian_density(MEAN, COV, NAMES)
    py = fp.callable_density(numpy_gaussian, NAMES)
    empty = fp.callable_density(zeros, NAMES)
    rng = np.random.default_rng(1)
    check = rng.normal(size=(7, D))
    assert np.allclose(cpp.log_prob(check), py.log_prob(check), rtol=0, atol=1e-12)

    print(f"Part 1: one log_prob call on a batch of B points, d = {D}, one thread (times per batch)")
    print(f"{'B':>6} {'C++ us':>10} {'numpy us':>10} {'empty us':>10} {'overhead us':>12} {'ratio py/C++':>13}")
    for b in (1, 16, 128, 1024, 8192):
        x = rng.normal(size=(b, D))
        t_cpp, t_py, t_empty = (per_batch(d, x) * 1e6 for d in (cpp, py, empty))
        print(f"{b:>6} {t_cpp:>10.2f} {t_py:>10.2f} {t_empty:>10.2f} {t_py - t_cpp:>12.2f} {t_py / t_cpp:>13.2f}")

    print("\nPart 2: ensemble sampler, 32 walkers (batches of 16), 10000 steps = 20000 batches + 1 start batch")
    box = fp.Box(NAMES, [-10.0] * D, [10.0] * D)
    timings = {}
    for name, like in (("C++", cpp), ("numpy callable", numpy_gaussian)):
        best = np.inf
        for _ in range(3):
            t0 = time.perf_counter()
            fp.EnsembleSampler(like, box, walkers=32, seed=1).run(10000)
            best = min(best, time.perf_counter() - t0)
        timings[name] = best
        print(f"{name:>15}: {best:.3f} s")
    batches = 2 * 10000 + 1
    overhead = (timings["numpy callable"] - timings["C++"]) / batches * 1e6
    print(f"overhead per batch in the sampler: {overhead:.1f} us; "
          f"run-time ratio callable / C++ = {timings['numpy callable'] / timings['C++']:.2f}")


if __name__ == "__main__":
    main()

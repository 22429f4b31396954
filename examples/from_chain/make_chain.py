#!/usr/bin/env python3
"""Stage 1 of examples/from_chain, made elsewhere: emcee itself samples dataset A and writes chain.h5 with its own
HDFBackend, as an earlier analysis would have. `flowprior run analysis.toml` then starts from that chain.

The likelihood is the one analysis.toml states for dataset A: y = matrix x + offset with independent Gaussian
errors (data_a.csv), and the prior is uniform on the box of [parameters] (slope, intercept in [-10, 10]).

Usage: /usr/bin/python3 make_chain.py [--steps N] [--out chain.h5] [--seed S]
"""
import argparse
import os

import emcee
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
MATRIX = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])  # [datasets.A] matrix of analysis.toml
OFFSET = np.array([0.5, 0.0, -0.5])                      # [datasets.A] offset
LOW, HIGH = -10.0, 10.0                                  # [parameters]


def log_prob(x, values, errors):
    if np.any(x <= LOW) or np.any(x >= HIGH):
        return -np.inf
    r = (MATRIX @ x + OFFSET - values) / errors
    return -0.5 * r @ r


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=5000)
    p.add_argument("--walkers", type=int, default=32)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", default=os.path.join(HERE, "chain.h5"))
    a = p.parse_args()
    data = np.genfromtxt(os.path.join(HERE, "data_a.csv"), delimiter=",", names=True)
    rng = np.random.default_rng(a.seed)
    start = np.array([1.0, -1.0]) + 1e-2 * rng.standard_normal((a.walkers, 2))  # a ball, emcee's usual start
    if os.path.exists(a.out):
        os.remove(a.out)  # a fresh chain (the backend would otherwise append)
    backend = emcee.backends.HDFBackend(a.out)
    backend.reset(a.walkers, 2)
    sampler = emcee.EnsembleSampler(a.walkers, 2, log_prob, args=(data["value"], data["error"]), backend=backend)
    sampler.random_state = np.random.RandomState(a.seed).get_state()  # reproducible
    sampler.run_mcmc(start, a.steps, progress=False)
    tau = sampler.get_autocorr_time(quiet=True)
    print(f"wrote {a.out}: {a.walkers} walkers x {a.steps} steps, acceptance "
          f"{np.mean(sampler.acceptance_fraction):.3f}, autocorrelation time {np.max(tau):.1f} steps")


if __name__ == "__main__":
    main()

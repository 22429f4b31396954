# %% [markdown]
# # flowprior for a pocoMC user: one analysis, then a sequential one with a flow prior
#
# The same steps as `pocomc_equivalent.py` (pocoMC's API, side by side, cell for cell; pocoMC is not a Debian
# package, so that script is not run here): a prior from scipy.stats distributions, a likelihood, `run()`,
# `posterior()`, `evidence()`. The problem is linear-Gaussian, so every number printed has an exact answer next to
# it: a correct sampler -- this one or pocoMC -- must land on it within its Monte Carlo error.
#
#     /usr/bin/python3 examples/python/pocomc_style.py [output-folder]      # ~10 s on one core
#
# Then the step pocoMC does not have: the stage-1 posterior becomes a normalizing-flow prior for stage 2, and the
# sequential answer (log Z_A + log Z_B|A, posterior) is checked against the exact joint one.

# %%
import pathlib
import pickle
import sys
import time

import numpy as np
from scipy import stats

import flowprior as fp

out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "pocomc_style_out")
out.mkdir(parents=True, exist_ok=True)
t0 = time.time()

# Four parameters with independent N(0, 2^2) priors; two datasets y = A theta + noise (sd 0.5), 6 points each.
n_dim = 4
prior_sd = 2.0
names = ["t1", "t2", "t3", "t4"]
rng = np.random.default_rng(42)
truth = np.array([0.8, -0.5, 1.2, 0.3])
A = rng.normal(size=(6, n_dim))
B = rng.normal(size=(6, n_dim))
noise = 0.5
y_a = A @ truth + noise * rng.normal(size=6)
y_b = B @ truth + noise * rng.normal(size=6)


def log_like(theta, matrix, y):
    """A pocoMC-style vectorised likelihood: theta (n, 4) -> (n,)."""
    r = theta @ matrix.T - y
    return -0.5 * np.sum((r / noise) ** 2, axis=1) - len(y) * np.log(noise * np.sqrt(2 * np.pi))


def exact(matrices, ys):
    """Exact posterior mean, sd and log evidence for the Gaussian prior and the given datasets."""
    M = np.vstack(matrices)
    y = np.concatenate(ys)
    cov_y = prior_sd ** 2 * M @ M.T + noise ** 2 * np.eye(len(y))
    log_z = stats.multivariate_normal(np.zeros(len(y)), cov_y).logpdf(y)
    precision = M.T @ M / noise ** 2 + np.eye(n_dim) / prior_sd ** 2
    cov = np.linalg.inv(precision)
    return cov @ M.T @ y / noise ** 2, np.sqrt(np.diag(cov)), log_z


# %% [markdown]
# ## Stage 1, as in pocoMC

# %%
prior = fp.Prior([stats.norm(0, prior_sd) for _ in range(n_dim)], names=names)   # pc.Prior([...])
sampler = fp.PersistentSampler(log_like, prior, args=(A, y_a), seed=1)           # pc.Sampler(prior, log_like, ...)
sampler.run(progress=True)                                                       # sampler.run(progress=True)
samples, weights, logl, logp = sampler.posterior()                               # sampler.posterior()
logz, logz_err = sampler.evidence()                                              # sampler.evidence()
print(sampler)

mean = weights @ samples / weights.sum()
sd = np.sqrt(weights @ (samples - mean) ** 2 / weights.sum())
m_exact, sd_exact, logz_exact = exact([A], [y_a])
print(f"stage 1: log Z = {logz:.3f} +- {logz_err:.3f}   exact {logz_exact:.3f}   "
      f"(flow importance sampling: {sampler.result.log_z_is:.3f} +- {sampler.result.log_z_is_err:.3f})")
print(f"         mean  {np.round(mean, 3)}   exact {np.round(m_exact, 3)}")
print(f"         sd    {np.round(sd, 3)}   exact {np.round(sd_exact, 3)}")

# Results print, save, load and pickle (multiprocessing, joblib).
sampler.result.save(str(out / "stage1.h5"))
again = fp.SmcResult.load(str(out / "stage1.h5"))
assert again.log_z == logz and np.array_equal(again.x, samples)
assert pickle.loads(pickle.dumps(again)).log_z == logz

# %% [markdown]
# ## Stage 2 with a flow prior trained on stage 1 (what flowprior adds)

# %%
flow = fp.train_flow(samples, prior.box, weights=weights, seed=1)   # the command line's defaults
print(flow)
stage2 = fp.PersistentSampler(log_like, flow, args=(B, y_b), seed=2)
stage2.run()
x2, w2, _, _ = stage2.posterior()
logz2, logz2_err = stage2.evidence()
mean2 = w2 @ x2 / w2.sum()
sd2 = np.sqrt(w2 @ (x2 - mean2) ** 2 / w2.sum())
m_joint, sd_joint, logz_joint = exact([A, B], [y_a, y_b])
print(f"sequential: log Z_A + log Z_B|A = {logz + logz2:.3f} +- {np.hypot(logz_err, logz2_err):.3f}   "
      f"exact joint {logz_joint:.3f}")
print(f"            mean {np.round(mean2, 3)}   exact {np.round(m_joint, 3)}")
print(f"            sd   {np.round(sd2, 3)}   exact {np.round(sd_joint, 3)}")

# %% [markdown]
# ## An emcee-style look at the same stage 2, continued in pieces and saved as it goes

# %%
chain_file = out / "stage2_chain.h5"
chain_file.unlink(missing_ok=True)
ens = fp.EnsembleSampler(log_like, flow, args=(B, y_b), walkers=32, seed=3, backend=fp.HDFBackend(chain_file))
ens.run_mcmc(None, 1500)    # from prior (flow) draws
ens.run_mcmc(None, 1500)    # continues; Ctrl-C keeps every step, and a later session continues from the file
tau = ens.get_autocorr_time(quiet=True)
flat = ens.get_chain(discard=500, thin=max(1, int(tau.max() / 2)), flat=True)
print(ens)
print(f"ensemble:   mean {np.round(flat.mean(axis=0), 3)}   (chain in {chain_file.name}, emcee reads it)")
print(f"total {time.time() - t0:.1f} s")

# %% [markdown]
# ## The checks (tests/python/test_examples.py runs this script): every number against its exact value

# %%
assert abs(logz - logz_exact) < 4 * logz_err
assert abs(sampler.result.log_z_is - logz_exact) < 4 * sampler.result.log_z_is_err + 0.02
assert np.all(np.abs(mean - m_exact) < 0.1 * sd_exact) and np.allclose(sd, sd_exact, rtol=0.08)
assert abs(logz + logz2 - logz_joint) < 4 * np.hypot(logz_err, logz2_err)
assert np.all(np.abs(mean2 - m_joint) < 0.15 * sd_joint) and np.allclose(sd2, sd_joint, rtol=0.1)
assert np.all(np.abs(flat.mean(axis=0) - m_joint) < 0.15 * sd_joint)

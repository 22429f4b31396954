# %% [markdown]
# # The pocoMC equivalent of `pocomc_style.py` (NOT RUN here: pocoMC is not a Debian package)
#
# Written against pocoMC 1.x's documented API (pc.Prior, pc.Sampler, run, posterior, evidence), cell for cell with
# `pocomc_style.py`. Both scripts sample the same linear-Gaussian problem; the exact answers printed by
# `pocomc_style.py` are what this script must also give, within its Monte Carlo error. flowprior's names map as:
#
#   pc.Prior([...])                          fp.Prior([...], names=...)
#   pc.Sampler(prior, like, vectorize=True,  fp.PersistentSampler(like, prior, args=(...), seed=1)
#              likelihood_args=(...),          (vectorised by default; vectorize=False for per-point functions;
#              random_state=1)                  preconditioned and n_total = 8 n_active by default, as our CLI)
#   sampler.run()                            sampler.run()       (Ctrl-C, then run() again, continues)
#   sampler.posterior()                      sampler.posterior() (samples, weights, logl, logp)
#   sampler.evidence()                       sampler.evidence()  (logz, logz_err)
#
# pocoMC has no step that turns the stage-1 posterior into a prior for stage 2; the sequential cell below shows
# the usual workaround (a joint re-run on both datasets), which flowprior's flow prior avoids.

# %%
import numpy as np
import pocomc as pc
from scipy import stats

n_dim = 4
prior_sd = 2.0
rng = np.random.default_rng(42)
truth = np.array([0.8, -0.5, 1.2, 0.3])
A = rng.normal(size=(6, n_dim))
B = rng.normal(size=(6, n_dim))
noise = 0.5
y_a = A @ truth + noise * rng.normal(size=6)
y_b = B @ truth + noise * rng.normal(size=6)


def log_like(theta, matrix, y):
    r = theta @ matrix.T - y
    return -0.5 * np.sum((r / noise) ** 2, axis=1) - len(y) * np.log(noise * np.sqrt(2 * np.pi))


# %% stage 1
prior = pc.Prior([stats.norm(0, prior_sd) for _ in range(n_dim)])
sampler = pc.Sampler(prior, log_like, vectorize=True, likelihood_args=(A, y_a), random_state=1)
sampler.run(progress=True)
samples, weights, logl, logp = sampler.posterior()
logz, logz_err = sampler.evidence()
mean = weights @ samples / weights.sum()
print(f"stage 1: log Z = {logz:.3f} +- {logz_err:.3f}, mean {np.round(mean, 3)}")

# %% stage 2: pocoMC re-runs on both datasets (no flow prior hand-over)
joint = pc.Sampler(prior, lambda t: log_like(t, A, y_a) + log_like(t, B, y_b), vectorize=True, random_state=2)
joint.run()
x2, w2, _, _ = joint.posterior()
logz_joint, logz_joint_err = joint.evidence()
print(f"joint: log Z = {logz_joint:.3f} +- {logz_joint_err:.3f}, mean {np.round(w2 @ x2 / w2.sum(), 3)}")

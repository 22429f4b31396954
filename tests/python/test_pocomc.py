"""pocoMC's conveniences where flowprior mirrors pocoMC (issue 20, frictions 4 and 7): a Prior from per-parameter
distributions (scipy.stats or ours), vectorize=False for per-point likelihoods, posterior() and evidence(), and
the persistent sampler's defaults equal to the command line's (flow preconditioning, the importance-sampling
evidence computed, n_total = 8 n_active): the same target and seed give the command line's numbers bit for bit."""
import json
import math
import subprocess

import numpy as np
import pytest

import flowprior as fp

# Likelihood N(a; 1, 0.5) N(b; 0.5, 0.5) (normalised); prior a ~ U(-5, 5), b ~ N(0, 1). Exact evidence:
# Z = P(U in [-5, 5] mass of N(1, 0.5)) / 10 * N(0.5; 0, sqrt(1 + 0.25)).
EXACT_LOG_Z = (-math.log(10.0) + math.log(0.5 * math.erfc(-8 / math.sqrt(2)) - 0.5 * math.erfc(12 / math.sqrt(2)))
               - 0.5 * 0.25 / 1.25 - 0.5 * math.log(2 * math.pi * 1.25))
# Posterior of b: N(0.5 / 1.25, sqrt(0.25 / 1.25)) = N(0.4, 0.447).


def log_like_point(theta):
    """One point (2,) -> float, as a pocoMC / emcee user writes it."""
    return (-0.5 * ((theta[0] - 1.0) / 0.5) ** 2 - 0.5 * ((theta[1] - 0.5) / 0.5) ** 2
            - 2 * math.log(0.5) - math.log(2 * math.pi))


def log_like_batch(x):
    """The same arithmetic per column: the same bits as log_like_point row by row."""
    return (-0.5 * ((x[:, 0] - 1.0) / 0.5) ** 2 - 0.5 * ((x[:, 1] - 0.5) / 0.5) ** 2
            - 2 * math.log(0.5) - math.log(2 * math.pi))


def test_prior_from_scipy_distributions_gives_the_exact_evidence():
    stats = pytest.importorskip("scipy.stats")
    prior = fp.Prior([stats.uniform(-5, 10), stats.norm(0, 1)], names=["a", "b"])
    assert prior.dim == 2 and prior.names == ["a", "b"]
    assert np.allclose(prior.bounds[1], [stats.norm.ppf(1e-12), stats.norm.ppf(1 - 1e-12)])
    x = np.array([[0.3, -0.2], [4.0, 1.5]])
    assert np.allclose(prior.logpdf(x), stats.uniform(-5, 10).logpdf(x[:, 0]) + stats.norm.logpdf(x[:, 1]))
    draws = prior.rvs(20000, seed=2)
    assert abs(draws[:, 1].mean()) < 0.03 and abs(draws[:, 1].std() - 1) < 0.03  # 4 MC sigma
    sampler = fp.PersistentSampler(log_like_point, prior, vectorize=False, n_active=128, seed=4)
    result = sampler.run()
    log_z, log_z_err = sampler.evidence()
    assert (log_z, log_z_err) == (result.log_z, result.log_z_err)
    assert abs(log_z - EXACT_LOG_Z) < max(0.08, 4 * log_z_err), (log_z, EXACT_LOG_Z, log_z_err)
    samples, weights, log_l, log_p = sampler.posterior()
    assert samples.shape == (len(weights), 2) and log_l.shape == log_p.shape == weights.shape
    mean_b = np.sum(weights * samples[:, 1]) / np.sum(weights)
    assert abs(mean_b - 0.4) < 0.05, mean_b  # ESS ~ 1000: MC sd of the mean ~ 0.014
    equal, log_l_eq, log_p_eq = sampler.posterior(resample=True)
    assert equal.shape[1] == 2 and np.array_equal(log_l_eq, log_like_batch(equal))


def test_prior_from_our_own_distributions():
    prior = fp.Prior({"a": fp.Uniform(-5, 5), "b": fp.Normal(0, 1), "c": fp.LogUniform(1e-3, 1e2),
                      "d": fp.TruncatedNormal(0, 1, 0, 3)})
    draws = prior.rvs(20000, seed=3)
    assert np.all((draws >= prior.box.lower) & (draws <= prior.box.upper))
    assert abs(draws[:, 1].std() - 1) < 0.03
    assert abs(np.log10(draws[:, 2]).mean() + 0.5) < 0.05  # log10 uniform on [-3, 2]: mean -0.5, MC sd 0.01
    half_normal_mean = (1 - math.exp(-4.5)) / math.sqrt(2 * math.pi) / (0.5 * math.erfc(-3 / math.sqrt(2)) - 0.5)
    assert abs(draws[:, 3].mean() - half_normal_mean) < 0.02
    assert prior.logpdf(np.array([0.0, 0.0, 1.0, 1.0])) == pytest.approx(
        -math.log(10) - 0.5 * math.log(2 * math.pi) - math.log(math.log(1e5)) + math.log(2) - 0.5
        - 0.5 * math.log(2 * math.pi) - math.log(1 - math.erfc(3 / math.sqrt(2))))
    uniform = fp.Prior([fp.Uniform(0, 1), fp.Uniform(-1, 1)])
    assert uniform.density.kind == "uniform"  # no Python in the loop for an all-uniform prior


def test_vectorize_false_gives_the_vectorised_run_bit_for_bit():
    box = fp.Box(["a", "b"], [-5.0, -5.0], [5.0, 5.0])
    runs = [fp.PersistentSampler(f, box, vectorize=v, n_active=64, precondition=False, seed=6).run()
            for f, v in ((log_like_point, False), (log_like_batch, True))]
    assert np.array_equal(runs[0].x, runs[1].x) and runs[0].log_z == runs[1].log_z
    ens = [fp.EnsembleSampler(f, box, vectorize=v, walkers=8, seed=2).run(50) for f, v in
           ((log_like_point, False), (log_like_batch, True))]
    assert np.array_equal(ens[0].get_chain(), ens[1].get_chain())
    # emcee's args= / kwargs=
    shifted = fp.EnsembleSampler(lambda t, s, scale=1.0: scale * log_like_point(t - s), box, vectorize=False,
                                 args=(np.zeros(2),), kwargs={"scale": 1.0}, walkers=8, seed=2).run(50)
    assert np.array_equal(shifted.get_chain(), ens[0].get_chain())


def test_per_point_function_without_vectorize_says_so():
    box = fp.Box(["a", "b"], [-5.0, -5.0], [5.0, 5.0])
    with pytest.raises(fp.Error, match="vectorize=False"):
        fp.PersistentSampler(lambda t: float(np.sum(t)), box, n_active=32, precondition=False).run()


def test_defaults_are_the_command_lines(tmp_path, cli):
    # Friction 4: no preconditioning, NaN log_z_is. Now the same target and seed give the command line's run.
    subprocess.run([cli, "sample", "--target", "gaussian", "--dim", "2", "--sampler", "smc", "--seed", "3",
                    "--out", str(tmp_path / "p.csv"), "--json", str(tmp_path / "r.json"), "--no-progress"],
                   check=True)
    summary = json.loads((tmp_path / "r.json").read_text())
    target = fp.target("gaussian", 2)
    sampler = fp.PersistentSampler(target["likelihood"], target["box"], seed=3)
    o = sampler.options
    cli_options = summary["options"]
    assert (o["n_active"], o["n_effective"], o["n_total"], o["precondition"], o["evidence_samples"], o["kernel"]) == (
        cli_options["particles"], cli_options["n_effective"], cli_options["n_total"], cli_options["precondition"],
        cli_options["evidence_samples"], cli_options["kernel"])
    result = sampler.run()
    assert result.log_z == summary["log_z"] and result.log_z_is == summary["log_z_is"]
    assert math.isfinite(result.log_z_is)
    posterior = np.loadtxt(tmp_path / "p.csv", delimiter=",", skiprows=1)
    assert np.array_equal(result.posterior, posterior[:, :2])

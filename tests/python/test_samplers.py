"""Samplers with Python callables: correct moments and evidence for a Gaussian likelihood, thread-count
independence, exceptions raised inside the callable reaching the caller unchanged, emcee-like chain access,
emulator likelihoods, and a whole analysis from its configuration."""
import numpy as np
import pytest

import flowprior as fp

MEAN = np.array([1.0, -0.5])
SD = np.array([0.5, 1.0])
RHO = 0.6
COV = np.array([[SD[0] ** 2, RHO * SD[0] * SD[1]], [RHO * SD[0] * SD[1], SD[1] ** 2]])
BOX = fp.Box(["a", "b"], [-5.0, -5.0], [5.0, 5.0])
# The Gaussian's mass outside the box is < 1e-5, so log Z = -log(area) to that accuracy.
EXACT_LOG_Z = -np.log(100.0)


def gaussian_log_likelihood(x):
    """Normalised N(MEAN, COV), vectorised over a (B, 2) batch."""
    r = x - MEAN
    inv = np.linalg.inv(COV)
    return -0.5 * np.einsum("ij,jk,ik->i", r, inv, r) - np.log(2 * np.pi) - 0.5 * np.log(np.linalg.det(COV))


def weighted_moments(x, w):
    w = w / w.sum()
    mean = w @ x
    r = x - mean
    return mean, (r * w[:, None]).T @ r


def test_smc_python_gaussian_moments_and_evidence():
    calls = []

    def like(x):
        calls.append(x.shape)
        assert x.dtype == np.float64 and x.ndim == 2 and x.shape[1] == 2 and x.flags.c_contiguous
        return gaussian_log_likelihood(x)

    result = fp.PersistentSampler(like, BOX, n_active=256, seed=3).run()
    assert result.converged
    mean, cov = weighted_moments(result.x, result.weights)
    # ESS >= 2048 weighted particles: Monte Carlo error of the mean ~ sd / 45; tolerances ~ 5 of those.
    assert np.all(np.abs(mean - MEAN) < 0.12 * SD), mean
    assert np.allclose(np.sqrt(np.diag(cov)), SD, rtol=0.08), cov
    assert abs(cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1]) - RHO) < 0.05
    assert abs(result.log_z - EXACT_LOG_Z) < max(0.1, 3 * result.log_z_err)
    assert result.likelihood_calls == sum(b for b, _ in calls)
    assert result.posterior.shape[1] == 2 and result.summary()["converged"] is True
    assert set(result.iterations) >= {"beta", "ess", "log_z"} and result.iterations["beta"][-1] == 1.0


def test_smc_results_do_not_depend_on_threads():
    runs = [fp.PersistentSampler(gaussian_log_likelihood, BOX, n_active=64, n_total=256, seed=9, threads=t).run()
            for t in (1, 2)]
    assert np.array_equal(runs[0].x, runs[1].x)
    assert runs[0].log_z == runs[1].log_z


def test_ensemble_python_gaussian_moments_and_emcee_api():
    sampler = fp.EnsembleSampler(gaussian_log_likelihood, BOX, walkers=16, seed=2)
    sampler.run(1500)
    chain = sampler.get_chain()
    assert chain.shape == (1500, 16, 2)
    flat = sampler.get_chain(discard=300, thin=5, flat=True)
    assert flat.shape == (240 * 16, 2)
    assert np.array_equal(flat[:16], chain[304])  # emcee keeps steps discard + thin - 1, ...; step-major
    assert sampler.get_log_prob(discard=300, thin=5, flat=True).shape == (240 * 16,)
    d = sampler.diagnostics(discard=300)
    err = np.asarray(d["mean_error"])
    assert np.all(np.abs(np.asarray(d["mean"]) - MEAN) < 5 * err), (d["mean"], err)
    assert np.allclose(np.sqrt(np.diag(d["covariance"])), SD, rtol=0.15)
    assert 0.2 < d["mean_acceptance_fraction"] < 0.9
    with pytest.warns(UserWarning, match="autocorrelation"):
        tau = sampler.get_autocorr_time(discard=300, quiet=True)
    assert tau.shape == (2,) and np.all(tau > 1)
    # Bitwise the same chain with a C++-side evaluation spread over two threads.
    again = fp.EnsembleSampler(gaussian_log_likelihood, BOX, walkers=16, seed=2, threads=2).run(1500)
    assert np.array_equal(again.get_chain(), chain)


class LikelihoodBoom(Exception):
    pass


@pytest.mark.parametrize("sampler", ["smc", "ensemble"])
@pytest.mark.parametrize("threads", [1, 2])
def test_exception_in_callable_reaches_caller(sampler, threads):
    raised = []
    calls = [0]

    def like(x):
        calls[0] += 1
        if calls[0] > 3:
            e = LikelihoodBoom(f"boom at call {calls[0]} with {len(x)} points")
            raised.append(e)
            raise e
        return gaussian_log_likelihood(x)

    with pytest.raises(LikelihoodBoom, match="boom at call") as info:
        if sampler == "smc":
            fp.PersistentSampler(like, BOX, n_active=32, n_total=128, threads=threads).run()
        else:
            fp.EnsembleSampler(like, BOX, walkers=8, threads=threads).run(50)
    assert any(info.value is e for e in raised)  # the very object raised, not a copy or a translation
    assert info.value.__traceback__ is not None


def test_bad_callable_results_are_errors():
    with pytest.raises(fp.Error, match=r"shape \(3\).*expected \(256,\)"):
        fp.PersistentSampler(lambda x: np.zeros(3), BOX).run()
    with pytest.raises(fp.Error, match="NaN"):
        fp.PersistentSampler(lambda x: np.full(len(x), np.nan), BOX).run()
    with pytest.raises(fp.Error, match="must return an array"):
        fp.PersistentSampler(lambda x: "text", BOX).run()
    with pytest.raises(TypeError):
        fp.PersistentSampler(gaussian_log_likelihood, "not a prior")


def test_flow_prior_and_emulator_likelihood():
    # A smooth model of three outputs emulated by PCA + GP; the emulator likelihood and a flow prior drive the sampler.
    box = fp.Box(["a", "b"], [-3.0, -3.0], [3.0, 3.0])

    def model(x):
        return np.column_stack([x[:, 0] + 0.5 * x[:, 1], -0.3 * x[:, 0] + x[:, 1], 0.2 * x[:, 0] ** 2 + 0.2 * x[:, 1]])

    design = fp.maximin_latin_hypercube(box, 60, seed=1)
    emulator = fp.Emulator.train(design, model(design), box.names, ["y1", "y2", "y3"], components=3, restarts=2)
    test_points = fp.maximin_latin_hypercube(box, 20, seed=2)
    mean, sd = emulator.predict_marginal(test_points)
    assert np.all(np.abs(mean - model(test_points)) < 0.05) and np.all(sd < 0.1)
    truth = np.array([0.5, -0.4])
    like = fp.gaussian_likelihood(emulator, ["y1", "y2", "y3"], model(truth[None, :])[0], np.full(3, 0.2))
    stage1 = fp.PersistentSampler(like, box, n_active=128, seed=1).run()
    flow = fp.train_flow(stage1.x, box, weights=stage1.weights, epochs=60, layers=3, hidden=16, seed=1)
    stage2 = fp.PersistentSampler(gaussian_log_likelihood_b, flow.prior(eps=0.05), n_active=128, seed=2).run()
    mean2, _ = weighted_moments(stage2.x, stage2.weights)
    assert np.all(np.abs(mean2 - truth) < 0.3), mean2
    assert np.all(np.isfinite(like.log_prob(stage2.posterior)))


def gaussian_log_likelihood_b(x):
    return -0.5 * np.sum(((x - np.array([0.5, -0.4])) / 0.5) ** 2, axis=1)


def test_run_analysis_returns_summary(tmp_path, source_dir):
    import shutil
    for f in ("analysis.toml", "data_a.csv", "data_b.csv"):
        shutil.copy(source_dir / "examples" / "linear_gaussian" / f, tmp_path / f)
    summary = fp.run(str(tmp_path / "analysis.toml"), output=str(tmp_path / "run"))
    assert isinstance(summary["stages"]["stage2"]["log_z"], float)
    assert summary["comparison"]["verdict"] in ("consistent", "inconsistent")
    assert (tmp_path / "run" / "summary.json").exists()
    with pytest.raises(fp.Error, match="analysis"):
        fp.run(str(tmp_path / "missing.toml"))


def test_corner_plot(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    x = np.random.default_rng(1).multivariate_normal(MEAN, COV, 2000)
    fig = fp.corner(x, names=["a", "b"], truths=MEAN, label="draws")
    fp.corner(x + 0.1, names=["a", "b"], fig=fig, color="C1", label="shifted", out=str(tmp_path / "c.png"))
    assert (tmp_path / "c.png").stat().st_size > 1000


def test_read_emcee_chain_and_get_chain_like_emcee(tmp_path):
    import emcee
    path = str(tmp_path / "chain.h5")
    backend = emcee.backends.HDFBackend(path)
    backend.reset(8, 2)
    start = np.random.default_rng(3).uniform(-1, 1, size=(8, 2))
    emcee.EnsembleSampler(8, 2, lambda x: -0.5 * np.sum(x ** 2, axis=1), vectorize=True, backend=backend).run_mcmc(
        start, 40, progress=False)
    chain, meta = fp.read_chain(path)
    assert meta["flowprior"] is False and chain.steps == 40
    reader = emcee.backends.HDFBackend(path, read_only=True)
    for discard, thin, flat in ((0, 1, False), (5, 3, True), (10, 4, False)):
        assert np.array_equal(chain.get_chain(discard=discard, thin=thin, flat=flat),
                              reader.get_chain(discard=discard, thin=thin, flat=flat))
        assert np.array_equal(chain.get_log_prob(discard=discard, thin=thin, flat=flat),
                              reader.get_log_prob(discard=discard, thin=thin, flat=flat))

"""What users see around the core (issue 20, frictions 4a, 5-9): train_flow's defaults are the C++ ones (the
command line's), option errors name the option, a likelihood returning None and a single point are handled, every
result object and sampler prints what a user checks first with %g numbers (also in C++ messages), and Box, Flow,
Chain, SmcResult and Density pickle; SmcResult loads from its file."""
import inspect
import pickle
import re
import subprocess

import numpy as np
import pytest

import flowprior as fp

BOX = fp.Box(["a", "b"], [-5.0, -5.0], [5.0, 5.0])


def gauss(x):
    return -0.5 * np.sum(((x - 0.5) / 0.7) ** 2, axis=1)


@pytest.fixture(scope="module")
def smc_result():
    return fp.PersistentSampler(gauss, BOX, n_active=64, seed=2).run()


@pytest.fixture(scope="module")
def flow():
    x = np.random.default_rng(1).normal(0.5, 0.7, size=(400, 2))
    return fp.train_flow(x, BOX, epochs=3, layers=2, hidden=8, seed=1)


# -- friction 4a: train_flow's defaults ---------------------------------------------------------------------------

def test_train_flow_defaults_are_the_cpp_defaults(tmp_path, cli):
    cpp = fp.default_train_settings()
    python = {name: p.default for name, p in inspect.signature(fp.train_flow).parameters.items()}
    for key, value in cpp.items():
        if key == "progress":  # Python prints only when asked (emcee's and pocoMC's convention)
            assert python[key] is False
            continue
        assert python[key] == value and type(python[key]) is type(value), (key, python[key], value)
    # and the same flow file as `flowprior flow train` with no options but the epochs
    x = np.random.default_rng(2).normal(0.5, 0.7, size=(300, 2))
    np.savetxt(tmp_path / "s.csv", x, delimiter=",", header="a,b", comments="", fmt="%.17g")
    (tmp_path / "p.toml").write_text(BOX.to_toml())
    subprocess.run([cli, "flow", "train", "--samples", str(tmp_path / "s.csv"), "--params", str(tmp_path / "p.toml"),
                    "--epochs", "3", "--quiet", "--out", str(tmp_path / "cli.json")], check=True)
    ours = fp.train_flow(x, BOX, epochs=3)
    theirs = fp.Flow.load(str(tmp_path / "cli.json"))
    assert np.array_equal(ours.params, theirs.params) and ours.architecture == theirs.architecture


# -- friction 5: option errors ------------------------------------------------------------------------------------

def test_option_errors_name_the_option():
    with pytest.raises(TypeError, match=r"n_active must be an integer, not 100\.0 \(float\)"):
        fp.PersistentSampler(gauss, BOX, n_active=100.0)
    with pytest.raises(TypeError, match=r"max_correlation must be a number, not 'x'"):
        fp.PersistentSampler(gauss, BOX, max_correlation="x").run()
    with pytest.raises(TypeError, match="walkers must be an integer"):
        fp.EnsembleSampler(gauss, BOX, walkers=16.0)
    with pytest.raises(ValueError, match="moves: the weight of 'de' must be a positive number"):
        fp.EnsembleSampler(gauss, BOX, moves=[("de", -1)])
    with pytest.raises(fp.Error, match="bogus"):
        fp.EnsembleSampler(gauss, BOX, moves=[("bogus", 1.0)])
    with pytest.raises(TypeError, match="nsteps must be an integer"):
        fp.EnsembleSampler(gauss, BOX, walkers=8).run_mcmc(None, 10.5)


def test_seed_none_draws_a_recorded_seed():
    a = fp.EnsembleSampler(gauss, BOX, walkers=8, seed=None)
    assert isinstance(a.seed, int) and a.seed >= 0
    a.run(20)
    b = fp.EnsembleSampler(gauss, BOX, walkers=8, seed=a.seed).run(20)
    assert np.array_equal(a.get_chain(), b.get_chain())  # reproducible from the recorded seed
    s = fp.PersistentSampler(gauss, BOX, n_active=32, seed=None)
    assert isinstance(s.options["seed"], int)
    flow = fp.train_flow(np.random.default_rng(1).normal(size=(200, 2)), BOX, epochs=1, layers=1, hidden=4, seed=None)
    assert isinstance(flow.training["options"]["seed"], int)


# -- friction 7 and 8: None and single points ----------------------------------------------------------------------

def test_likelihood_returning_none_is_named():
    with pytest.raises(fp.Error, match="returned None"):
        fp.PersistentSampler(lambda x: None, BOX, n_active=32, precondition=False).run()
    with pytest.raises(fp.Error, match="returned None"):
        fp.EnsembleSampler(lambda t: None, BOX, walkers=8, vectorize=False).run(5)


def test_single_point_accepted(flow):
    x = np.array([[0.2, 0.4], [1.0, -1.0]])
    lp = flow.log_prob(x)
    single = flow.log_prob(x[0])
    assert isinstance(single, float) and single == lp[0]
    density = fp.uniform_prior(BOX)
    assert density.log_prob(np.array([0.0, 0.0])) == pytest.approx(-np.log(100.0))
    assert flow.prior(eps=0.1).log_prob([0.2, 0.4]) == flow.prior(eps=0.1).log_prob(x)[0]
    with pytest.raises(fp.Error, match=r"shape \(3,\).*\(n, 2\) or \(2,\)"):
        flow.log_prob(np.zeros(3))


# -- friction 6: printing ------------------------------------------------------------------------------------------

def test_everything_prints_what_a_user_checks(smc_result, flow):
    box = fp.Box(["m"], [1e-9], [2e-9])
    assert repr(box) == "Box(m=[1e-09, 2e-09], map=logit)"
    with pytest.raises(fp.Error, match=r"2e-09 is not below upper bound 1e-09"):
        fp.Box(["m"], [2e-9], [1e-9])
    text = repr(smc_result)
    assert text.startswith("SmcResult(dim=2 [a, b]") and "log_z=" in text and "ess=" in text
    ens = fp.EnsembleSampler(gauss, BOX, walkers=8, seed=1)
    assert "walkers=8" in repr(ens)
    ens.run(100)
    for obj in (smc_result, ens, ens.chain, flow, fp.PersistentSampler(gauss, BOX), fp.uniform_prior(BOX),
                fp.Prior([fp.Uniform(0, 1)]), fp.HDFBackend("x.h5")):
        assert " at 0x" not in repr(obj), repr(obj)
    assert re.search(r"acceptance=0\.\d+, tau=\[[\d.]+, [\d.]+\]", repr(ens.chain)), repr(ens.chain)
    sampler = fp.PersistentSampler(gauss, BOX, n_active=32, precondition=False)
    sampler.run()
    assert "result=SmcResult" in repr(sampler) and "precondition=False" in repr(sampler)


# -- friction 9: pickling ------------------------------------------------------------------------------------------

def test_pickles(smc_result, flow, tmp_path):
    box = pickle.loads(pickle.dumps(BOX))
    assert box == BOX and repr(box) == repr(BOX)
    x = np.random.default_rng(3).uniform(-2, 2, size=(20, 2))
    f2 = pickle.loads(pickle.dumps(flow))
    assert np.array_equal(f2.log_prob(x), flow.log_prob(x))
    for density in (fp.uniform_prior(BOX), flow.prior(), flow.prior(eps=0.2),
                    fp.gaussian_density(np.zeros(2), np.eye(2), ["a", "b"])):
        d2 = pickle.loads(pickle.dumps(density))
        assert d2.kind == density.kind and np.array_equal(d2.log_prob(x), density.log_prob(x))
    ens = fp.EnsembleSampler(gauss, BOX, walkers=8, seed=1).run(30)
    c2 = pickle.loads(pickle.dumps(ens.chain))
    assert np.array_equal(c2.get_chain(), ens.get_chain()) and np.array_equal(c2.accepted, ens.chain.accepted)
    r2 = pickle.loads(pickle.dumps(smc_result))
    assert np.array_equal(r2.x, smc_result.x) and r2.log_z == smc_result.log_z
    assert np.array_equal(r2.iterations["beta"], smc_result.iterations["beta"])
    smc_result.save(str(tmp_path / "run.h5"))
    r3 = fp.SmcResult.load(str(tmp_path / "run.h5"))
    assert np.array_equal(r3.x, smc_result.x) and np.array_equal(r3.posterior, smc_result.posterior)
    assert (r3.log_z, r3.log_z_err, r3.ess, r3.converged) == (smc_result.log_z, smc_result.log_z_err,
                                                              smc_result.ess, smc_result.converged)
    assert np.array_equal(r3.iterations["log_z"], smc_result.iterations["log_z"])
    prior = pickle.loads(pickle.dumps(fp.Prior([fp.Uniform(0, 1), fp.Normal(0, 1)])))
    assert prior.dim == 2

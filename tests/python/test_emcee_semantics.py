"""emcee's semantics where flowprior mirrors emcee (issue 20, frictions 1 and 2): run_mcmc(initial_state, nsteps),
run_mcmc(None, n) continuing the chain bitwise as one run, get_last_sample, reset, a backend writing emcee's
HDF5 layout that continues in a later session and round-trips through emcee itself, and AutocorrError carrying
tau."""
import numpy as np
import pytest

import flowprior as fp

MU = np.array([1.0, -2.0])
SD = np.array([0.5, 2.0])
NAMES = ["a", "b"]


def log_prob(x):
    """A normal log density, vectorised over a (B, 2) batch; elementwise, so any batch size gives the same bits."""
    return -0.5 * np.sum(((x - MU) / SD) ** 2, axis=1)


def start(walkers=16, seed=1):
    return np.random.default_rng(seed).normal(size=(walkers, 2))


def test_run_mcmc_takes_emcee_argument_order():
    # Friction 1: run_mcmc(p0, 4000) raised "only size-1 arrays can be converted" (it was run(steps, initial)).
    sampler = fp.EnsembleSampler(log_prob, names=NAMES, walkers=16, seed=4)
    state = sampler.run_mcmc(start(), 60)
    assert sampler.get_chain().shape == (60, 16, 2)
    assert isinstance(state, fp.State) and state.coords.shape == (16, 2)
    coords, lp, random_state = state  # emcee's State unpacks like this
    assert np.array_equal(coords, sampler.get_chain()[-1]) and np.array_equal(lp, sampler.get_log_prob()[-1])
    assert np.array_equal(sampler.get_last_sample().coords, sampler.get_chain()[-1])
    # keyword form, emcee's names
    sampler2 = fp.EnsembleSampler(log_prob, names=NAMES, nwalkers=16, seed=4)
    sampler2.run_mcmc(initial_state=start(), nsteps=60, progress=False)
    assert np.array_equal(sampler2.get_chain(), sampler.get_chain())


def test_run_mcmc_none_continues_bitwise_and_reset_forgets():
    # Friction 2: a second run started again from the prior with the same seed and replaced the chain.
    pieces = fp.EnsembleSampler(log_prob, names=NAMES, walkers=16, seed=7)
    pieces.run_mcmc(start(), 40)
    pieces.run_mcmc(None, 25)
    pieces.run(35)  # run(steps) continues too
    whole = fp.EnsembleSampler(log_prob, names=NAMES, walkers=16, seed=7)
    whole.run_mcmc(start(), 100)
    assert pieces.iteration == 100
    assert np.array_equal(pieces.get_chain(), whole.get_chain())
    assert np.array_equal(pieces.get_log_prob(), whole.get_log_prob())
    assert np.array_equal(pieces.acceptance_fraction, whole.acceptance_fraction)
    pieces.reset()
    assert pieces.iteration == 0
    with pytest.raises(AttributeError):
        pieces.get_last_sample()
    with pytest.raises(ValueError, match="initial_state=None"):  # no prior, nothing to continue: as emcee
        pieces.run_mcmc(None, 5)


def test_prior_start_then_continue_with_a_box():
    box = fp.Box(NAMES, [-10.0, -10.0], [10.0, 10.0])
    sampler = fp.EnsembleSampler(lambda x: log_prob(x), box, walkers=12, seed=2)
    sampler.run(30)
    first = sampler.get_chain().copy()
    sampler.run(30)
    assert sampler.get_chain().shape == (60, 12, 2)
    assert np.array_equal(sampler.get_chain()[:30], first)


def test_backend_continues_in_a_later_session(tmp_path):
    path = tmp_path / "chain.h5"
    first = fp.EnsembleSampler(log_prob, names=NAMES, walkers=16, seed=5, backend=fp.HDFBackend(path))
    first.run_mcmc(start(), 70)
    del first  # the session ends; only the file remains
    backend = fp.HDFBackend(path)
    assert backend.iteration == 70 and backend.shape == (16, 2)
    later = fp.EnsembleSampler(log_prob, names=NAMES, walkers=16, seed=5, backend=backend)
    assert later.iteration == 70
    assert np.array_equal(later.get_last_sample().coords, backend.get_chain()[-1])
    later.run_mcmc(None, 50)
    whole = fp.EnsembleSampler(log_prob, names=NAMES, walkers=16, seed=5)
    whole.run_mcmc(start(), 120)
    assert np.array_equal(backend.get_chain(), whole.get_chain())
    assert np.array_equal(backend.get_log_prob(), whole.get_log_prob())
    assert np.array_equal(backend.accepted, whole.chain.accepted)
    later.reset()
    assert not path.exists() and later.iteration == 0


def test_round_trip_with_emcee_bit_for_bit(tmp_path):
    """flowprior starts the chain, emcee continues it, flowprior continues it again; both read the same numbers."""
    emcee = pytest.importorskip("emcee")
    path = str(tmp_path / "shared.h5")
    fp.EnsembleSampler(log_prob, names=NAMES, walkers=16, seed=3, backend=fp.HDFBackend(path)).run_mcmc(start(), 50)

    backend = emcee.backends.HDFBackend(path)
    assert backend.iteration == 50
    ours_so_far = fp.read_chain(path)[0]
    np.random.seed(11)  # emcee draws its random state from numpy's global one
    e = emcee.EnsembleSampler(16, 2, log_prob, vectorize=True, backend=backend)
    e.run_mcmc(None, 30, progress=False)  # continues from our last step
    assert backend.iteration == 80

    again = fp.EnsembleSampler(log_prob, names=NAMES, walkers=16, seed=3, backend=fp.HDFBackend(path))
    assert again.iteration == 80
    again.run_mcmc(None, 40)

    theirs = emcee.backends.HDFBackend(path, read_only=True)
    chain, meta = fp.read_chain(path)
    assert chain.steps == theirs.iteration == 120 and meta["flowprior"] is True
    for discard, thin, flat in ((0, 1, False), (10, 3, True)):
        assert np.array_equal(chain.get_chain(discard=discard, thin=thin, flat=flat),
                              theirs.get_chain(discard=discard, thin=thin, flat=flat))
        assert np.array_equal(chain.get_log_prob(discard=discard, thin=thin, flat=flat),
                              theirs.get_log_prob(discard=discard, thin=thin, flat=flat))
    # Each segment continues the previous one: our first 50 steps unchanged, emcee's 30 start at our last state,
    # and every stored log_prob is the function at the stored position, bit for bit.
    assert np.array_equal(chain.get_chain()[:50], ours_so_far.get_chain())
    x = chain.get_chain()
    for s in (50, 80):
        moved = np.any(x[s] != x[s - 1], axis=1)
        assert 0 < moved.sum() < 16  # some walkers accepted, the others stayed exactly where they were
    assert np.array_equal(log_prob(chain.get_chain(flat=True)), chain.get_log_prob(flat=True))
    assert np.array_equal(chain.accepted, theirs.accepted)  # emcee's totals carried through our continuation
    assert np.array_equal(again.get_chain(), theirs.get_chain())


def test_flowprior_continues_a_chain_emcee_started(tmp_path):
    emcee = pytest.importorskip("emcee")
    path = str(tmp_path / "emcee_first.h5")
    backend = emcee.backends.HDFBackend(path)
    backend.reset(16, 2)
    np.random.seed(2)
    emcee.EnsembleSampler(16, 2, log_prob, vectorize=True, backend=backend).run_mcmc(start(), 20, progress=False)
    ours = fp.EnsembleSampler(log_prob, names=NAMES, walkers=16, seed=1, backend=fp.HDFBackend(path))
    ours.run_mcmc(None, 15)
    reader = emcee.backends.HDFBackend(path, read_only=True)
    assert reader.iteration == 35
    assert np.array_equal(reader.get_chain(), ours.get_chain())
    assert np.array_equal(reader.accepted, ours.chain.accepted)


def test_autocorr_error_carries_tau():
    sampler = fp.EnsembleSampler(log_prob, names=NAMES, walkers=16, seed=1)
    sampler.run_mcmc(start(), 40)
    with pytest.raises(fp.AutocorrError) as info:
        sampler.get_autocorr_time()
    assert info.value.tau.shape == (2,) and np.all(info.value.tau > 0)
    assert isinstance(info.value, fp.Error)  # earlier code caught flowprior.Error
    with pytest.warns(UserWarning, match="autocorrelation"):
        tau = sampler.get_autocorr_time(quiet=True)
    assert np.array_equal(tau, info.value.tau)
    chain = sampler.chain
    with pytest.raises(fp.AutocorrError):
        chain.get_autocorr_time()


def test_progress_callback_and_moves_as_emcee_gives_them():
    calls = []
    sampler = fp.EnsembleSampler(log_prob, names=NAMES, walkers=16, seed=1, moves=[("de", 0.8), ("de-snooker", 0.2)])
    sampler.run_mcmc(start(), 30, progress=lambda done, total, acc: calls.append((done, total, acc)))
    assert calls and calls[-1][:2] == (30, 30) and 0 < calls[-1][2] <= 1
    assert sampler.moves == "de:0.8,de-snooker:0.2"
    emcee = pytest.importorskip("emcee")
    same = fp.EnsembleSampler(log_prob, names=NAMES, walkers=16, seed=1,
                              moves=[(emcee.moves.DEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)])
    same.run_mcmc(start(), 30)
    assert np.array_equal(same.get_chain(), sampler.get_chain())

"""The two samplers with emcee's and pocoMC's conveniences.

Likelihoods are Python callables f(x) -> log L with x a (B, d) float64 array (one point per row) returning B values
(vectorize=False: f(theta) of one point of shape (d,) returning a float), or C++ densities (flowprior.Density: an
emulator likelihood, a Gaussian, a built-in target). Priors are a Box (uniform), a Flow (the flow prior), a prior
Density such as flow.prior(eps=0.1), or a flowprior.Prior of per-parameter distributions. The C++ samplers run
without the GIL; a callable takes it for its own batch only. Ctrl-C raises KeyboardInterrupt within about 20 ms of
the current batch and keeps what was computed: the ensemble chain so far (and its file), the SMC checkpoint.
"""
import functools
import math
import numbers
import os
import shutil
import sys
import tempfile
import warnings
import weakref

import numpy as np

from . import _flowprior as _fp
from .priors import Prior


class AutocorrError(_fp.Error):
    """The chain is too short for a reliable autocorrelation time (emcee's AutocorrError): `tau` holds the
    estimate anyway (one value per parameter, in steps)."""

    def __init__(self, tau, message):
        self.tau = np.asarray(tau)
        super().__init__(message)


# ---------------------------------------------------------------------------------------------------------------
# Option checks: one message naming the option and what it accepts (instead of pybind11's cast errors).

def _integer(name, value, minimum=None):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, not {value!r} ({type(value).__name__})")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    return value


def _seed(value, name="seed"):
    """seed: a non-negative integer; None draws a fresh one from the operating system (recorded by the caller)."""
    if value is None:
        return int(np.random.SeedSequence().entropy % (1 << 63))
    return _integer(name, value, 0)


_EMCEE_MOVES = {"StretchMove": "stretch", "DEMove": "de", "DESnookerMove": "de-snooker", "WalkMove": "walk"}
_MOVE_NAMES = ("stretch", "de", "de-snooker", "walk")


def moves_spec(moves):
    """The moves as the C++ sampler reads them ("stretch:0.8,de:0.2").

    moves: a name ("stretch", "de", "de-snooker", "walk"), the C++ spec string "stretch:0.8,de:0.2", a list of
    names, a list of (name, weight) pairs, or emcee move objects (emcee.moves.DEMove(), ...) alone or in
    (move, weight) pairs, as emcee's `moves=` takes them. Move parameters of emcee objects are not carried over
    (flowprior's defaults: stretch a = 2, DE gamma = 2.38 / sqrt(2 d), snooker gamma 1.7)."""
    def name_of(move):
        if isinstance(move, str):
            return move
        cls = type(move).__name__
        if cls in _EMCEE_MOVES:
            return _EMCEE_MOVES[cls]
        raise TypeError(f"moves: {move!r} is not a move; use one of {', '.join(_MOVE_NAMES)} or emcee move objects")

    if isinstance(moves, str):
        return moves
    if not isinstance(moves, (list, tuple)) or len(moves) == 0:
        items = [moves]
    else:
        items = list(moves)
    parts = []
    for item in items:
        if isinstance(item, (list, tuple)):
            if len(item) != 2:
                raise TypeError(f"moves: each item must be a move or a (move, weight) pair, not {item!r}")
            move, weight = item
            if isinstance(weight, (bool, np.bool_)) or not isinstance(weight, numbers.Real) or not weight > 0:
                raise ValueError(f"moves: the weight of {move!r} must be a positive number, not {weight!r}")
            parts.append(f"{name_of(move)}:{float(weight)!r}")
        else:
            parts.append(name_of(item))
    return ",".join(parts)


def _progress_callback(progress, label, unit="step"):
    """The progress of a C++ loop (the ensemble's steps, the SMC iterations, train_flow's epochs, run's SMC
    iterations) as the user asked for it. Returns (callback, close); the C++ loop calls callback(done, total,
    **figures) between steps on the caller's thread, and close() ends the bar.

    progress: False/None -> no callback; True -> a tqdm bar (tqdm.auto, with rate and ETA) when tqdm is installed,
    else a line on sys.stderr; both write to Python's sys.stderr, never the process's, so they can be captured.
    A str figure (run's stage name) joins the label, and a new one starts a new bar; a total that changes (the
    SMC's estimate) updates the bar's. A callable f -> called as f(done, total, *figures) with the figures in
    order: ensemble (acceptance), SMC (beta, ess, log_z, ess_at_one), train_flow (loss, validation_loss), run
    (run, beta, ess, log_z, ess_at_one)."""
    if progress is None or progress is False:
        return None, lambda: None
    if callable(progress):
        return (lambda done, total, **figures: progress(done, total, *figures.values())), lambda: None
    if progress is not True:
        raise TypeError(f"progress must be True, False or a callable f(done, total, ...), not {progress!r}")

    def describe(figures):
        return " ".join([label] + [v for v in figures.values() if isinstance(v, str)])

    def numbers(figures):
        return {k: f"{v:.4g}" for k, v in figures.items() if not isinstance(v, str)}

    try:
        from tqdm.auto import tqdm
    except ImportError:
        tqdm = None
    if tqdm is not None:
        state = {"bar": None, "name": None}

        def update(done, total, **figures):
            name = describe(figures)
            bar = state["bar"]
            if bar is None or name != state["name"]:
                if bar is not None:
                    bar.close()
                bar = state["bar"] = tqdm(total=total, desc=name, unit=unit)
                state["name"] = name
            if bar.total != total:
                bar.total = total
            bar.n = done
            bar.set_postfix(numbers(figures), refresh=False)
            bar.refresh()

        return update, lambda: state["bar"] is not None and state["bar"].close()

    def line(done, total, **figures):
        end = "\n" if done >= total else ""
        values = ", ".join(f"{k} {v}" for k, v in numbers(figures).items())
        print(f"\r{describe(figures)}: {done}/{total} {unit}s, {values}", end=end, file=sys.stderr, flush=True)

    return line, lambda: None


def _status_line(line):
    """A status line of a C++ run on Python's sys.stderr (through tqdm.write when tqdm is there, so that it does
    not break a bar)."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        print(line, file=sys.stderr, flush=True)
        return
    tqdm.write(line, file=sys.stderr)


def with_progress(function, label, unit, status=False):
    """A compiled function whose `progress` takes what the samplers' does (True: a tqdm bar with an ETA, or a
    callable f(done, total, *figures); see _progress_callback) and, for run, whose status lines go to Python's
    sys.stderr when progress is on and no `status` callable is given. Used for train_flow and run."""
    @functools.wraps(function)
    def wrapper(*args, progress=False, **kwargs):
        callback, close = _progress_callback(progress, label, unit)
        if status and kwargs.get("status") is None and callback is not None:
            kwargs["status"] = _status_line
        try:
            return function(*args, progress=False if callback is None else callback, **kwargs)
        finally:
            close()

    return wrapper


# ---------------------------------------------------------------------------------------------------------------
# Priors and likelihoods.

def as_prior(prior):
    """Box -> uniform prior, Flow -> flow prior, Prior -> its density, prior Density -> itself."""
    if isinstance(prior, _fp.Box):
        return _fp.uniform_prior(prior)
    if isinstance(prior, _fp.Flow):
        return prior.prior()
    if isinstance(prior, Prior):
        return prior.density
    if isinstance(prior, _fp.Density) and prior.is_prior:
        return prior
    raise TypeError(f"prior must be a Box, a Flow, a flowprior.Prior or a prior Density, not {type(prior).__name__}")


def per_point(function, args=(), kwargs=None):
    """A batch log-density from a per-point one: f(theta (d,)) -> float becomes F(x (B, d)) -> (B,)."""
    kwargs = kwargs or {}

    def batch(x):
        out = np.empty(len(x))
        for i, theta in enumerate(x):
            value = function(theta, *args, **kwargs)
            if value is None:
                raise _fp.Error(f"log_likelihood: the callable returned None at point {i} ({theta!r}); it must "
                                "return a number (did it forget `return`?)")
            out[i] = value
        return out

    batch.__wrapped__ = function
    return batch


def _with_args(function, args, kwargs):
    if not args and not kwargs:
        return function
    kwargs = kwargs or {}
    return lambda x: function(x, *args, **kwargs)


def as_density(obj, names, vectorize=True, args=(), kwargs=None):
    """Density -> itself, Flow -> its prior density, callable -> a density calling it per batch (vectorize=True:
    f((B, d)) -> (B,)) or per point (vectorize=False: f((d,)) -> float)."""
    if isinstance(obj, _fp.Density):
        return obj
    if isinstance(obj, _fp.Flow):
        return obj.prior()
    if callable(obj):
        function = _with_args(obj, args, kwargs) if vectorize else per_point(obj, args, kwargs)
        return _fp.callable_density(function, list(names))
    raise TypeError(f"expected a callable or a flowprior.Density, not {type(obj).__name__}")


# ---------------------------------------------------------------------------------------------------------------
# Chains as emcee returns them.

def _kept_steps(steps, discard, thin):
    # emcee's selection: steps discard + thin - 1, discard + 2 thin - 1, ... (Chain::flat in C++ does the same)
    thin = _integer("thin", thin, 1)
    discard = _integer("discard", discard, 0)
    return slice(discard + thin - 1, steps, thin)


def chain_values(chain, discard=0, thin=1, flat=False):
    """Positions of a Chain as emcee's get_chain: (steps, walkers, d), or step-major (n, d) with flat=True."""
    x = np.asarray(chain.positions).reshape(chain.steps, chain.walkers, chain.dim)[
        _kept_steps(chain.steps, discard, thin)]
    return x.reshape(-1, chain.dim) if flat else x


def chain_log_prob(chain, discard=0, thin=1, flat=False):
    """log_prob of a Chain as emcee's get_log_prob: (steps, walkers), or flat (n,)."""
    lp = np.asarray(chain.log_prob)[_kept_steps(chain.steps, discard, thin)]
    return lp.reshape(-1) if flat else lp


def chain_autocorr_time(chain, discard=0, c=5.0, tol=50.0, quiet=False):
    """Integrated autocorrelation time per parameter, in steps (emcee's estimator). A chain shorter than tol * tau
    raises AutocorrError (carrying the estimate as .tau), or with quiet=True warns and returns it, as emcee."""
    tau, warning = chain.integrated_autocorr_time(discard, c, tol)
    tau = np.asarray(tau)
    if warning:
        if not quiet:
            raise AutocorrError(tau, warning)
        warnings.warn(warning, stacklevel=3)
    return tau


class State:
    """A snapshot of the ensemble, as emcee's State: coords (walkers, d), log_prob (walkers,), blobs (None),
    random_state (None: flowprior's randomness is a function of the seed and the step number)."""

    def __init__(self, coords, log_prob=None, blobs=None, random_state=None, iteration=None):
        self.coords = np.atleast_2d(np.asarray(coords, dtype=float))
        self.log_prob = None if log_prob is None else np.asarray(log_prob, dtype=float)
        self.blobs = blobs
        self.random_state = random_state
        self.iteration = iteration

    def __len__(self):
        return 3

    def __iter__(self):  # emcee: coords, log_prob, random_state = state
        return iter((self.coords, self.log_prob, self.random_state))

    def __repr__(self):
        w, d = self.coords.shape
        return f"State(walkers={w}, dim={d}, iteration={self.iteration})"


class HDFBackend:
    """An ensemble chain in an HDF5 file, in emcee's HDFBackend layout (emcee.backends.HDFBackend reads it and can
    continue it; flowprior continues emcee's files too).

    HDFBackend(filename, name="mcmc", read_only=False). Give it to EnsembleSampler(..., backend=...): a new file is
    written step by step as the chain grows (flushed at least every 2 s, and completely on Ctrl-C and at the end of
    every run_mcmc); an existing chain is loaded and run_mcmc(None, n) continues it, also in a later session.
    """

    def __init__(self, filename, name="mcmc", read_only=False):
        self.filename = os.fspath(filename)
        self.name = name
        self.read_only = read_only

    @property
    def initialized(self):
        """True when the file holds a chain group (possibly empty)."""
        if not os.path.exists(self.filename):
            return False
        try:
            import h5py
        except ImportError:
            return True
        with h5py.File(self.filename, "r") as f:
            return self.name in f

    def _read(self):
        return _fp.read_chain(self.filename, self.name)[0]

    @property
    def iteration(self):
        """Number of stored steps (0 for a missing file)."""
        if not os.path.exists(self.filename):
            return 0
        return self._read().steps

    @property
    def shape(self):
        """(walkers, d)."""
        c = self._read()
        return c.walkers, c.dim

    @property
    def accepted(self):
        """Accepted proposals per walker (walkers,)."""
        return np.asarray(self._read().accepted)

    def reset(self, nwalkers=None, ndim=None):
        """Forget the stored chain (emcee's reset): the file is removed and written anew by the next run."""
        if self.read_only:
            raise RuntimeError(f"{self.filename}: the backend is read-only")
        if os.path.exists(self.filename):
            os.remove(self.filename)

    def get_chain(self, discard=0, thin=1, flat=False):
        """emcee's get_chain from the file: (steps, walkers, d), or (n, d) step-major with flat=True."""
        return chain_values(self._read(), discard, thin, flat)

    def get_log_prob(self, discard=0, thin=1, flat=False):
        """emcee's get_log_prob from the file: (steps, walkers), or (n,)."""
        return chain_log_prob(self._read(), discard, thin, flat)

    def get_last_sample(self):
        """The last stored State."""
        c = self._read()
        if c.steps == 0:
            raise AttributeError("you must run the sampler with a backend before get_last_sample can be called")
        return State(chain_values(c)[-1], chain_log_prob(c)[-1], iteration=c.steps)

    def get_autocorr_time(self, discard=0, c=5.0, tol=50.0, quiet=False):
        """Integrated autocorrelation time per parameter (d,), in steps, of the stored chain (AutocorrError, with
        .tau, when the chain is shorter than tol * tau; quiet=True warns instead)."""
        return chain_autocorr_time(self._read(), discard, c, tol, quiet)

    def __repr__(self):
        steps = self.iteration
        return f"HDFBackend({self.filename!r}, name={self.name!r}, steps={steps})"


def _initial_coords(initial_state):
    if isinstance(initial_state, State) or hasattr(initial_state, "coords"):  # ours or emcee's State
        initial_state = initial_state.coords
    try:
        x = np.array(initial_state, dtype=float, order="C")
    except (TypeError, ValueError):
        raise TypeError(f"initial_state must be an array (walkers, d) or a State, not {type(initial_state).__name__}")
    if x.ndim != 2:
        raise ValueError(f"initial_state must have shape (walkers, d), not {x.shape}")
    return x


class EnsembleSampler:
    """Affine-invariant ensemble MCMC (emcee's moves and semantics) in C++.

    EnsembleSampler(log_likelihood, prior, walkers=...) samples prior x likelihood; with prior=None the callable
    (or Density) is the whole log posterior and `names` (or `dim`) gives the parameters, as emcee's log_prob_fn.

    log_likelihood: f(x (B, d)) -> (B,) log values (vectorize=False: f(theta (d,)) -> float), extra args/kwargs
        passed on as emcee's; or a Density.
    prior: Box, Flow, Prior, prior Density, or None.
    walkers (alias nwalkers): number of walkers (default max(32, 2 d)); moves: see moves_spec ("stretch",
    [("de", 0.8), ("de-snooker", 0.2)], emcee move objects); seed: int (None: a fresh one, kept in .seed);
    threads: evaluation threads (the same chain for any number); burn_in: steps of the two-phase burn-in before
    the first stored step; backend: HDFBackend (the chain file); progress: default of run_mcmc's progress.

    run_mcmc(initial_state, nsteps) runs nsteps more steps (initial_state None: continue the chain, or start from
    the prior); step s always uses the random stream of (seed, s), so runs in pieces give the chain of one run.
    """

    def __init__(self, log_likelihood, prior=None, *, walkers=None, nwalkers=None, names=None, dim=None,
                 moves="stretch", seed=1, threads=1, burn_in=0, progress=False, backend=None, vectorize=True,
                 args=(), kwargs=None):
        if walkers is not None and nwalkers is not None and walkers != nwalkers:
            raise ValueError("give walkers or nwalkers, not both")
        walkers = nwalkers if walkers is None else walkers
        self.vectorize = bool(vectorize)
        if prior is None:
            if names is None:
                if dim is None and not isinstance(log_likelihood, _fp.Density):
                    raise ValueError("without a prior, give names= or dim= of the parameters")
                names = log_likelihood.names if dim is None else [f"x{i + 1}" for i in range(_integer("dim", dim, 1))]
            self.prior = None
            self.target = as_density(log_likelihood, names, vectorize, args, kwargs)
        else:
            self.prior = as_prior(prior)
            names = self.prior.names
            self.target = _fp.posterior(self.prior, as_density(log_likelihood, names, vectorize, args, kwargs))
        self.names = list(names)
        self.dim = len(self.names)
        self.walkers = _integer("walkers", walkers, 2) if walkers is not None else max(32, 2 * self.dim)
        self.moves = moves_spec(moves)
        self.seed = _seed(seed)
        self.threads = _integer("threads", threads, 0)
        self.burn_in = _integer("burn_in", burn_in, 0)
        self.progress = progress
        self.backend = backend
        self._run = _fp._EnsembleRun(self.target, self.moves, self.seed, self.threads, self.burn_in, True)
        if backend is not None and not isinstance(backend, HDFBackend):
            if hasattr(backend, "filename") and hasattr(backend, "name"):  # emcee's HDFBackend: the same file layout
                self.backend = backend = HDFBackend(backend.filename, backend.name)
            else:
                raise TypeError(f"backend must be a flowprior.HDFBackend, not {type(backend).__name__}")
        if backend is not None and os.path.exists(backend.filename) and backend.iteration > 0:
            self._run.open_file(backend.filename, backend.name)
            self.walkers = self._run.chain.walkers

    # -- running --------------------------------------------------------------------------------------------------
    def run_mcmc(self, initial_state, nsteps, progress=None, **ignored):
        """nsteps more steps; returns the last State (emcee's run_mcmc).

        initial_state: (walkers, d) positions or a State; None continues the chain (or, before the first run,
        starts from prior draws). A given state with a chain already stored appends to it, as emcee.
        progress: True (a tqdm bar, else a line on stderr), False, or f(done, total, acceptance).
        Ctrl-C raises KeyboardInterrupt; every completed step stays in the chain (and the backend's file), and
        run_mcmc(None, n) continues from the last of them."""
        for key in ignored:
            if key not in ("tune", "skip_initial_state_check", "thin_by", "store"):
                raise TypeError(f"run_mcmc() got an unexpected keyword argument '{key}'")
        nsteps = _integer("nsteps", nsteps, 0)
        if initial_state is None:
            if self._run.state is None:
                if self.prior is None:
                    raise ValueError("initial_state=None needs a chain to continue or a prior to start from: "
                                     "give the initial positions (walkers, d)")
                self._start(self.prior.sample(self.walkers, seed=self.seed))
        else:
            self._start(_initial_coords(initial_state))
        callback, close = _progress_callback(self.progress if progress is None else progress, "ensemble")
        try:
            self._run.advance(nsteps, callback)
        finally:
            close()
        return self.get_last_sample()

    def _start(self, x):
        if x.shape[1] != self.dim:
            raise ValueError(f"initial_state has {x.shape[1]} columns, the sampler has {self.dim} parameters "
                             f"({', '.join(self.names)})")
        if self.backend is not None and self._run.path == "":
            self._run.create_file(self.backend.filename, self.backend.name, len(x))
        self._run.start(x)
        self.walkers = len(x)

    def run(self, steps, initial=None, progress=None):
        """steps more steps (initial: (walkers, d) positions; default: continue the chain, or prior draws before
        the first run). Returns self. The same as run_mcmc(initial, steps)."""
        self.run_mcmc(initial, steps, progress=progress)
        return self

    def sample(self, initial_state, iterations=1, progress=None):
        """emcee's generator: yields the State after each of `iterations` steps."""
        if initial_state is not None:
            self.run_mcmc(initial_state, 0, progress=False)
        for _ in range(_integer("iterations", iterations, 0)):
            yield self.run_mcmc(None, 1, progress=False)

    def reset(self):
        """Forget the chain and the current state (the seed stays; a backend's file is written anew by the next
        run, as emcee's reset clears its backend)."""
        self._run.reset()
        if self.backend is not None:
            self.backend.reset()

    # -- results --------------------------------------------------------------------------------------------------
    @property
    def chain(self):
        """The stored steps as a Chain (picklable; positions (steps * walkers, d), log_prob (steps, walkers))."""
        return self._run.chain

    @property
    def iteration(self):
        """Number of stored steps."""
        return self._run.chain.steps

    @property
    def summary(self):
        """dict: log_prob_calls, wall_seconds, steps_run of this sampler's runs."""
        return self._run.summary

    def _need_chain(self):
        c = self._run.chain
        if c.steps == 0:
            raise AttributeError("you must run the sampler (run_mcmc) before reading its chain")
        return c

    def get_chain(self, discard=0, thin=1, flat=False):
        """emcee's get_chain: (steps, walkers, d), or (steps * walkers, d) step-major with flat=True."""
        return chain_values(self._need_chain(), discard, thin, flat)

    def get_log_prob(self, discard=0, thin=1, flat=False):
        """emcee's get_log_prob: (steps, walkers), or flat (n,)."""
        return chain_log_prob(self._need_chain(), discard, thin, flat)

    def get_last_sample(self):
        """The current State: positions (walkers, d) and log_prob (walkers,) after the last step."""
        state = self._run.state
        if state is None:
            raise AttributeError("you must run the sampler before get_last_sample can be called")
        coords, log_prob, step = state
        return State(coords, log_prob, iteration=step)

    @property
    def acceptance_fraction(self):
        """Accepted proposals / steps per walker (walkers,)."""
        return np.asarray(self._need_chain().acceptance_fraction)

    def get_autocorr_time(self, discard=0, thin=1, c=5.0, tol=50.0, quiet=False):
        """Integrated autocorrelation time per parameter, in steps (emcee's estimator). A chain shorter than
        tol * tau raises AutocorrError, whose .tau holds the estimate; quiet=True warns and returns it (emcee).
        thin is accepted for emcee's signature: tau is always estimated on every step, in steps (emcee's thin *
        tau of the thinned chain estimates the same)."""
        _integer("thin", thin, 1)
        return chain_autocorr_time(self._need_chain(), discard, c, tol, quiet)

    def diagnostics(self, discard=None):
        """dict: acceptance, autocorrelation times, ESS, split R-hat, mean, covariance, warnings
        (discard defaults to a quarter of the steps, as the command line)."""
        c = self._need_chain()
        d = c.diagnose(c.steps // 4 if discard is None else discard)
        d.update(self.summary)
        return d

    def __repr__(self):
        text = f"EnsembleSampler(dim={self.dim} [{', '.join(self.names)}], walkers={self.walkers}, moves={self.moves!r}"
        c = self._run.chain
        if c.steps > 0:
            tau, warning = c.integrated_autocorr_time(0, 5.0, 50.0)
            tau_text = "[" + ", ".join(f"{t:g}" for t in np.asarray(tau)) + "]"
            text += (f", steps={c.steps}, acceptance={np.mean(c.acceptance_fraction):g}, tau={tau_text}"
                     + (" (chain < 50 tau)" if warning else ""))
        if self.backend is not None:
            text += f", backend={self.backend.filename!r}"
        return text + ")"


# ---------------------------------------------------------------------------------------------------------------
# Persistent sampling (pocoMC's algorithm).

def default_smc_options(n_active=256, precondition=True):
    """The command line's defaults (`flowprior sample --sampler smc`, src/cli/cmd_sample_smc.cpp): n_effective
    2 x n_active, n_total 8 x n_active, flow preconditioning with the t-pCN kernel, and 4096 flow
    importance-sampling draws for the evidence (0 without a flow)."""
    return dict(n_active=n_active, n_effective=2.0 * n_active, n_total=8 * n_active, precondition=precondition,
                kernel="tpcn" if precondition else "rwm", evidence_samples=4096 if precondition else 0)


class PersistentSampler:
    """Persistent-sampling SMC (pocoMC's algorithm) in C++: evidence and posterior.

    PersistentSampler(log_likelihood, prior, n_active=256, ...).run() -> SmcResult with numpy arrays (x, weights,
    posterior, ...), log_z, log_z_err (the reported evidence: importance sampling from the final flow when
    preconditioned, else persistent sampling; log_z_method says which), log_z_ps / log_z_ps_err and
    log_z_is / log_z_is_err (both estimates; log_z_is_khat, log_z_is_ess, log_z_is_rounds, log_z_is_draws and
    log_z_is_batches diagnose the importance weights), iterations (dict of arrays) and summary() (dict); posterior() and
    evidence() as pocoMC's.

    log_likelihood: f(x (B, d)) -> (B,) (vectorize=False: f(theta (d,)) -> float; args/kwargs passed on), or a
        Density. prior: Box, Flow, Prior (per-parameter distributions), or a prior Density.
    Defaults are the command line's (default_smc_options): flow preconditioning, n_total = 8 n_active, the flow's
    importance-sampling evidence. Other options: n_effective, warmup_blocks, dynamic_ess, kernel ('tpcn'|'rwm'),
    max_correlation, max_steps, max_iterations, max_likelihood_calls, seed (None: fresh, kept in .options),
    posterior_size, checkpoint (a file path), flow_arch, flow_layers, flow_hidden, flow_epochs, flow_patience,
    flow_max_rows, evidence_samples, evidence_rounds (importance-sampling proposals: the final flow and wider
    copies, default 4), evidence_tolerance (the error of log_z_is a pilot sizes the draws for, default 0.02 nat), evidence_max_draws (draws of all rounds at most, default 32768), evidence_retry_max_draws (a
    second batch's draws at most, drawn only where the first batch's error exceeds twice its plan; default 131072, 0:
    never), progress (run()'s
    default: False, True for a tqdm bar, or a callable).

    The run writes a checkpoint after every iteration (to `checkpoint`, else a temporary file of this sampler):
    after Ctrl-C (KeyboardInterrupt), run() continues from the last completed iteration, bitwise as one run.
    """

    def __init__(self, log_likelihood, prior, *, threads=1, vectorize=True, args=(), kwargs=None, **options):
        self.prior = as_prior(prior)
        self.likelihood = as_density(log_likelihood, self.prior.names, vectorize, args, kwargs)
        self.threads = _integer("threads", threads, 0)
        n_active = _integer("n_active", options.get("n_active", 256), 2)
        precondition = options.get("precondition", True)
        if not isinstance(precondition, (bool, np.bool_)):
            raise TypeError(f"precondition must be True or False, not {precondition!r}")
        merged = default_smc_options(n_active, bool(precondition))
        if "kernel" in options or not precondition:
            merged.pop("kernel")
        merged.update(options)
        merged["seed"] = _seed(merged.get("seed", 1))
        for key in ("n_total", "max_iterations", "warmup_blocks", "max_steps", "posterior_size", "evidence_samples",
                    "evidence_rounds", "evidence_max_draws", "evidence_retry_max_draws", "flow_layers", "flow_hidden", "flow_epochs", "flow_patience", "flow_max_rows"):
            if key in merged:
                merged[key] = _integer(key, merged[key], 0)
        self._own_checkpoint = None
        if merged.get("checkpoint") is None:
            merged.pop("checkpoint", None)
            folder = tempfile.mkdtemp(prefix="flowprior-smc-")
            self._own_checkpoint = os.path.join(folder, "run.checkpoint")
            self._cleanup = weakref.finalize(self, shutil.rmtree, folder, True)
        else:
            merged["checkpoint"] = os.fspath(merged["checkpoint"])
        self.options = merged
        self.result = None

    def run(self, n_total=None, progress=None, resume=True):
        """Runs (or continues) until the ESS at beta = 1 reaches n_total; returns the SmcResult (also .result).

        resume=True continues from the checkpoint of an interrupted run (or returns at once after a completed one);
        resume=False starts afresh. progress (default: the constructor's, False): True shows a tqdm bar of the
        iterations with beta, ESS, log Z and an ETA (the total is an estimate that the bar updates); a callable
        f(iteration, estimated_iterations, beta, ess, log_z, ess_at_one) is called after every iteration. The
        result is bitwise the same with or without progress. Warnings of the run (stopped before convergence,
        the preconditioning flow's training) are flowprior.FlowpriorWarning (a RuntimeWarning) through Python's
        warnings module, and kept in result.warnings."""
        options = dict(self.options)
        if n_total is not None:
            options["n_total"] = self.options["n_total"] = _integer("n_total", n_total, 1)
        progress = options.pop("progress", False) if progress is None else progress
        options.pop("progress", None)
        callback, close = _progress_callback(progress, "smc", "it")
        if callback is not None:
            options["progress"] = callback
        if self._own_checkpoint is not None:
            options["checkpoint"] = self._own_checkpoint
        options["resume"] = bool(resume)
        try:
            self.result = _fp.run_smc(self.likelihood, self.prior, threads=self.threads, **options)
        finally:
            close()
        return self.result

    def _need_result(self):
        if self.result is None:
            raise AttributeError("run the sampler first (sampler.run())")
        return self.result

    def posterior(self, resample=False):
        """pocoMC's posterior(): (samples (n, d), weights (n,), log_likelihood (n,), log_prior (n,)) of all stored
        particles with their normalised weights at beta = 1; resample=True: (samples, log_likelihood, log_prior)
        of the equal-weight sample (log values re-evaluated on it)."""
        r = self._need_result()
        if not resample:
            return np.asarray(r.x), np.asarray(r.weights), np.asarray(r.log_likelihood), np.asarray(r.log_prior)
        x = np.asarray(r.posterior)
        return x, np.asarray(self.likelihood.log_prob(x)), np.asarray(self.prior.log_prob(x))

    def evidence(self):
        """pocoMC's evidence(): (log_z, log_z_err), natural log of the evidence and its standard error."""
        r = self._need_result()
        return r.log_z, r.log_z_err

    def __repr__(self):
        o = self.options
        text = (f"PersistentSampler(dim={len(self.prior.names)} [{', '.join(self.prior.names)}], "
                f"n_active={o['n_active']}, n_total={o['n_total']}, precondition={o.get('precondition')}")
        if self.result is not None:
            text += f", result={smc_result_repr(self.result)}"
        return text + ")"


def smc_result_repr(r):
    """SmcResult(dim, particles, log Z +- err, ESS, converged, iterations, calls)."""
    text = (f"SmcResult(dim={len(r.names)} [{', '.join(r.names)}], particles={len(r.weights)}, "
            f"log_z={r.log_z:g} +- {r.log_z_err:g}")
    if math.isfinite(r.log_z_is):
        text += f", log_z_is={r.log_z_is:g} +- {r.log_z_is_err:g}"
    return (text + f", ess={r.ess:g}, converged={r.converged}, iterations={len(r.iterations['beta'])}, "
            f"likelihood_calls={r.likelihood_calls})")


def chain_repr(c):
    """Chain(walkers, steps, dim, acceptance, tau)."""
    text = f"Chain(walkers={c.walkers}, steps={c.steps}, dim={c.dim} [{', '.join(c.names)}]"
    if c.steps > 0:
        tau, warning = c.integrated_autocorr_time(0, 5.0, 50.0)
        text += (f", acceptance={np.mean(c.acceptance_fraction):g}, tau=["
                 + ", ".join(f"{t:g}" for t in np.asarray(tau)) + "]" + (" (chain < 50 tau)" if warning else ""))
    return text + ")"


def load_smc_result(path):
    """An SmcResult from the .h5 file SmcResult.save (or `flowprior sample --sampler smc --out X.h5`) wrote."""
    import json

    import h5py
    with h5py.File(os.fspath(path), "r") as f:
        if f.attrs.get("format") not in ("flowprior.smc", b"flowprior.smc"):
            raise _fp.Error(f"{path}: not a flowprior SMC file (format attribute 'flowprior.smc' missing)")
        summary = json.loads(f.attrs["summary"])
        names = json.loads(f.attrs["names"])
        p = f["particles"]
        it = f["iterations"]
        columns = ("iteration", "beta", "ess", "n_effective", "log_z", "acceptance", "steps", "scale", "correlation",
                   "flow_validation_loss")
        values = {k: np.asarray(it[k]) for k in columns}
        calls = np.asarray(it["likelihood_calls"])
        iterations = [(int(values["iteration"][i]), float(values["beta"][i]), float(values["ess"][i]),
                       float(values["n_effective"][i]), float(values["log_z"][i]), float(values["acceptance"][i]),
                       int(values["steps"][i]), float(values["scale"][i]), float(values["correlation"][i]),
                       float(values["flow_validation_loss"][i]), 0, int(calls[i]))
                      for i in range(len(calls))]
        def number(key):  # JSON null (a non-finite value) or absent -> NaN
            value = summary.get(key)
            return float("nan") if value is None else float(value)

        state = (names, np.asarray(p["x"]), np.asarray(p["weights"]), np.asarray(p["log_likelihood"]),
                 np.asarray(p["log_prior"]), np.asarray(f["posterior"]["x"]), number("log_z"), number("log_z_err"),
                 number("log_z_is"), number("log_z_is_err"), float(summary["ess"]), bool(summary["converged"]),
                 str(summary["stop_reason"]), iterations, int(summary["likelihood_calls"]),
                 float(summary["wall_seconds"]), number("log_z_is_ess"), number("log_z_is_khat"),
                 int(summary.get("log_z_is_rounds") or 0), int(summary.get("log_z_is_draws") or 0),
                 int(summary.get("log_z_is_batches") or (1 if summary.get("log_z_is_draws") else 0)))
    return _fp.SmcResult._from_state(state)

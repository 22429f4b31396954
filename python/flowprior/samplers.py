"""The two samplers with emcee-like conveniences. Likelihoods are Python callables f(x) -> log L with x a (B, d)
float64 array (one point per row) returning B values, or C++ densities (flowprior.Density: an emulator likelihood,
a Gaussian, a built-in target). Priors are a Box (uniform), a Flow (the flow prior) or a prior Density such as
flow.prior(eps=0.1). The C++ samplers run without the GIL; a callable takes it for its own batch only."""
import numpy as np

from . import _flowprior as _fp


def as_prior(prior):
    """Box -> uniform prior, Flow -> flow prior, prior Density -> itself."""
    if isinstance(prior, _fp.Box):
        return _fp.uniform_prior(prior)
    if isinstance(prior, _fp.Flow):
        return prior.prior()
    if isinstance(prior, _fp.Density) and prior.is_prior:
        return prior
    raise TypeError(f"prior must be a Box, a Flow or a prior Density, not {type(prior).__name__}")


def as_density(obj, names):
    """Density -> itself, Flow -> its prior density, callable -> a density calling it per batch."""
    if isinstance(obj, _fp.Density):
        return obj
    if isinstance(obj, _fp.Flow):
        return obj.prior()
    if callable(obj):
        return _fp.callable_density(obj, list(names))
    raise TypeError(f"expected a callable or a flowprior.Density, not {type(obj).__name__}")


def _kept_steps(chain, discard, thin):
    # emcee's selection: steps discard + thin - 1, discard + 2 thin - 1, ... (Chain::flat in C++ does the same)
    if thin < 1:
        raise ValueError("thin must be at least 1")
    return slice(discard + thin - 1, chain.steps, thin)


def chain_values(chain, discard=0, thin=1, flat=False):
    """Positions of a Chain as emcee's get_chain: (steps, walkers, d), or step-major (n, d) with flat=True."""
    x = np.asarray(chain.positions).reshape(chain.steps, chain.walkers, chain.dim)[_kept_steps(chain, discard, thin)]
    return x.reshape(-1, chain.dim) if flat else x


def chain_log_prob(chain, discard=0, thin=1, flat=False):
    """log_prob of a Chain as emcee's get_log_prob: (steps, walkers), or flat."""
    lp = np.asarray(chain.log_prob)[_kept_steps(chain, discard, thin)]
    return lp.reshape(-1) if flat else lp


class EnsembleSampler:
    """Affine-invariant ensemble MCMC (emcee's moves and semantics) in C++.

    EnsembleSampler(log_likelihood, prior, walkers=...) samples prior x likelihood; with prior=None the callable
    (or Density) is the whole log posterior and `names` (or `dim`) gives the parameters, as emcee's log_prob_fn.
    """

    def __init__(self, log_likelihood, prior=None, *, walkers=None, names=None, dim=None, moves="stretch", seed=1,
                 threads=1, burn_in=0, progress=False):
        if prior is None:
            if names is None:
                if dim is None and not isinstance(log_likelihood, _fp.Density):
                    raise ValueError("without a prior, give names= or dim= of the parameters")
                names = log_likelihood.names if dim is None else [f"x{i + 1}" for i in range(dim)]
            self.prior = None
            self.target = as_density(log_likelihood, names)
        else:
            self.prior = as_prior(prior)
            names = self.prior.names
            self.target = _fp.posterior(self.prior, as_density(log_likelihood, names))
        self.names = list(names)
        self.dim = len(self.names)
        self.walkers = int(walkers) if walkers else max(32, 2 * self.dim)
        self.moves, self.seed, self.threads, self.burn_in, self.progress = moves, seed, threads, burn_in, progress
        self.chain = None
        self.summary = None

    def run(self, steps, initial=None):
        """`steps` stored steps from `initial` (walkers x d; default: draws from the prior). Returns self."""
        if initial is None:
            if self.prior is None:
                raise ValueError("without a prior, give the initial positions (walkers x d)")
            initial = self.prior.sample(self.walkers, seed=self.seed)
        initial = np.ascontiguousarray(initial, dtype=float)
        self.walkers = initial.shape[0]
        self.chain, self.summary = _fp.run_ensemble(
            self.target, initial, int(steps), moves=self.moves, seed=self.seed, threads=self.threads,
            burn_in=self.burn_in, progress=self.progress)
        return self

    run_mcmc = run

    def _need_chain(self):
        if self.chain is None:
            raise RuntimeError("run the sampler first")
        return self.chain

    def get_chain(self, discard=0, thin=1, flat=False):
        """emcee's get_chain: (steps, walkers, d), or (steps * walkers, d) step-major with flat=True."""
        return chain_values(self._need_chain(), discard, thin, flat)

    def get_log_prob(self, discard=0, thin=1, flat=False):
        return chain_log_prob(self._need_chain(), discard, thin, flat)

    @property
    def acceptance_fraction(self):
        return np.asarray(self._need_chain().acceptance_fraction)

    def get_autocorr_time(self, discard=0, c=5.0, tol=50.0, quiet=False):
        """Integrated autocorrelation time per parameter (emcee's estimator). A chain shorter than tol * tau
        raises flowprior.Error unless quiet=True, which warns instead (as emcee)."""
        tau, warning = self._need_chain().integrated_autocorr_time(discard, c, tol)
        if warning:
            if not quiet:
                raise _fp.Error(warning)
            import warnings
            warnings.warn(warning)
        return np.asarray(tau)

    def diagnostics(self, discard=None):
        """dict: acceptance, autocorrelation times, ESS, split R-hat, mean, covariance, warnings
        (discard defaults to a quarter of the steps, as the command line)."""
        c = self._need_chain()
        d = c.diagnose(c.steps // 4 if discard is None else discard)
        d.update(self.summary)
        return d


class PersistentSampler:
    """Persistent-sampling SMC (pocoMC's algorithm) in C++: evidence and posterior.

    PersistentSampler(log_likelihood, prior, n_active=256, ...).run() -> SmcResult with numpy arrays (x, weights,
    posterior, ...), log_z, log_z_err (the reported evidence: importance sampling from the final flow when
    precondition=True, else persistent sampling; log_z_method says which), log_z_ps / log_z_ps_err and
    log_z_is / log_z_is_err (both estimates), iterations (dict of arrays) and summary() (dict).
    Options: n_active, n_effective, n_total, warmup_blocks, dynamic_ess, precondition, kernel, max_correlation,
    max_steps, max_iterations, max_likelihood_calls, seed, posterior_size, checkpoint, resume, progress,
    flow_arch, flow_layers, flow_hidden, flow_epochs, flow_patience, flow_max_rows, evidence_samples.
    """

    def __init__(self, log_likelihood, prior, *, threads=1, **options):
        self.prior = as_prior(prior)
        self.likelihood = as_density(log_likelihood, self.prior.names)
        self.threads = threads
        n_active = options.get("n_active", 256)
        options.setdefault("n_active", n_active)
        options.setdefault("n_effective", 2.0 * n_active)
        options.setdefault("n_total", 8 * n_active)
        self.options = options
        self.result = None

    def run(self):
        self.result = _fp.run_smc(self.likelihood, self.prior, threads=self.threads, **self.options)
        return self.result

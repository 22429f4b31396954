"""flowprior from Python: flows, samplers, emulators and whole analyses of the C++ core, numpy in and out.

    import flowprior as fp
    box = fp.Box(["a", "b"], [0, 0], [1, 1])
    flow = fp.train_flow(samples, box, weights=w, seed=1)        # as `flowprior flow train`
    sampler = fp.PersistentSampler(my_log_likelihood, flow)      # a Python callable (B, d) -> (B,)
    result = sampler.run()
    log_z, log_z_err = sampler.evidence()
    fp.corner(result.posterior, names=box.names)

    ens = fp.EnsembleSampler(log_prob, names=["a", "b"], walkers=32, backend=fp.HDFBackend("chain.h5"))
    ens.run_mcmc(p0, 1000)          # emcee's order and semantics
    ens.run_mcmc(None, 1000)        # continues the chain (and the file)

Shapes: points are float64 arrays (n, d), one point per row, in the box's units; a single point (d,) is accepted
where a log density is evaluated. Errors of the C++ core arrive as flowprior.Error (a RuntimeError) with the
command line's message; an exception raised inside a Python likelihood reaches the caller unchanged; Ctrl-C stops
C++ work with KeyboardInterrupt and keeps what was computed (chains, checkpoints).
"""
from ._flowprior import (
    Box,
    Chain,
    Density,
    Emulator,
    Error,
    Flow,
    FlowpriorWarning,
    SmcResult,
    callable_density,
    callable_prior,
    default_train_settings,
    gaussian_density,
    gaussian_likelihood,
    maximin_latin_hypercube,
    posterior,
    read_chain,
    read_samples_csv,
    run,
    target,
    target_names,
    time_evaluations,
    train_flow,
    uniform_prior,
    write_samples_csv,
)
from . import _flowprior as _compiled
from .plotting import corner
from .priors import Beta, LogUniform, Normal, Prior, TruncatedNormal, Uniform
from .run_plots import plot_run
from .samplers import (
    AutocorrError,
    EnsembleSampler,
    HDFBackend,
    PersistentSampler,
    State,
    as_density,
    as_prior,
    chain_autocorr_time,
    chain_log_prob,
    chain_repr,
    chain_values,
    default_smc_options,
    load_smc_result,
    moves_spec,
    smc_result_repr,
    with_progress as _with_progress,
)

# Module-level compiled functions with real signatures (inspect.signature, IDEs, help()): see signatures.py.
from .signatures import stub_signatures as _stub_signatures, with_signature as _with_signature  # noqa: E402

_SIGNATURES = _stub_signatures()
for _name in ("callable_density", "callable_prior", "default_train_settings", "gaussian_density",
              "gaussian_likelihood", "maximin_latin_hypercube", "posterior", "read_chain", "read_samples_csv", "run",
              "target", "target_names", "time_evaluations", "train_flow", "uniform_prior", "write_samples_csv"):
    globals()[_name] = _with_signature(getattr(_compiled, _name), _SIGNATURES[_name])
del _name
# progress=True (a tqdm bar with an ETA) or a callable, as the samplers take it (samplers._progress_callback).
train_flow = _with_signature(_with_progress(_compiled.train_flow, "train_flow", "epoch"), _SIGNATURES["train_flow"])
run = _with_signature(_with_progress(_compiled.run, "run", "it", status=True), _SIGNATURES["run"])

Flow.train = staticmethod(train_flow)  # type: ignore
Chain.get_chain = chain_values  # type: ignore  # emcee-style access to any chain, e.g. one read with read_chain
Chain.get_log_prob = chain_log_prob  # type: ignore
Chain.get_autocorr_time = chain_autocorr_time  # type: ignore
Chain.__repr__ = chain_repr  # type: ignore
SmcResult.__repr__ = smc_result_repr  # type: ignore
SmcResult.load = staticmethod(load_smc_result)  # type: ignore


def _density_from_parts(kind, args):
    """Rebuilds a pickled Density (see _density_reduce)."""
    if kind == "uniform":
        return uniform_prior(*args)
    if kind in ("flow", "mixture"):
        return args[0].prior(eps=args[1])
    if kind == "gaussian":
        return gaussian_density(*args)
    return callable_density(*args)


def _density_reduce(density):
    parts = density._parts()
    if parts is None:
        raise TypeError(f"a Density of kind '{density.kind}' has no file form and cannot be pickled "
                        "(uniform, flow, mixture, gaussian and callable densities can)")
    return _density_from_parts, tuple(parts)


Density.__reduce__ = _density_reduce  # type: ignore

__version__ = "0.1.0"

__all__ = [
    "AutocorrError", "Beta", "Box", "Chain", "Density", "Emulator", "EnsembleSampler", "Error", "Flow",
    "FlowpriorWarning", "HDFBackend",
    "LogUniform", "Normal", "PersistentSampler", "Prior", "SmcResult", "State", "TruncatedNormal", "Uniform",
    "as_density", "as_prior", "callable_density", "callable_prior", "chain_autocorr_time", "chain_log_prob",
    "chain_repr", "chain_values", "corner", "default_smc_options", "default_train_settings", "gaussian_density",
    "gaussian_likelihood", "load_smc_result", "maximin_latin_hypercube", "moves_spec", "plot_run", "posterior",
    "read_chain", "read_samples_csv", "run", "smc_result_repr", "target", "target_names", "time_evaluations",
    "train_flow", "uniform_prior", "write_samples_csv",
]

Error.__module__ = "flowprior"
FlowpriorWarning.__module__ = "flowprior"

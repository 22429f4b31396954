"""flowprior from Python: flows, samplers, emulators and whole analyses of the C++ core, numpy in and out.

    import flowprior as fp
    box = fp.Box(["a", "b"], [0, 0], [1, 1])
    flow = fp.train_flow(samples, box, weights=w, seed=1)      # as `flowprior flow train`
    sampler = fp.PersistentSampler(my_log_likelihood, flow)      # a Python callable (B, d) -> (B,)
    result = sampler.run()
    fp.corner(result.posterior, names=box.names)

Errors of the C++ core arrive as flowprior.Error (a RuntimeError) with the command line's message; an exception
raised inside a Python likelihood reaches the caller unchanged.
"""
from ._flowprior import (
    Box,
    Chain,
    Density,
    Emulator,
    Error,
    Flow,
    SmcResult,
    callable_density,
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
from .plotting import corner
from .samplers import EnsembleSampler, PersistentSampler, as_density, as_prior, chain_log_prob, chain_values

Flow.train = staticmethod(train_flow)
Chain.get_chain = chain_values  # emcee-style access to any chain, e.g. one read with read_chain
Chain.get_log_prob = chain_log_prob

__version__ = "0.1.0"

__all__ = [
    "Box", "Chain", "Density", "Emulator", "EnsembleSampler", "Error", "Flow", "PersistentSampler", "SmcResult",
    "as_density", "as_prior", "callable_density", "corner", "gaussian_density", "gaussian_likelihood",
    "maximin_latin_hypercube", "posterior", "read_chain", "read_samples_csv", "run", "target", "target_names",
    "time_evaluations", "train_flow", "uniform_prior", "write_samples_csv",
]

Error.__module__ = "flowprior"

// Samplers: the ensemble sampler and the persistent (SMC) sampler on any Density (C++ or a Python callable), run
// with the GIL released; chains and results as numpy arrays, diagnostics as dicts.
#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/core/evaluator.hpp"
#include "flowprior/sampler/diagnostics.hpp"
#include "flowprior/sampler/ensemble.hpp"
#include "flowprior/sampler/hdf_backend.hpp"
#include "flowprior/sampler/persistent.hpp"
#include "flowprior/sampler/smc_output.hpp"

namespace flowprior::python {
namespace {

py::dict diagnostics_to_dict(const ChainDiagnostics& d) {
  py::dict out;
  out["discard"] = d.discard;
  out["acceptance_fraction"] = d.acceptance_fraction;
  out["mean_acceptance_fraction"] = d.acceptance_fraction.size() ? d.acceptance_fraction.mean() : 0.0;
  out["autocorr_time"] = d.autocorr_time;
  out["ess"] = d.ess;
  out["r_hat"] = d.r_hat;
  out["mean"] = d.mean;
  out["mean_error"] = d.mean_error;
  out["covariance"] = d.covariance;
  out["warnings"] = d.warnings;
  return out;
}

py::dict ensemble_summary_to_dict(const EnsembleSummary& s) {
  py::dict out;
  out["log_prob_calls"] = s.log_prob_calls;
  out["wall_seconds"] = s.wall_seconds;
  out["steps_run"] = s.steps_run;
  return out;
}

Chain run_ensemble(const DensityHandle& target, const MatrixXd& initial, Index steps, const std::string& moves,
                   std::uint64_t seed, int threads, Index burn_in, bool progress, bool require_two_walkers_per_dim,
                   py::dict* summary) {
  if (steps < 1) throw Error(ErrorContext{.parameter = "steps"}, "must be at least 1");
  if (initial.cols() != target.density->dim())
    throw Error(ErrorContext{.parameter = "initial"}, "has " + std::to_string(initial.cols()) +
                                                          " columns, the target has " +
                                                          std::to_string(target.density->dim()) + " parameters");
  EnsembleOptions options;
  options.moves = parse_moves(moves);
  options.seed = seed;
  options.threads = threads;
  options.burn_in = burn_in;
  options.progress = progress;
  options.require_two_walkers_per_dim = require_two_walkers_per_dim;
  const std::shared_ptr<const LogDensity> density = target.density;  // alive while the GIL is released
  Chain chain;
  EnsembleSummary run_summary;
  {
    py::gil_scoped_release release;
    EnsembleSampler sampler(options);
    chain = sampler.run(*density, initial, steps);
    run_summary = sampler.summary();
  }
  *summary = ensemble_summary_to_dict(run_summary);
  return chain;
}

PersistentOptions smc_options(const py::kwargs& kw) {
  PersistentOptions o;
  o.progress = false;
  std::string kernel;
  double max_correlation = o.mutation.max_correlation;
  int max_steps = o.mutation.max_steps;
  for (const auto& [key_handle, value] : kw) {
    const std::string key = py::str(key_handle);
    if (key == "n_active") o.n_active = value.cast<Index>();
    else if (key == "n_effective") o.n_effective = value.cast<double>();
    else if (key == "n_total") o.n_total = value.cast<Index>();
    else if (key == "warmup_blocks") o.warmup_blocks = value.cast<int>();
    else if (key == "dynamic_ess") o.dynamic_ess = value.cast<bool>();
    else if (key == "precondition") o.precondition = value.cast<bool>();
    else if (key == "kernel") kernel = value.cast<std::string>();
    else if (key == "max_correlation") max_correlation = value.cast<double>();
    else if (key == "max_steps") max_steps = value.cast<int>();
    else if (key == "max_iterations") o.max_iterations = value.cast<int>();
    else if (key == "max_likelihood_calls") o.max_likelihood_calls = value.cast<std::uint64_t>();
    else if (key == "seed") o.seed = value.cast<std::uint64_t>();
    else if (key == "posterior_size") o.posterior_size = value.cast<Index>();
    else if (key == "checkpoint") o.checkpoint = value.cast<std::string>();
    else if (key == "resume") o.resume = value.cast<bool>();
    else if (key == "progress") o.progress = value.cast<bool>();
    else if (key == "flow_arch") o.flow_arch = value.cast<std::string>();
    else if (key == "flow_layers") o.flow_layers = value.cast<int>();
    else if (key == "flow_hidden") o.flow_hidden = value.cast<int>();
    else if (key == "flow_epochs") o.flow_epochs = value.cast<int>();
    else if (key == "flow_patience") o.flow_patience = value.cast<int>();
    else if (key == "flow_max_rows") o.flow_max_rows = value.cast<Index>();
    else if (key == "evidence_samples") o.evidence_samples = value.cast<Index>();
    else throw Error(ErrorContext{.parameter = key}, "unknown option of the persistent sampler");
  }
  // The command line's rule: t-pCN with flow preconditioning, random-walk Metropolis without.
  o.mutation.kernel = mutation_kernel_from_string(kernel.empty() ? (o.precondition ? "tpcn" : "rwm") : kernel);
  o.mutation.max_correlation = max_correlation;
  o.mutation.max_steps = max_steps;
  return o;
}

}  // namespace

void bind_sampler(py::module_& m) {
  py::class_<Chain>(m, "Chain", "Stored steps of an ensemble run (row s * walkers + w of positions: walker w, step s).")
      .def_readonly("walkers", &Chain::walkers)
      .def_readonly("dim", &Chain::dim)
      .def_readonly("steps", &Chain::steps)
      .def_readonly("names", &Chain::names)
      .def_property_readonly("positions", [](const Chain& c) { return MatrixXd(c.positions); })
      .def_property_readonly("log_prob", [](const Chain& c) { return MatrixXd(c.log_prob); })
      .def_property_readonly("accepted", [](const Chain& c) { return VectorXd(c.accepted); })
      .def_property_readonly("acceptance_fraction", &Chain::acceptance_fraction)
      .def("diagnose", [](const Chain& c, Index discard, double window, double tol) {
             return diagnostics_to_dict(diagnose(c, discard, AutocorrOptions{.c = window, .tol = tol}));
           }, py::arg("discard") = 0, py::arg("c") = 5.0, py::arg("tol") = 50.0,
           "Acceptance, autocorrelation times (emcee's estimator), ESS, split R-hat, mean, covariance, warnings.")
      .def("integrated_autocorr_time", [](const Chain& c, Index discard, double window, double tol) {
             const AutocorrResult r = integrated_autocorr_time(c, discard, AutocorrOptions{.c = window, .tol = tol});
             return std::make_pair(r.tau, r.warning);
           }, py::arg("discard") = 0, py::arg("c") = 5.0, py::arg("tol") = 50.0);

  m.def("run_ensemble",
        [](const DensityHandle& target, const MatrixXd& initial, Index steps, const std::string& moves,
           std::uint64_t seed, int threads, Index burn_in, bool progress, bool require_two_walkers_per_dim) {
          py::dict summary;
          Chain chain = run_ensemble(target, initial, steps, moves, seed, threads, burn_in, progress,
                                     require_two_walkers_per_dim, &summary);
          if (chain.names.empty()) chain.names = target.density->names();
          return py::make_tuple(std::move(chain), summary);
        },
        py::arg("target"), py::arg("initial"), py::arg("steps"), py::kw_only(), py::arg("moves") = "stretch",
        py::arg("seed") = 1, py::arg("threads") = 1, py::arg("burn_in") = 0, py::arg("progress") = false,
        py::arg("require_two_walkers_per_dim") = true,
        "Ensemble MCMC on a log-posterior Density from initial positions (walkers x d): (Chain, summary dict).");

  m.def("read_chain", [](const std::string& path, const std::string& group) {
          ChainFile file = read_chain_file(path, group);
          py::dict meta;
          meta["flowprior"] = file.metadata.flowprior;
          meta["version"] = file.metadata.version;
          meta["seed"] = file.metadata.seed;
          meta["moves"] = file.metadata.moves;
          meta["target"] = file.metadata.target;
          meta["burn_in"] = file.metadata.burn_in;
          return py::make_tuple(std::move(file.chain), meta);
        }, py::arg("path"), py::arg("group") = "mcmc", "An HDF5 chain (ours or emcee's HDFBackend): (Chain, metadata).");

  py::class_<SmcResult>(m, "SmcResult", "A persistent-sampler run: all stored particles, weights, evidence.")
      .def_readonly("names", &SmcResult::names)
      .def_property_readonly("x", [](const SmcResult& r) { return MatrixXd(r.x); })
      .def_property_readonly("weights", [](const SmcResult& r) { return VectorXd(r.weights); })
      .def_property_readonly("log_likelihood", [](const SmcResult& r) { return VectorXd(r.log_likelihood); })
      .def_property_readonly("log_prior", [](const SmcResult& r) { return VectorXd(r.log_prior); })
      .def_property_readonly("posterior", [](const SmcResult& r) { return MatrixXd(r.posterior); },
                             "Equal-weight posterior sample.")
      .def_readonly("log_z", &SmcResult::log_z)
      .def_readonly("log_z_err", &SmcResult::log_z_err)
      .def_readonly("log_z_method", &SmcResult::log_z_method)
      .def_readonly("log_z_ps", &SmcResult::log_z_ps)
      .def_readonly("log_z_ps_err", &SmcResult::log_z_ps_err)
      .def_readonly("log_z_is", &SmcResult::log_z_is)
      .def_readonly("log_z_is_err", &SmcResult::log_z_is_err)
      .def_readonly("log_z_is_ess", &SmcResult::log_z_is_ess)
      .def_readonly("ess", &SmcResult::ess)
      .def_readonly("converged", &SmcResult::converged)
      .def_readonly("stop_reason", &SmcResult::stop_reason)
      .def_readonly("likelihood_calls", &SmcResult::likelihood_calls)
      .def_readonly("wall_seconds", &SmcResult::wall_seconds)
      .def_property_readonly("iterations", [](const SmcResult& r) {
        py::dict d;
        auto column = [&r](auto field) {
          VectorXd v(static_cast<Index>(r.iterations.size()));
          for (std::size_t i = 0; i < r.iterations.size(); ++i) v(static_cast<Index>(i)) = double(r.iterations[i].*field);
          return v;
        };
        d["iteration"] = column(&SmcIteration::iteration);
        d["beta"] = column(&SmcIteration::beta);
        d["ess"] = column(&SmcIteration::ess);
        d["n_effective"] = column(&SmcIteration::n_effective);
        d["log_z"] = column(&SmcIteration::log_z);
        d["acceptance"] = column(&SmcIteration::acceptance);
        d["steps"] = column(&SmcIteration::steps);
        d["scale"] = column(&SmcIteration::scale);
        d["correlation"] = column(&SmcIteration::correlation);
        d["flow_validation_loss"] = column(&SmcIteration::flow_validation_loss);
        d["likelihood_calls"] = column(&SmcIteration::likelihood_calls);
        return d;
      }, "Per-iteration diagnostics (dict of arrays).")
      .def("summary", [](const SmcResult& r) { return json_to_python(smc_summary_json(r)); },
           "The JSON summary of `flowprior sample --sampler smc --json` (dict).")
      .def("save", [](const SmcResult& r, const std::string& path) {
             const bool csv = path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0;
             const bool h5 = path.size() >= 3 && path.compare(path.size() - 3, 3, ".h5") == 0;
             if (!csv && !h5) throw Error(ErrorContext{.file = path}, "must end in .h5 (whole run) or .csv (posterior)");
             if (csv) write_smc_posterior_csv(path, r);
             else write_smc_hdf5(path, r, smc_summary_json(r));
           }, py::arg("path"), "Writes the run as the command line does (.h5 whole run, .csv posterior).");

  m.def("run_smc",
        [](const DensityHandle& likelihood, const DensityHandle& prior, int threads, const py::kwargs& kw) {
          if (!prior.box || !prior.sample)
            throw Error(ErrorContext{.parameter = "prior"},
                        "a " + prior.kind + " density is not a prior (needs a box and sampling): use a Box, a "
                        "Flow, Flow.prior(eps) or uniform_prior(box)");
          if (likelihood.density->dim() != prior.density->dim())
            throw Error(ErrorContext{.parameter = "log_likelihood"},
                        "has " + std::to_string(likelihood.density->dim()) + " parameters, the prior " +
                            std::to_string(prior.density->dim()));
          const PersistentOptions options = smc_options(kw);
          // Shared copies: alive while the GIL is released, whatever Python does with its handles.
          const std::shared_ptr<const LogDensity> like = likelihood.density, prior_density = prior.density;
          const auto sample = prior.sample;
          const Box box = *prior.box;
          py::gil_scoped_release release;
          ThreadEvaluator evaluator(threads);
          const PriorModel model{*prior_density, box, sample};
          return PersistentSampler(options).run(model, *like, evaluator);
        },
        py::arg("log_likelihood"), py::arg("prior"), py::kw_only(), py::arg("threads") = 1,
        "Persistent-sampling SMC: log_likelihood and prior are Density objects; options as PersistentOptions "
        "(n_active, n_effective, n_total, precondition, kernel, seed, ...).");
}

}  // namespace flowprior::python

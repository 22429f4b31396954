// Samplers: the ensemble sampler and the persistent (SMC) sampler on any Density (C++ or a Python callable), run
// with the GIL released; chains and results as numpy arrays, diagnostics as dicts.
#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "interrupt.hpp"
#include "messages.hpp"
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
  options.interrupt = python_interrupt_check();
  const PythonMessages messages;
  options.messages = messages.sinks();
  const std::shared_ptr<const LogDensity> density = target.density;  // alive while the GIL is released
  Chain chain;
  EnsembleSummary run_summary;
  {
    py::gil_scoped_release release;
    EnsembleSampler sampler(options);
    chain = sampler.run(*density, initial, steps);
    run_summary = sampler.summary();
  }
  warn_in_python(messages.take_warnings());
  *summary = ensemble_summary_to_dict(run_summary);
  return chain;
}

// An option's value as T, or a TypeError naming the option and what it accepts (not pybind11's cast error).
template <class T>
T option_value(const std::string& key, const py::handle& value, const char* accepts) {
  try {
    return value.cast<T>();
  } catch (const py::cast_error&) {
    throw py::type_error("PersistentSampler option " + key + " must be " + accepts + ", not " +
                         std::string(py::repr(value)) + " (" + std::string(py::str(py::type::of(value).attr("__name__"))) +
                         ")");
  }
}

// progress: True/False (the command line's status lines on stderr) or a callable, returned in *callback.
PersistentOptions smc_options(const py::kwargs& kw, py::object* callback) {
  PersistentOptions o;
  o.progress = false;
  std::string kernel;
  double max_correlation = o.mutation.max_correlation;
  int max_steps = o.mutation.max_steps;
  constexpr const char* kInt = "an integer";
  constexpr const char* kCount = "a non-negative integer";
  constexpr const char* kNumber = "a number";
  constexpr const char* kBool = "True or False";
  for (const auto& [key_handle, value] : kw) {
    const std::string key = py::str(key_handle);
    if (key == "n_active") o.n_active = option_value<Index>(key, value, kInt);
    else if (key == "n_effective") o.n_effective = option_value<double>(key, value, kNumber);
    else if (key == "n_total") o.n_total = option_value<Index>(key, value, kInt);
    else if (key == "warmup_blocks") o.warmup_blocks = option_value<int>(key, value, kInt);
    else if (key == "dynamic_ess") o.dynamic_ess = option_value<bool>(key, value, kBool);
    else if (key == "precondition") o.precondition = option_value<bool>(key, value, kBool);
    else if (key == "kernel") kernel = option_value<std::string>(key, value, "'tpcn' or 'rwm'");
    else if (key == "max_correlation") max_correlation = option_value<double>(key, value, kNumber);
    else if (key == "max_steps") max_steps = option_value<int>(key, value, kInt);
    else if (key == "max_iterations") o.max_iterations = option_value<int>(key, value, kInt);
    else if (key == "max_likelihood_calls") o.max_likelihood_calls = option_value<std::uint64_t>(key, value, kCount);
    else if (key == "seed") o.seed = option_value<std::uint64_t>(key, value, kCount);
    else if (key == "posterior_size") o.posterior_size = option_value<Index>(key, value, kInt);
    else if (key == "checkpoint") o.checkpoint = option_value<std::string>(key, value, "a file path (str)");
    else if (key == "resume") o.resume = option_value<bool>(key, value, kBool);
    else if (key == "progress" && is_callback(py::reinterpret_borrow<py::object>(value)))
      *callback = py::reinterpret_borrow<py::object>(value);
    else if (key == "progress") o.progress = option_value<bool>(key, value, "True, False or a callable");
    else if (key == "flow_arch") o.flow_arch = option_value<std::string>(key, value, "'maf', 'nsf', 'nsf-coupling' or 'realnvp'");
    else if (key == "flow_layers") o.flow_layers = option_value<int>(key, value, kInt);
    else if (key == "flow_hidden") o.flow_hidden = option_value<int>(key, value, kInt);
    else if (key == "flow_epochs") o.flow_epochs = option_value<int>(key, value, kInt);
    else if (key == "flow_patience") o.flow_patience = option_value<int>(key, value, kInt);
    else if (key == "flow_max_rows") o.flow_max_rows = option_value<Index>(key, value, kInt);
    else if (key == "evidence_samples") o.evidence_samples = option_value<Index>(key, value, kCount);
    else if (key == "evidence_rounds") o.evidence_rounds = option_value<int>(key, value, kInt);
    else if (key == "evidence_tolerance") o.evidence_tolerance = option_value<double>(key, value, kNumber);
    else if (key == "evidence_max_draws") o.evidence_max_draws = option_value<Index>(key, value, kCount);
    else if (key == "evidence_retry_max_draws") o.evidence_retry_max_draws = option_value<Index>(key, value, kCount);
    else throw Error(ErrorContext{.parameter = key}, "unknown option of the persistent sampler");
  }
  if (o.n_active < 2) throw Error(ErrorContext{.parameter = "n_active"}, "must be at least 2");
  if (o.n_total < 1) throw Error(ErrorContext{.parameter = "n_total"}, "must be at least 1");
  // The command line's rule: t-pCN with flow preconditioning, random-walk Metropolis without.
  o.mutation.kernel = mutation_kernel_from_string(kernel.empty() ? (o.precondition ? "tpcn" : "rwm") : kernel);
  o.mutation.max_correlation = max_correlation;
  o.mutation.max_steps = max_steps;
  o.interrupt = python_interrupt_check();
  return o;
}

py::tuple chain_state(const Chain& c) {
  Chain t = c;
  t.trim();
  return py::make_tuple(t.walkers, t.dim, t.steps, t.positions, t.log_prob, t.accepted, t.names);
}

Chain chain_from_state(const py::tuple& s) {
  if (s.size() != 7) throw Error("Chain: a pickled state of the wrong size");
  Chain c;
  c.walkers = s[0].cast<int>();
  c.dim = s[1].cast<int>();
  c.steps = s[2].cast<Index>();
  c.positions = s[3].cast<MatrixXd>();
  c.log_prob = s[4].cast<MatrixXd>();
  c.accepted = s[5].cast<VectorXd>();
  c.names = s[6].cast<std::vector<std::string>>();
  if (c.positions.rows() != c.steps * c.walkers || c.log_prob.rows() != c.steps)
    throw Error("Chain: a pickled state with inconsistent sizes");
  return c;
}

// All fields of an SmcResult, in a tuple of plain values (pickle, and SmcResult.load from the .h5 file).
py::tuple smc_state(const SmcResult& r) {
  py::list iterations;
  for (const SmcIteration& i : r.iterations)
    iterations.append(py::make_tuple(i.iteration, i.beta, i.ess, i.n_effective, i.log_z, i.acceptance, i.steps,
                                     i.scale, i.correlation, i.flow_validation_loss, i.flow_epochs,
                                     i.likelihood_calls));
  return py::make_tuple(r.names, r.x, r.weights, r.log_likelihood, r.log_prior, r.posterior, r.log_z, r.log_z_err,
                        r.log_z_is, r.log_z_is_err, r.ess, r.converged, r.stop_reason, iterations,
                        r.likelihood_calls, r.wall_seconds, r.log_z_is_ess, r.log_z_is_khat, r.log_z_is_rounds,
                        r.log_z_is_draws, r.log_z_is_batches);
}

SmcResult smc_from_state(const py::tuple& s) {
  // 16 fields before the importance-sampling diagnostics were added (older pickles), 19 with them, 20 since the
  // evidence's draws were recorded, 21 since its batches were.
  if (s.size() != 16 && s.size() != 19 && s.size() != 20 && s.size() != 21)
    throw Error("SmcResult: a state of the wrong size");
  SmcResult r;
  r.names = s[0].cast<std::vector<std::string>>();
  r.x = s[1].cast<MatrixXd>();
  r.weights = s[2].cast<VectorXd>();
  r.log_likelihood = s[3].cast<VectorXd>();
  r.log_prior = s[4].cast<VectorXd>();
  r.posterior = s[5].cast<MatrixXd>();
  r.log_z = s[6].cast<double>();
  r.log_z_err = s[7].cast<double>();
  r.log_z_is = s[8].cast<double>();
  r.log_z_is_err = s[9].cast<double>();
  r.ess = s[10].cast<double>();
  r.converged = s[11].cast<bool>();
  r.stop_reason = s[12].cast<std::string>();
  for (const py::handle item : s[13].cast<py::list>()) {
    const auto t = item.cast<py::tuple>();
    SmcIteration i;
    i.iteration = t[0].cast<int>();
    i.beta = t[1].cast<double>();
    i.ess = t[2].cast<double>();
    i.n_effective = t[3].cast<double>();
    i.log_z = t[4].cast<double>();
    i.acceptance = t[5].cast<double>();
    i.steps = t[6].cast<int>();
    i.scale = t[7].cast<double>();
    i.correlation = t[8].cast<double>();
    i.flow_validation_loss = t[9].cast<double>();
    i.flow_epochs = t[10].cast<int>();
    i.likelihood_calls = t[11].cast<std::uint64_t>();
    r.iterations.push_back(i);
  }
  r.likelihood_calls = s[14].cast<std::uint64_t>();
  r.wall_seconds = s[15].cast<double>();
  r.log_z_is_ess = s.size() > 16 ? s[16].cast<double>() : NAN;
  r.log_z_is_khat = s.size() > 17 ? s[17].cast<double>() : NAN;
  r.log_z_is_rounds = s.size() > 18 ? s[18].cast<int>() : 0;
  r.log_z_is_draws = s.size() > 19 ? s[19].cast<std::uint64_t>() : 0;
  r.log_z_is_batches = s.size() > 20 ? s[20].cast<int>() : (r.log_z_is_draws > 0 ? 1 : 0);
  return r;
}

}  // namespace

void bind_sampler(py::module_& m) {
  py::class_<Chain>(m, "Chain", "Stored steps of an ensemble run (row s * walkers + w of positions: walker w, step s).")
      .def_readonly("walkers", &Chain::walkers, "Number of walkers W.")
      .def_readonly("dim", &Chain::dim, "Number of parameters d.")
      .def_readonly("steps", &Chain::steps, "Number of stored steps N.")
      .def_readonly("names", &Chain::names, "Parameter names (d str).")
      .def_property_readonly("positions", [](const Chain& c) { return MatrixXd(c.positions); }, "All positions (N * W, d); row s * W + w is walker w after step s (get_chain() reshapes to (N, W, d)).")
      .def_property_readonly("log_prob", [](const Chain& c) { return MatrixXd(c.log_prob); }, "log probability of every stored position (N, W).")
      .def_property_readonly("accepted", [](const Chain& c) { return VectorXd(c.accepted); }, "Accepted proposals per walker (W,), over all stored steps.")
      .def_property_readonly("acceptance_fraction", &Chain::acceptance_fraction, "accepted / steps per walker (W,).")
      .def("diagnose", [](const Chain& c, Index discard, double window, double tol) {
             return diagnostics_to_dict(diagnose(c, discard, AutocorrOptions{.c = window, .tol = tol}));
           }, py::arg("discard") = 0, py::arg("c") = 5.0, py::arg("tol") = 50.0,
           "Acceptance, autocorrelation times (emcee's estimator), ESS, split R-hat, mean, covariance, warnings.")
      .def("integrated_autocorr_time", [](const Chain& c, Index discard, double window, double tol) {
             const AutocorrResult r = integrated_autocorr_time(c, discard, AutocorrOptions{.c = window, .tol = tol});
             return std::make_pair(r.tau, r.warning);
           }, py::arg("discard") = 0, py::arg("c") = 5.0, py::arg("tol") = 50.0,
           "(tau per parameter, warning text or empty): emcee's integrated autocorrelation time estimator.")
      .def(py::pickle(&chain_state, &chain_from_state));

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
      .def_readonly("names", &SmcResult::names, "Parameter names (d str).")
      .def_property_readonly("x", [](const SmcResult& r) { return MatrixXd(r.x); }, "All stored particles (n, d), warm-up blocks included.")
      .def_property_readonly("weights", [](const SmcResult& r) { return VectorXd(r.weights); }, "Normalised persistent importance weights of x at beta = 1 (n,), summing to 1.")
      .def_property_readonly("log_likelihood", [](const SmcResult& r) { return VectorXd(r.log_likelihood); }, "log likelihood of every particle (n,).")
      .def_property_readonly("log_prior", [](const SmcResult& r) { return VectorXd(r.log_prior); }, "log prior density of every particle (n,).")
      .def_property_readonly("posterior", [](const SmcResult& r) { return MatrixXd(r.posterior); },
                             "Equal-weight posterior sample.")
      .def_readonly("log_z", &SmcResult::log_z, "Natural log of the evidence: the importance-sampling estimate from the final flow where the sampler preconditions (log_z_method 'importance'), else the persistent-sampling one.")
      .def_readonly("log_z_err", &SmcResult::log_z_err, "Standard error of log_z.")
      .def_readonly("log_z_method", &SmcResult::log_z_method, "'importance' or 'persistent': which estimate log_z is.")
      .def_readonly("log_z_ps", &SmcResult::log_z_ps, "Persistent-sampling estimate of the log evidence (a second figure; leans high in many dimensions, bench/RESULTS.md).")
      .def_readonly("log_z_ps_err", &SmcResult::log_z_ps_err, "Standard error of log_z_ps.")
      .def_readonly("log_z_is", &SmcResult::log_z_is, "log evidence by importance sampling from the final flow (NaN without preconditioning or with evidence_samples=0).")
      .def_readonly("log_z_is_err", &SmcResult::log_z_is_err, "Standard error of log_z_is (delta method over the importance weights of every round, Pareto-smoothed where k-hat > 0.5).")
      .def_readonly("log_z_is_ess", &SmcResult::log_z_is_ess, "Effective sample size of the importance weights of log_z_is (all rounds).")
      .def_readonly("log_z_is_khat", &SmcResult::log_z_is_khat, "Pareto k-hat of the importance weights of log_z_is (<= 0.5: reliable error; > 0.7: unreliable, with a warning). NaN without log_z_is.")
      .def_readonly("log_z_is_rounds", &SmcResult::log_z_is_rounds, "Rounds of importance sampling behind log_z_is (evidence_rounds; 0 without it).")
      .def_readonly("log_z_is_draws", &SmcResult::log_z_is_draws, "Likelihood calls of the importance-sampling evidence: its draws plus its pilot's, and a first batch's where a second was drawn (0 without it).")
      .def_readonly("log_z_is_batches", &SmcResult::log_z_is_batches, "Batches of importance draws: 1, or 2 where the first batch's error exceeded twice its plan and a second batch alone is the estimate (0 without it).")
      .def_readonly("ess", &SmcResult::ess, "Effective sample size of the weights at beta = 1.")
      .def_readonly("converged", &SmcResult::converged, "True when beta reached 1 and the ESS reached n_total.")
      .def_readonly("stop_reason", &SmcResult::stop_reason, "'converged', 'max_iterations' or 'max_likelihood_calls'.")
      .def_readonly("likelihood_calls", &SmcResult::likelihood_calls, "Number of likelihood evaluations (points).")
      .def_readonly("wall_seconds", &SmcResult::wall_seconds, "Wall-clock seconds of the run (summed over resumed runs).")
      .def_readonly("warnings", &SmcResult::warnings, "Warnings of the run (list of str): not converged, the preconditioning flow's training; raised as flowprior.FlowpriorWarning when the run ends.")
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
           }, py::arg("path"), "Writes the run as the command line does (.h5 whole run, .csv posterior).")
      .def("_state", &smc_state)
      .def_static("_from_state", &smc_from_state)
      .def(py::pickle(&smc_state, &smc_from_state));

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
          py::object progress = py::none();
          PersistentOptions options = smc_options(kw, &progress);
          // Warnings reach Python's warnings module (SmcResult.warnings keeps them too), never the process's stderr.
          const PythonMessages messages;
          options.messages.warning_sink = messages.sinks().warning_sink;
          if (!progress.is_none())
            options.on_iteration = [&progress](const SmcProgress& p) {
              py::gil_scoped_acquire gil;  // on this thread, between iterations, for the call alone
              progress(p.record.iteration, p.estimated_iterations, py::arg("beta") = p.record.beta,
                       py::arg("ess") = p.record.ess, py::arg("log_z") = p.record.log_z,
                       py::arg("ess_at_one") = p.ess_at_one);
            };
          // Shared copies: alive while the GIL is released, whatever Python does with its handles.
          const std::shared_ptr<const LogDensity> like = likelihood.density, prior_density = prior.density;
          const auto sample = prior.sample;
          const Box box = *prior.box;
          SmcResult result;
          {
            py::gil_scoped_release release;
            InterruptibleEvaluator evaluator(threads, options.interrupt);
            const PriorModel model{*prior_density, box, sample};
            result = PersistentSampler(options).run(model, *like, evaluator);
          }
          warn_in_python(result.warnings);
          return result;
        },
        py::arg("log_likelihood"), py::arg("prior"), py::kw_only(), py::arg("threads") = 1,
        "Persistent-sampling SMC: log_likelihood and prior are Density objects; options as PersistentOptions "
        "(n_active, n_effective, n_total, precondition, kernel, seed, ...). progress: False, True (the command "
        "line's lines on stderr) or a callable f(iteration, estimated_iterations, beta=, ess=, log_z=, "
        "ess_at_one=) called after every iteration (the result is bitwise the same). Warnings (not converged, the "
        "preconditioning flow's training) are flowprior.FlowpriorWarning, also kept in SmcResult.warnings.");
}

}  // namespace flowprior::python

// A stateful ensemble run for the Python EnsembleSampler (python/flowprior/samplers.py): the chain grows across
// calls (emcee's run_mcmc(None, n) continues it), optionally written step by step to an HDF5 file in emcee's
// HDFBackend layout that either program can continue. Step s always uses the random stream of (seed, s), so a
// chain run in pieces -- or interrupted and continued, here or from its file in a later session -- is bitwise
// the chain of one uninterrupted run.
#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>

#include <pybind11/eigen.h>
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "interrupt.hpp"
#include "messages.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/sampler/ensemble.hpp"
#include "flowprior/sampler/hdf_backend.hpp"

namespace flowprior::python {
namespace {

class EnsembleRun {
 public:
  EnsembleRun(DensityHandle target, EnsembleOptions options)
      : target_(std::move(target)), options_(std::move(options)) {
    options_.progress = false;  // progress goes to Python (tqdm or a callback), not to the process's stderr
    options_.interrupt = python_interrupt_check();
    options_.messages = messages_.sinks();  // warnings: flowprior.FlowpriorWarning after each call
    sampler_ = std::make_unique<EnsembleSampler>(options_);
    chain_.names = target_.density->names();
  }

  // An existing chain file: its steps become this run's chain and its last step the current state; new steps
  // are appended to it. Returns the number of stored steps.
  Index open_file(const std::string& path, const std::string& group) {
    ChainFile file = read_chain_file(path, group);
    if (file.chain.dim != target_.density->dim())
      throw Error(ErrorContext{.file = path}, "the chain has " + std::to_string(file.chain.dim) +
                                                  " parameters, the sampler's target " +
                                                  std::to_string(target_.density->dim()));
    HdfWriterOptions wo;
    wo.group = group;
    writer_ = HdfChainWriter::continue_file(path, wo);
    chain_ = std::move(file.chain);
    chain_.names = target_.density->names();
    if (chain_.steps > 0) {
      state_ = EnsembleState{};
      state_->positions = chain_.positions_at(chain_.steps - 1);
      state_->log_prob = chain_.log_prob.row(chain_.steps - 1).transpose();
      state_->accepted = chain_.accepted;
      state_->step = chain_.steps;
    } else {
      state_.reset();
    }
    path_ = path;
    group_ = group;
    return chain_.steps;
  }

  // A new chain file (an existing one is replaced) that receives the steps from now on; the chain must be empty
  // (as emcee, the backend is chosen before the first step).
  void create_file(const std::string& path, const std::string& group, int walkers) {
    if (chain_.steps > 0)
      throw Error(ErrorContext{.file = path}, "the sampler already holds steps; give the backend before running");
    ChainFileMetadata meta;
    meta.flowprior = true;
    meta.seed = options_.seed;
    meta.moves = to_string(options_.moves);
    meta.burn_in = options_.burn_in;
    HdfWriterOptions wo;
    wo.group = group;
    writer_ = HdfChainWriter::create(path, walkers, target_.density->dim(), meta, wo);
    path_ = path;
    group_ = group;
  }

  // New starting positions: checked and evaluated (with the burn-in when the chain is still empty). The step
  // counter and acceptance totals carry on, as emcee's run_mcmc(new_state, n) appends to its chain.
  void start(const MatrixXd& initial) {
    if (chain_.steps > 0 && initial.rows() != chain_.walkers)
      throw Error(ErrorContext{.parameter = "initial_state"},
                  "has " + std::to_string(initial.rows()) + " walkers, the chain " + std::to_string(chain_.walkers));
    const std::shared_ptr<const LogDensity> density = target_.density;
    EnsembleState state;
    {
      py::gil_scoped_release release;
      if (chain_.steps == 0) {
        state = sampler_->start(*density, initial);
      } else {  // no second burn-in: check and evaluate only
        EnsembleOptions o = options_;
        o.burn_in = 0;
        state = EnsembleSampler(o).start(*density, initial);
      }
    }
    warn_in_python(messages_.take_warnings(), 3);  // at the caller of run_mcmc (through EnsembleSampler._start)
    state.step = chain_.steps;
    state.accepted = chain_.steps > 0 ? chain_.accepted : VectorXd::Zero(initial.rows());
    if (chain_.steps == 0) chain_.reset(static_cast<int>(initial.rows()), static_cast<int>(initial.cols()));
    chain_.names = density->names();
    state_ = std::move(state);
  }

  // `steps` more steps from the current state. Every completed step is in the chain (and the file, flushed here)
  // whatever happens, Ctrl-C included. progress(done, total, mean acceptance) at most every 0.1 s and at the end.
  void advance(Index steps, const py::object& progress) {
    if (!state_) throw Error(ErrorContext{.parameter = "initial_state"}, "no current state: give initial positions");
    if (steps < 0) throw Error(ErrorContext{.parameter = "nsteps"}, "must not be negative");
    const std::shared_ptr<const LogDensity> density = target_.density;
    const Index first = state_->step, total = first + steps;
    // Room for a bounded number of steps ahead (the chain and the file grow geometrically beyond it): a huge
    // nsteps, to be stopped by Ctrl-C, must not allocate its whole chain up front.
    const Index ahead = std::min<Index>(total, first + 4096);
    chain_.reserve(ahead);
    if (writer_) writer_->reserve(ahead);
    using Clock = std::chrono::steady_clock;
    Clock::time_point last = Clock::now();
    auto report = [&](Index done, double acceptance) {
      py::gil_scoped_acquire gil;
      progress(done - first, steps, py::arg("acceptance") = acceptance);
    };
    try {
      py::gil_scoped_release release;
      sampler_->advance(*density, *state_, total,
                        [&](Index s, const MatrixXd& x, const VectorXd& lp, const VectorXd& acc) {
                          chain_.append(x, lp, acc);
                          if (writer_) writer_->add_step(x, lp, acc);
                          if (!progress.is_none() && (Clock::now() - last > std::chrono::milliseconds(100) ||
                                                      s + 1 == total)) {
                            last = Clock::now();
                            report(s + 1, acc.mean() / static_cast<double>(s + 1));
                          }
                        });
    } catch (...) {
      chain_.trim();
      if (writer_) {
        try {
          writer_->flush();
        } catch (...) {  // the original exception matters more
        }
      }
      throw;
    }
    chain_.trim();
    if (writer_) writer_->flush();
    warn_in_python(messages_.take_warnings());
  }

  void reset() {
    chain_ = Chain{};
    chain_.names = target_.density->names();
    state_.reset();
    if (writer_) {
      writer_.reset();
      path_.clear();
    }
  }

  Chain chain() const {
    Chain c = chain_;
    c.trim();
    return c;
  }
  py::object state() const {
    if (!state_) return py::none();
    return py::make_tuple(state_->positions, state_->log_prob, state_->step);
  }
  py::dict summary() const {
    py::dict out;
    out["log_prob_calls"] = sampler_->summary().log_prob_calls;
    out["wall_seconds"] = sampler_->summary().wall_seconds;
    out["steps_run"] = sampler_->summary().steps_run;
    return out;
  }
  const std::string& path() const { return path_; }

 private:
  DensityHandle target_;
  PythonMessages messages_;  // before options_, whose sinks share its state
  EnsembleOptions options_;
  std::unique_ptr<EnsembleSampler> sampler_;
  Chain chain_;
  std::optional<EnsembleState> state_;
  std::unique_ptr<HdfChainWriter> writer_;
  std::string path_, group_;
};

}  // namespace

void bind_ensemble(py::module_& m) {
  py::class_<EnsembleRun>(m, "_EnsembleRun", "Internal: the state of flowprior.EnsembleSampler.")
      .def(py::init([](const DensityHandle& target, const std::string& moves, std::uint64_t seed, int threads,
                       Index burn_in, bool require_two_walkers_per_dim) {
             EnsembleOptions o;
             o.moves = parse_moves(moves);
             o.seed = seed;
             o.threads = threads;
             o.burn_in = burn_in;
             o.require_two_walkers_per_dim = require_two_walkers_per_dim;
             return std::make_unique<EnsembleRun>(target, o);
           }),
           py::arg("target"), py::arg("moves"), py::arg("seed"), py::arg("threads"), py::arg("burn_in"),
           py::arg("require_two_walkers_per_dim"))
      .def("open_file", &EnsembleRun::open_file, py::arg("path"), py::arg("group"))
      .def("create_file", &EnsembleRun::create_file, py::arg("path"), py::arg("group"), py::arg("walkers"))
      .def("start", &EnsembleRun::start, py::arg("initial"))
      .def("advance", &EnsembleRun::advance, py::arg("steps"), py::arg("progress") = py::none())
      .def("reset", &EnsembleRun::reset)
      .def_property_readonly("chain", &EnsembleRun::chain)
      .def_property_readonly("state", &EnsembleRun::state)
      .def_property_readonly("summary", &EnsembleRun::summary)
      .def_property_readonly("path", &EnsembleRun::path);
}

}  // namespace flowprior::python

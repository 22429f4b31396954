// `flowprior sample --sampler ensemble`: runs the ensemble sampler on a built-in target, writes the chain in
// emcee's HDF5 layout and a JSON summary; --resume continues an interrupted (or shorter) run from its file.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/cmd_sample_ensemble_json.hpp"
#include "cli/parallel.hpp"
#include "cli/validators.hpp"
#include "flowprior/core/output_file.hpp"
#include "cli/sample_cli.hpp"
#include "flowprior/core/evaluated_density.hpp"
#include "flowprior/core/stream_purpose.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/density/posterior.hpp"
#include "flowprior/density/targets.hpp"
#include "flowprior/density/uniform_box.hpp"
#include "flowprior/sampler/diagnostics.hpp"
#include "flowprior/sampler/ensemble.hpp"
#include "flowprior/sampler/hdf_backend.hpp"

namespace flowprior::cli {
namespace {

struct EnsembleCli {
  int walkers = 0;  // 0: max(32, 2 * dim)
  long steps = 1000;
  std::string moves = "stretch";
  long burn_in = 0;
  long discard = -1;  // -1: steps / 4
  bool resume = false;
  bool no_progress = false;
  double flush_seconds = 2.0;
  long flush_steps = 1000;
};


void check_same(const std::string& what, const std::string& in_file, const std::string& given, const std::string& path) {
  if (in_file != given)
    throw Error(ErrorContext{.file = path, .parameter = what},
                "cannot resume: the file was written with " + what + " " + in_file + ", this command asks for " + given);
}

void run_ensemble(const SampleCommon& common, const EnsembleCli& opt) {
  // Checks that need two options, before any work (issue 19).
  if (opt.discard >= opt.steps)
    throw Error(ErrorContext{.parameter = "--discard"}, "is " + std::to_string(opt.discard) +
                                                          ", it must be smaller than --steps " + std::to_string(opt.steps));
  if (opt.walkers > 0 && opt.walkers < 2 * common.dim)
    throw Error(ErrorContext{.parameter = "--walkers"}, "is " + std::to_string(opt.walkers) +
                                                          "; the ensemble moves need at least 2 x --dim = " +
                                                          std::to_string(2 * common.dim));
  const Target target = make_target(common.target, common.dim);
  // target_posterior(target), with the likelihood named for MPI worker ranks; under mpirun its batches go to the
  // ranks (EvaluatedDensity) and the sampler itself runs on one thread.
  const std::unique_ptr<Evaluator> evaluator = make_evaluator(common.threads);
  std::shared_ptr<const LogDensity> likelihood = target_likelihood(common.target, common.dim, common.likelihood_cost_ms);
  if (distributed()) likelihood = std::make_shared<EvaluatedDensity>(likelihood, *evaluator);
  const auto posterior = std::make_shared<Posterior>(std::make_shared<UniformBox>(target.prior_box), likelihood);
  const int walkers = opt.walkers > 0 ? opt.walkers : std::max(32, 2 * common.dim);
  if (opt.steps < 1) throw Error(ErrorContext{.parameter = "--steps"}, "must be at least 1");
  if (common.out.empty()) throw Error(ErrorContext{.parameter = "--out"}, "an output .h5 file is required");

  EnsembleOptions options;
  options.moves = parse_moves(opt.moves);
  options.seed = common.seed;
  options.threads = distributed() ? 1 : common.threads;
  options.burn_in = opt.burn_in;
  options.progress = !opt.no_progress;
  EnsembleSampler sampler(options);
  HdfWriterOptions writer_options{.flush_steps = std::max<long>(1, opt.flush_steps), .flush_seconds = opt.flush_seconds};

  EnsembleState state;
  std::unique_ptr<HdfChainWriter> writer;
  bool resumed = false;
  if (opt.resume && std::filesystem::exists(common.out)) {
    const ChainFile file = read_chain_file(common.out);
    const auto& m = file.metadata;
    if (!m.flowprior)
      throw Error(ErrorContext{.file = common.out}, "cannot resume: not a flowprior chain file (no seed recorded)");
    check_same("target", m.target, target.name, common.out);
    check_same("dim", std::to_string(file.chain.dim), std::to_string(common.dim), common.out);
    check_same("walkers", std::to_string(file.chain.walkers), std::to_string(walkers), common.out);
    check_same("seed", std::to_string(m.seed), std::to_string(common.seed), common.out);
    check_same("moves", m.moves, to_string(options.moves), common.out);
    check_same("burn-in", std::to_string(m.burn_in), std::to_string(opt.burn_in), common.out);
    if (file.chain.steps > 0) {
      state.positions = file.chain.positions_at(file.chain.steps - 1);
      state.log_prob = file.chain.log_prob.row(file.chain.steps - 1).transpose();
      state.accepted = file.chain.accepted;
      state.step = file.chain.steps;
      writer = HdfChainWriter::continue_file(common.out, writer_options);
      resumed = true;
      status("resuming " + common.out + " at step " + std::to_string(state.step));
    }
  }
  if (!resumed) {
    // Uniform starts over the prior box (the reference analysis code's choice), from their own stream.
    Rng rng(common.seed, stream_id({purpose_id(StreamPurpose::ensemble_init)}));
    MatrixXd u(walkers, common.dim);
    rng.fill_uniform(u);
    const Box& box = target.prior_box;
    MatrixXd x = (u.array().rowwise() * box.width().transpose().array()).rowwise() + box.lower().transpose().array();
    state = sampler.start(*posterior, x);
    writer = HdfChainWriter::create(common.out, walkers, common.dim,
                                    ChainFileMetadata{.seed = common.seed, .moves = to_string(options.moves),
                                                      .target = target.name, .burn_in = opt.burn_in},
                                    writer_options);
  }
  writer->reserve(opt.steps);
  const Index resumed_at = resumed ? state.step : 0;
  // Where the command's time goes (issue 21): the sampler's wall time includes handing each step to the writer.
  using Clock = std::chrono::steady_clock;
  auto since = [](Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); };
  // A fresh run with --json also keeps its steps in memory for the diagnostics: reading the file back cost as much
  // as the diagnostics (0.5 s for 50,000 steps x 32 walkers x 10 parameters, issue 21). The values are the ones
  // written, so the summary (digest included) is the same; a resumed run reads the whole file back as before.
  const bool keep_in_memory = !common.json.empty() && !resumed;
  Chain in_memory;
  if (keep_in_memory) {
    in_memory.reset(walkers, common.dim);
    in_memory.reserve(opt.steps);
  }
  auto t0 = Clock::now();
  sampler.advance(*posterior, state, opt.steps, [&](Index, const MatrixXd& x, const VectorXd& lp, const VectorXd& acc) {
    writer->add_step(x, lp, acc);
    if (keep_in_memory) in_memory.append(x, lp, acc);
  });
  const double advance_seconds = since(t0);
  t0 = Clock::now();
  writer->flush();
  writer.reset();
  const double flush_seconds = since(t0);

  if (!common.json.empty()) {
    t0 = Clock::now();
    ChainFile file;
    if (keep_in_memory) {
      in_memory.trim();
      file.chain = std::move(in_memory);
    } else {
      file = read_chain_file(common.out);
    }
    const double read_seconds = since(t0);
    const Index discard = opt.discard >= 0 ? opt.discard : file.chain.steps / 4;
    ChainSummaryTiming timing;
    nlohmann::json j = chain_summary_json(file.chain, discard, &timing, common.threads);
    j["phase_seconds"] = {{"sampling_and_buffering", advance_seconds},
                          {"final_flush", flush_seconds},
                          {"read_back", read_seconds},
                          {"diagnostics", timing.diagnostics_seconds},
                          {"digest", timing.digest_seconds}};
    j["target"] = target.name;
    j["dim"] = common.dim;
    j["seed"] = common.seed;
    j["moves"] = to_string(options.moves);
    j["threads"] = common.threads;
    j["mpi_ranks"] = evaluation_ranks();
    j["resumed_at_step"] = resumed_at;
    for (const auto& w : j["warnings"]) warn(w.get<std::string>());
    j["wall_seconds"] = sampler.summary().wall_seconds;
    j["log_prob_calls"] = sampler.summary().log_prob_calls;
    if (target.log_z) j["exact_log_z"] = *target.log_z;
    write_output_file(common.json, j.dump(2) + "\n");
  }
}

}  // namespace

SampleRunner add_ensemble_options(CLI::App& sample) {
  auto opt = std::make_shared<EnsembleCli>();
  sample.add_option("--walkers", opt->walkers, "[ensemble] walkers (default max(32, 2 dim))")->check(int_range(2, 1000000));
  sample.add_option("--steps", opt->steps, "[ensemble] total production steps (with --resume: continue up to this)")
      ->check(int_range(1, kMaxCount));
  sample.add_option("--moves", opt->moves, "[ensemble] e.g. stretch | stretch:0.8,de:0.2 | de-snooker | walk");
  sample.add_option("--burn-in", opt->burn_in, "[ensemble] two-phase burn-in steps (not stored)")->check(int_range(0, kMaxCount));
  sample.add_option("--discard", opt->discard, "[ensemble] steps discarded for the JSON diagnostics (default steps/4)")
      ->check(int_range(0, kMaxCount));
  sample.add_flag("--resume", opt->resume, "[ensemble] continue the chain in --out up to --steps");
  sample.add_flag("--no-progress", opt->no_progress, "[ensemble] no progress output");
  sample.add_option("--flush-seconds", opt->flush_seconds, "[ensemble] write buffered steps at least this often")
      ->check(real_range(0, 1e9));
  sample.add_option("--flush-steps", opt->flush_steps, "[ensemble] write buffered steps at least every N steps")
      ->check(int_range(1, kMaxCount));
  return [opt](const SampleCommon& common) { run_ensemble(common, *opt); };
}

}  // namespace flowprior::cli

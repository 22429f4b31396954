#include "flowprior/workflow/imported_posterior.hpp"

#include <filesystem>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/density/metrics/quality_report.hpp"
#include "flowprior/flow/flow_file.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/sampler/hdf_backend.hpp"

namespace flowprior {
namespace {

std::string lower_extension(const std::string& file) {
  std::string ext = std::filesystem::path(file).extension().string();
  for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return ext;
}

void check_inside(const Samples& s, const Box& box, const std::string& file) {
  for (Index i = 0; i < s.size(); ++i)
    for (int j = 0; j < box.dim(); ++j)
      if (!(s.values(i, j) > box.lower()[j] && s.values(i, j) < box.upper()[j]))
        throw Error(ErrorContext{.file = file, .parameter = box.names()[static_cast<std::size_t>(j)],
                                 .row = static_cast<long>(i)},
                    "the earlier posterior has a sample outside [parameters] (" + std::to_string(s.values(i, j)) +
                        "): widen the box to the one it was made with");
}

}  // namespace

ImportedPosterior import_posterior(const std::string& name, const std::string& file, Index discard, Index thin,
                                   const Box& box, std::uint64_t seed) {
  if (!std::filesystem::exists(file)) throw Error(ErrorContext{.file = file}, "no such file (stage posterior)");
  ImportedPosterior out;
  Samples s;
  const std::string ext = lower_extension(file);
  if (ext == ".csv") {
    s = read_samples_csv(file).with_columns(box.names(), file);
  } else if (ext == ".h5" || ext == ".hdf5") {
    const ChainFile chain = read_chain_file(file);
    if (chain.chain.dim != box.dim())
      throw Error(ErrorContext{.file = file}, "the chain has " + std::to_string(chain.chain.dim) +
                                                  " parameters, [parameters] has " + std::to_string(box.dim()));
    if (discard >= chain.chain.steps)
      throw Error(ErrorContext{.file = file, .parameter = "discard"},
                  "discard = " + std::to_string(discard) + " leaves nothing of the chain's " +
                      std::to_string(chain.chain.steps) + " steps");
    s = chain.chain.flat(discard, thin);
    s.names = box.names();
  } else if (ext == ".json") {
    std::vector<FlowOnBox> members = load_flow_members_file(file);
    for (const auto& m : members) check_flow_names(m, box.names(), file);
    out.flow = std::make_shared<const FlowPrior>(std::move(members));
    Rng rng(seed);
    const Index draws = 4000;  // what the checks of the next stage see of it (hand-over coverage)
    s.names = box.names();
    s.values = out.flow->sample(draws, rng);
    s.log_density = out.flow->log_prob(s.values);
  } else {
    throw Error(ErrorContext{.file = file}, "a stage posterior is a .csv of samples, an emcee .h5 chain or a flow "
                                            ".json, not '" + ext + "'");
  }
  s.validate(file);
  check_inside(s, box, file);
  if (s.size() < 2 * static_cast<Index>(box.dim()) + 2)
    throw Error(ErrorContext{.file = file}, "only " + std::to_string(s.size()) + " samples: too few for a posterior");
  RunOutput& r = out.run;
  r.name = name;
  r.particles = s;
  r.particles.log_density.resize(0);
  // log L + log prior must be the log target where the hand-over's KL and Jeffreys losses need it; the split is
  // unknown for a posterior from elsewhere, so all of it goes into log_likelihood (the best point of the fit quality
  // is then the file's posterior mode).
  r.log_likelihood = s.has_log_density() ? s.log_density : VectorXd::Zero(s.size());
  r.log_prior = VectorXd::Zero(s.size());
  const std::vector<Index> rows = systematic_resample(s.normalized_weights(), s.size(), stream_id({seed, 1}));
  r.posterior.resize(static_cast<Index>(rows.size()), s.dim());
  for (std::size_t i = 0; i < rows.size(); ++i) r.posterior.row(static_cast<Index>(i)) = s.values.row(rows[i]);
  r.log_z = r.log_z_err = std::numeric_limits<double>::quiet_NaN();
  r.effective_size = s.effective_size();  // a chain's draws are correlated: an upper bound there
  r.converged = true;
  r.stop_reason = "imported from " + std::filesystem::path(file).filename().string();
  r.diagnostics = {{"sampler", "imported"}, {"file", file}, {"discard", discard}, {"thin", thin},
                   {"has_log_density", s.has_log_density()}};
  return out;
}

}  // namespace flowprior

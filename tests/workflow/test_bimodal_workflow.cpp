// Issue 6, item 3: the bimodal example (examples/bimodal). Dataset A measures a^2 and b^2, dataset B measures b:
// the exact A+B posterior has two equal, well separated modes a = +-1.5 (b = +1).
//   ensemble_one_mode.toml: stage 1 walkers start in a ball at one best fit -> one mode; the lost-mode check fires.
//   smc_mixture.toml: persistent sampler + defensive mixture -> both modes in stage 2, each with weight 0.5.
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "flowprior/io/csv.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/run_analysis.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;

std::string example(const std::string& file) { return std::string(FLOWPRIOR_SOURCE_DIR) + "/examples/bimodal/" + file; }

fs::path fresh_bimodal_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("flowprior_test_bimodal_" + name);
  fs::remove_all(dir);
  return dir;
}

// Weight of the a > 0 mode among a run's particles, and the Kish size of the weights.
double positive_mode_weight(const std::string& csv, double* ess = nullptr) {
  const Samples s = read_samples_csv(csv);
  const Samples p = s.with_columns({"a", "b"}, csv);
  const VectorXd w = p.normalized_weights();
  double plus = 0;
  for (Index i = 0; i < w.size(); ++i)
    if (p.values(i, 0) > 0) plus += w[i];
  if (ess) *ess = p.effective_size();
  return plus;
}

RunOptions options_in(const fs::path& dir) {
  RunOptions o;
  o.output = dir.string();
  o.plots = false;
  return o;
}

TEST(BimodalWorkflow, EnsembleStartedAtOneBestFitLosesAModeAndTheCheckFires) {
  const fs::path dir = fresh_bimodal_dir("ensemble");
  const nlohmann::json s = run_analysis(read_analysis_config(example("ensemble_one_mode.toml")), options_in(dir)).to_json();
  // Stage 1 (ensemble from a ball at a = +1.5) and therefore stage 2 hold one mode only ...
  EXPECT_GT(positive_mode_weight((dir / "stage1.csv").string()), 0.999);
  EXPECT_GT(positive_mode_weight((dir / "stage2.csv").string()), 0.99);
  // ... the joint run (persistent sampler) has both ...
  double ess = 0;
  const double joint_plus = positive_mode_weight((dir / "joint.csv").string(), &ess);
  EXPECT_NEAR(joint_plus, 0.5, 4 * 0.5 / std::sqrt(ess) + 0.02);
  // ... and the workflow says so twice: the lost-mode check and the comparison.
  EXPECT_EQ(s["lost_modes"]["detected"], true) << s["lost_modes"].dump(2);
  EXPECT_GT(s["lost_modes"]["mass_where_flow_excludes"].get<double>(), LostModeRule{}.max_mass);
  EXPECT_EQ(s["comparison"]["verdict"], "inconsistent") << s["comparison"].dump(2);
  EXPECT_TRUE(fs::exists(dir / "stage1.h5"));  // the chain, in emcee's layout
}

TEST(BimodalWorkflow, PersistentSamplerWithDefensiveMixtureKeepsBothModes) {
  const fs::path dir = fresh_bimodal_dir("smc");
  const nlohmann::json s = run_analysis(read_analysis_config(example("smc_mixture.toml")), options_in(dir)).to_json();
  double ess1 = 0, ess2 = 0;
  // Stage 1 (A alone): four mirror modes, a > 0 in half of them.
  EXPECT_NEAR(positive_mode_weight((dir / "stage1.csv").string(), &ess1), 0.5, 4 * 0.5 / std::sqrt(ess1) + 0.02);
  // Stage 2: both a-modes survive with weight 0.5 each (binomial error from the Kish size; +0.05 for the flow's
  // own imbalance, which the defensive mixture does not remove).
  EXPECT_NEAR(positive_mode_weight((dir / "stage2.csv").string(), &ess2), 0.5, 4 * 0.5 / std::sqrt(ess2) + 0.05);
  EXPECT_EQ(s["lost_modes"]["detected"], false) << s["lost_modes"].dump(2);
  // The defensive mixture is a different prior: its epsilon uniform part leaves a wide tail in the raw stage-2
  // posterior, so the raw comparison may say inconsistent. Reweighted to the intended target (L_A pi, the flow-prior
  // check's corrected sample) it must agree with the joint run: no mean or width shift and no C2ST excess. (<D_KL> is
  // not asked: its floor, split halves of the joint run, leaves out the importance-weight noise of the reweighted
  // sample, and it flags this case in some builds, e.g. the sanitizer build's different floating-point path.)
  const nlohmann::json& corrected = s["flow_prior_check"]["comparison_with_joint"];
  for (const auto& reason : corrected["reasons"]) {
    const std::string r = reason.get<std::string>();
    const bool allowed = r.rfind("<D_KL>", 0) == 0 || r.rfind("C2ST within", 0) == 0;  // the "consistent" line
    EXPECT_TRUE(allowed) << corrected.dump(2);
  }
  EXPECT_TRUE(fs::exists(dir / "stage2.h5"));
}

}  // namespace
}  // namespace flowprior

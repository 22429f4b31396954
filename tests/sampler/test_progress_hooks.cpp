// The progress callback and message sinks of the persistent sampler (issue 20: the Python module shows tqdm bars
// and raises Python warnings from them): PersistentOptions::on_iteration is called once per iteration with the
// figures of the result, changes no bit of it, and stops the run when it throws (the checkpoint of the iteration
// it reported resumes bitwise); warnings go to the Messages sink and SmcResult::warnings instead of stderr.
// (Flow training's on_epoch: tests/flow/test_train_progress.cpp.)
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "flowprior/core/evaluator.hpp"
#include "flowprior/density/targets.hpp"
#include "flowprior/density/uniform_box.hpp"
#include "flowprior/sampler/persistent.hpp"

namespace flowprior {
namespace {

struct ProgressTestStop {};

struct ProgressTestSmc {
  Target target = make_target("gaussian", 2);
  UniformBox prior{target.prior_box};

  SmcResult run(const PersistentOptions& o) const {
    const PriorModel model{prior, target.prior_box, [this](Index n, Rng& rng) { return prior.sample(n, rng); }};
    ThreadEvaluator evaluator(1);
    return PersistentSampler(o).run(model, *target.likelihood, evaluator);
  }
};

PersistentOptions progress_test_options(bool precondition) {
  PersistentOptions o;
  o.n_active = 64;
  o.n_effective = 128;
  o.n_total = 256;
  o.seed = 11;
  o.progress = false;
  o.precondition = precondition;
  o.flow_epochs = 10;
  o.evidence_samples = 256;
  return o;
}

void expect_same_smc(const SmcResult& a, const SmcResult& b) {
  EXPECT_EQ(a.x, b.x);
  EXPECT_EQ(a.weights, b.weights);
  EXPECT_EQ(a.posterior, b.posterior);
  EXPECT_EQ(a.log_z, b.log_z);
  EXPECT_EQ(a.log_z_err, b.log_z_err);
  EXPECT_EQ(a.likelihood_calls, b.likelihood_calls);
  ASSERT_EQ(a.iterations.size(), b.iterations.size());
}

class SmcProgressHook : public ::testing::TestWithParam<bool> {};

TEST_P(SmcProgressHook, CalledOncePerIterationWithItsFiguresAndChangesNothing) {
  const ProgressTestSmc smc;
  PersistentOptions o = progress_test_options(GetParam());
  const SmcResult plain = smc.run(o);
  struct Seen {
    int iteration, total;
    double beta, ess, log_z, ess_at_one;
    bool stopping;
  };
  std::vector<Seen> seen;
  o.on_iteration = [&seen](const SmcProgress& p) {
    seen.push_back({p.record.iteration, p.estimated_iterations, p.record.beta, p.record.ess, p.record.log_z,
                    p.ess_at_one, p.stopping});
  };
  const SmcResult observed = smc.run(o);
  expect_same_smc(plain, observed);
  ASSERT_TRUE(observed.converged);
  ASSERT_EQ(seen.size(), observed.iterations.size());
  for (std::size_t k = 0; k < seen.size(); ++k) {
    const SmcIteration& r = observed.iterations[k];
    EXPECT_EQ(seen[k].iteration, static_cast<int>(k) + 1);
    EXPECT_EQ(seen[k].beta, r.beta);
    EXPECT_EQ(seen[k].ess, r.ess);
    EXPECT_EQ(seen[k].log_z, r.log_z);
    EXPECT_GE(seen[k].total, seen[k].iteration);
    EXPECT_LE(seen[k].total, o.max_iterations);
    EXPECT_EQ(seen[k].stopping, k + 1 == seen.size());
    if (k + 1 < seen.size()) {
      EXPECT_GT(seen[k].total, seen[k].iteration);  // an estimate of what remains
    }
  }
  EXPECT_EQ(seen.back().total, seen.back().iteration);  // exact at the end
  EXPECT_GE(seen.back().ess_at_one, static_cast<double>(o.n_total));
  EXPECT_NEAR(seen.back().ess_at_one, observed.ess, 1e-9 * observed.ess);
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutFlow, SmcProgressHook, ::testing::Values(false, true));

TEST(SmcProgressHookStop, AThrowingCallbackStopsAfterTheCheckpointOfItsIteration) {
  const ProgressTestSmc smc;
  const std::string checkpoint =
      (std::filesystem::temp_directory_path() / ("fp_progress_" + std::to_string(::getpid()) + ".ckpt")).string();
  std::filesystem::remove(checkpoint);
  PersistentOptions o = progress_test_options(false);
  const SmcResult whole = smc.run(o);
  o.checkpoint = checkpoint;
  o.resume = true;
  o.on_iteration = [](const SmcProgress& p) {
    if (p.record.iteration == 3) throw ProgressTestStop{};
  };
  EXPECT_THROW(smc.run(o), ProgressTestStop);
  o.on_iteration = nullptr;
  const SmcResult resumed = smc.run(o);
  std::filesystem::remove(checkpoint);
  EXPECT_EQ(resumed.iterations.size(), whole.iterations.size());
  expect_same_smc(whole, resumed);
}

TEST(SmcMessages, WarningsGoToTheSinkAndTheResultNotStderr) {
  const ProgressTestSmc smc;
  PersistentOptions o = progress_test_options(false);
  o.max_iterations = 2;
  o.progress = true;  // status lines too
  std::vector<std::string> warnings, lines;
  o.messages.warning_sink = [&warnings](const std::string& m) { warnings.push_back(m); };
  o.messages.status_sink = [&lines](const std::string& m) { lines.push_back(m); };
  ::testing::internal::CaptureStderr();
  const SmcResult r = smc.run(o);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_FALSE(r.converged);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_NE(r.warnings[0].find("stopped before convergence (max_iterations"), std::string::npos) << r.warnings[0];
  EXPECT_EQ(warnings, r.warnings);
  EXPECT_EQ(lines.size(), 3u);  // two iterations and the closing line
  // A converged run has none, with or without the flow's importance-sampling evidence (within 0.1 nat here).
  EXPECT_TRUE(smc.run(progress_test_options(false)).warnings.empty());
  const SmcResult precise = smc.run(progress_test_options(true));
  EXPECT_TRUE(precise.converged);
  EXPECT_EQ(precise.log_z_method, "importance");
  EXPECT_LT(precise.log_z_err, kEvidenceErrorWarnAbove);
  EXPECT_TRUE(precise.warnings.empty());
  // An importance-sampling evidence from a flow trained for one epoch and too few draws to reach 0.1 nat (4 draws, no
  // second batch) says so.
  PersistentOptions few = progress_test_options(true);
  few.flow_epochs = 1;
  few.evidence_samples = 4;
  few.evidence_max_draws = 4;
  few.evidence_retry_max_draws = 0;
  few.evidence_rounds = 1;
  const SmcResult rough = smc.run(few);
  EXPECT_EQ(rough.log_z_method, "importance");
  EXPECT_GT(rough.log_z_err, kEvidenceErrorWarnAbove);
  ASSERT_EQ(rough.warnings.size(), 1u);
  EXPECT_NE(rough.warnings[0].find("the importance-sampling evidence has an error of"), std::string::npos)
      << rough.warnings[0];
}

}  // namespace
}  // namespace flowprior

// Persistent-sampling SMC: weights against the direct formula, kernels' invariance, evidence and moments against
// exact answers (fixed seeds, stated tolerances), determinism over threads, bitwise resume, error messages.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <cstdlib>
#include <fstream>

#include "flowprior/core/error.hpp"
#include "flowprior/density/targets.hpp"
#include "flowprior/density/uniform_box.hpp"
#include "flowprior/sampler/checkpoint.hpp"
#include "flowprior/sampler/persistent.hpp"
#include "flowprior/sampler/persistent_weights.hpp"
#include "flowprior/sampler/tpcn.hpp"

namespace flowprior {
namespace {

// The O(T^2 n) formula of pocoMC, written out directly.
double direct_log_weight(const std::vector<double>& betas, const std::vector<double>& log_z,
                         const std::vector<Index>& sizes, double l, double beta) {
  double n_total = 0, denom = 0;
  for (std::size_t t = 0; t < betas.size(); ++t) {
    n_total += static_cast<double>(sizes[t]);
    denom += static_cast<double>(sizes[t]) * std::exp(tempered_log_likelihood(betas[t], l) - log_z[t]);
  }
  return tempered_log_likelihood(beta, l) - std::log(denom / n_total);
}

TEST(PersistentWeights, RunningSumsEqualDirectFormula) {
  Rng rng(3);
  PersistentWeights pw;
  std::vector<double> betas, log_z, all_l;
  std::vector<Index> sizes;
  const double beta_list[] = {0.0, 0.0, 0.01, 0.05, 0.2, 0.6, 1.0};
  for (double beta : beta_list) {
    const Index n = 7 + static_cast<Index>(rng.index(5));
    VectorXd l(n);
    for (Index i = 0; i < n; ++i) l[i] = (i == 0 && beta == 0.0) ? -INFINITY : -5.0 * std::abs(rng.normal()) - 1;
    const double lz = beta == 0.0 ? 0.0 : pw.log_evidence(beta);
    pw.add_block(l, beta, lz);
    betas.push_back(beta);
    log_z.push_back(lz);
    sizes.push_back(n);
    for (Index i = 0; i < n; ++i) all_l.push_back(l[i]);
  }
  ASSERT_EQ(pw.size(), static_cast<Index>(all_l.size()));
  for (double beta : {0.0, 0.3, 1.0}) {
    VectorXd lw;
    pw.log_weights(beta, lw);
    const double n = static_cast<double>(all_l.size());
    double z_direct = 0;
    for (std::size_t j = 0; j < all_l.size(); ++j) {
      const double direct = direct_log_weight(betas, log_z, sizes, all_l[j], beta);
      if (std::isinf(direct)) {
        EXPECT_EQ(lw[static_cast<Index>(j)], -INFINITY);
      } else {
        EXPECT_NEAR(lw[static_cast<Index>(j)] + std::log(n), direct, 1e-12);
      }
      z_direct += std::exp(direct) / n;
    }
    EXPECT_NEAR(pw.log_evidence(beta), std::log(z_direct), 1e-12);
  }
}

TEST(PersistentWeights, SystematicResamplingKeepsFloorOrCeil) {
  VectorXd w(5);
  w << 0.1, 0.0, 0.45, 0.25, 0.2;
  Rng rng(5);
  for (int rep = 0; rep < 20; ++rep) {
    const auto idx = systematic_resample(w, 40, rng);
    std::vector<int> count(5, 0);
    for (Index j : idx) ++count[static_cast<std::size_t>(j)];
    for (int j = 0; j < 5; ++j) {
      EXPECT_GE(count[j], static_cast<int>(std::floor(40 * w[j])));
      EXPECT_LE(count[j], static_cast<int>(std::ceil(40 * w[j])));
    }
  }
}

TEST(StudentTFit, RecoversParametersOfATSample) {
  const int d = 3, n = 20000;
  const double nu = 4;
  MatrixXd chol(3, 3);
  chol << 1, 0, 0, 0.5, 2, 0, -0.3, 0.2, 0.5;
  VectorXd mu(3);
  mu << 1, -2, 0.5;
  Rng rng(11);
  MatrixXd z(n, d), x(n, d);
  rng.fill_normal(z);
  for (int i = 0; i < n; ++i) {
    const double w = 0.5 * nu / gamma_draw(0.5 * nu, rng);  // InvGamma(nu/2, nu/2)
    x.row(i) = mu.transpose() + std::sqrt(w) * z.row(i) * chol.transpose();
  }
  const StudentT fit = fit_student_t(x);
  EXPECT_NEAR(fit.nu, nu, 0.5);
  EXPECT_LT((fit.mean - mu).norm(), 0.06);
  const MatrixXd cov = chol * chol.transpose();
  EXPECT_LT((fit.covariance - cov).norm() / cov.norm(), 0.05);
}

// Kernel invariance: exact draws from the target stay distributed as the target after k steps (fixed step size).
class KernelInvariance : public ::testing::TestWithParam<MutationKernel> {};

TEST_P(KernelInvariance, GaussianMomentsUnchanged) {
  const int d = 3, n = 4000;
  MatrixXd chol(3, 3);
  chol << 1, 0, 0, 0.8, 0.6, 0, 0, 0, 2;
  ParticleState st;
  Rng rng(21);
  MatrixXd z(n, d);
  rng.fill_normal(z);
  st.theta = z * chol.transpose();
  const MatrixXd cov = chol * chol.transpose();
  const MatrixXd prec = cov.inverse();
  // Target N(0, cov) entirely through the "likelihood" at beta = 1 (flat prior, zero Jacobian).
  const StateEvaluator eval = [&](ParticleState& p) {
    p.u = p.theta;
    p.x = p.theta;
    p.log_prior = VectorXd::Zero(p.theta.rows());
    p.log_jac = VectorXd::Zero(p.theta.rows());
    p.log_like = (-0.5 * ((p.theta * prec).array() * p.theta.array()).rowwise().sum()).matrix();
  };
  eval(st);
  // A deliberately mismatched t fit: the kernel must stay exact anyway.
  StudentT fit = fit_gaussian(st.theta);
  fit.mean = VectorXd::Constant(d, 0.7);
  fit.nu = 5;
  MutationOptions mo;
  mo.kernel = GetParam();
  mo.adapt = false;
  mo.min_steps = mo.max_steps = 10;
  const MutationSummary ms = mutate(st, 1.0, fit, 0.5, mo, eval, [](int step) { return Rng(99, step); });
  EXPECT_EQ(ms.steps, 10);
  EXPECT_GT(ms.acceptance, 0.1);
  // Moments: MC error of a mean is sqrt(var / n); of a variance sqrt(2 var^2 / n) (Gaussian); |z| < 4.
  const VectorXd mean = st.theta.colwise().mean().transpose();
  const MatrixXd c = st.theta.rowwise() - mean.transpose();
  const MatrixXd sample_cov = c.transpose() * c / (n - 1.0);
  for (int k = 0; k < d; ++k) {
    EXPECT_LT(std::abs(mean[k]) / std::sqrt(cov(k, k) / n), 4.0) << "coordinate " << k;
    EXPECT_LT(std::abs(sample_cov(k, k) - cov(k, k)) / (cov(k, k) * std::sqrt(2.0 / n)), 4.0) << "coordinate " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, KernelInvariance, ::testing::Values(MutationKernel::rwm, MutationKernel::tpcn));

struct TargetRun {
  Target target;
  std::shared_ptr<UniformBox> prior;
  SmcResult result;
};

TargetRun run_target(const std::string& name, int dim, PersistentOptions o, int threads = 1) {
  TargetRun r{make_target(name, dim), nullptr, {}};
  r.prior = std::make_shared<UniformBox>(r.target.prior_box);
  const auto prior = r.prior;
  PriorModel pm{*r.prior, r.target.prior_box, [prior](Index n, Rng& rng) { return prior->sample(n, rng); }};
  ThreadEvaluator evaluator(threads);
  o.progress = std::getenv("SMC_TEST_PROGRESS") != nullptr;
  r.result = PersistentSampler(o).run(pm, *r.target.likelihood, evaluator);
  return r;
}

void expect_evidence(const TargetRun& r) {
  ASSERT_TRUE(r.target.log_z.has_value());
  const double tol = std::max(0.1, 3 * r.result.log_z_err);
  EXPECT_TRUE(r.result.converged) << r.result.stop_reason;
  EXPECT_NEAR(r.result.log_z, *r.target.log_z, tol) << r.target.name << " d=" << r.target.dim
                                                    << " err=" << r.result.log_z_err;
  EXPECT_TRUE(std::isfinite(r.result.log_z_err));
  EXPECT_GT(r.result.log_z_err, 0.0);
}

PersistentOptions small_options(std::uint64_t seed) {
  PersistentOptions o;
  o.seed = seed;
  o.n_active = 200;
  o.n_effective = 400;
  o.n_total = 1500;
  return o;
}

TEST(PersistentSampler, EvidenceGaussianShells2D) { expect_evidence(run_target("gaussian-shells", 2, small_options(1))); }

TEST(PersistentSampler, EvidenceCorrelatedGaussian10D) { expect_evidence(run_target("gaussian", 10, small_options(2))); }

TEST(PersistentSampler, MixtureModesAndEvidence10DWithFlow) {
  // Random-walk moves cannot cross between modes 12.6 apart (sigma 0.5): the flow-preconditioned t-pCN can.
  PersistentOptions o = small_options(3);
  o.precondition = true;
  o.evidence_samples = 2000;
  const TargetRun r = run_target("mixture", 10, o);
  expect_evidence(r);
  // Importance sampling from the final flow: independent draws, delta-method error.
  EXPECT_NEAR(r.result.log_z_is, *r.target.log_z, std::max(0.1, 3 * r.result.log_z_is_err));
  ASSERT_FALSE(r.result.iterations.empty());
  EXPECT_TRUE(std::isfinite(r.result.iterations.back().flow_validation_loss));
  // Weight of the mode at +2 (sign of the first coordinate), from the normalised weights.
  double w_plus = 0;
  for (Index i = 0; i < r.result.x.rows(); ++i)
    if (r.result.x(i, 0) > 0) w_plus += r.result.weights[i];
  EXPECT_NEAR(w_plus, 0.5, 0.05);
  double p_plus = (r.result.posterior.col(0).array() > 0).cast<double>().mean();
  EXPECT_NEAR(p_plus, 0.5, 0.05);
}

// Issue 18: with a flow the reported evidence is the importance-sampling one from the final flow (default 4096 draws)
// with its delta-method error; the persistent-sampling estimate stays as log_z_ps. Exact log Z = -3 log 20.
TEST(PersistentSampler, ReportedEvidenceIsImportanceSamplingWithAFlow) {
  PersistentOptions o = small_options(7);
  o.n_total = 600;
  o.precondition = true;
  ASSERT_EQ(o.evidence_samples, 4096);  // on by default
  const TargetRun r = run_target("gaussian", 3, o);
  EXPECT_EQ(r.result.log_z_method, "importance");
  EXPECT_EQ(r.result.log_z, r.result.log_z_is);
  EXPECT_EQ(r.result.log_z_err, r.result.log_z_is_err);
  EXPECT_GT(r.result.log_z_err, 0.0);
  EXPECT_LT(r.result.log_z_err, 0.05);
  EXPECT_GT(r.result.log_z_is_ess, 1000.0);  // a good proposal: ESS of the 4096 importance weights
  EXPECT_LT(r.result.log_z_is_khat, 0.5);     // finite-variance weights
  EXPECT_EQ(r.result.log_z_is_rounds, o.evidence_rounds);
  // At least evidence_samples draws for the estimate, at most evidence_max_draws, plus the pilot's evidence_samples / 4.
  EXPECT_GE(r.result.log_z_is_draws, static_cast<std::uint64_t>(o.evidence_samples + o.evidence_samples / 4));
  EXPECT_LE(r.result.log_z_is_draws, static_cast<std::uint64_t>(o.evidence_max_draws + o.evidence_samples / 4));
  EXPECT_EQ(r.result.log_z_is_batches, 1);  // no second batch: the first batch's error is within its plan
  EXPECT_TRUE(r.result.warnings.empty());
  EXPECT_TRUE(std::isfinite(r.result.log_z_ps));
  EXPECT_TRUE(std::isfinite(r.result.log_z_ps_err));
  // Within 0.05 nat and 4 reported sd of the exact value.
  const double exact = *r.target.log_z;
  EXPECT_NEAR(r.result.log_z, exact, std::min(0.05, 4 * r.result.log_z_err + 0.01)) << "err " << r.result.log_z_err;
}

// Issue 18: mass piled against a bound (standard normal on [0, 10]^d) has an exponential tail in the logit
// coordinate, heavier than a Gaussian-base flow's: the proposal's per-coordinate Student-t factor keeps the weights'
// variance finite, so the estimate is within its own error (and 0.05 nat) and the weights' ESS stays large.
TEST(PersistentSampler, BoundPiledEvidenceWithAFlowIsWithinItsError) {
  PersistentOptions o = small_options(4);
  o.precondition = true;
  const TargetRun r = run_target("half-gaussian", 5, o);
  EXPECT_EQ(r.result.log_z_method, "importance");
  EXPECT_NEAR(r.result.log_z, *r.target.log_z, std::min(0.05, 4 * r.result.log_z_err + 0.01))
      << "err " << r.result.log_z_err;
  EXPECT_GT(r.result.log_z_is_ess, 1000.0);
}

TEST(PersistentSampler, ReportedEvidenceIsPersistentWithoutAFlow) {
  PersistentOptions o = small_options(8);
  o.n_total = 600;
  const TargetRun r = run_target("gaussian", 3, o);
  EXPECT_EQ(r.result.log_z_method, "persistent");
  EXPECT_EQ(r.result.log_z, r.result.log_z_ps);
  EXPECT_EQ(r.result.log_z_err, r.result.log_z_ps_err);
  EXPECT_TRUE(std::isnan(r.result.log_z_is));
  PersistentOptions bad = o;
  bad.evidence_samples = -1;
  EXPECT_THROW(run_target("gaussian", 3, bad), Error);
  bad = o;
  bad.evidence_rounds = 0;
  EXPECT_THROW(run_target("gaussian", 3, bad), Error);
  bad = o;
  bad.evidence_tolerance = NAN;
  EXPECT_THROW(run_target("gaussian", 3, bad), Error);
  EXPECT_EQ(r.result.log_z_is_rounds, 0);
  EXPECT_EQ(r.result.log_z_is_draws, 0u);
  EXPECT_EQ(r.result.log_z_is_batches, 0);
  bad = o;
  bad.precondition = true;
  bad.evidence_retry_max_draws = -1;
  EXPECT_THROW(run_target("gaussian", 3, bad), Error);
  bad = o;
  bad.precondition = true;
  bad.evidence_max_draws = bad.evidence_samples - 1;
  EXPECT_THROW(run_target("gaussian", 3, bad), Error);
  bad = o;
  bad.flow_max_rows = 1;
  try {
    run_target("gaussian", 3, bad);
    ADD_FAILURE() << "flow_max_rows = 1 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().parameter, "flow_max_rows");
  }
}

TEST(PersistentSampler, HalfGaussianAgainstTheBound) {
  const int d = 2;
  const TargetRun r = run_target("half-gaussian", d, small_options(4));
  expect_evidence(r);
  // Half-normal: mean sqrt(2/pi), variance 1 - 2/pi; MC error with the Kish ESS of the weights; |z| < 4.
  const double mean = std::sqrt(2 / M_PI), var = 1 - 2 / M_PI;
  const VectorXd& w = r.result.weights;
  for (int k = 0; k < d; ++k) {
    const double m = w.dot(r.result.x.col(k));
    const double v = w.dot(((r.result.x.col(k).array() - m).square()).matrix());
    EXPECT_LT(std::abs(m - mean) / std::sqrt(var / r.result.ess), 4.0) << "coordinate " << k << " mean " << m;
    EXPECT_LT(std::abs(v - var) / (std::sqrt(var * var * 2.0 / r.result.ess) * 1.5), 4.0) << "var " << v;
    EXPECT_GT(r.result.x.col(k).minCoeff(), 0.0);  // never on or beyond the bound
  }
}

TEST(PersistentSampler, BitwiseIdenticalForOneAndTwoThreads) {
  PersistentOptions o = small_options(5);
  o.n_total = 600;
  const TargetRun a = run_target("gaussian-shells", 2, o, 1);
  const TargetRun b = run_target("gaussian-shells", 2, o, 2);
  EXPECT_EQ(a.result.log_z, b.result.log_z);
  EXPECT_EQ(a.result.likelihood_calls, b.result.likelihood_calls);
  EXPECT_TRUE(a.result.x == b.result.x);
  EXPECT_TRUE(a.result.weights == b.result.weights);
}

TEST(PersistentSampler, ResumeFromCheckpointIsBitwiseIdentical) {
  const std::string path = std::string(FLOWPRIOR_BINARY_DIR) + "/test_persistent_resume.ckpt";
  std::filesystem::remove(path);
  PersistentOptions o = small_options(6);
  o.n_total = 600;
  const TargetRun full = run_target("gaussian", 3, o);
  ASSERT_GT(full.result.iterations.size(), 4u);
  PersistentOptions first = o;
  first.checkpoint = path;
  first.max_iterations = 3;  // "killed" after 3 iterations
  const TargetRun part = run_target("gaussian", 3, first);
  EXPECT_FALSE(part.result.converged);
  EXPECT_EQ(load_checkpoint(path).iteration, 3);
  PersistentOptions second = o;
  second.checkpoint = path;
  second.resume = true;
  const TargetRun resumed = run_target("gaussian", 3, second);
  EXPECT_EQ(resumed.result.log_z, full.result.log_z);
  EXPECT_EQ(resumed.result.log_z_err, full.result.log_z_err);
  EXPECT_EQ(resumed.result.likelihood_calls, full.result.likelihood_calls);
  EXPECT_TRUE(resumed.result.x == full.result.x);
  EXPECT_TRUE(resumed.result.posterior == full.result.posterior);
  ASSERT_EQ(resumed.result.iterations.size(), full.result.iterations.size());
  for (std::size_t k = 0; k < full.result.iterations.size(); ++k)
    EXPECT_EQ(resumed.result.iterations[k].beta, full.result.iterations[k].beta);
  // A checkpoint of another run is refused.
  PersistentOptions other = second;
  other.seed = 7;
  EXPECT_THROW(run_target("gaussian", 3, other), Error);
  std::filesystem::remove(path);
}

TEST(PersistentSampler, ResumeWithFlowPreconditioningIsBitwiseIdentical) {
  const std::string path = std::string(FLOWPRIOR_BINARY_DIR) + "/test_persistent_resume_flow.ckpt";
  std::filesystem::remove(path);
  PersistentOptions o = small_options(9);
  o.n_active = 100;
  o.n_effective = 200;
  o.n_total = 300;
  o.precondition = true;
  o.flow_epochs = 20;
  const TargetRun full = run_target("gaussian", 2, o);
  PersistentOptions first = o;
  first.checkpoint = path;
  first.max_iterations = 2;
  run_target("gaussian", 2, first);
  PersistentOptions second = first;
  second.max_iterations = o.max_iterations;
  second.resume = true;
  const TargetRun resumed = run_target("gaussian", 2, second);
  EXPECT_EQ(resumed.result.log_z, full.result.log_z);
  EXPECT_TRUE(resumed.result.x == full.result.x);
  EXPECT_EQ(resumed.result.likelihood_calls, full.result.likelihood_calls);
  std::filesystem::remove(path);
}

TEST(Checkpoint, TruncatedOrForeignFilesAreErrors) {
  const std::string path = std::string(FLOWPRIOR_BINARY_DIR) + "/test_persistent_bad.ckpt";
  { std::ofstream(path) << "not a checkpoint"; }
  EXPECT_THROW(load_checkpoint(path), Error);
  SmcState s;
  s.dim = 1;
  s.u = MatrixXd::Zero(2, 1);
  s.x = MatrixXd::Zero(2, 1);
  s.log_prior = VectorXd::Zero(2);
  s.weights.add_block(VectorXd::Zero(2), 0.0, 0.0);
  save_checkpoint(path, s);
  EXPECT_EQ(load_checkpoint(path).u.rows(), 2);
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 5);
  try {
    load_checkpoint(path);
    FAIL() << "truncated checkpoint accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().file, path);
  }
  std::filesystem::remove(path);
}

class FunctionDensity : public LogDensity {
 public:
  FunctionDensity(int d, std::function<double(const RowVectorXd&)> f) : d_(d), f_(std::move(f)) {}
  int dim() const override { return d_; }
  void log_prob(const MatrixXd& x, VectorXd& out) const override {
    out.resize(x.rows());
    for (Index i = 0; i < x.rows(); ++i) out[i] = f_(x.row(i));
  }

 private:
  int d_;
  std::function<double(const RowVectorXd&)> f_;
};

SmcResult run_function(const std::function<double(const RowVectorXd&)>& f) {
  const Box box({"a", "b"}, VectorXd::Constant(2, -1), VectorXd::Constant(2, 1));
  UniformBox prior(box);
  FunctionDensity like(2, f);
  PriorModel pm{prior, box, [&](Index n, Rng& rng) { return prior.sample(n, rng); }};
  ThreadEvaluator ev(1);
  PersistentOptions o = small_options(8);
  o.progress = false;
  o.n_total = 400;
  return PersistentSampler(o).run(pm, like, ev);
}

TEST(PersistentSampler, NanLikelihoodIsAnErrorNamingThePoint) {
  try {
    run_function([](const RowVectorXd& x) { return x[0] > 0.5 ? std::nan("") : -x.squaredNorm(); });
    FAIL() << "NaN accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("NaN at x = ("), std::string::npos) << e.what();
    EXPECT_GE(e.context().row, 0);
  }
}

TEST(PersistentSampler, NoFiniteLikelihoodInWarmupIsAClearError) {
  try {
    run_function([](const RowVectorXd&) { return -INFINITY; });
    FAIL() << "all -inf accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("finite likelihood"), std::string::npos) << e.what();
  }
}

TEST(PersistentSampler, MinusInfinityRegionsKeepTheEvidenceUnbiased) {
  // L = 1 on the half a > 0, 0 elsewhere: Z = 1/2 exactly (pocoMC's duplication of finite draws would give 1).
  const SmcResult r = run_function([](const RowVectorXd& x) { return x[0] > 0 ? 0.0 : -INFINITY; });
  EXPECT_NEAR(r.log_z, std::log(0.5), std::max(0.05, 3 * r.log_z_err));
  EXPECT_GT(r.posterior.col(0).minCoeff(), 0.0);
}

}  // namespace
}  // namespace flowprior

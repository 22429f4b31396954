#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/density/targets.hpp"
#include "flowprior/sampler/diagnostics.hpp"
#include "flowprior/sampler/ensemble.hpp"
#include "flowprior/sampler/hdf_backend.hpp"

using namespace flowprior;

namespace {

MatrixXd exact_gaussian_draws(const Target& t, Index n, std::uint64_t seed) {
  Rng rng(seed);
  MatrixXd z(n, t.dim);
  rng.fill_normal(z);
  const MatrixXd l = t.covariance.llt().matrixL();
  return z * l.transpose() + MatrixXd::Ones(n, 1) * t.mean.transpose();
}

// z-scores of the chain's mean and covariance against the exact ones, each Monte Carlo error from the measured
// integrated autocorrelation time of the quantity itself (x_i, or the product of centred x_i and x_j).
void expect_moments_within_mc_error(const Chain& chain, const Target& t, double max_z) {
  const ChainDiagnostics d = diagnose(chain, 0);
  for (int i = 0; i < t.dim; ++i) EXPECT_LT(std::abs(d.mean(i) - t.mean(i)) / d.mean_error(i), max_z) << "mean " << i;
  const Index n = chain.steps, w = chain.walkers;
  for (int i = 0; i < t.dim; ++i)
    for (int j = i; j < t.dim; ++j) {
      const MatrixXd p = (chain.parameter(i).array() - t.mean(i)) * (chain.parameter(j).array() - t.mean(j));
      const double tau = std::max(1.0, integrated_autocorr_time(p, 5.0));
      const double m = p.mean();
      const double sd = std::sqrt((p.array() - m).square().sum() / static_cast<double>(p.size() - 1));
      const double se = sd / std::sqrt(static_cast<double>(n * w) / tau);
      EXPECT_LT(std::abs(m - t.covariance(i, j)) / se, max_z) << "cov " << i << "," << j << " " << m;
    }
}

}  // namespace

TEST(Ensemble, CorrelatedGaussian10dMomentsWithinMonteCarloError) {
  const Target t = make_target("gaussian", 10);
  const auto post = target_posterior(t);
  EnsembleSampler sampler({.seed = 42});
  const Chain chain = sampler.run(*post, exact_gaussian_draws(t, 32, 1), 8000);
  ASSERT_EQ(chain.steps, 8000);
  const auto tau = integrated_autocorr_time(chain);
  EXPECT_FALSE(tau.too_short) << tau.warning;
  expect_moments_within_mc_error(chain, t, 4.0);
  EXPECT_EQ(sampler.summary().log_prob_calls, 32u * 8001u);
  const double acc = chain.acceptance_fraction().mean();
  EXPECT_GT(acc, 0.2);
  EXPECT_LT(acc, 0.7);
}

TEST(Ensemble, EveryMoveKeepsATwoDimensionalGaussian) {
  const Target g = make_target("gaussian", 2);
  const auto post = target_posterior(g);
  for (const char* spec : {"stretch", "de", "de-snooker", "walk", "stretch:0.5,de:0.3,de-snooker:0.2"}) {
    EnsembleSampler sampler({.moves = parse_moves(spec), .seed = 7});
    const Chain chain = sampler.run(*post, exact_gaussian_draws(g, 16, 3), 6000);
    SCOPED_TRACE(spec);
    expect_moments_within_mc_error(chain, g, 4.0);
  }
}

TEST(Ensemble, HalfGaussianAgainstABoundWithMinusInfinityStarts) {
  // Walkers starting outside the box (log p = -inf) are allowed and move at their first finite proposal.
  const Target t = make_target("half-gaussian", 2);
  const auto post = target_posterior(t);
  Rng rng(9);
  MatrixXd x(16, 2);
  rng.fill_uniform(x);
  x.row(0) << -1.0, 0.5;
  x.row(1) << 0.5, -2.0;
  EnsembleSampler sampler({.seed = 8});
  EnsembleState s = sampler.start(*post, x);
  EXPECT_EQ(s.log_prob(0), -INFINITY);
  Chain chain;
  chain.reset(16, 2);
  sampler.advance(*post, s, 20000, [&](Index, const MatrixXd& p, const VectorXd& lp, const VectorXd& a) {
    chain.append(p, lp, a);
  });
  EXPECT_TRUE(std::isfinite(s.log_prob(0)));
  Chain tail;
  tail.reset(16, 2);
  for (Index k = 500; k < chain.steps; ++k)
    tail.append(chain.positions_at(k), chain.log_prob.row(k).transpose(), chain.accepted);
  expect_moments_within_mc_error(tail, t, 4.0);
}

TEST(Ensemble, OneAndTwoThreadsAreBitwiseIdentical) {
  const Target t = make_target("gaussian-shells", 3);
  const auto post = target_posterior(t);
  Rng rng(4);
  MatrixXd x(12, 3);
  rng.fill_uniform(x);
  x = (x.array() * 4 - 2).matrix();
  x.col(0).array() += 3.5;
  auto run = [&](int threads) {
    EnsembleSampler sampler({.moves = parse_moves("stretch,de,de-snooker,walk"), .seed = 5, .threads = threads});
    return sampler.run(*post, x, 300);
  };
  const Chain a = run(1), b = run(2);
  EXPECT_EQ(a.positions, b.positions);
  EXPECT_EQ(a.log_prob, b.log_prob);
  EXPECT_EQ(a.accepted, b.accepted);
}

TEST(Ensemble, ResumingFromAStoredStepContinuesTheSameChain) {
  const Target t = make_target("rosenbrock", 2);
  const auto post = target_posterior(t);
  Rng rng(6);
  MatrixXd x(8, 2);
  rng.fill_uniform(x);
  const EnsembleOptions options{.moves = parse_moves("stretch:2,walk:1"), .seed = 11, .burn_in = 40};
  const Chain full = EnsembleSampler(options).run(*post, x, 200);

  // First 120 steps to a file (flushed every 7 steps), then continue from what the file holds.
  const std::string path = std::string(FLOWPRIOR_BINARY_DIR) + "/test_ensemble_resume.h5";
  {
    EnsembleSampler sampler(options);
    EnsembleState s = sampler.start(*post, x);
    auto writer = HdfChainWriter::create(path, 8, 2, {.seed = 11}, {.flush_steps = 7, .flush_seconds = 1e9});
    sampler.advance(*post, s, 120, [&](Index, const MatrixXd& p, const VectorXd& lp, const VectorXd& a) {
      writer->add_step(p, lp, a);
    });
  }
  ChainFile file = read_chain_file(path);
  ASSERT_EQ(file.chain.steps, 120);
  EnsembleState s{.positions = file.chain.positions_at(119), .log_prob = file.chain.log_prob.row(119).transpose(),
                  .accepted = file.chain.accepted, .step = 120};
  EnsembleSampler resumed(options);
  {
    auto writer = HdfChainWriter::continue_file(path, {.flush_steps = 13});
    resumed.advance(*post, s, 200, [&](Index, const MatrixXd& p, const VectorXd& lp, const VectorXd& a) {
      writer->add_step(p, lp, a);
    });
  }
  const ChainFile done = read_chain_file(path);
  EXPECT_EQ(done.chain.steps, 200);
  EXPECT_EQ(done.chain.positions, full.positions);
  EXPECT_EQ(done.chain.log_prob, full.log_prob);
  EXPECT_EQ(done.chain.accepted, full.accepted);
  EXPECT_EQ(done.metadata.seed, 11u);
  EXPECT_TRUE(done.metadata.flowprior);
  std::filesystem::remove(path);
}

TEST(Ensemble, FileHoldsOnlyFlushedStepsAndIgnoresRowsPastIteration) {
  const std::string path = std::string(FLOWPRIOR_BINARY_DIR) + "/test_ensemble_flush.h5";
  auto writer = HdfChainWriter::create(path, 4, 2, {}, {.flush_steps = 3, .flush_seconds = 1e9});
  for (int s = 0; s < 5; ++s) writer->add_step(MatrixXd::Constant(4, 2, s), VectorXd::Constant(4, -s), VectorXd::Zero(4));
  EXPECT_EQ(read_chain_file(path).chain.steps, 3);  // 2 steps still buffered
  writer.reset();
  const ChainFile f = read_chain_file(path);
  ASSERT_EQ(f.chain.steps, 5);
  EXPECT_EQ(f.chain.positions_at(4)(3, 1), 4.0);
  EXPECT_EQ(f.chain.log_prob(2, 0), -2.0);
  std::filesystem::remove(path);
}

TEST(Ensemble, InitialStateChecksNameWalkerAndParameter) {
  const Target t = make_target("gaussian", 3);
  const auto post = target_posterior(t);
  EnsembleSampler sampler({.seed = 1});
  Rng rng(2);
  MatrixXd x(8, 3);
  rng.fill_uniform(x);

  EXPECT_THROW(sampler.start(*post, x.topRows(5)), Error);  // 5 < 2 * 3 walkers

  MatrixXd bad = x;
  bad(4, 1) = NAN;
  try {
    sampler.start(*post, bad);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.context().row, 4);
    EXPECT_EQ(e.context().parameter, "x2");
  }
  bad = x;
  bad.col(2).setConstant(0.3);
  try {
    sampler.start(*post, bad);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.context().parameter, "x3");
  }
  bad = x;
  bad.col(2) = 2 * bad.col(0) - bad.col(1);  // walkers on a plane
  try {
    sampler.start(*post, bad);
    FAIL();
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("linearly dependent"), std::string::npos);
    EXPECT_NE(what.find("'x3'"), std::string::npos);
  }
}

namespace {
class NanAbove : public LogDensity {
 public:
  int dim() const override { return 2; }
  void log_prob(const MatrixXd& x, VectorXd& out) const override {
    out = -0.5 * x.rowwise().squaredNorm();
    for (Index i = 0; i < x.rows(); ++i)
      if (x(i, 0) > 1.5) out(i) = NAN;
  }
};
}  // namespace

TEST(Ensemble, NanFromTheTargetIsAnErrorNamingThePoint) {
  NanAbove target;
  Rng rng(3);
  MatrixXd x(8, 2);
  rng.fill_normal(x);
  x.col(0) = x.col(0).cwiseMin(1.0);
  EnsembleSampler sampler({.seed = 3});
  try {
    sampler.run(target, x, 2000);
    FAIL();
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("NaN at walker"), std::string::npos);
    EXPECT_NE(what.find("x1 = "), std::string::npos);
    EXPECT_GE(e.context().row, 0);
  }
  MatrixXd start = x;
  start(2, 0) = 2.0;
  EXPECT_THROW(sampler.start(target, start), Error);
}

TEST(Ensemble, MovesParseAndRoundTrip) {
  const auto moves = parse_moves("stretch:0.5, de:0.25,de-snooker:0.125,walk");
  ASSERT_EQ(moves.size(), 4u);
  EXPECT_EQ(moves[2].kind, MoveKind::de_snooker);
  EXPECT_EQ(moves[3].weight, 1.0);
  EXPECT_EQ(to_string(parse_moves(to_string(moves))), to_string(moves));
  EXPECT_THROW(parse_moves("hop"), Error);
  EXPECT_THROW(parse_moves("stretch:-1"), Error);
  EXPECT_THROW(parse_moves("stretch:x"), Error);
  EXPECT_THROW(parse_moves(""), Error);
}

TEST(Ensemble, TwoPhaseBurnInReseedsAtTheBestPoints) {
  // Starts far out in the box; after the burn-in every walker should sit in the bulk of the Gaussian.
  const Target t = make_target("gaussian", 4);
  const auto post = target_posterior(t);
  Rng rng(12);
  MatrixXd x(16, 4);
  rng.fill_uniform(x);
  x = (x.array() * 20 - 10).matrix();
  EnsembleSampler sampler({.seed = 4, .burn_in = 2000});
  const EnsembleState s = sampler.start(*post, x);
  EXPECT_EQ(s.step, 0);
  EXPECT_EQ(s.accepted.sum(), 0.0);
  // chi^2 = 20 is far in the tail for 4 degrees of freedom (p = 5e-4): a generous bound for the worst walker,
  // while the uniform starts in [-10, 10]^4 are mostly far beyond it.
  const double at_mode = post->log_prob(MatrixXd::Zero(1, 4))(0);
  EXPECT_GT(s.log_prob.minCoeff(), at_mode - 10.0);
  EnsembleState no_burn = EnsembleSampler({.seed = 4}).start(*post, x);
  EXPECT_LT(no_burn.log_prob.minCoeff(), at_mode - 10.0);
}

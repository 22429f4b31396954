// Training: losses and their coefficients, convergence on a Gaussian to its exact entropy, importance weights,
// determinism across thread counts, restoring the best weights, non-finite input errors.
#include <gtest/gtest.h>

#include <cmath>

#include "flow_test_util.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/flow/train.hpp"

using namespace flowprior;
using namespace flowprior::test;

namespace {

// x = mean + L z with L the Cholesky factor of [[1, .8*s], [.8*s, s^2]], s = 2.
struct Gaussian2 {
  Eigen::Vector2d mean{1.0, -3.0};
  Eigen::Matrix2d cov{{1.0, 1.6}, {1.6, 4.0}};
  MatrixXd draw(Index n, Rng& rng) const {
    const Eigen::Matrix2d l = cov.llt().matrixL();
    MatrixXd z(n, 2);
    rng.fill_normal(z);
    return (z * l.transpose()).rowwise() + mean.transpose();
  }
  VectorXd log_density(const MatrixXd& x) const {
    const Eigen::Matrix2d inv = cov.inverse();
    VectorXd out(x.rows());
    for (Index i = 0; i < x.rows(); ++i) {
      const Eigen::Vector2d r = x.row(i).transpose() - mean;
      out(i) = -0.5 * r.dot(inv * r) - kLog2Pi - 0.5 * std::log(cov.determinant());
    }
    return out;
  }
  double entropy() const { return 1.0 + kLog2Pi + 0.5 * std::log(cov.determinant()); }
};

TrainOptions quick_options(FlowArch arch) {
  TrainOptions o;
  o.flow.arch = arch;
  o.flow.layers = arch == FlowArch::realnvp ? 2 : 3;
  o.flow.hidden = 24;
  o.flow.hidden_layers = 2;
  o.flow.bins = 6;
  o.batch_size = 256;
  o.learning_rate = 3e-3;
  o.max_epochs = 60;
  o.patience = 10;
  o.seed = 7;
  return o;
}

}  // namespace

TEST(Losses, CoefficientsAreTheGradientOfTheLoss) {
  Rng rng(1);
  const Index n = 7;
  const VectorXd log_q = random_matrix(n, 1, rng).col(0);
  const VectorXd p = random_matrix(n, 1, rng).col(0);
  VectorXd w = random_matrix(n, 1, rng).col(0).cwiseAbs();
  for (Loss loss : {Loss::nll, Loss::kl, Loss::jeffreys}) {
    VectorXd coeff;
    loss_and_coefficients(loss, log_q, w, p, &coeff);
    auto f = [&](const VectorXd& lq) { return loss_and_coefficients(loss, lq, w, p, nullptr); };
    for (Index k = 0; k < n; ++k)
      EXPECT_NEAR(central_difference(f, log_q, k, 1e-6), coeff(k), 1e-8) << to_string(loss) << " " << k;
  }
  // Jeffreys is 0 at a perfect fit (log q = p) and positive otherwise; kl carries no offset for normalised p.
  EXPECT_NEAR(loss_and_coefficients(Loss::jeffreys, p, w, p, nullptr), 0.0, 1e-14);
  EXPECT_GT(loss_and_coefficients(Loss::jeffreys, log_q, w, p, nullptr), 0.0);
  EXPECT_NEAR(loss_and_coefficients(Loss::kl, log_q, w, p, nullptr),
              loss_and_coefficients(Loss::nll, log_q, w, p, nullptr) + w.dot(p) / w.sum(), 1e-12);
  EXPECT_EQ(loss_from_string("jeffreys"), Loss::jeffreys);
  EXPECT_THROW(loss_from_string("elbo"), Error);
}

class TrainArch : public ::testing::TestWithParam<FlowArch> {};

// Held-out NLL estimates H(p) + KL(p||q): with 4000 training draws it must come within 0.05 nats of the exact
// entropy (the standard error of the held-out mean alone is ~0.016 nats at 4000 draws).
TEST_P(TrainArch, CorrelatedGaussianReachesTheEntropy) {
  const Gaussian2 g;
  Rng rng(100);
  const MatrixXd train = g.draw(4000, rng);
  const MatrixXd test = g.draw(4000, rng);
  Flow flow;
  const TrainSummary s = train_flow_unbounded(train, VectorXd(), VectorXd(), quick_options(GetParam()), flow);
  const double nll = -flow.log_prob(test).mean();
  EXPECT_NEAR(nll, g.entropy(), 0.05) << "stop " << s.stop_reason << " after " << s.epochs;
  EXPECT_EQ(s.validation_rows, 400);
  EXPECT_EQ(s.train_rows, 3600);
  EXPECT_EQ(static_cast<int>(s.validation_loss.size()), s.epochs);
}

INSTANTIATE_TEST_SUITE_P(AllArchitectures, TrainArch,
                         ::testing::Values(FlowArch::realnvp, FlowArch::maf, FlowArch::nsf, FlowArch::nsf_coupling),
                         [](const auto& info) { return arch_test_name(info.param); });

TEST(Train, KlAndJeffreysLossesReachTheEntropyToo) {
  const Gaussian2 g;
  Rng rng(200);
  const MatrixXd train = g.draw(3000, rng);
  const MatrixXd test = g.draw(4000, rng);
  for (Loss loss : {Loss::kl, Loss::jeffreys}) {
    TrainOptions o = quick_options(FlowArch::maf);
    o.loss = loss;
    Flow flow;
    const TrainSummary s = train_flow_unbounded(train, VectorXd(), g.log_density(train), o, flow);
    EXPECT_NEAR(-flow.log_prob(test).mean(), g.entropy(), 0.06) << to_string(loss);
    if (loss == Loss::jeffreys) {
      EXPECT_LT(s.best_validation_loss, 0.05);
    } else {
      EXPECT_LT(std::abs(s.best_validation_loss), 0.05);  // p is normalised here
    }
  }
  TrainOptions o = quick_options(FlowArch::maf);
  o.loss = Loss::kl;
  Flow flow;
  EXPECT_THROW(train_flow_unbounded(train, VectorXd(), VectorXd(), o, flow), Error);
}

// Draws from N(0,1) weighted by N(1,1)/N(0,1) = exp(x - 1/2) represent N(1,1): the weighted flow's mean must be 1
// within 4 standard errors of the weighted estimate (1/sqrt(ESS)) plus the Monte Carlo error of the flow's mean;
// the unweighted one stays at 0.
TEST(Train, ImportanceWeightsAreHonoured) {
  Rng rng(300);
  const Index n = 20000;
  MatrixXd u(n, 2);
  rng.fill_normal(u);
  VectorXd w = (u.col(0).array() - 0.5).exp();
  const double ess = w.sum() * w.sum() / w.squaredNorm();
  TrainOptions o = quick_options(FlowArch::maf);
  o.max_epochs = 15;
  o.flow.layers = 2;
  for (bool use : {true, false}) {
    o.use_weights = use;
    Flow flow;
    train_flow_unbounded(u, w, VectorXd(), o, flow);
    Rng srng(301);
    const MatrixXd s = flow.sample(40000, srng);
    const double tol = 4.0 / std::sqrt(ess) + 4.0 / std::sqrt(40000.0);
    EXPECT_NEAR(s.col(0).mean(), use ? 1.0 : 0.0, tol) << "use_weights " << use;
    EXPECT_NEAR(s.col(1).mean(), 0.0, tol);
  }
}

TEST(Train, ThreadCountDoesNotChangeTheResult) {
  const Gaussian2 g;
  Rng rng(400);
  const MatrixXd train = g.draw(1500, rng);
  VectorXd w = VectorXd::LinSpaced(1500, 0.5, 1.5);
  for (FlowArch arch : {FlowArch::maf, FlowArch::nsf, FlowArch::realnvp}) {
    TrainOptions o = quick_options(arch);
    o.max_epochs = 3;
    o.batch_size = 500;  // several gradient chunks per minibatch
    o.threads = 1;
    Flow a, b;
    train_flow_unbounded(train, w, VectorXd(), o, a);
    o.threads = 2;
    train_flow_unbounded(train, w, VectorXd(), o, b);
    EXPECT_EQ(a.params(), b.params()) << to_string(arch);
    EXPECT_EQ(a.standardization_mean(), b.standardization_mean());
    o.seed = 8;
    train_flow_unbounded(train, w, VectorXd(), o, b);
    EXPECT_NE(a.params(), b.params()) << "the seed must matter";
  }
}

// An oversized learning rate on little data makes the validation loss wander: the returned flow must hold the
// weights of the best epoch, which a run stopped at that epoch reproduces bit for bit.
TEST(Train, RestoresTheBestWeights) {
  const Gaussian2 g;
  Rng rng(500);
  const MatrixXd train = g.draw(300, rng);
  TrainOptions o = quick_options(FlowArch::maf);
  o.learning_rate = 0.03;
  o.batch_size = 64;
  o.patience = 4;
  o.max_epochs = 80;
  Flow a;
  const TrainSummary s = train_flow_unbounded(train, VectorXd(), VectorXd(), o, a);
  ASSERT_GT(s.best_epoch, 1);
  ASSERT_LT(s.best_epoch, s.epochs) << "the test needs a run that got worse after its best epoch";
  EXPECT_EQ(s.stop_reason, "patience");
  EXPECT_EQ(s.validation_loss[static_cast<std::size_t>(s.best_epoch - 1)], s.best_validation_loss);
  for (double v : s.validation_loss) EXPECT_GE(v, s.best_validation_loss);
  TrainOptions ob = o;
  ob.max_epochs = s.best_epoch;
  Flow b;
  const TrainSummary sb = train_flow_unbounded(train, VectorXd(), VectorXd(), ob, b);
  EXPECT_EQ(sb.best_epoch, s.best_epoch);
  EXPECT_EQ(a.params(), b.params());
}

// Without a validation split an epoch is scored by the loss of its own final weights on the training rows (all of
// them below 16384), not by its mean minibatch loss, which averages weights that changed during the epoch: the
// returned flow's loss on the training rows is the best score.
TEST(Train, WithoutAValidationSplitEpochsAreScoredByTheirOwnWeights) {
  const Gaussian2 g;
  Rng rng(501);
  const MatrixXd train = g.draw(300, rng);
  TrainOptions o = quick_options(FlowArch::maf);
  o.learning_rate = 0.03;
  o.batch_size = 64;
  o.patience = 4;
  o.max_epochs = 30;
  o.validation_fraction = 0;
  Flow a;
  const TrainSummary s = train_flow_unbounded(train, VectorXd(), VectorXd(), o, a);
  ASSERT_EQ(s.validation_rows, 0);
  VectorXd lq;
  a.log_prob(train, lq);
  EXPECT_NEAR(s.best_validation_loss, -lq.mean(), 1e-10 * std::abs(lq.mean()));
  for (double v : s.validation_loss) EXPECT_GE(v, s.best_validation_loss);
  EXPECT_NE(s.validation_loss.front(), s.train_loss.front()) << "the score is not the running minibatch loss";
}

TEST(Train, WarmStartKeepsTheFlowAndItsStandardisation) {
  const Gaussian2 g;
  Rng rng(600);
  const MatrixXd train = g.draw(1000, rng);
  TrainOptions o = quick_options(FlowArch::maf);
  o.max_epochs = 5;
  Flow flow;
  train_flow_unbounded(train, VectorXd(), VectorXd(), o, flow);
  const VectorXd mean = flow.standardization_mean();
  const MatrixXd shifted = train.array() + 5.0;
  train_flow_unbounded(shifted, VectorXd(), VectorXd(), o, flow, /*warm_start=*/true);
  EXPECT_EQ(flow.standardization_mean(), mean);
  Flow fresh;
  train_flow_unbounded(shifted, VectorXd(), VectorXd(), o, fresh, false);
  EXPECT_NEAR(fresh.standardization_mean()(0), mean(0) + 5.0, 0.1);
  Flow other(3, o.flow, rng);
  EXPECT_THROW(train_flow_unbounded(train, VectorXd(), VectorXd(), o, other, true), Error);
}

// tail_bound 0 (the default): the spline interval is max(5, 1.25 x largest |standardised value| of the weighted
// training rows); an explicit bound is kept; a flow built without data takes the fallback.
TEST(Train, SplineBoundComesFromTheData) {
  const Gaussian2 g;
  Rng rng(601);
  MatrixXd train = g.draw(400, rng);
  TrainOptions o = quick_options(FlowArch::nsf);
  o.max_epochs = 1;
  o.validation_fraction = 0;
  auto reach = [&](const Flow& f) {
    return ((train.rowwise() - f.standardization_mean().transpose()).array().rowwise() /
            f.standardization_scale().transpose().array())
        .abs()
        .maxCoeff();
  };
  Flow flow;
  train_flow_unbounded(train, VectorXd(), VectorXd(), o, flow);
  ASSERT_LT(1.25 * reach(flow), kMinAutoTailBound);
  EXPECT_EQ(flow.config().tail_bound, kMinAutoTailBound);
  train(7, 0) = flow.standardization_mean()(0) + 40 * flow.standardization_scale()(0);  // a far row
  train_flow_unbounded(train, VectorXd(), VectorXd(), o, flow);
  EXPECT_GT(flow.config().tail_bound, 10.0);
  EXPECT_EQ(flow.config().tail_bound, 1.25 * reach(flow));
  VectorXd w = VectorXd::Ones(train.rows());
  w(7) = 0;  // without weight the far row does not count
  train_flow_unbounded(train, w, VectorXd(), o, flow);
  EXPECT_LT(flow.config().tail_bound, 10.0);
  o.flow.tail_bound = 2.5;
  train_flow_unbounded(train, VectorXd(), VectorXd(), o, flow);
  EXPECT_EQ(flow.config().tail_bound, 2.5);
  Rng r2(1);
  EXPECT_EQ(Flow(2, FlowConfig{}, r2).config().tail_bound, kFallbackTailBound);
}

TEST(Train, RejectsBadInputsNamingTheRow) {
  MatrixXd u = MatrixXd::Zero(10, 2);
  u(4, 1) = std::nan("");
  Flow flow;
  try {
    train_flow_unbounded(u, VectorXd(), VectorXd(), TrainOptions{}, flow);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().row, 4);
  }
  u(4, 1) = 0;
  VectorXd w = VectorXd::Ones(10);
  w(2) = -1;
  EXPECT_THROW(train_flow_unbounded(u, w, VectorXd(), TrainOptions{}, flow), Error);
  TrainOptions bad;
  bad.batch_size = 0;
  EXPECT_THROW(train_flow_unbounded(u, VectorXd(), VectorXd(), bad, flow), Error);
}

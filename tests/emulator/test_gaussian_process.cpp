#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/emulator/gaussian_process.hpp"

using namespace flowprior;

namespace {

struct Data {
  MatrixXd x;
  VectorXd z;
};

Data smooth_data(Index n, int d, std::uint64_t seed) {
  Rng rng(seed);
  Data data{MatrixXd(n, d), VectorXd(n)};
  rng.fill_uniform(data.x);
  for (Index i = 0; i < n; ++i) data.z[i] = std::sin(3.0 * data.x(i, 0)) + data.x.row(i).squaredNorm() - 0.5;
  return data;
}

VectorXd some_eta(int d) {
  VectorXd eta(d + 2);
  eta[0] = 0.3;
  for (int c = 0; c < d; ++c) eta[1 + c] = std::log(0.3 + 0.2 * c);
  eta[d + 1] = std::log(1e-2);
  return eta;
}

}  // namespace

class KernelTypes : public ::testing::TestWithParam<KernelType> {};

TEST_P(KernelTypes, MarginalLikelihoodGradientMatchesFiniteDifferences) {
  const Data data = smooth_data(40, 3, 11);
  const VectorXd eta = some_eta(3);
  double value = 0.0;
  VectorXd grad;
  ASSERT_TRUE(gp_log_marginal_likelihood(GetParam(), data.x, data.z, eta, value, &grad));
  ASSERT_EQ(grad.size(), eta.size());
  for (Index j = 0; j < eta.size(); ++j) {
    const double h = 1e-5;
    VectorXd up = eta, down = eta;
    up[j] += h;
    down[j] -= h;
    double fu = 0.0, fd = 0.0;
    ASSERT_TRUE(gp_log_marginal_likelihood(GetParam(), data.x, data.z, up, fu, nullptr));
    ASSERT_TRUE(gp_log_marginal_likelihood(GetParam(), data.x, data.z, down, fd, nullptr));
    const double fd_grad = (fu - fd) / (2 * h);
    EXPECT_NEAR(grad[j], fd_grad, 1e-6 * (1.0 + std::abs(fd_grad))) << "eta index " << j;
  }
}

TEST_P(KernelTypes, MarginalLikelihoodMatchesDenseFormula) {
  const Data data = smooth_data(25, 2, 5);
  const VectorXd eta = some_eta(2);
  double value = 0.0;
  ASSERT_TRUE(gp_log_marginal_likelihood(GetParam(), data.x, data.z, eta, value, nullptr));
  // Dense: kernel written out entry by entry from the textbook formulas.
  const double amp = std::exp(eta[0]), noise = std::exp(eta[3]);
  const Index n = data.x.rows();
  MatrixXd k(n, n);
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < n; ++j) {
      double r2 = 0.0;
      for (int c = 0; c < 2; ++c) r2 += std::pow((data.x(i, c) - data.x(j, c)) / std::exp(eta[1 + c]), 2);
      const double r = std::sqrt(r2);
      const double kappa = GetParam() == KernelType::squared_exponential
                               ? std::exp(-0.5 * r2)
                               : (1 + std::sqrt(5.0) * r + 5.0 * r2 / 3.0) * std::exp(-std::sqrt(5.0) * r);
      k(i, j) = amp * kappa + (i == j ? noise : 0.0);
    }
  }
  const double dense = -0.5 * data.z.dot(k.inverse() * data.z) - 0.5 * std::log(k.determinant()) -
                       0.5 * static_cast<double>(n) * std::log(2 * M_PI);
  EXPECT_NEAR(value, dense, 1e-9 * (1 + std::abs(dense)));
}

TEST_P(KernelTypes, LeaveOneOutEqualsConditioningWithoutThePoint) {
  const Data data = smooth_data(30, 2, 8);
  const GpHyper hyper = GpHyper::unpack(some_eta(2));
  const GaussianProcess gp(GetParam(), hyper, data.x, data.z);
  VectorXd loo_mean, loo_var;
  gp.leave_one_out(loo_mean, loo_var);
  for (Index i : {Index{0}, Index{13}, Index{29}}) {
    MatrixXd x_rest(29, 2);
    VectorXd z_rest(29);
    for (Index r = 0, o = 0; r < 30; ++r) {
      if (r == i) continue;
      x_rest.row(o) = data.x.row(r);
      z_rest[o++] = data.z[r];
    }
    const GaussianProcess without(GetParam(), hyper, x_rest, z_rest);
    VectorXd mean, var;
    without.predict(data.x.row(i), mean, var, /*include_noise=*/true);
    EXPECT_NEAR(loo_mean[i], mean[0], 1e-9);
    EXPECT_NEAR(loo_var[i], var[0], 1e-9);
  }
}

TEST_P(KernelTypes, PredictionVarianceMatchesDenseFormulaAndNoiseOption) {
  const Data data = smooth_data(30, 2, 9);
  const GpHyper hyper = GpHyper::unpack(some_eta(2));
  const GaussianProcess gp(GetParam(), hyper, data.x, data.z);
  Rng rng(3);
  MatrixXd xs(7, 2);
  rng.fill_uniform(xs);
  VectorXd mean, var, mean_n, var_n;
  gp.predict(xs, mean, var, false);
  gp.predict(xs, mean_n, var_n, true);
  const MatrixXd k = training_covariance(GetParam(), hyper, data.x);
  MatrixXd ks;
  cross_covariance(GetParam(), hyper, xs, data.x, ks);
  const MatrixXd kinv = k.inverse();
  for (Index i = 0; i < xs.rows(); ++i) {
    EXPECT_NEAR(mean[i], ks.row(i).dot(kinv * data.z), 1e-9);
    EXPECT_NEAR(var[i], std::exp(hyper.log_amplitude) - ks.row(i).dot(kinv * ks.row(i).transpose()), 1e-9);
    EXPECT_DOUBLE_EQ(mean_n[i], mean[i]);
    EXPECT_NEAR(var_n[i] - var[i], std::exp(hyper.log_noise), 1e-12);
  }
}

TEST_P(KernelTypes, PredictionIsBitwiseIndependentOfTheBatchSize) {
  // 37 training points: not a multiple of the 8-point blocks nor of the 16-row panels of the implementation.
  const Data data = smooth_data(37, 3, 12);
  const GpHyper hyper = GpHyper::unpack(some_eta(3));
  const GaussianProcess gp(GetParam(), hyper, data.x, data.z);
  Rng rng(4);
  MatrixXd xs(333, 3);
  rng.fill_uniform(xs);
  VectorXd mean, var;
  gp.predict(xs, mean, var, true);
  // The whole batch (8-point blocks and a tail) against the dense formula.
  const MatrixXd kinv = training_covariance(GetParam(), hyper, data.x).inverse();
  MatrixXd ks;
  cross_covariance(GetParam(), hyper, xs, data.x, ks);
  const double prior = std::exp(hyper.log_amplitude) + std::exp(hyper.log_noise);
  for (Index i = 0; i < xs.rows(); ++i) {
    ASSERT_NEAR(mean[i], ks.row(i).dot(kinv * data.z), 1e-9) << "row " << i;
    ASSERT_NEAR(var[i], prior - ks.row(i).dot(kinv * ks.row(i).transpose()), 1e-9) << "row " << i;
  }
  for (Index batch : {1, 7, 50, 333}) {
    for (Index start = 0; start < xs.rows(); start += batch) {
      const Index len = std::min(batch, xs.rows() - start);
      VectorXd m, v;
      gp.predict(xs.middleRows(start, len), m, v, true);
      for (Index i = 0; i < len; ++i) {
        ASSERT_EQ(m[i], mean[start + i]) << "batch " << batch << " row " << start + i;
        ASSERT_EQ(v[i], var[start + i]) << "batch " << batch << " row " << start + i;
      }
    }
  }
}

TEST(GaussianProcessPredict, WrongNumberOfColumnsIsAnError) {
  const Data data = smooth_data(10, 2, 3);
  const GaussianProcess gp(KernelType::matern52, GpHyper::unpack(some_eta(2)), data.x, data.z);
  VectorXd mean, var;
  EXPECT_THROW(gp.predict(MatrixXd::Zero(4, 3), mean, var, false), Error);
}

INSTANTIATE_TEST_SUITE_P(Emulator, KernelTypes,
                         ::testing::Values(KernelType::squared_exponential, KernelType::matern52),
                         [](const auto& info) { return to_string(info.param); });

TEST(GaussianProcessFit, RecoversASmoothFunctionAndBeatsItsStartingPoint) {
  const Data data = smooth_data(60, 2, 21);
  GpFitOptions options;
  options.kernel = KernelType::squared_exponential;
  options.restarts = 3;
  GpFitSummary summary;
  const GaussianProcess gp = GaussianProcess::fit(data.x, data.z, options, &summary);
  double start = 0.0;
  VectorXd eta0(4);
  eta0 << 0.0, std::log(0.5), std::log(0.5), std::log(1e-4);
  ASSERT_TRUE(gp_log_marginal_likelihood(options.kernel, data.x, data.z, eta0, start, nullptr));
  EXPECT_GE(summary.log_marginal_likelihood, start);
  EXPECT_EQ(summary.restarts, 3);
  EXPECT_LT(summary.gradient_norm, 1e-2 * (1 + std::abs(summary.log_marginal_likelihood)));
  const Data test = smooth_data(50, 2, 22);
  VectorXd mean, var;
  gp.predict(test.x, mean, var, false);
  EXPECT_LT((mean - test.z).cwiseAbs().maxCoeff(), 2e-2);
}

TEST(GaussianProcessFit, KernelNamesRoundTripAndUnknownIsAnError) {
  EXPECT_EQ(kernel_from_string("se"), KernelType::squared_exponential);
  EXPECT_EQ(kernel_from_string(to_string(KernelType::matern52)), KernelType::matern52);
  EXPECT_THROW(kernel_from_string("rbf"), Error);
}

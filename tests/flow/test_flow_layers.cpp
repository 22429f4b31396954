// Every layer type and every architecture: backward passes against central differences, round trips, log-dets
// against a finite-difference Jacobian, identity at initialisation.
#include <gtest/gtest.h>

#include <cmath>

#include "flow_test_util.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/flow/affine_coupling.hpp"
#include "flowprior/flow/elementwise_affine.hpp"
#include "flowprior/flow/made_affine.hpp"
#include "flowprior/flow/made_spline.hpp"
#include "flowprior/flow/spline_coupling.hpp"

using namespace flowprior;
using namespace flowprior::test;

namespace {

constexpr double kFdStep = 1e-6;
constexpr double kFdTol = 1e-6;  // relative, with a floor of 1 on the gradient magnitude

struct LayerCase {
  std::string name;
  std::function<std::unique_ptr<FlowLayer>(int dim, Rng&)> make;
  double param_scale;
  double input_scale;
};

std::vector<LayerCase> layer_cases() {
  return {
      {"elementwise_affine", [](int d, Rng&) { return std::make_unique<ElementwiseAffine>(d); }, 0.5, 1.5},
      {"affine_coupling_even", [](int d, Rng& r) { return std::make_unique<AffineCoupling>(d, 0, r); }, 0.5, 1.5},
      {"affine_coupling_odd", [](int d, Rng& r) { return std::make_unique<AffineCoupling>(d, 1, r); }, 0.5, 1.5},
      {"made_affine", [](int d, Rng& r) { return std::make_unique<MadeAffine>(d, 16, 2, false, r); }, 0.3, 1.5},
      {"made_affine_reversed", [](int d, Rng& r) { return std::make_unique<MadeAffine>(d, 16, 2, true, r); }, 0.3,
       1.5},
      {"made_spline", [](int d, Rng& r) { return std::make_unique<MadeSpline>(d, 16, 2, 6, 3.0, false, r); }, 0.3,
       2.0},
      {"made_spline_reversed",
       [](int d, Rng& r) { return std::make_unique<MadeSpline>(d, 12, 1, 4, 2.0, true, r); }, 0.3, 2.0},
      {"spline_coupling", [](int d, Rng& r) { return std::make_unique<SplineCoupling>(d, 0, 16, 2, 6, 3.0, r); }, 0.5,
       2.0},
      {"spline_coupling_odd",
       [](int d, Rng& r) { return std::make_unique<SplineCoupling>(d, 1, 12, 1, 4, 2.0, r); }, 0.5, 2.0},
  };
}

// L = sum_ij R_ij y_ij + sum_i e_i log_det_i of one to_latent pass.
double layer_objective(const FlowLayer& layer, const MatrixXd& x, const MatrixXd& r, const VectorXd& e) {
  MatrixXd y;
  VectorXd ld = VectorXd::Zero(x.rows());
  layer.to_latent(x, y, ld, nullptr);
  return (r.array() * y.array()).sum() + e.dot(ld);
}

void expect_close(double fd, double analytic, const std::string& what) {
  EXPECT_NEAR(fd, analytic, kFdTol * std::max(1.0, std::abs(analytic))) << what;
}

}  // namespace

class LayerTest : public ::testing::TestWithParam<std::size_t> {};

TEST_P(LayerTest, BackwardMatchesFiniteDifferences) {
  const LayerCase lc = layer_cases()[GetParam()];
  for (int d : {1, 2, 5}) {
    Rng rng(11 + static_cast<std::uint64_t>(d));
    auto layer = lc.make(d, rng);
    VectorXd p = random_params(layer->num_params(), rng, lc.param_scale);
    layer->set_params(p.data());
    p.resize(layer->num_params());
    layer->get_params(p.data());  // masked MADE weights are zeroed by set_params
    const MatrixXd x = random_matrix(6, d, rng, lc.input_scale);
    const MatrixXd r = random_matrix(6, d, rng);
    const VectorXd e = random_matrix(6, 1, rng).col(0);

    auto cache = layer->make_cache();
    MatrixXd y, dx;
    VectorXd ld = VectorXd::Zero(6);
    layer->to_latent(x, y, ld, cache.get());
    VectorXd grad = VectorXd::Zero(layer->num_params());
    layer->backward(x, r, e, *cache, dx, grad.data());

    auto f_params = [&](const VectorXd& q) {
      auto copy = layer->clone();
      copy->set_params(q.data());
      return layer_objective(*copy, x, r, e);
    };
    for (Index k = 0; k < p.size(); ++k)
      expect_close(central_difference(f_params, p, k, kFdStep), grad(k),
                   lc.name + " d=" + std::to_string(d) + " param " + std::to_string(k));
    const VectorXd xv = Eigen::Map<const VectorXd>(x.data(), x.size());
    auto f_input = [&](const VectorXd& v) {
      const MatrixXd xm = Eigen::Map<const MatrixXd>(v.data(), x.rows(), x.cols());
      return layer_objective(*layer, xm, r, e);
    };
    for (Index k = 0; k < xv.size(); ++k)
      expect_close(central_difference(f_input, xv, k, kFdStep), dx.data()[k],
                   lc.name + " d=" + std::to_string(d) + " input " + std::to_string(k));
  }
}

TEST_P(LayerTest, RoundTripAndOppositeLogDets) {
  const LayerCase lc = layer_cases()[GetParam()];
  Rng rng(5);
  const int d = 4;
  auto layer = lc.make(d, rng);
  const VectorXd p = random_params(layer->num_params(), rng, lc.param_scale);
  layer->set_params(p.data());
  const MatrixXd x = random_matrix(50, d, rng, lc.input_scale);
  MatrixXd y, x2;
  VectorXd ld_latent = VectorXd::Zero(50), ld_data = VectorXd::Zero(50);
  layer->to_latent(x, y, ld_latent, nullptr);
  layer->to_data(y, x2, ld_data);
  EXPECT_LT((x2 - x).cwiseAbs().maxCoeff(), 1e-9) << lc.name;
  EXPECT_LT((ld_latent + ld_data).cwiseAbs().maxCoeff(), 1e-9) << lc.name;
  EXPECT_GT((y - x).cwiseAbs().maxCoeff(), 1e-3) << lc.name << " should not be the identity here";
}

TEST_P(LayerTest, StartsAsIdentity) {
  const LayerCase lc = layer_cases()[GetParam()];
  Rng rng(9);
  auto layer = lc.make(3, rng);
  const MatrixXd x = random_matrix(20, 3, rng, 2.0);
  MatrixXd y;
  VectorXd ld = VectorXd::Zero(20);
  layer->to_latent(x, y, ld, nullptr);
  EXPECT_LT((y - x).cwiseAbs().maxCoeff(), 1e-12) << lc.name;
  EXPECT_LT(ld.cwiseAbs().maxCoeff(), 1e-12) << lc.name;
}

INSTANTIATE_TEST_SUITE_P(AllLayers, LayerTest, ::testing::Range<std::size_t>(0, layer_cases().size()),
                         [](const auto& info) { return layer_cases()[info.param].name; });

// Both MADE layers (affine and spline): z_j depends on x_j and the coordinates before it in the order, never after.
void expect_autoregressive(const std::function<std::unique_ptr<FlowLayer>(bool reverse, Rng&)>& make) {
  for (bool reverse : {false, true}) {
    Rng rng(3);
    const int d = 5;
    const std::unique_ptr<FlowLayer> made = make(reverse, rng);
    FlowLayer& layer = *made;
    const VectorXd p = random_params(layer.num_params(), rng, 0.5);
    layer.set_params(p.data());
    const MatrixXd x = random_matrix(1, d, rng);
    MatrixXd y0, y1;
    VectorXd ld = VectorXd::Zero(1);
    layer.to_latent(x, y0, ld, nullptr);
    for (int k = 0; k < d; ++k) {
      MatrixXd xk = x;
      xk(0, k) += 0.7;
      layer.to_latent(xk, y1, ld, nullptr);
      for (int j = 0; j < d; ++j) {
        const bool before = reverse ? j > k : j < k;  // z_j may depend only on x_j and earlier coordinates
        // Later coordinates may or may not depend on x_k (ReLU units can be off); earlier ones never do.
        if (before) {
          EXPECT_EQ(y1(0, j), y0(0, j)) << "z" << j << " depends on x" << k;
        }
        if (j == k) {
          EXPECT_NE(y1(0, j), y0(0, j)) << "z" << j << " ignores x" << j;
        }
      }
    }
  }
}

TEST(MadeAffine, IsAutoregressiveInItsOrder) {
  expect_autoregressive([](bool reverse, Rng& rng) { return std::make_unique<MadeAffine>(5, 8, 2, reverse, rng); });
}

TEST(MadeSpline, IsAutoregressiveInItsOrder) {
  expect_autoregressive(
      [](bool reverse, Rng& rng) { return std::make_unique<MadeSpline>(5, 8, 2, 4, 2.0, reverse, rng); });
}

// ----- whole flows -----

namespace {

FlowConfig small_config(FlowArch arch) {
  FlowConfig c;
  c.arch = arch;
  c.layers = 2;
  c.hidden = 12;
  c.hidden_layers = 2;
  c.bins = 5;
  c.tail_bound = 2.5;
  return c;
}

Flow random_flow(FlowArch arch, int d, std::uint64_t seed) {
  Rng rng(seed);
  Flow flow(d, small_config(arch), rng);
  VectorXd mean(d), scale(d);
  for (int j = 0; j < d; ++j) {
    mean(j) = 0.3 * j - 0.2;
    scale(j) = 0.5 + 0.25 * j;
  }
  flow.set_standardization(mean, scale);
  flow.set_params(random_params(flow.num_params(), rng, arch == FlowArch::maf ? 0.2 : 0.4));
  return flow;
}

}  // namespace

class FlowArchTest : public ::testing::TestWithParam<FlowArch> {};

TEST_P(FlowArchTest, LogProbGradientsMatchFiniteDifferences) {
  const int d = 3;
  Flow flow = random_flow(GetParam(), d, 21);
  Rng rng(22);
  const MatrixXd u = random_matrix(5, d, rng, 1.2);
  const VectorXd c = random_matrix(5, 1, rng).col(0);
  FlowTape tape;
  VectorXd log_q;
  flow.log_prob_recorded(u, tape, log_q);
  EXPECT_LT((log_q - flow.log_prob(u)).cwiseAbs().maxCoeff(), 1e-12);
  VectorXd grad = VectorXd::Zero(flow.num_params());
  MatrixXd du;
  flow.log_prob_backward(c, tape, grad.data(), &du);

  const VectorXd p = flow.params();
  auto f_params = [&](const VectorXd& q) {
    Flow copy = flow;
    copy.set_params(q);
    return c.dot(copy.log_prob(u));
  };
  for (Index k = 0; k < p.size(); ++k)
    expect_close(central_difference(f_params, p, k, kFdStep), grad(k), "param " + std::to_string(k));
  const VectorXd uv = Eigen::Map<const VectorXd>(u.data(), u.size());
  auto f_input = [&](const VectorXd& v) {
    return c.dot(flow.log_prob(Eigen::Map<const MatrixXd>(v.data(), u.rows(), u.cols())));
  };
  for (Index k = 0; k < uv.size(); ++k)
    expect_close(central_difference(f_input, uv, k, kFdStep), du.data()[k], "input " + std::to_string(k));
}

TEST_P(FlowArchTest, RoundTripsAndLogDetsAgreeWithJacobian) {
  const int d = 3;
  const Flow flow = random_flow(GetParam(), d, 31);
  Rng rng(32);
  const MatrixXd u = random_matrix(40, d, rng, 1.5);
  MatrixXd z, u2;
  VectorXd ld_latent, ld_data;
  flow.to_latent(u, z, ld_latent);
  flow.to_data(z, u2, ld_data);
  EXPECT_LT((u2 - u).cwiseAbs().maxCoeff(), 1e-9);
  EXPECT_LT((ld_latent + ld_data).cwiseAbs().maxCoeff(), 1e-9);

  // log|det dz/du| against a central-difference Jacobian, row by row.
  const double h = 1e-5;
  for (Index i = 0; i < 5; ++i) {
    Eigen::Matrix3d jac;
    for (int k = 0; k < d; ++k) {
      MatrixXd up = u.row(i), um = u.row(i), zp, zm;
      up(0, k) += h;
      um(0, k) -= h;
      VectorXd tmp;
      flow.to_latent(up, zp, tmp);
      flow.to_latent(um, zm, tmp);
      jac.col(k) = ((zp - zm) / (2 * h)).transpose();
    }
    EXPECT_NEAR(std::log(std::abs(jac.determinant())), ld_latent(i), 1e-6) << "row " << i;
  }

  // Sampling returns log q consistent with log_prob.
  Rng srng(33);
  MatrixXd s;
  VectorXd log_q;
  flow.sample(30, srng, s, log_q);
  EXPECT_LT((log_q - flow.log_prob(s)).cwiseAbs().maxCoeff(), 1e-9);
}

TEST_P(FlowArchTest, NewFlowIsTheStandardisedNormal) {
  Rng rng(41);
  Flow flow(3, small_config(GetParam()), rng);
  VectorXd mean(3), scale(3);
  mean << 1.0, -2.0, 0.5;
  scale << 2.0, 0.5, 3.0;
  flow.set_standardization(mean, scale);
  const MatrixXd u = random_matrix(25, 3, rng, 2.0);
  const VectorXd lq = flow.log_prob(u);
  for (Index i = 0; i < u.rows(); ++i) {
    double expected = -1.5 * kLog2Pi - std::log(2.0 * 0.5 * 3.0);
    for (int j = 0; j < 3; ++j) expected -= 0.5 * std::pow((u(i, j) - mean(j)) / scale(j), 2);
    EXPECT_NEAR(lq(i), expected, 1e-12);
  }
}

TEST_P(FlowArchTest, CopiesAreIndependentAndParamsRoundTrip) {
  Flow a = random_flow(GetParam(), 2, 51);
  Flow b = a;
  const VectorXd pa = a.params();
  b.set_params(VectorXd::Zero(b.num_params()));
  EXPECT_EQ(a.params(), pa);
  b.set_params(pa);
  Rng rng(52);
  const MatrixXd u = random_matrix(10, 2, rng);
  EXPECT_EQ(a.log_prob(u), b.log_prob(u));
  EXPECT_THROW(b.set_params(VectorXd::Zero(3)), Error);
}

INSTANTIATE_TEST_SUITE_P(AllArchitectures, FlowArchTest,
                         ::testing::Values(FlowArch::realnvp, FlowArch::maf, FlowArch::nsf, FlowArch::nsf_coupling),
                         [](const auto& info) { return arch_test_name(info.param); });

TEST(FlowConfigTest, NamesAndValidation) {
  for (auto a : {FlowArch::realnvp, FlowArch::maf, FlowArch::nsf, FlowArch::nsf_coupling})
    EXPECT_EQ(flow_arch_from_string(to_string(a)), a);
  EXPECT_THROW(flow_arch_from_string("glow"), Error);
  FlowConfig c;
  c.bins = 1;
  EXPECT_THROW(validate(c), Error);
  c = FlowConfig{};
  c.layers = 0;
  EXPECT_THROW(validate(c), Error);
}

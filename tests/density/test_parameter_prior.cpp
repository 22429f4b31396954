// Per-parameter priors and the product prior of a later stage (issue 17): each 1-D prior integrates to 1 on its
// bounds and its draws follow it; a flow prior on some parameters times own priors on the others integrates to 1
// over the whole box (3-D quadrature).
#include <cmath>

#include <boost/math/quadrature/tanh_sinh.hpp>
#include <gtest/gtest.h>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/density/flow_prior.hpp"
#include "flowprior/density/parameter_prior.hpp"
#include "flowprior/density/product_prior.hpp"
#include "flowprior/flow/flow_on_box.hpp"

namespace flowprior {
namespace {

struct PriorCase {
  const char* what;
  ParameterPrior prior;
  double low, high;
};

std::vector<PriorCase> prior_cases() {
  return {{"uniform", {PriorShape::uniform, 0, 0}, -2.0, 3.0},
          {"normal inside", {PriorShape::normal, 0.3, 0.5}, -3.2, 3.8},
          {"normal truncated", {PriorShape::normal, 1.0, 2.0}, 0.0, 1.5},
          {"normal in its upper tail", {PriorShape::normal, 0.0, 1.0}, 4.0, 6.0},
          {"loguniform", {PriorShape::loguniform, 0, 0}, 1e-3, 10.0},
          {"beta", {PriorShape::beta, 2.0, 5.0}, -1.0, 2.0},
          {"beta with poles", {PriorShape::beta, 0.5, 0.7}, 0.0, 4.0}};
}

TEST(ParameterPrior, EveryShapeIntegratesToOneOnItsBounds) {
  boost::math::quadrature::tanh_sinh<double> integrator;
  for (const auto& c : prior_cases()) {
    SCOPED_TRACE(c.what);
    EXPECT_TRUE(c.prior.problem(c.low, c.high).empty());
    const double mass =
        integrator.integrate([&](double x) { return std::exp(c.prior.log_pdf(x, c.low, c.high)); }, c.low, c.high);
    EXPECT_NEAR(mass, 1.0, 1e-8);
    EXPECT_EQ(c.prior.log_pdf(c.low - 1e-9 * (c.high - c.low), c.low, c.high), -INFINITY);
    EXPECT_EQ(c.prior.log_pdf(c.high + 1e-9 * (c.high - c.low), c.low, c.high), -INFINITY);
  }
}

TEST(ParameterPrior, DrawsFollowTheDensity) {
  boost::math::quadrature::tanh_sinh<double> integrator;
  for (const auto& c : prior_cases()) {
    SCOPED_TRACE(c.what);
    auto moment = [&](int k) {
      return integrator.integrate(
          [&](double x) { return std::pow(x, k) * std::exp(c.prior.log_pdf(x, c.low, c.high)); }, c.low, c.high);
    };
    const double mean = moment(1), sd = std::sqrt(moment(2) - mean * mean);
    const Box box({"p"}, VectorXd::Constant(1, c.low), VectorXd::Constant(1, c.high));
    const IndependentPrior prior(box, {c.prior});
    Rng rng(17);
    const Index n = 20000;
    const MatrixXd x = prior.sample(n, rng);
    EXPECT_GE(x.minCoeff(), c.low);
    EXPECT_LE(x.maxCoeff(), c.high);
    EXPECT_NEAR(x.mean(), mean, 4 * sd / std::sqrt(static_cast<double>(n)));  // fixed seed, 4 standard errors
    // The draws' CDF at the median of the density: a half within 4 binomial sd.
    const double median = c.prior.quantile(0.5, c.low, c.high);
    const double below = (x.array() < median).cast<double>().mean();
    EXPECT_NEAR(below, 0.5, 4 * 0.5 / std::sqrt(static_cast<double>(n)));
  }
}

TEST(ParameterPrior, ImproperParametersAreNamedProblems) {
  EXPECT_NE(ParameterPrior({PriorShape::normal, 0, 0}).problem(0, 1).find("sd > 0"), std::string::npos);
  EXPECT_NE(ParameterPrior({PriorShape::normal, 0, 1e-3}).problem(5, 6).find("no mass"), std::string::npos);
  EXPECT_NE(ParameterPrior({PriorShape::loguniform, 0, 0}).problem(0, 1).find("above 0"), std::string::npos);
  EXPECT_NE(ParameterPrior({PriorShape::beta, -1, 2}).problem(0, 1).find("alpha > 0"), std::string::npos);
  const Box box({"m"}, VectorXd::Constant(1, 0.0), VectorXd::Constant(1, 1.0));
  try {
    IndependentPrior(box, {ParameterPrior{PriorShape::loguniform, 0, 0}});
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().parameter, "m");
  }
}

// A flow on (a, b) (trained on correlated draws) times a beta on c and a normal on d: the product is normalised
// on the 4-D box, checked by quadrature over (a, b) on a grid and tanh-sinh in c and d (the product's factors are
// evaluated through ProductPrior at every node, not integrated separately).
TEST(ProductPrior, FlowTimesOwnPriorsIntegratesToOneOverTheBox) {
  const Box flow_box({"a", "b"}, (VectorXd(2) << -1.0, 0.0).finished(), (VectorXd(2) << 2.0, 4.0).finished());
  Rng rng(3);
  MatrixXd z(3000, 2);
  rng.fill_normal(z);
  Samples train;
  train.names = flow_box.names();
  train.values.resize(z.rows(), 2);
  train.values.col(0) = (0.5 + 0.4 * z.col(0).array()).matrix();
  train.values.col(1) = (2.0 + 0.5 * z.col(0).array() + 0.3 * z.col(1).array()).matrix();
  for (Index i = 0; i < train.values.rows(); ++i)
    for (int j = 0; j < 2; ++j)
      train.values(i, j) = std::clamp(train.values(i, j), flow_box.lower()[j] + 1e-3, flow_box.upper()[j] - 1e-3);
  TrainOptions options;
  options.max_epochs = 30;
  options.flow.hidden = 16;
  std::vector<FlowOnBox> members;
  train_flow_ensemble(train, flow_box, options, 1, members);
  auto flow = std::make_shared<const FlowPrior>(std::move(members));
  const Box own_box({"c", "d"}, (VectorXd(2) << 0.0, -1.0).finished(), (VectorXd(2) << 3.0, 2.0).finished());
  auto own = std::make_shared<const IndependentPrior>(
      own_box, std::vector<ParameterPrior>{{PriorShape::beta, 2.0, 3.0}, {PriorShape::normal, 0.2, 0.7}});
  // Columns interleaved: (c, a, d, b).
  const ProductPrior product({"c", "a", "d", "b"},
                             {{{1, 3}, flow, [flow](Index n, Rng& r) { return flow->sample(n, r); }},
                              {{0, 2}, own, [own](Index n, Rng& r) { return own->sample(n, r); }}});
  // (a, b): midpoint rule on a 160 x 160 grid (the flow's density vanishes smoothly at the bounds); (c, d):
  // 6-point Gauss-Legendre each (exact for the beta(2, 3), a polynomial of degree 3; the normal is smooth there).
  const int g = 160;
  const double ha = 3.0 / g, hb = 4.0 / g;
  const double gl_x[3] = {0.2386191860831909, 0.6612093864662645, 0.9324695142031521};
  const double gl_w[3] = {0.4679139345726910, 0.3607615730481386, 0.1713244923791704};
  std::vector<std::pair<double, double>> nodes;  // on [-1, 1]
  for (int k = 0; k < 3; ++k) {
    nodes.emplace_back(-gl_x[k], gl_w[k]);
    nodes.emplace_back(gl_x[k], gl_w[k]);
  }
  double total = 0;
  MatrixXd x(g * g, 4);
  for (const auto& [uc, wc] : nodes)
    for (const auto& [ud, wd] : nodes) {
      const double c = 1.5 + 1.5 * uc, d = 0.5 + 1.5 * ud;
      for (int i = 0; i < g; ++i)
        for (int j = 0; j < g; ++j) x.row(i * g + j) << c, -1.0 + (i + 0.5) * ha, d, (j + 0.5) * hb;
      const VectorXd lp = product.log_prob(x);
      total += wc * 1.5 * wd * 1.5 * lp.array().exp().sum() * ha * hb;
    }
  EXPECT_NEAR(total, 1.0, 1e-3) << "total " << total;
  // Draws land in every block's columns, inside the box.
  Rng draw(9);
  const MatrixXd s = product.sample(1000, draw);
  EXPECT_GT(s.col(0).minCoeff(), 0.0);
  EXPECT_LT(s.col(0).maxCoeff(), 3.0);
  EXPECT_NEAR(s.col(1).mean(), 0.5, 0.1);
  EXPECT_TRUE(product.log_prob(s).allFinite());
}

}  // namespace
}  // namespace flowprior

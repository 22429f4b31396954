// EmulatorOptions::hyper_rows: GP hyper-parameters fitted on the first rows (a space-filling first wave) and every
// GP conditioned on all rows; hyper_rows = all rows is the default emulator, bitwise; bad values are Errors.
#include <gtest/gtest.h>

#include "analytic_model.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/emulator/design.hpp"
#include "flowprior/emulator/emulator.hpp"
#include "flowprior/emulator/gaussian_process.hpp"

using namespace flowprior;
using flowprior::testing::analytic_box;
using flowprior::testing::analytic_model;
using flowprior::testing::analytic_output_names;

namespace {

Emulator hyper_rows_emulator(const MatrixXd& design, Index hyper_rows) {
  EmulatorOptions o;
  o.components = 2;
  o.gp.restarts = 1;
  o.hyper_rows = hyper_rows;
  return Emulator::train(design, analytic_model(design, 6), analytic_box().names(), analytic_output_names(6), o);
}

}  // namespace

TEST(HyperRows, FitsOnTheFirstRowsAndConditionsOnAll) {
  MatrixXd design = maximin_latin_hypercube(analytic_box(), 30, {.seed = 5});
  // A second wave clustered in a corner, as a posterior would be.
  const MatrixXd cluster = (0.1 * maximin_latin_hypercube(analytic_box(), 20, {.seed = 6}).array() + 0.45).matrix();
  design.conservativeResize(50, Eigen::NoChange);
  design.bottomRows(20) = cluster;
  const Emulator all = hyper_rows_emulator(design, 0);
  EXPECT_EQ(hyper_rows_emulator(design, 50).to_json(), all.to_json());
  const Emulator first = hyper_rows_emulator(design, 30);
  ASSERT_EQ(first.components(), 2);
  EXPECT_EQ(first.component(0).inputs().rows(), 50);  // conditioned on both waves
  EXPECT_NE(first.component(0).hyper().packed(), all.component(0).hyper().packed());
  // The added points still shrink the variance where they lie: the same GP (same hyper-parameters) conditioned on
  // the first wave alone is at least twice as uncertain next to a clustered point.
  const GaussianProcess& gp = first.component(0);
  const GaussianProcess wave1(gp.kernel(), gp.hyper(), gp.inputs().topRows(30), gp.targets().head(30));
  const MatrixXd at = first.to_unit((cluster.topRows(1).array() + 1e-3).matrix());
  VectorXd m1, v_both, v_one;
  gp.predict(at, m1, v_both, false);
  wave1.predict(at, m1, v_one, false);
  EXPECT_LT(v_both[0], 0.25 * v_one[0]);
}

TEST(HyperRows, BadValuesAreErrors) {
  const MatrixXd design = maximin_latin_hypercube(analytic_box(), 10, {.seed = 5});
  EXPECT_THROW(hyper_rows_emulator(design, 2), Error);
  EXPECT_THROW(hyper_rows_emulator(design, 11), Error);
  EXPECT_THROW(hyper_rows_emulator(design, -1), Error);
}

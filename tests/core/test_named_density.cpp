// NamedDensity and EvaluatedDensity (the seams of the MPI back end): exact forwarding of values, the key, and the
// evaluator doing the evaluation.
#include <gtest/gtest.h>

#include <memory>

#include "flowprior/core/error.hpp"
#include "flowprior/core/evaluated_density.hpp"
#include "flowprior/core/named_density.hpp"

namespace flowprior {
namespace {

class RowSum : public LogDensity {
 public:
  int dim() const override { return 2; }
  using LogDensity::log_prob;
  void log_prob(const MatrixXd& x, VectorXd& out) const override { out = x.rowwise().sum(); }
};

TEST(NamedDensity, ForwardsValuesNamesAndKey) {
  const auto inner = std::make_shared<RowSum>();
  const NamedDensity named(inner, "{\"kind\":\"test\"}");
  MatrixXd x(3, 2);
  x << 1, 2, 3, 4, -1, 0.5;
  EXPECT_EQ(named.log_prob(x), inner->log_prob(x));
  EXPECT_EQ(named.key(), "{\"kind\":\"test\"}");
  EXPECT_EQ(named.dim(), 2);
  EXPECT_EQ(named.names(), inner->names());
  EXPECT_THROW(NamedDensity(inner, ""), Error);
  EXPECT_THROW(NamedDensity(nullptr, "k"), Error);
}

TEST(EvaluatedDensity, GoesThroughTheEvaluator) {
  const auto inner = std::make_shared<RowSum>();
  ThreadEvaluator evaluator(2, 1);
  const EvaluatedDensity evaluated(inner, evaluator);
  MatrixXd x(5, 2);
  x.setRandom();
  EXPECT_EQ(evaluated.log_prob(x), inner->log_prob(x));
  EXPECT_EQ(evaluator.calls(), 5u);
}

}  // namespace
}  // namespace flowprior

// The progress callback and message sinks of flow training (issue 20: the Python module shows a tqdm bar and
// raises Python warnings from them): TrainOptions::on_epoch is called once per epoch with the losses of the
// summary and changes no bit of the flow; warnings go to the Messages sink and TrainSummary::warnings instead of
// stderr.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "flowprior/flow/flow_on_box.hpp"
#include "flowprior/flow/train.hpp"

namespace flowprior {
namespace {

TEST(TrainProgressHook, CalledOncePerEpochWithTheLossesAndChangesNothing) {
  Rng rng(2);
  MatrixXd u(600, 2);
  rng.fill_normal(u);
  TrainOptions o;
  o.max_epochs = 12;
  o.patience = 3;
  o.batch_size = 128;
  o.seed = 5;
  Flow plain, observed;
  const TrainSummary a = train_flow_unbounded(u, VectorXd(), VectorXd(), o, plain);
  std::vector<TrainEpoch> seen;
  o.on_epoch = [&seen](const TrainEpoch& e) { seen.push_back(e); };
  const TrainSummary b = train_flow_unbounded(u, VectorXd(), VectorXd(), o, observed);
  EXPECT_EQ(plain.params(), observed.params());
  EXPECT_EQ(a.train_loss, b.train_loss);
  EXPECT_EQ(a.epochs, b.epochs);
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(b.epochs));
  for (std::size_t k = 0; k < seen.size(); ++k) {
    EXPECT_EQ(seen[k].epoch, static_cast<int>(k) + 1);
    EXPECT_EQ(seen[k].max_epochs, 12);
    EXPECT_EQ(seen[k].train_loss, b.train_loss[k]);
    EXPECT_EQ(seen[k].validation_loss, b.validation_loss[k]);
    EXPECT_EQ(seen[k].stopping, k + 1 == seen.size());
    EXPECT_GE(seen[k].patience_left, 0);
  }
  EXPECT_EQ(seen.back().best_validation_loss, b.best_validation_loss);
  EXPECT_EQ(seen.back().best_epoch, b.best_epoch);
}

TEST(TrainMessages, WeakDataWarnsThroughTheSinkAndTheSummaryNotStderr) {
  Rng rng(3);
  Samples s;
  s.names = {"a", "b"};
  s.values.resize(300, 2);
  rng.fill_uniform(s.values);
  s.weights = VectorXd::Ones(300);
  s.weights.head(250).setConstant(1e-9);  // effective sample size about 50 (< 100)
  const Box box({"a", "b"}, VectorXd::Zero(2), VectorXd::Ones(2));
  TrainOptions o;
  o.max_epochs = 2;
  std::vector<std::string> warnings;
  o.messages.warning_sink = [&warnings](const std::string& m) { warnings.push_back(m); };
  FlowOnBox flow;
  ::testing::internal::CaptureStderr();
  const TrainSummary summary = train_flow(s, box, o, flow);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  ASSERT_EQ(summary.warnings.size(), 1u);
  EXPECT_NE(summary.warnings[0].find("effective sample size of the weights is only"), std::string::npos);
  EXPECT_EQ(warnings, summary.warnings);
}

}  // namespace
}  // namespace flowprior

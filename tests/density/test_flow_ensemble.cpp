// An ensemble of flows as one prior: the equal-weight mixture of the members' box densities, its sampling, its
// file, and its training (member 1 is the single flow of the same seed).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/density/flow_prior.hpp"
#include "density/grid_integral.hpp"
#include "flowprior/flow/flow_file.hpp"

namespace flowprior {
namespace {

// A random 2-D flow whose latent standardisation centres it at `centre` (logit space) with spread `u_scale`.
FlowOnBox ensemble_member(std::uint64_t seed, double cx, double cy, double u_scale = 1.0) {
  FlowConfig config;
  config.arch = FlowArch::maf;
  config.layers = 2;
  config.hidden = 8;
  Rng rng(seed);
  FlowOnBox f;
  VectorXd lower(2), upper(2);
  lower << -1.0, 0.0;
  upper << 2.0, 5.0;
  f.box = Box({"a", "b"}, lower, upper);
  f.flow = Flow(2, config, rng);
  VectorXd mean(2), scale(2);
  mean << cx, cy;
  scale << 1.1 * u_scale, 0.9 * u_scale;
  f.flow.set_standardization(mean, scale);
  VectorXd p(f.flow.num_params());
  for (Index i = 0; i < p.size(); ++i) p[i] = (u_scale < 1.0 ? 0.01 : 0.3) * rng.normal();
  f.flow.set_params(p);
  f.training = {{"note", "test member " + std::to_string(seed)}};
  return f;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(FlowEnsemble, DensityIsTheMeanOfTheMembersAndIntegratesToOne) {
  const std::vector<FlowOnBox> members = {ensemble_member(1, 0.2, -0.3), ensemble_member(2, -0.5, 0.4),
                                          ensemble_member(3, 0.9, 0.1)};
  const FlowPrior ensemble(members);
  EXPECT_EQ(ensemble.ensemble_size(), 3u);
  EXPECT_NEAR(testing::integrate_on_grid(ensemble, ensemble.box(), 800), 1.0, 1e-3);  // as in test_flow_prior.cpp

  Rng rng(4);
  MatrixXd x = ensemble.sample(300, rng);
  const VectorXd lp = ensemble.log_prob(x);
  for (Index i = 0; i < x.rows(); ++i) {
    double mean = 0.0;
    for (const auto& m : members) mean += std::exp(m.log_prob(x.row(i))[0]) / 3.0;
    ASSERT_NEAR(lp[i], std::log(mean), 1e-12) << i;
  }
  // Same support as one flow: -inf outside the open box and for NaN.
  MatrixXd bad(3, 2);
  bad << -1.5, 1.0, 0.5, NAN, -1.0, 1.0;
  const VectorXd lb = ensemble.log_prob(bad);
  for (Index i = 0; i < 3; ++i) EXPECT_EQ(lb[i], -INFINITY) << i;

  // An ensemble of one is the flow itself, bit for bit (densities and draws).
  const FlowPrior one({members[0]});
  const FlowPrior single(members[0]);
  EXPECT_EQ(one.log_prob(x), single.log_prob(x));
  Rng r1(5), r2(5);
  EXPECT_EQ(one.sample(50, r1), single.sample(50, r2));
}

TEST(FlowEnsemble, DrawsComeFromEachMemberInEqualShares) {
  // Three narrow members (sd ~0.05 in logit space) at well separated centres: every draw is near exactly one.
  const std::vector<double> cx = {-1.0, 0.0, 1.0};
  std::vector<FlowOnBox> members;
  for (std::size_t k = 0; k < cx.size(); ++k) members.push_back(ensemble_member(10 + k, cx[k], 0.0, 0.05));
  const FlowPrior ensemble(members);
  Rng rng(6);
  const Index n = 30000;
  const MatrixXd x = ensemble.sample(n, rng);
  std::vector<Index> count(3, 0);
  for (Index i = 0; i < n; ++i) {
    ASSERT_TRUE(ensemble.box().contains(x.row(i)));
    const double s = (x(i, 0) + 1.0) / 3.0;
    const double u = std::log(s / (1.0 - s));
    int nearest = -1;
    for (int k = 0; k < 3; ++k)
      if (std::abs(u - cx[static_cast<std::size_t>(k)]) < 0.4) nearest = k;
    ASSERT_GE(nearest, 0) << "draw " << i << " far from every member";
    ++count[static_cast<std::size_t>(nearest)];
  }
  // Binomial sd of a share: sqrt(1/3 * 2/3 / n) = 0.0027; tolerance 0.012 ~ 4.4 sd.
  for (int k = 0; k < 3; ++k)
    EXPECT_NEAR(static_cast<double>(count[static_cast<std::size_t>(k)]) / n, 1.0 / 3.0, 0.012) << k;
  // The order is random: the first 300 rows are not all from one member.
  std::vector<int> first(3, 0);
  for (Index i = 0; i < 300; ++i) {
    const double s = (x(i, 0) + 1.0) / 3.0;
    first[std::log(s / (1.0 - s)) < -0.5 ? 0 : (std::log(s / (1.0 - s)) < 0.5 ? 1 : 2)]++;
  }
  for (int k = 0; k < 3; ++k) EXPECT_GT(first[static_cast<std::size_t>(k)], 50) << k;
}

TEST(FlowEnsemble, MembersMustShareTheBox) {
  FlowOnBox other = ensemble_member(2, 0.0, 0.0);
  VectorXd upper = other.box.upper();
  upper[1] = 6.0;
  other.box = Box(other.box.names(), other.box.lower(), upper);
  const std::string msg = error_of([&] { FlowPrior({ensemble_member(1, 0.0, 0.0), other}); });
  EXPECT_NE(msg.find("share one box"), std::string::npos) << msg;
  EXPECT_NE(msg.find("member 2"), std::string::npos) << msg;
  EXPECT_THROW(FlowPrior(std::vector<FlowOnBox>{}), Error);
}

TEST(FlowEnsemble, FileRoundTripIsExactAndOneMemberIsAPlainFlowFile) {
  const std::vector<FlowOnBox> members = {ensemble_member(1, 0.2, -0.3), ensemble_member(2, -0.5, 0.4)};
  const std::string path = ::testing::TempDir() + "flowprior_ensemble.json";
  save_flow_members_file(path, members);
  const std::vector<FlowOnBox> back = load_flow_members_file(path);
  ASSERT_EQ(back.size(), 2u);
  Rng rng(7);
  const FlowPrior a(members), b(back);
  const MatrixXd x = a.sample(100, rng);
  EXPECT_EQ(a.log_prob(x), b.log_prob(x));
  EXPECT_EQ(back[1].training, members[1].training);
  // Reading an ensemble where one flow is expected says so.
  const std::string msg = error_of([&] { load_flow_file(path); });
  EXPECT_NE(msg.find("flow ensemble"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path), std::string::npos) << msg;

  const std::string one_path = ::testing::TempDir() + "flowprior_ensemble_one.json";
  save_flow_members_file(one_path, {members[0]});
  EXPECT_EQ(load_flow_file(one_path).flow.params(), members[0].flow.params());  // the plain format
  EXPECT_EQ(load_flow_members_file(one_path).size(), 1u);

  // A damaged member is named.
  nlohmann::json doc = flow_members_to_json(members);
  doc["members"][1].erase("weights");
  const std::string damaged = ::testing::TempDir() + "flowprior_ensemble_damaged.json";
  std::ofstream(damaged) << doc.dump();
  const std::string m2 = error_of([&] { load_flow_members_file(damaged); });
  EXPECT_NE(m2.find("member 2"), std::string::npos) << m2;
  EXPECT_NE(m2.find("weights"), std::string::npos) << m2;
}

TEST(FlowEnsemble, TrainingGivesMemberOneAsTheSingleFlowAndOthersDiffer) {
  Rng rng(8);
  Samples s;
  s.names = {"a", "b"};
  s.values.resize(400, 2);
  for (Index i = 0; i < s.values.rows(); ++i) {
    s.values(i, 0) = 0.5 + 0.3 * rng.normal();
    s.values(i, 1) = 2.0 + 0.5 * rng.normal();
  }
  VectorXd lower(2), upper(2);
  lower << -1.0, 0.0;
  upper << 2.0, 5.0;
  const Box box({"a", "b"}, lower, upper);
  TrainOptions o;
  o.flow.arch = FlowArch::maf;
  o.flow.layers = 2;
  o.flow.hidden = 8;
  o.max_epochs = 5;
  o.seed = 21;
  FlowOnBox single;
  train_flow(s, box, o, single);
  std::vector<FlowOnBox> members;
  const auto summaries = train_flow_ensemble(s, box, o, 3, members);
  ASSERT_EQ(members.size(), 3u);
  ASSERT_EQ(summaries.size(), 3u);
  EXPECT_EQ(members[0].flow.params(), single.flow.params());
  EXPECT_NE(members[1].flow.params(), members[0].flow.params());
  EXPECT_NE(members[2].flow.params(), members[1].flow.params());
  EXPECT_EQ(members[2].training["ensemble_member"]["index"], 3);
  EXPECT_THROW(train_flow_ensemble(s, box, o, 0, members), Error);
}

}  // namespace
}  // namespace flowprior

// FlowOnBox (density on the box, sampling inside it, training from Samples) and flow files (exact round trip,
// identical bytes after load-then-save, one clear error per kind of bad file).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "flow_test_util.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/flow/flow_file.hpp"

using namespace flowprior;
using namespace flowprior::test;

namespace {

std::string temp_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / "flowprior_test_flow";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_all(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

FlowOnBox random_flow_on_box(FlowArch arch) {
  VectorXd lo(3), hi(3);
  lo << -1.0, 0.0, 10.0;
  hi << 2.0, 1e-3, 20.0;
  FlowOnBox f;
  f.box = Box({"alpha", "beta", "gamma"}, lo, hi);
  FlowConfig c;
  c.arch = arch;
  c.layers = 2;
  c.hidden = 8;
  c.bins = 4;
  Rng rng(3);
  f.flow = Flow(3, c, rng);
  VectorXd mean(3), scale(3);
  mean << 0.1, -0.2, 0.3;
  scale << 1.1, 0.9, 1.0 / 3.0;
  f.flow.set_standardization(mean, scale);
  f.flow.set_params(random_params(f.flow.num_params(), rng, 0.3));
  f.training = {{"note", "test"}, {"value", 0.1}};
  return f;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

class FlowFileArch : public ::testing::TestWithParam<FlowArch> {};

TEST_P(FlowFileArch, RoundTripIsExactAndBytesAreStable) {
  const FlowOnBox f = random_flow_on_box(GetParam());
  const std::string path = temp_path("round_trip_" + to_string(GetParam()) + ".json");
  save_flow_file(path, f);
  const FlowOnBox g = load_flow_file(path);
  EXPECT_EQ(g.flow.params(), f.flow.params());
  EXPECT_EQ(g.flow.standardization_scale(), f.flow.standardization_scale());
  EXPECT_EQ(g.box.names(), f.box.names());
  EXPECT_EQ(g.box.upper(), f.box.upper());
  EXPECT_EQ(g.training, f.training);
  Rng rng(4);
  const MatrixXd x = f.sample(50, rng);
  EXPECT_EQ(g.log_prob(x), f.log_prob(x));
  const std::string path2 = temp_path("round_trip2_" + to_string(GetParam()) + ".json");
  save_flow_file(path2, g);
  EXPECT_EQ(read_all(path), read_all(path2));
}

TEST_P(FlowFileArch, DensityOnTheBoxIntegratesToOneAndSamplesStayInside) {
  const FlowOnBox f = random_flow_on_box(GetParam());
  Rng rng(5);
  const MatrixXd x = f.sample(2000, rng);
  for (Index i = 0; i < x.rows(); ++i) ASSERT_TRUE(f.box.contains(x.row(i)));
  // Mean of q_box(x) * volume over uniform draws on the box estimates the integral of q_box.
  MatrixXd unif(200000, 3);
  rng.fill_uniform(unif);
  unif = (unif.array().rowwise() * f.box.width().transpose().array()).matrix().rowwise() + f.box.lower().transpose();
  const VectorXd lu = f.log_prob(unif);
  const VectorXd ratio = (lu.array() + f.box.log_volume()).exp();
  const double mean = ratio.mean();
  const double se = std::sqrt((ratio.array() - mean).square().mean() / ratio.size());
  EXPECT_NEAR(mean, 1.0, 5 * se + 1e-3);
  MatrixXd outside = x.topRows(1);
  outside(0, 1) = 2e-3;
  EXPECT_EQ(f.log_prob(outside)(0), -std::numeric_limits<double>::infinity());
}

INSTANTIATE_TEST_SUITE_P(AllArchitectures, FlowFileArch,
                         ::testing::Values(FlowArch::realnvp, FlowArch::maf, FlowArch::nsf, FlowArch::nsf_coupling),
                         [](const auto& info) { return arch_test_name(info.param); });

TEST(FlowFile, DoublesRoundTripExactly) {
  FlowOnBox f = random_flow_on_box(FlowArch::maf);
  VectorXd p = f.flow.params();
  p(0) = 0.1 + 0.2;  // 0.30000000000000004
  p(1) = 1.0 / 3.0;
  p(2) = 5e-324;  // smallest subnormal
  p(3) = -1.7976931348623157e308;
  p(4) = -0.0;
  f.flow.set_params(p);
  const FlowOnBox g = flow_from_json(nlohmann::json::parse(flow_to_json(f).dump()), "mem");
  const VectorXd q = g.flow.params();
  for (Index k = 0; k < 5; ++k) EXPECT_EQ(std::memcmp(&p(k), &q(k), sizeof(double)), 0) << k;
}

TEST(FlowFile, BadFilesNameTheFileAndKey) {
  const FlowOnBox f = random_flow_on_box(FlowArch::nsf);
  const std::string good = flow_to_json(f).dump(1);
  const std::string path = temp_path("bad.json");

  write_all(path, good.substr(0, good.size() / 2));
  std::string msg = error_of([&] { load_flow_file(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;

  auto with = [&](const std::function<void(nlohmann::json&)>& edit) {
    nlohmann::json doc = flow_to_json(f);
    edit(doc);
    write_all(path, doc.dump());
    return error_of([&] { load_flow_file(path); });
  };
  msg = with([](nlohmann::json& d) { d["format"] = "flowprior.emulator"; });
  EXPECT_NE(msg.find("format"), std::string::npos) << msg;
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  msg = with([](nlohmann::json& d) { d["version"] = kFlowFileVersion + 1; });
  EXPECT_NE(msg.find("version"), std::string::npos) << msg;
  msg = with([](nlohmann::json& d) { d["weights"].erase(0); });
  EXPECT_NE(msg.find("'weights'"), std::string::npos) << msg;
  msg = with([](nlohmann::json& d) { d["standardization"]["mean"].push_back(1.0); });
  EXPECT_NE(msg.find("standardization.mean"), std::string::npos) << msg;
  msg = with([](nlohmann::json& d) { d["hyperparameters"].erase("bins"); });
  EXPECT_NE(msg.find("hyperparameters.bins"), std::string::npos) << msg;
  msg = with([](nlohmann::json& d) { d["architecture"] = "glow"; });
  EXPECT_NE(msg.find("architecture"), std::string::npos) << msg;
  msg = with([](nlohmann::json& d) { d["parameters"][1] = "alpha"; });
  EXPECT_NE(msg.find("alpha"), std::string::npos) << msg;  // Box rejects the duplicate name
  msg = error_of([&] { load_flow_file(temp_path("does_not_exist.json")); });
  EXPECT_NE(msg.find("does_not_exist.json"), std::string::npos) << msg;
}

// Version 1 files were written when "nsf" meant the coupling spline flow: they load as "nsf-coupling", same density.
TEST(FlowFile, VersionOneNsfLoadsAsTheCouplingFlow) {
  const FlowOnBox f = random_flow_on_box(FlowArch::nsf_coupling);
  nlohmann::json doc = flow_to_json(f);
  doc["version"] = 1;
  doc["architecture"] = "nsf";
  const FlowOnBox g = flow_from_json(doc, "v1");
  EXPECT_EQ(g.flow.config().arch, FlowArch::nsf_coupling);
  Rng rng(4);
  const MatrixXd x = f.sample(20, rng);
  EXPECT_EQ(g.log_prob(x), f.log_prob(x));
  doc["version"] = kFlowFileVersion;  // the same weights as an autoregressive "nsf" do not fit
  EXPECT_THROW(flow_from_json(doc, "v2"), Error);
}

TEST(FlowFile, CheckNamesSaysWhichDiffer) {
  const FlowOnBox f = random_flow_on_box(FlowArch::maf);
  EXPECT_NO_THROW(check_flow_names(f, {"alpha", "beta", "gamma"}, "prior.json"));
  const std::string msg = error_of([&] { check_flow_names(f, {"alpha", "gamma", "beta"}, "prior.json"); });
  EXPECT_NE(msg.find("prior.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("position 2"), std::string::npos) << msg;
  EXPECT_THROW(check_flow_names(f, {"alpha", "beta"}, "prior.json"), Error);
}

TEST(TrainFlowOnBox, NudgesBoundValuesAndRejectsOutsideOnes) {
  VectorXd lo(2), hi(2);
  lo << 0.0, -5.0;
  hi << 1.0, 5.0;
  const Box box({"a", "b"}, lo, hi);
  Rng rng(6);
  Samples s;
  s.names = {"b", "a"};  // columns are matched by name
  s.values.resize(600, 2);
  for (Index i = 0; i < 600; ++i) {
    s.values(i, 1) = 0.2 + 0.6 * rng.uniform();
    s.values(i, 0) = std::clamp(1.5 * rng.normal(), -4.9, 4.9);
  }
  s.values(3, 1) = 0.0;  // exactly on bounds
  s.values(4, 1) = 1.0;
  TrainOptions o;
  o.flow.layers = 2;
  o.flow.hidden = 8;
  o.max_epochs = 3;
  FlowOnBox out;
  const TrainSummary sum = train_flow(s, box, o, out);
  EXPECT_EQ(sum.nudged_to_interior, 2u);
  EXPECT_EQ(out.box.names(), box.names());
  EXPECT_EQ(out.training["summary"]["epochs"], sum.epochs);
  const VectorXd lq = out.log_prob(s.values.rowwise().reverse());
  for (Index i = 0; i < lq.size(); ++i) {
    if (i == 3 || i == 4) {
      EXPECT_EQ(lq(i), -std::numeric_limits<double>::infinity()) << "on a bound: outside the open box";
    } else {
      EXPECT_TRUE(std::isfinite(lq(i))) << i;
    }
  }

  s.values(7, 1) = 1.5;
  try {
    train_flow(s, box, o, out);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().row, 7);
    EXPECT_EQ(e.context().parameter, "a");
  }
  s.values(7, 1) = 0.5;
  o.loss = Loss::kl;
  EXPECT_THROW(train_flow(s, box, o, out), Error);  // no log_density column
}

// A number beyond double range (found by fuzz_emulator_file in the emulator reader, which shares the pattern): an
// Error naming the file, not nlohmann's out_of_range escaping the reader.
TEST(FlowFile, NumberOverflowIsAnErrorNamingTheFile) {
  const std::string path = (std::filesystem::temp_directory_path() / "flowprior_overflow_flow.json").string();
  std::ofstream(path) << "{\"format\": \"flowprior.flow\", \"version\": 1e99999}";
  try {
    (void)flowprior::load_flow_file(path);
    FAIL() << "no error";
  } catch (const flowprior::Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

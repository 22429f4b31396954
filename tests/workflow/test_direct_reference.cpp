// The direct-model reference check (src/workflow/checks/direct_reference_check.cpp) on a cheap model whose
// "emulator" is the model plus a known bias: an unbiased emulator passes, a biased one warns with the right shift.
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/check.hpp"
#include "flowprior/workflow/run_analysis.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// y_j = x_j observed directly; the runs' likelihood (direct = false) stands for an emulator whose prediction is off
// by `bias`; the model itself (direct = true) is exact.
class BiasedEmulatorModel final : public DatasetModel {
 public:
  explicit BiasedEmulatorModel(double bias) : bias_(bias) {}
  std::string kind() const override { return "biased_emulator"; }
  std::vector<std::string> observables(const DatasetConfig&, const GaussianDataset& data) const override {
    return data.observables;
  }
  std::shared_ptr<const GaussianLikelihood> likelihood(GaussianDataset data, const Box& box,
                                                       bool direct) const override {
    const double shift = direct ? 0.0 : bias_;
    DirectModel f = [shift](const MatrixXd& x, MatrixXd& y) { y = x.array() + shift; };
    std::vector<std::string> outputs;
    for (int j = 0; j < box.dim(); ++j) outputs.push_back("y" + std::to_string(j));
    return std::make_shared<GaussianLikelihood>(std::move(data), f, box.names(), outputs);
  }
  bool has_direct() const override { return true; }
  bool emulated() const override { return true; }
  json identity() const override { return {{"model", "biased_emulator"}, {"bias", bias_}}; }

 private:
  double bias_;
};

class BiasedEmulatorFamily final : public ModelFamily {
 public:
  std::shared_ptr<const DatasetModel> make(ConfigTable& t, const DatasetConfig&, const Box&) const override {
    double bias = 0;
    t.get_double("bias", bias);
    return std::make_shared<BiasedEmulatorModel>(bias);
  }
};

// y = (1.3, -0.4), sd 0.2: the direct posterior is N((1.3, -0.4), 0.2^2), the emulated one N(y - bias, 0.2^2).
std::string direct_reference_config(const std::string& name, double bias, bool enabled) {
  const fs::path dir = fs::temp_directory_path() / ("flowprior_test_direct_reference_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "y.csv") << "value,error\n1.3,0.2\n-0.4,0.2\n";
  std::ofstream out(dir / "analysis.toml");
  out << "seed = 3\noutput = \"run\"\nthreads = 1\nplots = false\n\n"
      << "[parameters]\na = [-5, 5]\nb = [-5, 5]\n\n"
      << "[datasets.Y]\ndata = \"y.csv\"\nmodel = \"biased_emulator\"\nbias = " << bias << "\n\n"
      << "[[stages]]\nname = \"first\"\ndatasets = [\"Y\"]\nsampler = \"smc\"\nn_active = 100\nn_effective = 200\n"
      << "n_total = 1000\n\n"
      << "[joint]\nsampler = \"smc\"\nn_active = 100\nn_effective = 200\nn_total = 1000\n\n"
      << "[checks]\ndirect_reference = " << (enabled ? "true" : "false") << "\n";
  return (dir / "analysis.toml").string();
}

Extensions biased_emulator_extensions() {
  Extensions e;
  e.models.add("biased_emulator", [] { return std::make_shared<BiasedEmulatorFamily>(); });
  return e;
}

json summary_of(const std::string& config_path) {
  std::ifstream in(fs::path(config_path).parent_path() / "run" / "summary.json");
  return json::parse(in);
}

std::optional<TrustCheck> direct_reference_row(const json& summary) {
  const CheckRegistry registry = builtin_checks();
  const AnalysisResult back = AnalysisResult::from_json(summary, registry);
  for (const auto& check : registry.make_all())
    if (check->key() == "direct_reference") return check->assess(back);
  return std::nullopt;
}

TEST(DirectReference, UnbiasedEmulatorAgreesWithTheModelItself) {
  const std::string path = direct_reference_config("unbiased", 0.0, true);
  run_analysis(read_analysis_config(path, biased_emulator_extensions()));
  const json s = summary_of(path);
  ASSERT_TRUE(s.contains("direct_reference")) << s.dump(2);
  const json& pairs = s["direct_reference"]["pairs"];
  ASSERT_EQ(pairs.size(), 2u);  // the first stage and the joint run
  for (const auto& p : pairs) {
    EXPECT_EQ(p["comparison"]["verdict"], "consistent") << p.dump(2);
    EXPECT_LT(p["max_mean_shift_sd"].get<double>(), 0.3);
    EXPECT_NEAR(p["min_width_ratio"].get<double>(), 1.0, 0.2);
    EXPECT_NEAR(p["max_width_ratio"].get<double>(), 1.0, 0.2);
    EXPECT_GT(p["direct_likelihood_calls"].get<double>(), 0.0);
  }
  const auto row = direct_reference_row(s);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->status, CheckStatus::pass) << row->detail;
}

TEST(DirectReference, BiasedEmulatorWarnsWithTheShiftItCauses) {
  // Bias 0.4 = 2 posterior sd: the emulated means sit 2 sd below the direct ones, widths unchanged.
  const std::string path = direct_reference_config("biased", 0.4, true);
  run_analysis(read_analysis_config(path, biased_emulator_extensions()));
  const json s = summary_of(path);
  const json& pairs = s["direct_reference"]["pairs"];
  ASSERT_EQ(pairs.size(), 2u);
  for (const auto& p : pairs) {
    EXPECT_EQ(p["comparison"]["verdict"], "inconsistent") << p.dump(2);
    EXPECT_NEAR(p["max_mean_shift_sd"].get<double>(), 2.0, 0.4);
    EXPECT_NEAR(p["max_width_ratio"].get<double>(), 1.0, 0.2);
  }
  const auto row = direct_reference_row(s);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->status, CheckStatus::warn) << row->detail;
}

TEST(DirectReference, OffByDefault) {
  const std::string path = direct_reference_config("off", 0.4, false);
  run_analysis(read_analysis_config(path, biased_emulator_extensions()));
  const json s = summary_of(path);
  EXPECT_FALSE(fs::exists(fs::path(path).parent_path() / "run" / "direct_first.csv"));
  const auto row = direct_reference_row(s);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->status, CheckStatus::skipped);
}

}  // namespace
}  // namespace flowprior

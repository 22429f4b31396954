// The built-in physics model in analysis configurations (issue 17): the ALICE and CMS coherent sigma(W) data as
// datasets of their own ([model] sigma_w = true), matched by W, with one clear error when the switch is off or a row
// lies outside the model's W values; and a gamma+p stage that fixes the K-factor while a gamma+Pb stage frees it.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "flowprior/core/error.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/likelihood_builder.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;

std::string hotspot_config(const std::string& model_extra, const std::string& alice_file,
                           const std::string& gamma_p_stage = "fixed = {K = 1.0}\n") {
  // One folder per test: ctest runs this file's tests in parallel processes, and with one shared folder a test once
  // read the other test's config (`scripts/test.sh`, 2026-12-06).
  const fs::path dir = fs::temp_directory_path() /
                       ("flowprior_test_hotspot_config_" +
                        std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string data = std::string(FLOWPRIOR_SOURCE_DIR) + "/data/";
  std::ofstream out(dir / "analysis.toml");
  out << "[model]\nname = \"hotspot\"\nn_q = 3.0\nk_free = true\nemulate = false\n" << model_extra << "\n"
      << "[datasets.h1_coherent]\ndata = \"" << data << "h1_2013_jpsi_coherent.csv\"\nmodel = \"hotspot\"\n"
      << "scale = \"log\"\nerrors = [\"stat\", \"sys\"]\n\n"
      << "[datasets.alice_sigma_w]\ndata = \"" << data << alice_file << "\"\nmodel = \"hotspot\"\n"
      << "value_column = \"sigma\"\nscale = \"log\"\nerrors = [\"uncorr\", \"migration\"]\n"
      << "correlated = [\"corr\", \"flux\"]\n\n"
      << "[datasets.cms_sigma_w]\ndata = \"" << data << "cms_2023_sigma_gammaPb_W.csv\"\nmodel = \"hotspot\"\n"
      << "value_column = \"sigma\"\nscale = \"log\"\nerrors = [\"stat\", \"sys_experiment\"]\n"
      << "correlated = [\"sys_theory_flux\"]\n\n"
      << "[[stages]]\nname = \"gamma_p\"\ndatasets = [\"h1_coherent\"]\n" << gamma_p_stage << "\n"
      << "[[stages]]\nname = \"gamma_pb\"\ndatasets = [\"alice_sigma_w\", \"cms_sigma_w\"]\n";
  return (dir / "analysis.toml").string();
}

TEST(HotspotConfig, SigmaOfWDatasetsMatchTheModelByW) {
  const AnalysisConfig c = read_analysis_config(hotspot_config("sigma_w = true", "alice_2023_sigma_gammaPb_W_ge31.csv"));
  for (const auto& [name, rows] : std::vector<std::pair<std::string, int>>{{"alice_sigma_w", 7}, {"cms_sigma_w", 6}}) {
    const DatasetConfig& d = c.dataset(name);
    GaussianDataset data = load_dataset(d);
    const std::vector<std::string> observables = d.model->observables(d, data);
    ASSERT_EQ(static_cast<int>(observables.size()), rows) << name;
    EXPECT_NE(observables.front().find("sigma_W"), std::string::npos) << observables.front();
    // The model itself predicts every row: finite, positive cross sections at a point of the box.
    data.observables = observables;
    const auto like = d.model->likelihood(data, c.box, /*direct=*/true);
    MatrixXd x = (0.5 * (c.box.lower() + c.box.upper())).transpose();
    MatrixXd mean, cov;
    like->predict(x, mean, cov);
    EXPECT_TRUE(mean.allFinite()) << name;
  }
  // The gamma+p stage fixes K; the gamma+Pb stage frees it.
  EXPECT_EQ(c.stages[0].fixed.at("K"), 1.0);
  EXPECT_EQ(std::count(c.stages[0].parameters.begin(), c.stages[0].parameters.end(), "K"), 0);
  EXPECT_EQ(c.stages[1].parameters.back(), "K");
}

TEST(HotspotConfig, SigmaOfWErrorsNameTheSwitchTheRowAndTheParameter) {
  try {
    read_analysis_config(hotspot_config("", "alice_2023_sigma_gammaPb_W_ge31.csv"));
    FAIL() << "sigma(W) data accepted without sigma_w";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().parameter, "model.sigma_w") << e.what();
  }
  try {  // the published file starts at W = 19.1 GeV, below the model's range
    read_analysis_config(hotspot_config("sigma_w = true", "alice_2023_sigma_gammaPb_W.csv"));
    FAIL() << "a row outside the model's W values accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().row, 0) << e.what();
    EXPECT_NE(std::string(e.what()).find("W >= 31.5"), std::string::npos) << e.what();
  }
  try {  // the model needs K: a stage must free or fix it
    read_analysis_config(
        hotspot_config("sigma_w = true", "alice_2023_sigma_gammaPb_W_ge31.csv",
                       "parameters = [\"B_G\", \"B_q\", \"sigma\", \"sigma_B\", \"ln_s0\", \"m\", \"lambda\"]\n"));
    FAIL() << "a stage that neither frees nor fixes K accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().parameter, "stages[0].parameters") << e.what();
    EXPECT_NE(std::string(e.what()).find("\"K\""), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace flowprior

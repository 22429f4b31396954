// The second wave of emulator design points (workflow/second_wave.hpp): [model] second_wave_points read once with
// its errors, and the draws from the pilot posteriors (distinct, weighted, equal shares per run).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "flowprior/core/error.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/emulator/design.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/workflow/likelihood_builder.hpp"
#include "flowprior/workflow/run_analysis.hpp"
#include "flowprior/workflow/second_wave.hpp"
#include "workflow/models/hotspot_emulators.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;

std::string second_wave_config(const std::string& model_keys) {
  // One folder per test: ctest runs this file's tests in parallel processes, each writing its own config.
  const fs::path dir = fs::temp_directory_path() /
                       ("flowprior_test_second_wave_" +
                        std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
  fs::create_directories(dir);
  const std::string data = std::string(FLOWPRIOR_SOURCE_DIR) + "/data/";
  std::ofstream out(dir / "analysis.toml");
  out << "[model]\nname = \"hotspot\"\nn_q = 3.0\nk_free = true\n" << model_keys << "\n"
      << "[datasets.h1_coherent]\ndata = \"" << data << "h1_2013_jpsi_coherent.csv\"\nmodel = \"hotspot\"\n"
      << "scale = \"log\"\nerrors = [\"stat\", \"sys\"]\n\n"
      << "[[stages]]\nname = \"gamma_p\"\ndatasets = [\"h1_coherent\"]\n";
  return (dir / "analysis.toml").string();
}

std::string second_wave_error(const std::string& model_keys) {
  try {
    read_analysis_config(second_wave_config(model_keys));
  } catch (const Error& e) {
    EXPECT_EQ(e.context().parameter, "model.second_wave_points") << e.what();
    EXPECT_GT(e.context().line, 0) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "accepted: " << model_keys;
  return "";
}

Samples weighted_rows(const MatrixXd& values, const VectorXd& weights) {
  Samples s;
  s.names = {"a", "b"};
  s.values = values;
  s.weights = weights;
  return s;
}

}  // namespace

TEST(SecondWave, ReadOnceWithItsDefault) {
  EXPECT_EQ(read_analysis_config(second_wave_config("")).models.at("hotspot")->second_wave_points(), 0);
  EXPECT_EQ(read_analysis_config(second_wave_config("second_wave_points = 300")).models.at("hotspot")->second_wave_points(),
            300);
}

TEST(SecondWave, BadValuesNameTheKey) {
  EXPECT_NE(second_wave_error("second_wave_points = 5").find("at least 10"), std::string::npos);
  EXPECT_NE(second_wave_error("second_wave_points = -1").find("must not be negative"), std::string::npos);
  EXPECT_NE(second_wave_error("second_wave_points = 1.5").find("integer"), std::string::npos);
  EXPECT_NE(second_wave_error("emulate = false\nsecond_wave_points = 100").find("emulate = true"), std::string::npos);
}

TEST(SecondWave, ExactKNeedsAFreeKAndEmulators) {
  EXPECT_NO_THROW(read_analysis_config(second_wave_config("exact_k = true")));
  try {
    read_analysis_config(second_wave_config("exact_k = true\nemulate = false"));
    ADD_FAILURE() << "accepted exact_k without emulators";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().parameter, "model.exact_k") << e.what();
    EXPECT_NE(std::string(e.what()).find("k_free = true and emulate = true"), std::string::npos) << e.what();
  }
}

// exact_k end to end: the run folder's emulator has every parameter but K, and the dataset's likelihood moves every
// ln y by exactly ln 2 when K doubles (the model's K multiplies every cross section), its variance unchanged.
TEST(SecondWave, ExactKEmulatorLeavesKOutAndTheLikelihoodAddsLnK) {
  AnalysisConfig config = read_analysis_config(
      second_wave_config("exact_k = true\ndesign_points = 12\nvalidation_points = 6\ncomponents = 2"));
  const fs::path dir = fs::temp_directory_path() / "flowprior_test_exact_k";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const auto records = prepare_models(config, PrepareContext{dir.string(), 1, 5, false, {}});
  ASSERT_EQ(records.count("gamma_p"), 1u);
  const Emulator e = Emulator::load((dir / "emulator_gamma_p.json").string());
  std::vector<std::string> without_k = config.box.names();
  without_k.erase(std::find(without_k.begin(), without_k.end(), "K"));
  EXPECT_EQ(e.parameter_names(), without_k);
  const auto like = build_dataset_likelihood(config.dataset("h1_coherent"), config.box);
  const Index k = static_cast<Index>(std::find(config.box.names().begin(), config.box.names().end(), "K") -
                                     config.box.names().begin());
  MatrixXd x = maximin_latin_hypercube(config.box, 3, {.seed = 9});
  x.col(k).setConstant(0.7);
  MatrixXd twice = x;
  twice.col(k).setConstant(1.4);
  MatrixXd m1, v1, m2, v2;
  like->predict(x, m1, v1);
  like->predict(twice, m2, v2);
  EXPECT_EQ(v1, v2);
  EXPECT_TRUE(((m2 - m1).array() - std::log(2.0)).abs().maxCoeff() < 1e-12) << m2 - m1;
}

TEST(SecondWave, DrawsDistinctWeightedRowsInEqualShares) {
  // Run 1: a zero-weight row (never drawn) and a repeated row (drawn once). Run 2: columns in another order.
  const Samples one = weighted_rows((MatrixXd(5, 2) << 0, 0, 1, 1, 1, 1, 2, 2, 3, 3).finished(),
                                    (VectorXd(5) << 0.0, 1.0, 1.0, 1.0, 1.0).finished());
  Samples two = weighted_rows((MatrixXd(3, 2) << 10, 20, 11, 21, 12, 22).finished(), VectorXd::Ones(3));
  two.names = {"b", "a"};
  const MatrixXd x = draw_posterior_points({&one, &two}, 5, {"a", "b"}, 17);
  ASSERT_EQ(x.rows(), 5);
  // First share (3 rows) from run 1: exactly its three distinct weighted rows; then 2 of run 2, reordered to (a, b).
  std::vector<double> first;
  for (Index i = 0; i < 3; ++i) {
    EXPECT_EQ(x(i, 0), x(i, 1));
    first.push_back(x(i, 0));
  }
  std::sort(first.begin(), first.end());
  EXPECT_EQ(first, (std::vector<double>{1, 2, 3}));
  for (Index i = 3; i < 5; ++i) {
    EXPECT_EQ(x(i, 0) - x(i, 1), 10.0);  // run 2 holds (b, a) = (10, 20), ...: a = b + 10
    EXPECT_GE(x(i, 0), 20.0);
  }
  EXPECT_EQ(x, draw_posterior_points({&one, &two}, 5, {"a", "b"}, 17));  // the seed alone decides
  // More than the distinct weighted rows of a share: an Error naming the key.
  try {
    draw_posterior_points({&one}, 4, {"a", "b"}, 17);
    FAIL() << "drew 4 distinct rows from 3";
  } catch (const Error& e) {
    EXPECT_EQ(e.context().parameter, "second_wave_points");
  }
}

TEST(SecondWave, HeavierRowsComeFirst) {
  // 2 of 1000 rows, one of which holds 99.9% of the weight: drawn in every seed (probability of missing it < 1e-5).
  MatrixXd v(1000, 2);
  for (Index i = 0; i < 1000; ++i) v.row(i) << static_cast<double>(i), 0.0;
  VectorXd w = VectorXd::Constant(1000, 1e-6);
  w[123] = 1.0;
  const Samples heavy = weighted_rows(v, w);
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const MatrixXd x = draw_posterior_points({nullptr, &heavy}, 2, {"a", "b"}, seed);
    EXPECT_TRUE(x(0, 0) == 123.0 || x(1, 0) == 123.0) << seed;
  }
}

TEST(SecondWave, AnotherSecondWaveNeverReusesTheEmulator) {
  // A tiny gamma+p emulator (12 + 6 model runs): the pilot's first wave, then the refined one on both waves.
  const fs::path dir = fs::temp_directory_path() / "flowprior_test_second_wave_emulator";
  fs::remove_all(dir);
  fs::create_directories(dir);
  HotspotOptions o;
  o.k_free = true;
  const Box box = HotspotModel(o).prior_box();
  HotspotEmulatorSettings settings;
  settings.design_points = 12;
  settings.validation_points = 6;
  settings.components = 2;
  settings.second_wave_points = 10;
  const PrepareContext context{dir.string(), 1, 5, false, {}};
  std::string file;
  prepare_hotspot_emulator(HotspotSystem::gamma_p, o, settings, box, context, file);
  EXPECT_EQ(fs::path(file).filename(), "emulator_gamma_p_wave1.json");  // the pilot's
  const MatrixXd wave = maximin_latin_hypercube(box, 10, {.seed = 3});
  const EmulatorRecord refined = prepare_hotspot_emulator(HotspotSystem::gamma_p, o, settings, box, context, file, &wave);
  EXPECT_EQ(fs::path(file).filename(), "emulator_gamma_p.json");
  EXPECT_EQ(refined.second_wave_points, 10);
  EXPECT_FALSE(refined.loaded);
  EXPECT_EQ(read_csv_table((dir / "emulator_gamma_p_design.csv").string()).values.rows(), 22);  // both waves
  EXPECT_TRUE(prepare_hotspot_emulator(HotspotSystem::gamma_p, o, settings, box, context, file, &wave).loaded);
  MatrixXd other = wave;
  other(4, 1) += 1e-9;  // one coordinate of one point: another pilot posterior
  try {
    prepare_hotspot_emulator(HotspotSystem::gamma_p, o, settings, box, context, file, &other);
    FAIL() << "an emulator of another second wave reused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("other settings"), std::string::npos) << e.what();
  }
}

}  // namespace flowprior

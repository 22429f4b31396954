// The workflow's extension points are local: a model and a check defined in this file alone, registered through
// Extensions, run through `flowprior run`'s machinery (run_analysis); and the flow-training defaults are declared
// once (the [flow] table, `flowprior flow train` and Python's train_flow use FlowTrainSettings).
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "flowprior/emulator/emulator.hpp"
#include "flowprior/flow/train_settings.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/comparison.hpp"
#include "flowprior/workflow/json_fields.hpp"
#include "flowprior/workflow/run_analysis.hpp"
#include "flowprior/workflow/run_context.hpp"
#include "flowprior/workflow/stage_runner.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A toy model: every parameter observed directly, shifted by `shift` (y_j = x_j + shift).
class ShiftModel final : public DatasetModel {
 public:
  explicit ShiftModel(double shift) : shift_(shift) {}
  std::string kind() const override { return "shift"; }
  std::vector<std::string> observables(const DatasetConfig&, const GaussianDataset& data) const override {
    return data.observables;
  }
  std::shared_ptr<const GaussianLikelihood> likelihood(GaussianDataset data, const Box& box, bool) const override {
    const double shift = shift_;
    DirectModel f = [shift](const MatrixXd& x, MatrixXd& y) { y = x.array() + shift; };
    std::vector<std::string> outputs;
    for (int j = 0; j < box.dim(); ++j) outputs.push_back("y" + std::to_string(j));
    return std::make_shared<GaussianLikelihood>(std::move(data), f, box.names(), outputs);
  }
  bool has_direct() const override { return true; }
  json identity() const override { return {{"model", "shift"}, {"shift", shift_}}; }

 private:
  double shift_;
};

class ShiftFamily final : public ModelFamily {
 public:
  std::shared_ptr<const DatasetModel> make(ConfigTable& t, const DatasetConfig&, const Box&) const override {
    double shift = 0;
    t.get_double("shift", shift);
    return std::make_shared<ShiftModel>(shift);
  }
};

// A toy check: the last stage's posterior mean of the first parameter against [checks] toy_target.
struct ToyResult final : CheckResult {
  double mean = 0, target = 0;
  json to_json() const override { return {{"mean", mean}, {"target", target}}; }
};

class ToyCheck final : public Check {
 public:
  std::string key() const override { return "toy_check"; }
  void read_config(ConfigTable& checks) override { checks.get_double("toy_target", target_); }
  std::shared_ptr<const CheckResult> run(RunContext& ctx) const override {
    auto r = std::make_shared<ToyResult>();
    const Samples& p = ctx.forward.runs.back().particles;
    r->mean = p.values.col(0).dot(p.normalized_weights());
    r->target = target_;
    return r;
  }
  std::shared_ptr<const CheckResult> from_json(const json& j) const override {
    auto r = std::make_shared<ToyResult>();
    r->mean = json_fields::number(j, "mean");
    r->target = json_fields::number(j, "target");
    return r;
  }
  std::optional<TrustCheck> assess(const AnalysisResult& result) const override {
    const auto* r = result.check<ToyResult>(key());
    if (!r) return TrustCheck{"Toy", CheckStatus::unknown, "no result"};
    return TrustCheck{"Toy", std::abs(r->mean - r->target) < 0.1 ? CheckStatus::pass : CheckStatus::fail, ""};
  }

 private:
  double target_ = 0;
};

fs::path engine_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("flowprior_test_engine_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// y = (1.3, -0.4) observed with sd 0.2 and shift 0.5: the exact posterior is N((0.8, -0.9), 0.2^2) per parameter.
std::string write_config(const fs::path& dir) {
  std::ofstream(dir / "y.csv") << "value,error\n1.3,0.2\n-0.4,0.2\n";
  std::ofstream out(dir / "analysis.toml");
  out << "seed = 5\noutput = \"run\"\nthreads = 1\nplots = false\n\n"
      << "[parameters]\na = [-5, 5]\nb = [-5, 5]\n\n"
      << "[datasets.Y]\ndata = \"y.csv\"\nmodel = \"shift\"\nshift = 0.5\n\n"
      << "[[stages]]\nname = \"only\"\ndatasets = [\"Y\"]\nsampler = \"smc\"\nn_active = 200\nn_effective = 400\n"
      << "n_total = 2000\n\n"
      << "[joint]\nenabled = false\n\n"
      << "[checks]\ntoy_target = 0.8\n";
  return (dir / "analysis.toml").string();
}

TEST(Engine, ToyModelAndToyCheckRegisteredLocallyRunThroughTheWorkflow) {
  const fs::path dir = engine_dir("toy");
  Extensions extensions;
  extensions.models.add("shift", [] { return std::make_shared<ShiftFamily>(); });
  extensions.checks.add([] { return std::make_shared<ToyCheck>(); });
  const std::string path = write_config(dir);
  // Without the registrations the same file is refused, naming the key.
  EXPECT_THROW(read_analysis_config(path), Error);

  const AnalysisConfig config = read_analysis_config(path, extensions);
  const AnalysisResult result = run_analysis(config);
  const auto* toy = result.check<ToyResult>("toy_check");
  ASSERT_NE(toy, nullptr);
  EXPECT_DOUBLE_EQ(toy->target, 0.8);
  // Exact posterior mean 0.8, sd 0.2: within 4 MC sigma of a sample of effective size > 200.
  const Samples& stage = read_samples_csv((dir / "run" / "only.csv").string());
  const double ess = stage.effective_size();
  ASSERT_GT(ess, 200.0);
  EXPECT_NEAR(toy->mean, 0.8, 4 * 0.2 / std::sqrt(ess));
  VectorXd mean, sd;
  weighted_moments(stage.with_columns({"a", "b"}, "only.csv").values, stage.weights, mean, sd);
  EXPECT_NEAR(mean[1], -0.9, 4 * 0.2 / std::sqrt(ess));
  EXPECT_NEAR(sd[0], 0.2, 4 * 0.2 / std::sqrt(2 * ess));
  // The toy check's section is in summary.json, reads back typed, and gives its row.
  std::ifstream in(dir / "run" / "summary.json");
  const json summary = json::parse(in);
  ASSERT_TRUE(summary.contains("toy_check")) << summary.dump(2);
  EXPECT_DOUBLE_EQ(summary["toy_check"]["mean"].get<double>(), toy->mean);
  const AnalysisResult back = AnalysisResult::from_json(summary, extensions.checks);
  ASSERT_NE(back.check<ToyResult>("toy_check"), nullptr);
  EXPECT_EQ(ToyCheck().assess(back)->status, CheckStatus::pass);
  // The model's identity is part of the run's identity: another shift is another run.
  std::ifstream settings(dir / "run" / "only.settings.json");
  EXPECT_EQ(json::parse(settings)["datasets"][0]["shift"].get<double>(), 0.5);
}

TEST(Engine, TypedResultRoundTripsThroughSummaryJson) {
  AnalysisResult r;
  r.config = "a.toml";
  r.parameters = {"x"};
  StageResult s;
  s.name = "s1";
  s.datasets = {"A"};
  s.prior = "uniform";
  s.sampler = "smc";
  s.log_z = -1.25;
  s.log_z_err = NAN;  // written as null, read back as NaN
  s.effective_size = 321;
  r.stages = {s, s};
  r.stages[1].name = "s0";  // configuration order, not alphabetical
  r.warnings = {"w"};
  r.comparison.not_run = {"[joint] enabled = false"};
  const json j = r.to_json();
  const AnalysisResult back = AnalysisResult::from_json(j, builtin_checks());
  ASSERT_EQ(back.stages.size(), 2u);
  EXPECT_EQ(back.stages[0].name, "s1");
  EXPECT_EQ(back.stages[1].name, "s0");
  EXPECT_DOUBLE_EQ(back.stages[0].log_z, -1.25);
  EXPECT_TRUE(std::isnan(back.stages[0].log_z_err));
  EXPECT_EQ(back.to_json(), j);
}

TEST(Engine, FlowTrainingDefaultsAreDeclaredOnce) {
  // A configuration without [flow] trains its hand-overs with FlowTrainSettings' defaults, as `flowprior flow
  // train` does (its options are FlowTrainSettings' fields; tests/scripts/test_cli_flow.sh) and Python's train_flow
  // (tests/python).
  const fs::path dir = engine_dir("defaults");
  std::ofstream(dir / "y.csv") << "value,error\n1.3,0.2\n";
  std::ofstream(dir / "analysis.toml") << "[parameters]\na = [-5, 5]\n[datasets.Y]\ndata = \"y.csv\"\n"
                                          "model = \"linear\"\nmatrix = [[1.0]]\n[[stages]]\nname = \"s\"\n"
                                          "datasets = [\"Y\"]\n";
  const TrainOptions toml = read_analysis_config((dir / "analysis.toml").string()).flow;
  FlowTrainSettings defaults;
  const TrainOptions expected = to_train_options(defaults);
  EXPECT_EQ(toml.flow.arch, expected.flow.arch);
  EXPECT_EQ(toml.flow.layers, expected.flow.layers);
  EXPECT_EQ(toml.flow.hidden, expected.flow.hidden);
  EXPECT_EQ(toml.flow.hidden_layers, expected.flow.hidden_layers);
  EXPECT_EQ(toml.flow.bins, expected.flow.bins);
  EXPECT_EQ(toml.flow.tail_bound, expected.flow.tail_bound);
  EXPECT_EQ(toml.loss, expected.loss);
  EXPECT_EQ(toml.batch_size, expected.batch_size);
  EXPECT_EQ(toml.learning_rate, expected.learning_rate);
  EXPECT_EQ(toml.max_epochs, expected.max_epochs);
  EXPECT_EQ(toml.patience, expected.patience);
  EXPECT_EQ(toml.validation_fraction, expected.validation_fraction);
  EXPECT_EQ(toml.clip_norm, expected.clip_norm);
}

// Config errors found before any stage runs (issue 17): one Error naming file and key, and no run file written.
std::string two_stage_config(const fs::path& dir, const std::string& dataset_b_extra, const std::string& stage2) {
  std::ofstream(dir / "a.csv") << "value,error\n1.3,0.2\n";
  std::ofstream(dir / "b.csv") << "value,error,norm\n0.7,0.2,0.05\n";
  std::ofstream(dir / "analysis.toml")
      << "seed = 5\noutput = \"run\"\nplots = false\n[parameters]\na = [-5, 5]\n"
      << "[datasets.A]\ndata = \"a.csv\"\nmodel = \"linear\"\nmatrix = [[1.0]]\n"
      << "[datasets.B]\ndata = \"b.csv\"\n" << dataset_b_extra << "\n"
      << "[[stages]]\nname = \"s1\"\ndatasets = [\"A\"]\nn_active = 64\nn_effective = 128\nn_total = 512\n"
      << "[[stages]]\nname = \"s2\"\n" << stage2 << "\n";
  return (dir / "analysis.toml").string();
}

void expect_error_before_any_run(const std::string& path, const std::string& needle) {
  const fs::path run = fs::path(path).parent_path() / "run";
  try {
    run_analysis(read_analysis_config(path));
    ADD_FAILURE() << "no error for " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(run / "s1.csv")) << "stage 1 ran before the error";
}

// Every run's problems reach the summary's warnings, named by run: the sampler's (here an unreliable evidence), once
// each, and non-convergence as one line (the sampler's own convergence warning is not repeated).
TEST(RunWarnings, SamplerWarningsNamedByRunAndConvergenceOnce) {
  RunOutput out;
  out.name = "reverse1";
  out.warnings = {"the importance-sampling evidence is unreliable: Pareto k-hat 0.73 > 0.7",
                  "the importance-sampling evidence is unreliable: Pareto k-hat 0.73 > 0.7"};
  EXPECT_EQ(run_warnings(out),
            std::vector<std::string>{"run 'reverse1': the importance-sampling evidence is unreliable: Pareto k-hat 0.73 > 0.7"});
  out.converged = false;
  out.stop_reason = "max_iterations";
  out.warnings.push_back("the persistent sampler stopped before convergence (max_iterations after 2)");
  const std::vector<std::string> lines = run_warnings(out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].rfind("run 'reverse1' did not converge (max_iterations)", 0), 0u) << lines[0];
  EXPECT_NE(lines[1].find("Pareto k-hat"), std::string::npos);
  out.converged = true;  // a converged run keeps every sampler warning
  EXPECT_EQ(run_warnings(out).size(), 2u);
  out.warnings.clear();  // no warnings recorded (an older run's files)
  EXPECT_TRUE(run_warnings(out).empty());
}

TEST(EarlyErrors, DuplicateDatasetInAStageNamesTheKey) {
  const fs::path dir = engine_dir("dup");
  const std::string path =
      two_stage_config(dir, "model = \"linear\"\nmatrix = [[1.0]]", "datasets = [\"B\", \"B\"]");
  try {
    read_analysis_config(path);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("stages[1].datasets"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("listed twice"), std::string::npos) << e.what();
  }
}

TEST(EarlyErrors, MissingCorrelatedColumnOfALaterStage) {
  const fs::path dir = engine_dir("correlated");
  expect_error_before_any_run(
      two_stage_config(dir, "model = \"linear\"\nmatrix = [[1.0]]\ncorrelated = [\"lumi\"]", "datasets = [\"B\"]"),
      "lumi");
}

TEST(EarlyErrors, EmulatorMissingAParameterOfALaterStage) {
  const fs::path dir = engine_dir("emulator");
  // An emulator of a parameter "c" that [parameters] does not have.
  MatrixXd x(12, 1), y(12, 1);
  for (int i = 0; i < 12; ++i) {
    x(i, 0) = -5 + 10.0 * i / 11;
    y(i, 0) = 0.5 * x(i, 0);
  }
  Emulator::train(x, y, {"c"}, {"y0"}).save((dir / "e.json").string());
  expect_error_before_any_run(two_stage_config(dir, "emulator = \"e.json\"", "datasets = [\"B\"]"),
                              "differ from [parameters]");
}

}  // namespace
}  // namespace flowprior

// Parameters that come and go between stages, and per-parameter priors (issue 17), on a linear-Gaussian problem
// with an exact answer: stage 1 frees (slope, intercept) with k fixed at 1; stage 2 adds c (a normal prior of its
// own) and fixes k at 0.5. The sequential posterior, the joint run, the evidences and log R match the exact
// Gaussian integrals, also when stage 1 comes from a CSV, an emcee-layout chain or a flow file; every bad stage
// configuration is one error before any stage runs.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "flowprior/core/error.hpp"
#include "flowprior/flow/flow_file.hpp"
#include "flowprior/flow/flow_on_box.hpp"
#include "flowprior/flow/train.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/comparison.hpp"
#include "flowprior/workflow/run_analysis.hpp"
#include "workflow/linear_gaussian_problem.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;
using testing::LinearDataset;
using testing::vec;

constexpr double kFixed1 = 1.0, kFixed2 = 0.5;  // k in stage 1 and stage 2
constexpr double kPriorMean = 0.5, kPriorSd = 0.8;  // c's own prior

fs::path sp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("flowprior_test_stage_parameters_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// Columns: slope, intercept, k, c. A does not use c.
LinearDataset sp_data_a() {
  LinearDataset d;
  d.a.resize(3, 4);
  d.a << 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.5, 0.0, 1.0, 1.0, -1.0, 0.0;
  d.offset = vec({0.5, 0.0, -0.5});
  d.sd = vec({0.5, 0.5, 0.4});
  d.values = d.a * vec({1.0, -1.0, kFixed1, 0.0}) + d.offset + vec({0.3, -0.2, 0.1});
  return d;
}

LinearDataset sp_data_b() {
  LinearDataset d;
  d.a.resize(4, 4);
  d.a << 1.0, -1.0, 0.5, 1.0, 2.0, 1.0, 1.0, 0.0, 0.5, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 1.0;
  d.offset = vec({0.0, 1.0, 0.0, 0.2});
  d.sd = vec({0.4, 0.6, 0.5, 0.5});
  d.values = d.a * vec({1.0, -1.0, kFixed2, 0.3}) + d.offset + vec({-0.25, 0.35, 0.05, -0.1});
  return d;
}

// The dataset on the free parameters (columns `free` of slope, intercept, k, c), k held at its stage's value.
LinearDataset sp_reduced(const LinearDataset& d, double k, const std::vector<int>& free) {
  LinearDataset r;
  r.a.resize(d.a.rows(), static_cast<Eigen::Index>(free.size()));
  for (std::size_t j = 0; j < free.size(); ++j) r.a.col(static_cast<Eigen::Index>(j)) = d.a.col(free[j]);
  r.offset = d.offset + k * d.a.col(2);
  r.values = d.values;
  r.sd = d.sd;
  return r;
}

// c's normal prior as one more Gaussian observation of c (its 7-sd truncation changes nothing at this precision).
LinearDataset sp_prior_row() {
  LinearDataset r;
  r.a = Eigen::MatrixXd::Zero(1, 3);
  r.a(0, 2) = 1.0;
  r.offset = vec({0.0});
  r.values = vec({kPriorMean});
  r.sd = vec({kPriorSd});
  return r;
}

const double kLogArea = std::log(20.0 * 20.0);  // slope and intercept uniform on [-10, 10]

std::string sp_write_problem(const fs::path& dir, const std::string& stage1_extra = "",
                             const std::string& extra = "") {
  const LinearDataset a = sp_data_a(), b = sp_data_b();
  testing::write_data_csv((dir / "a.csv").string(), a);
  testing::write_data_csv((dir / "b.csv").string(), b);
  std::ofstream out(dir / "analysis.toml");
  out << "seed = 5\noutput = \"run\"\nthreads = 2\nplots = false\n\n"
      << "[parameters]\nslope = [-10, 10]\nintercept = [-10, 10]\nk = [0, 2]\n"
      << "c = {prior = \"normal\", mean = " << kPriorMean << ", sd = " << kPriorSd << "}\n\n"
      << "[datasets.A]\ndata = \"a.csv\"\nmodel = \"linear\"\nmatrix = " << testing::toml_matrix(a.a)
      << "\noffset = " << testing::toml_vector(a.offset) << "\n\n"
      << "[datasets.B]\ndata = \"b.csv\"\nmodel = \"linear\"\nmatrix = " << testing::toml_matrix(b.a)
      << "\noffset = " << testing::toml_vector(b.offset) << "\n\n"
      << "[[stages]]\nname = \"stage1\"\ndatasets = [\"A\"]\nparameters = [\"slope\", \"intercept\"]\n"
      << "fixed = {k = " << kFixed1 << "}\nn_active = 200\nn_effective = 400\nn_total = 2000\n" << stage1_extra << "\n"
      << "[[stages]]\nname = \"stage2\"\ndatasets = [\"B\"]\nprior = \"flow\"\n"
      << "parameters = [\"slope\", \"intercept\", \"c\"]\nfixed = {k = " << kFixed2 << "}\n"
      << "n_active = 200\nn_effective = 400\nn_total = 2000\n\n"
      << "[flow]\narch = \"maf\"\nlayers = 3\nhidden = 16\nepochs = 150\npatience = 15\nbatch_size = 256\n"
      << "learning_rate = 0.005\n\n"
      << "[joint]\nn_active = 200\nn_effective = 400\nn_total = 2000\n\n"
      << extra;
  return (dir / "analysis.toml").string();
}

// Weighted moments of `csv` on `names` against the exact Gaussian: means within 4 MC sigma, sds within 4 of theirs.
// earlier_ess: the effective size of the earlier posterior a flow prior was trained on, whose Monte Carlo error
// the later stage inherits (added in quadrature; bounded by the earlier stage's own sd, the later one's is smaller).
void sp_expect_moments(const std::string& csv, const std::vector<std::string>& names,
                       const testing::ExactGaussian& exact, double extra_sigma = 0.0,
                       double earlier_ess = INFINITY) {
  const Samples p = read_samples_csv(csv).with_columns(names, csv);
  VectorXd mean, sd;
  weighted_moments(p.values, p.weights, mean, sd);
  const double ess = p.effective_size();
  ASSERT_GT(ess, 200.0) << csv;
  for (std::size_t j = 0; j < names.size(); ++j) {
    const auto i = static_cast<Index>(j);
    const double exact_sd = std::sqrt(exact.covariance(i, i));
    const double mc = std::sqrt(1.0 / ess + 1.0 / earlier_ess), mc_sd = std::sqrt(0.5 / ess + 0.5 / earlier_ess);
    EXPECT_NEAR(mean[i], exact.mean[i], (4.0 + extra_sigma) * exact_sd * mc) << csv << ' ' << names[j];
    EXPECT_NEAR(sd[i], exact_sd, (4.0 + extra_sigma) * exact_sd * mc_sd) << csv << ' ' << names[j];
  }
}

const std::vector<std::string> kStage2 = {"slope", "intercept", "c"};

testing::ExactGaussian sp_exact_sequential() {
  return testing::exact_posterior({sp_reduced(sp_data_a(), kFixed1, {0, 1, 3}),
                                   sp_reduced(sp_data_b(), kFixed2, {0, 1, 3}), sp_prior_row()},
                                  kLogArea);
}

TEST(StageParameters, AddedAndFixedParametersMatchTheExactPosteriorAndEvidences) {
  const fs::path dir = sp_dir("exact");
  const AnalysisConfig config = read_analysis_config(sp_write_problem(dir, "", "[checks]\nreverse_order = true\n"));
  EXPECT_EQ(config.stages[0].parameters, (std::vector<std::string>{"slope", "intercept"}));
  EXPECT_EQ(config.stages[1].fixed.at("k"), kFixed2);
  const nlohmann::json s = run_analysis(config).to_json();
  const std::string run = (dir / "run").string();
  const testing::ExactGaussian exact = sp_exact_sequential();
  sp_expect_moments(run + "/stage2.csv", kStage2, exact);
  sp_expect_moments(run + "/joint.csv", kStage2, exact);
  EXPECT_EQ(s["comparison"]["verdict"], "consistent") << s["comparison"].dump(2);

  // Stage 1 on its two parameters with k = 1, its evidence exact; the joint run's evidence holds c's normal prior.
  const auto exact_a = testing::exact_posterior({sp_reduced(sp_data_a(), kFixed1, {0, 1})}, kLogArea);
  sp_expect_moments(run + "/stage1.csv", {"slope", "intercept"}, exact_a);
  const double z1 = s["stages"]["stage1"]["log_z"], z1_err = s["stages"]["stage1"]["log_z_err"];
  EXPECT_NEAR(z1, exact_a.log_z, 4 * z1_err + 0.05);
  const double zj = s["joint"]["log_z"], zj_err = s["joint"]["log_z_err"];
  EXPECT_NEAR(zj, exact.log_z, 4 * zj_err + 0.05);
  // log R against the exact one: B alone on (slope, intercept, c) with c's prior.
  const auto exact_b =
      testing::exact_posterior({sp_reduced(sp_data_b(), kFixed2, {0, 1, 3}), sp_prior_row()}, kLogArea);
  const double exact_log_r = exact.log_z - exact_a.log_z - exact_b.log_z;
  EXPECT_NEAR(s["tension"]["log_r"].get<double>(), exact_log_r, 4 * s["tension"]["log_r_err"].get<double>() + 0.1);
  // The hand-over coverage on the parameters the flow covers (slope, intercept).
  EXPECT_GT(s["stages"]["stage2"]["hand_over"]["effective_samples_inside"].get<double>(), 200.0)
      << s["stages"]["stage2"].dump(2);
  // Stage 2 frees every parameter of stage 1: its particles reweight to the exact target.
  EXPECT_GT(s["flow_prior_check"]["ess_fraction"].get<double>(), 0.5) << s["flow_prior_check"].dump(2);
  // The reverse order drops c in its last stage (A does not use it): its flow is B's marginal on (slope, intercept).
  EXPECT_EQ(s["reverse_order"]["comparison"]["verdict"], "consistent") << s["reverse_order"].dump(2);
  const Samples stage2 = read_samples_csv(run + "/stage2.csv");
  EXPECT_EQ(std::count(stage2.names.begin(), stage2.names.end(), "k"), 0);  // fixed: not a column of the run
}

TEST(StageParameters, FirstStageFromCsvChainOrFlowFileMatchesExact) {
  const fs::path base = sp_dir("import_base");
  run_analysis(read_analysis_config(
      sp_write_problem(base, "", "[checks]\ntension = false\nlost_modes = false\nflow_prior = false\n")));
  const fs::path chain_dir = sp_dir("import_chain");
  run_analysis(read_analysis_config(sp_write_problem(
      chain_dir, "sampler = \"ensemble\"\nwalkers = 16\nsteps = 1500\nburn_in = 300\n",
      "[checks]\ntension = false\nlost_modes = false\nflow_prior = false\n")));
  const std::vector<std::pair<std::string, std::string>> sources = {
      {"csv", "posterior = \"" + (base / "run" / "stage1.csv").string() + "\"\n"},
      {"chain", "posterior = \"" + (chain_dir / "run" / "stage1.h5").string() + "\"\ndiscard = 300\n"},
      {"flow", "posterior = \"" + (base / "run" / "flow_stage2.json").string() + "\"\n"}};
  const testing::ExactGaussian exact = sp_exact_sequential();
  for (const auto& [kind, keys] : sources) {
    SCOPED_TRACE(kind);
    const fs::path dir = sp_dir("from_" + kind);
    const nlohmann::json s =
        run_analysis(read_analysis_config(sp_write_problem(dir, keys, "[checks]\nlost_modes = false\n"))).to_json();
    // The earlier posterior's effective size: the chain's draws over its autocorrelation time, else the SMC's.
    const fs::path source = kind == "chain" ? chain_dir : base;
    std::ifstream diagnostics(source / "run" / "stage1_diagnostics.json");
    const double earlier_ess = nlohmann::json::parse(diagnostics)["effective_size"].get<double>();
    sp_expect_moments((dir / "run" / "stage2.csv").string(), kStage2, exact, 0.0, earlier_ess);
    EXPECT_EQ(s["stages"]["stage1"]["prior"], "file");
    EXPECT_NE(s["flow_prior_check"]["skipped"].get<std::string>().find("comes from"), std::string::npos);
  }
}

// A [datasets.NAME] table of the linear model on `data` (no offset).
std::string sp_dataset_toml(const std::string& name, const std::string& file, const LinearDataset& d) {
  return "[datasets." + name + "]\ndata = \"" + file + "\"\nmodel = \"linear\"\nmatrix = " +
         testing::toml_matrix(d.a) + "\n";
}

// One configuration error per case, found before any stage runs (no run file written).
TEST(StageParameters, BadStageConfigurationsAreOneErrorBeforeAnyRun) {
  struct Case {
    std::string what, stage1, extra, key, message;
  };
  const std::vector<Case> cases = {
      {"unknown free parameter", "", "", "stages[1].parameters", "not a parameter"},
      {"unknown fixed parameter", "fixed = {q = 1}\n", "", "stages[0].fixed.q", "not a parameter"},
      {"fixed outside bounds", "fixed = {k = 3}\n", "", "stages[0].fixed.k", "outside"},
      {"free and fixed", "fixed = {slope = 1, k = 1}\n", "", "stages[0].parameters", "both free and fixed"},
      {"dataset needs an absent parameter", "fixed = {}\n", "", "stages[0].parameters", "depends on \"k\""},
      {"dropped and freed again", "", "third", "stages[3].parameters", "free again"},
      {"kl loss with a marginal hand-over", "", "kl", "flow.loss", "marginal"},
      {"kl loss with a reverse order that drops c", "", "klreverse", "flow.loss", "reverse order drops"},
      {"flow file with other names", "", "flowfile", "", "names"},
      {"missing correlated column", "", "correlated", "datasets.B.correlated", "not in the data file"},
      {"dataset listed twice", "", "twice", "stages[0].datasets", "listed twice"},
      {"unknown prior", "", "prior", "parameters.c.prior", "unknown prior"},
      {"loguniform at zero", "", "loguniform", "parameters.c", "above 0"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const fs::path dir = sp_dir("bad");
    std::string path = sp_write_problem(dir);
    std::stringstream text;
    text << std::ifstream(path).rdbuf();
    std::string toml = text.str();
    auto replace = [&](const std::string& from, const std::string& to) {
      const auto at = toml.find(from);
      ASSERT_NE(at, std::string::npos) << from;
      toml.replace(at, from.size(), to);
    };
    if (c.what == "unknown free parameter") replace("parameters = [\"slope\", \"intercept\", \"c\"]", "parameters = [\"slope\", \"nope\"]");
    if (!c.stage1.empty()) replace("fixed = {k = 1}\n", c.stage1);
    if (c.extra == "third")  // c free in stage 2, dropped in stage 3 (A2 does not use it), free again in stage 4
      toml += sp_dataset_toml("A2", "a.csv", sp_data_a()) + sp_dataset_toml("B2", "b.csv", sp_data_b()) +
              "[[stages]]\nname = \"stage3\"\ndatasets = [\"A2\"]\nparameters = [\"slope\", \"intercept\"]\n"
              "fixed = {k = 1}\n[[stages]]\nname = \"stage4\"\ndatasets = [\"B2\"]\n"
              "parameters = [\"slope\", \"intercept\", \"c\"]\nfixed = {k = 1}\n";
    if (c.extra == "kl") {  // stage 3 drops c: its flow is a marginal of stage 2
      replace("learning_rate = 0.005\n", "learning_rate = 0.005\nloss = \"kl\"\n");
      toml += sp_dataset_toml("A2", "a.csv", sp_data_a()) +
              "[[stages]]\nname = \"stage3\"\ndatasets = [\"A2\"]\nparameters = [\"slope\", \"intercept\"]\n"
              "fixed = {k = 1}\n";
    }
    if (c.extra == "klreverse") {  // stage 2 adds c: the reverse order's last stage (A) drops it
      replace("learning_rate = 0.005\n", "learning_rate = 0.005\nloss = \"kl\"\n");
      toml += "[checks]\nreverse_order = true\n";
    }
    if (c.extra == "flowfile") {
      const std::string flow_dir = sp_dir("bad_flowfile_source").string();
      // A flow on (intercept, slope): right parameters, wrong order.
      std::ofstream(flow_dir + "/s.csv") << [] {
        std::ostringstream s;
        s << "intercept,slope\n";
        for (int i = 0; i < 200; ++i) s << (i % 17) * 0.05 - 0.4 << ',' << (i % 13) * 0.07 + 0.5 << '\n';
        return s.str();
      }();
      const Samples train = read_samples_csv(flow_dir + "/s.csv");
      std::vector<FlowOnBox> members;
      TrainOptions options;
      options.max_epochs = 1;
      train_flow_ensemble(train, Box({"intercept", "slope"}, vec({-10, -10}), vec({10, 10})), options, 1, members);
      save_flow_members_file((dir / "flow.json").string(), members);
      replace("fixed = {k = 1}\n", "fixed = {k = 1}\nposterior = \"flow.json\"\n");
    }
    if (c.extra == "correlated") replace("data = \"b.csv\"\n", "data = \"b.csv\"\ncorrelated = [\"nope\"]\n");
    if (c.extra == "twice") replace("datasets = [\"A\"]", "datasets = [\"A\", \"A\"]");
    if (c.extra == "prior") replace("prior = \"normal\", mean", "prior = \"gaussian\", mean");
    if (c.extra == "loguniform")
      replace("c = {prior = \"normal\", mean = 0.5, sd = 0.8}",
              "c = {prior = \"loguniform\", range = [0, 1]}");
    std::ofstream(path) << toml;
    try {
      run_analysis(read_analysis_config(path));
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(c.message), std::string::npos) << "error: " << what;
      if (!c.key.empty()) {
        EXPECT_EQ(e.context().parameter, c.key) << what;
      }
      EXPECT_EQ(what.find('\n'), std::string::npos) << "one line: " << what;
    }
    EXPECT_FALSE(fs::exists(dir / "run" / "stage1.done"));
    EXPECT_FALSE(fs::exists(dir / "run" / "stage1.settings.json"));
  }
}

}  // namespace
}  // namespace flowprior

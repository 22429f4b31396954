// User models (src/workflow/models/table_model.cpp, command_model.cpp): an emulator built by the run from a user's
// design and output tables or from a user's simulator run as a command. On a linear model the emulated likelihood
// is the exact Gaussian one (a GP reproduces a linear function to far below the data errors) and the posterior
// the exact conjugate one; the emulator may cover some of the parameters, in any order; scale = "log" is handled
// inside; bad tables give one clear error line naming the file; a command runs once per design and its outputs are
// cached in the run folder.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include <gtest/gtest.h>

#include "flowprior/core/rng.hpp"
#include "flowprior/emulator/design.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/comparison.hpp"
#include "flowprior/workflow/likelihood_builder.hpp"
#include "flowprior/workflow/run_analysis.hpp"
#include "workflow/linear_gaussian_problem.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::LinearDataset;

fs::path user_models_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("flowprior_test_user_models_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// The data of `d` (value, error), on the log scale exp(value) with the relative errors sd (sd(ln y) = sd).
void write_user_data(const fs::path& file, const LinearDataset& d, bool log_scale) {
  std::ofstream out(file);
  out << std::setprecision(17) << "value,error\n";
  for (Index i = 0; i < d.values.size(); ++i) {
    const double y = log_scale ? std::exp(d.values[i]) : d.values[i];
    out << y << "," << (log_scale ? d.sd[i] * y : d.sd[i]) << "\n";
  }
}

// The linear model of `d` on a design over (b, a) (columns in that order): outputs y_i = (A x + offset)_i, or
// exp of that on the log scale.
void write_user_tables(const fs::path& dir, const LinearDataset& d, Index n, bool log_scale) {
  const Box ba({"b", "a"}, testing::vec({-5, -5}), testing::vec({5, 5}));
  DesignOptions o;
  o.seed = 3;
  const MatrixXd x = maximin_latin_hypercube(ba, n, o);
  MatrixXd ab(n, 2);
  ab.col(0) = x.col(1);
  ab.col(1) = x.col(0);
  MatrixXd y = (ab * d.a.transpose()).rowwise() + d.offset.transpose();
  if (log_scale) y = y.array().exp().matrix();
  write_csv_table((dir / "design.csv").string(), {"b", "a"}, x);
  write_csv_table((dir / "outputs.csv").string(), {"y0", "y1", "y2"}, y);
}

std::string user_config_head() {
  return "seed = 5\noutput = \"run\"\nthreads = 1\nplots = false\n\n"
         "[parameters]\na = [-5, 5]\nb = [-5, 5]\nc = [-5, 5]\n\n";
}

// The exact log-likelihood of the linear dataset at (a, b): independent Gaussians, on the log scale for ln y.
double exact_log_like(const LinearDataset& d, double a, double b, bool log_scale) {
  double s = 0;
  for (Index i = 0; i < d.values.size(); ++i) {
    const double mu = d.a(i, 0) * a + d.a(i, 1) * b + d.offset[i];
    const double r = d.values[i] - mu;
    s += -0.5 * r * r / (d.sd[i] * d.sd[i]) - std::log(d.sd[i]) - 0.5 * std::log(2 * M_PI);
  }
  (void)log_scale;  // ln y = A x + offset: on the log scale the data ln y and relative errors sd are the same numbers
  return s;
}

// Points drawn around the exact posterior of `d` (a, b) and anywhere in c.
MatrixXd points_near_posterior(const LinearDataset& d, Index n) {
  const testing::ExactGaussian e = testing::exact_posterior({d}, std::log(100.0));
  const Eigen::LLT<MatrixXd> llt(e.covariance);
  Rng rng(11, 0);
  MatrixXd x(n, 3);
  for (Index i = 0; i < n; ++i) {
    VectorXd z(2);
    z << rng.normal(), rng.normal();
    const MatrixXd l = llt.matrixL();
    x.row(i).head(2) = (e.mean + 2.0 * (l * z)).transpose();
    x(i, 2) = -5 + 10 * rng.uniform();
  }
  return x;
}

AnalysisConfig user_read(const fs::path& dir, const std::string& text) {
  std::ofstream(dir / "analysis.toml") << text;
  return read_analysis_config((dir / "analysis.toml").string());
}

// The likelihood of an emulated linear dataset equals the exact Gaussian one near the posterior (the GP
// reproduces a linear function; its own variance is then far below the data variance), whatever c is.
void expect_exact_likelihood(const AnalysisConfig& config, const LinearDataset& d, bool log_scale) {
  const auto like = build_dataset_likelihood(config.datasets.front(), config.box);
  ASSERT_EQ(like->names(), (std::vector<std::string>{"a", "b", "c"}));
  const MatrixXd x = points_near_posterior(d, 50);
  VectorXd got;
  like->log_prob(x, got);
  double worst = 0;
  for (Index i = 0; i < x.rows(); ++i)
    worst = std::max(worst, std::abs(got[i] - exact_log_like(d, x(i, 0), x(i, 1), log_scale)));
  EXPECT_LT(worst, 0.02) << "largest |ln L_emulated - ln L_exact| near the posterior";
  MatrixXd shifted = x;
  shifted.col(2).setConstant(4.0);  // c is not a parameter of the emulator: nothing changes
  VectorXd same;
  like->log_prob(shifted, same);
  EXPECT_EQ(same, got);
}

TEST(UserModels, TableModelOnSomeParametersGivesTheExactPosterior) {
  const fs::path dir = user_models_dir("table");
  const LinearDataset d = testing::dataset_a();
  write_user_data(dir / "a.csv", d, false);
  write_user_tables(dir, d, 40, false);
  const std::string text = user_config_head() +
                           "[datasets.A]\ndata = \"a.csv\"\ndesign = \"design.csv\"\noutputs = \"outputs.csv\"\n\n"
                           "[[stages]]\nname = \"only\"\ndatasets = [\"A\"]\nsampler = \"smc\"\nn_active = 300\n"
                           "n_effective = 600\nn_total = 3000\n\n[joint]\nenabled = false\n";
  AnalysisConfig config = user_read(dir, text);
  const auto records = prepare_models(config, PrepareContext{(dir / "prepared").string(), 1, 7, false});
  ASSERT_EQ(records.count("A"), 1u);
  EXPECT_EQ(records.at("A").design_points, 32);  // the default held-out fraction 0.2 of 40 rows
  EXPECT_EQ(records.at("A").validation_points, 8);
  EXPECT_FALSE(records.at("A").loaded);
  expect_exact_likelihood(config, d, false);

  // The whole run: the posterior of (a, b) is the exact conjugate one, c stays flat on [-5, 5].
  const AnalysisResult result = run_analysis(user_read(dir, text));
  ASSERT_EQ(result.emulators.count("A"), 1u);
  EXPECT_FALSE(result.emulators.at("A").loaded);
  const Samples stage = read_samples_csv((dir / "run" / "only.csv").string());
  const double ess = stage.effective_size();
  ASSERT_GT(ess, 300.0);
  VectorXd mean, sd;
  weighted_moments(stage.values, stage.weights, mean, sd);
  const testing::ExactGaussian e = testing::exact_posterior({d}, std::log(100.0));
  for (int j = 0; j < 2; ++j) {
    const double s = std::sqrt(e.covariance(j, j));
    EXPECT_NEAR(mean[j], e.mean[j], 4 * s / std::sqrt(ess)) << j;
    EXPECT_NEAR(sd[j], s, 4 * s / std::sqrt(2 * ess)) << j;
  }
  EXPECT_NEAR(mean[2], 0.0, 4 * 2.89 / std::sqrt(ess));
  std::ifstream in(dir / "run" / "summary.json");
  const json summary = json::parse(in);
  EXPECT_EQ(summary["emulators"]["A"]["file"], "emulator_A.json") << summary["emulators"].dump();
  EXPECT_TRUE(fs::exists(dir / "run" / "emulator_A_validation.json"));
  // The emulator-to-data error ratio at 200 points of the stage's posterior, per data point in
  // emulator_A_error_ratio.csv; the summary names the data point with the largest 95th percentile.
  const json& r = summary["emulators"]["A"]["error_ratio"];
  ASSERT_TRUE(r.is_object()) << summary["emulators"].dump();
  EXPECT_EQ(r["points"], 200);
  EXPECT_EQ(r["count"], 200 * d.values.size());
  EXPECT_EQ(r["file"], "emulator_A_error_ratio.csv");
  std::ifstream per(dir / "run" / "emulator_A_error_ratio.csv");
  std::string line;
  std::getline(per, line);
  EXPECT_EQ(line, "data_point,data_sd,median,p90,p95,p99,max,fraction_above_third");
  std::vector<std::pair<std::string, double>> p95;  // (data point, its 95th percentile)
  while (std::getline(per, line)) {
    std::vector<std::string> f;
    std::stringstream fields(line);
    for (std::string v; std::getline(fields, v, ',');) f.push_back(v);
    ASSERT_EQ(f.size(), 8u) << line;
    p95.emplace_back(f[0], std::stod(f[4]));
  }
  ASSERT_EQ(static_cast<Index>(p95.size()), d.values.size());
  std::size_t worst = 0;
  for (std::size_t i = 0; i < p95.size(); ++i) {
    EXPECT_EQ(p95[i].first, "A row " + std::to_string(i));  // no x_column: named by row
    if (p95[i].second > p95[worst].second) worst = i;
  }
  EXPECT_EQ(r["worst"]["data_point"], p95[worst].first);
  EXPECT_NEAR(r["worst"]["p95"].get<double>(), p95[worst].second, 1e-6);
  EXPECT_LE(r["median"].get<double>(), r["p95"].get<double>());
  EXPECT_LE(r["p95"].get<double>(), r["max"].get<double>());
}

TEST(UserModels, TableModelOnTheLogScaleTrainsOnLnOutputs) {
  const fs::path dir = user_models_dir("log");
  const LinearDataset d = testing::dataset_a();
  write_user_data(dir / "a.csv", d, true);
  write_user_tables(dir, d, 40, true);
  std::ofstream(dir / "vd.csv") << "a,b\n0.5,-0.5\n1,-1\n1.5,-1.2\n";  // explicit validation tables, columns (a, b)
  std::ofstream vo(dir / "vo.csv");
  vo << std::setprecision(17) << "y2,y0,y1\n";  // and outputs in another order
  for (const auto& [a, b] : std::vector<std::pair<double, double>>{{0.5, -0.5}, {1, -1}, {1.5, -1.2}})
    vo << std::exp(a + b - 0.5) << "," << std::exp(a + 0.5) << "," << std::exp(b) << "\n";
  vo.close();
  const std::string text = user_config_head() +
                           "[datasets.A]\ndata = \"a.csv\"\ndesign = \"design.csv\"\noutputs = \"outputs.csv\"\n"
                           "validation_design = \"vd.csv\"\nvalidation_outputs = \"vo.csv\"\nscale = \"log\"\n"
                           "observables = [\"y0\", \"y1\", \"y2\"]\n\n"
                           "[[stages]]\nname = \"only\"\ndatasets = [\"A\"]\n";
  AnalysisConfig config = user_read(dir, text);
  const auto records = prepare_models(config, PrepareContext{(dir / "run").string(), 1, 7, false});
  EXPECT_EQ(records.at("A").design_points, 40);
  EXPECT_EQ(records.at("A").validation_points, 3);
  expect_exact_likelihood(config, d, true);
  // The emulator's tables in the run folder are ln(outputs).
  const Table trained = read_csv_table((dir / "run" / "emulator_A_outputs.csv").string());
  const Table given = read_csv_table((dir / "outputs.csv").string());
  EXPECT_NEAR(trained.values(0, 0), std::log(given.values(0, 0)), 1e-12);
}

// One error line, naming the file (and the column or line where there is one).
void expect_user_error(const fs::path& dir, const std::string& text, const std::vector<std::string>& parts,
                       bool prepare = false) {
  try {
    AnalysisConfig config = user_read(dir, text);
    if (prepare) {
      prepare_models(config, PrepareContext{(dir / "run").string(), 1, 7, false});
      build_dataset_likelihood(config.datasets.front(), config.box);
    }
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    for (const std::string& p : parts) EXPECT_NE(what.find(p), std::string::npos) << what << "\n  lacks: " << p;
  }
}

TEST(UserModels, BadTablesGiveOneClearErrorNamingTheFile) {
  const fs::path dir = user_models_dir("bad");
  const LinearDataset d = testing::dataset_a();
  write_user_data(dir / "a.csv", d, false);
  write_user_tables(dir, d, 20, false);
  const std::string head = user_config_head() + "[[stages]]\nname = \"only\"\ndatasets = [\"A\"]\n\n";
  const std::string dataset = "[datasets.A]\ndata = \"a.csv\"\ndesign = \"design.csv\"\n";
  std::ofstream(dir / "d_bad_name.csv") << "a,bee\n0,0\n1,1\n2,2\n3,3\n";
  std::ofstream(dir / "o_short.csv") << "y0,y1,y2\n1,2,3\n";
  std::ofstream(dir / "o_neg.csv") << "y0,y1,y2\n1,2,3\n1,2,3\n1,-2,3\n1,2,3\n";
  std::ofstream(dir / "d4.csv") << "a,b\n0,0\n1,1\n2,2\n3,3\n";
  std::ofstream o2(dir / "o2.csv"), d10(dir / "d10.csv");
  o2 << "u,v\n";
  d10 << "a,b\n";
  for (int i = 0; i < 10; ++i) {
    o2 << i << "," << (i * 7) % 10 << "\n";
    d10 << i * 0.3 - 1.5 << "," << ((i * 3) % 10) * 0.3 - 1.5 << "\n";
  }
  o2.close();
  d10.close();
  expect_user_error(dir, head + "[datasets.A]\ndata = \"a.csv\"\ndesign = \"d_bad_name.csv\"\noutputs = \"outputs.csv\"\n",
                    {"d_bad_name.csv", "bee", "not a parameter"});
  expect_user_error(dir, head + dataset + "outputs = \"o_short.csv\"\n", {"o_short.csv", "1 rows", "20"});
  expect_user_error(dir, head + "[datasets.A]\ndata = \"a.csv\"\ndesign = \"d4.csv\"\noutputs = \"o_neg.csv\"\n"
                             "scale = \"log\"\n",
                    {"o_neg.csv", "line 4", "y1", "not positive"});
  expect_user_error(dir, head + dataset, {"outputs", "missing key"});
  expect_user_error(dir, head + dataset + "outputs = \"outputs.csv\"\nvalidation_design = \"d4.csv\"\n",
                    {"validation_outputs"});
  expect_user_error(dir, head + dataset + "outputs = \"nowhere.csv\"\n", {"nowhere.csv"});
  // Data rows that are not the outputs: 3 rows, 2 output columns and no observables.
  expect_user_error(dir, head + "[datasets.A]\ndata = \"a.csv\"\ndesign = \"d10.csv\"\noutputs = \"o2.csv\"\n",
                    {"a.csv", "observables", "2 output columns", "3 rows"}, true);
  expect_user_error(dir, head + "[datasets.A]\ndata = \"a.csv\"\ndesign = \"d10.csv\"\noutputs = \"o2.csv\"\n"
                             "observables = [\"u\", \"v\", \"w\"]\n",
                    {"a.csv", "\"w\" is not an output column", "o2.csv"}, true);
}

// The simulator: y = A (a, b) + offset of dataset_a, one line appended to calls.txt per run.
void write_user_simulator(const fs::path& dir, int exit_code = 0) {
  std::ofstream(dir / "sim.py")
      << "import csv, sys\n"
      << "rows = list(csv.DictReader(open(sys.argv[1])))\n"
      << "open('calls.txt', 'a').write('%d\\n' % len(rows))\n"
      << "if " << exit_code << ":\n    sys.stderr.write('boom: no such physics\\n'); sys.exit(" << exit_code << ")\n"
      << "with open(sys.argv[2], 'w') as f:\n"
      << "    f.write('y0,y1,y2\\n')\n"
      << "    for r in rows:\n"
      << "        a, b = float(r['a']), float(r['b'])\n"
      << "        f.write('%r,%r,%r\\n' % (a + 0.5, b, a + b - 0.5))\n";
}

std::string user_calls(const fs::path& dir) {
  std::ifstream in(dir / "calls.txt");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(UserModels, CommandModelRunsTheSimulatorOnceAndCachesItsOutputs) {
  const fs::path dir = user_models_dir("command");
  const LinearDataset d = testing::dataset_a();
  write_user_data(dir / "a.csv", d, false);
  write_user_simulator(dir);
  const std::string text = user_config_head() +
                           "[models.lin]\ncommand = \"python3 sim.py {in} {out}\"\ndesign_points = 30\n"
                           "validation_points = 10\nparameters = [\"b\", \"a\"]\n\n"
                           "[datasets.A]\ndata = \"a.csv\"\nmodel = \"lin\"\n\n"
                           "[[stages]]\nname = \"only\"\ndatasets = [\"A\"]\n";
  AnalysisConfig config = user_read(dir, text);
  const std::string run = (dir / "run").string();
  const auto records = prepare_models(config, PrepareContext{run, 1, 7, false});
  EXPECT_EQ(user_calls(dir), "30\n10\n");  // once for the design, once for the validation points
  ASSERT_EQ(records.count("lin"), 1u);
  EXPECT_EQ(records.at("lin").design_points, 30);
  expect_exact_likelihood(config, d, false);
  EXPECT_EQ(read_csv_table(run + "/command_lin_design.csv").names, (std::vector<std::string>{"b", "a"}));

  // A rerun loads the emulator; with the emulator gone (a run stopped while training) the cached outputs are
  // used: the simulator never runs again.
  AnalysisConfig again = user_read(dir, text);
  EXPECT_TRUE(prepare_models(again, PrepareContext{run, 1, 7, false}).at("lin").loaded);
  fs::remove(run + "/emulator_lin.json");
  AnalysisConfig third = user_read(dir, text);
  EXPECT_FALSE(prepare_models(third, PrepareContext{run, 1, 7, false}).at("lin").loaded);
  EXPECT_EQ(user_calls(dir), "30\n10\n");
  expect_exact_likelihood(third, d, false);
  // Other settings in the same folder: an error naming the settings file, nothing rebuilt.
  std::string other = text;
  other.replace(other.find("design_points = 30"), 18, "design_points = 31");
  expect_user_error(dir, other, {"emulator_lin.settings.json", "other settings"}, true);
  EXPECT_EQ(user_calls(dir), "30\n10\n");
}

TEST(UserModels, FailingCommandNamesTheModelTheCommandAndItsError) {
  const fs::path dir = user_models_dir("command_fails");
  write_user_data(dir / "a.csv", testing::dataset_a(), false);
  write_user_simulator(dir, 3);
  const std::string text = user_config_head() +
                           "[models.lin]\ncommand = \"python3 sim.py {in} {out}\"\ndesign_points = 10\n\n"
                           "[datasets.A]\ndata = \"a.csv\"\nmodel = \"lin\"\n\n"
                           "[[stages]]\nname = \"only\"\ndatasets = [\"A\"]\n";
  try {
    AnalysisConfig config = user_read(dir, text);
    prepare_models(config, PrepareContext{(dir / "run").string(), 1, 7, false});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    for (const std::string p : {"model 'lin'", "python3 sim.py {in} {out}", "exit code 3", "boom: no such physics",
                                "command_lin_design.log", "models.lin.command"})
      EXPECT_NE(what.find(p), std::string::npos) << what << "\n  lacks: " << p;
  }
  // Config errors come before anything runs: a parameter that is not in [parameters], a command without {out}.
  std::string bad = text;
  bad.replace(bad.find("design_points = 10"), 18, "parameters = [\"a\", \"z\"]");
  expect_user_error(dir, bad, {"models.lin.parameters", "\"z\" is not a parameter"});
  bad = text;
  bad.replace(bad.find(" {out}"), 6, "");
  expect_user_error(dir, bad, {"models.lin.command", "{out}"});
}

}  // namespace
}  // namespace flowprior

// The loss study (issue 11): every flow architecture trained with every loss, with and without importance weights
// where the input has them, on three inputs; each run measured against a held-out reference by the held-out NLL,
// the exact KL where the density is known, the paper's <D_KL>, C2ST and moment z-scores, each beside its noise
// floor. Writes results.csv and results.md. Same seed -> same table (wall time, the last column, aside).
// Usage: loss_study [--quick] [--out DIR] [--data DIR] [--threads N] [--seed N] [--ipglasma-splits N]
//                   [--datasets banana,ipglasma7d,mixture4d]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/density/flow_prior.hpp"
#include "flowprior/density/metrics/quality_report.hpp"
#include "flowprior/flow/flow_on_box.hpp"
#include "flowprior/io/csv.hpp"
#include "study_datasets.hpp"
#include "study_table.hpp"

#ifndef FLOWPRIOR_SOURCE_DIR
#define FLOWPRIOR_SOURCE_DIR "."
#endif

using namespace flowprior;
using namespace loss_study;

namespace {

// Training and measuring settings, the same for every run of one study.
struct Settings {
  bool quick = false;
  Index n_train = 20000;      // banana and mixture draws for training (10 % of them held out for early stopping)
  Index n_reference = 10000;  // independent draws for the metrics (5000 per side in every comparison)
  int batch = 256;
  double learning_rate = 1e-3;
  int max_epochs = 150;
  int patience = 20;
  int hidden = 64;            // MAF / NSF conditioner width (2 hidden layers); RealNVP follows the paper (width d)
  int bootstrap = 100;
  int ipglasma_splits = 4;    // the 7-D set is repeated on this many random halvings (seeds seed .. seed + n - 1)
  std::uint64_t seed = 1;
  int threads = 2;
  std::string out = ".";
  std::string data = std::string(FLOWPRIOR_SOURCE_DIR) + "/data";
  std::vector<std::string> datasets = {"banana", "ipglasma7d", "mixture4d"};

  void make_quick() {
    quick = true;
    n_train = 600;
    n_reference = 600;
    max_epochs = 2;
    hidden = 8;
    bootstrap = 20;
  }
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

Settings parse_arguments(int argc, char** argv) {
  Settings s;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& a : args)
    if (a == "--quick") s.make_quick();  // first, so that explicit options below still apply
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--quick") continue;
    if (i + 1 >= args.size()) throw Error(ErrorContext{.parameter = a}, "unknown option or missing value");
    const std::string& v = args[++i];
    if (a == "--out") s.out = v;
    else if (a == "--data") s.data = v;
    else if (a == "--threads") s.threads = std::stoi(v);
    else if (a == "--seed") s.seed = std::stoull(v);
    else if (a == "--ipglasma-splits") s.ipglasma_splits = std::stoi(v);
    else if (a == "--datasets") s.datasets = split_list(v);
    else throw Error(ErrorContext{.parameter = a}, "unknown option");
  }
  if (s.threads < 1) throw Error(ErrorContext{.parameter = "--threads"}, "must be at least 1");
  if (s.ipglasma_splits < 1) throw Error(ErrorContext{.parameter = "--ipglasma-splits"}, "must be at least 1");
  return s;
}

TrainOptions train_options(const Settings& s, std::uint64_t seed, FlowArch arch, Loss loss, bool use_weights) {
  TrainOptions o;
  o.flow.arch = arch;
  o.flow.layers = arch == FlowArch::realnvp ? 6 : 5;  // RealNVP: the paper's L = 6 blocks (12 couplings)
  o.flow.hidden = s.hidden;
  o.flow.hidden_layers = 2;
  o.loss = loss;
  o.use_weights = use_weights;
  o.batch_size = s.batch;
  o.learning_rate = s.learning_rate;
  o.max_epochs = s.max_epochs;
  o.patience = s.patience;
  o.seed = seed;
  o.threads = s.threads;
  return o;
}

StudyRow run_one(const Dataset& d, const Settings& s, FlowArch arch, Loss loss, const std::string& weights) {
  FlowOnBox trained;
  const TrainOptions options = train_options(s, d.seed, arch, loss, weights != "no");
  const TrainSummary summary = train_flow(d.train, d.box, options, trained);
  const FlowPrior prior(std::move(trained));
  Rng rng(d.seed, stream_id({0x6c6f737373747564ULL}));
  const MatrixXd model = prior.sample(d.reference.size(), rng);
  QualityOptions q;
  q.seed = d.seed;
  q.threads = s.threads;
  q.moments.bootstrap = s.bootstrap;
  const QualityReport r = assess_quality(d.reference, model, d.box, q, &prior);

  StudyRow row;
  row.dataset = d.name;
  row.dim = d.box.dim();
  row.n_train = static_cast<long>(d.train.size());
  row.arch = to_string(arch);
  row.loss = to_string(loss);
  row.weights = weights;
  row.epochs = summary.epochs;
  row.best_epoch = summary.best_epoch;
  row.stop = summary.stop_reason;
  row.nll = r.nll;
  row.nll_se = r.nll_standard_error;
  row.nll_floor = r.nll_noise_floor;
  if (d.exact_log_density) {
    const VectorXd diff = d.exact_log_density(d.reference.values) - prior.log_prob(d.reference.values);
    const double n = static_cast<double>(diff.size());
    row.has_exact_kl = true;
    row.exact_kl = diff.mean();
    row.exact_kl_se = std::sqrt((diff.array() - row.exact_kl).square().sum() / (n - 1) / n);
  }
  row.dkl = r.kl.mean;
  row.dkl_floor = r.kl_floor.mean;
  row.c2st = r.c2st.accuracy;
  row.c2st_floor = r.c2st_floor.accuracy;
  row.z_max = r.moments.max_abs;
  row.z_max_floor = r.moments_floor.max_abs;
  row.z_rms = r.moments.rms;
  row.z_rms_floor = r.moments_floor.rms;
  row.wall_seconds = summary.wall_seconds;
  return row;
}

void add_dataset(const std::string& name, const Settings& s, std::vector<Dataset>& out) {
  if (name == "banana") return out.push_back(make_banana(s.n_train, s.n_reference, s.seed));
  if (name == "ipglasma7d") {
    for (int k = 0; k < s.ipglasma_splits; ++k)
      out.push_back(make_ipglasma(s.data + "/ipglasma_2022_posterior.csv", s.data + "/ipglasma_2022_box.toml",
                                  s.seed + static_cast<std::uint64_t>(k)));
    return;
  }
  if (name == "mixture4d") return out.push_back(make_weighted_mixture(s.n_train, s.n_reference, s.seed));
  throw Error(ErrorContext{.parameter = "--datasets"},
              "unknown dataset '" + name + "' (expected banana, ipglasma7d, mixture4d)");
}

std::string settings_text(const Settings& s, const std::vector<Dataset>& datasets) {
  std::ostringstream out;
  out << "Loss study" << (s.quick ? " (quick mode: a smoke test, not a result)" : "") << ", seed " << s.seed
      << ". Every run: Adam lr " << s.learning_rate << ", batch " << s.batch << ", at most " << s.max_epochs
      << " epochs, patience " << s.patience
      << ", 10 % of the training rows held out for early stopping (best weights restored), gradient clip 5; "
         "realnvp 6 checkerboard blocks (paper), maf and nsf 5 transforms of 2 x "
      << s.hidden << " (nsf: 8 bins, tail bound 10). Metrics against the held-out reference, flow draws as many "
         "as reference rows; noise floor = the same metric between the two halves of the reference; moment "
         "z-scores with "
      << s.bootstrap << " bootstrap resamples.\n\n";
  for (const Dataset& d : datasets)
    out << "- " << d.name << ": " << d.description << "; reference " << d.reference.size() << " held-out draws.\n";
  out << "\nweights: yes/no = importance weights honoured/ignored in training; - = the input has none. "
         "exact KL(p‖q) = mean(log p − log q) over the reference (n/a where the density is unknown). "
         "wall s = training time only; it depends on the machine's load (2 shared cores).\n\n";
  return out.str();
}

}  // namespace

int main(int argc, char** argv) try {
  const Settings s = parse_arguments(argc, argv);
  std::vector<Dataset> datasets;
  for (const auto& name : s.datasets) add_dataset(name, s, datasets);
  std::vector<StudyRow> rows;
  for (const Dataset& d : datasets) {
    const bool supervised = d.train.has_log_density();
    const std::vector<Loss> losses =
        supervised ? std::vector<Loss>{Loss::nll, Loss::kl, Loss::jeffreys} : std::vector<Loss>{Loss::nll};
    const std::vector<std::string> weightings =
        d.train.has_weights() ? std::vector<std::string>{"yes", "no"} : std::vector<std::string>{"-"};
    for (FlowArch arch : {FlowArch::realnvp, FlowArch::maf, FlowArch::nsf})
      for (Loss loss : losses)
        for (const auto& w : weightings) {
          rows.push_back(run_one(d, s, arch, loss, w));
          const StudyRow& r = rows.back();
          std::fprintf(stderr, "loss_study: %-10s %-7s %-8s weights %-3s  epochs %3d  NLL %.4f  <D_KL> %.4f / %.4f"
                       "  C2ST %.3f / %.3f  %.1f s\n", r.dataset.c_str(), r.arch.c_str(), r.loss.c_str(),
                       r.weights.c_str(), r.epochs, r.nll, r.dkl, r.dkl_floor, r.c2st, r.c2st_floor,
                       r.wall_seconds);
        }
  }
  std::filesystem::create_directories(s.out);
  write_file_atomically(s.out + "/results.csv", table_csv(rows));
  write_file_atomically(s.out + "/results.md", settings_text(s, datasets) + table_markdown(rows));
  std::fprintf(stderr, "loss_study: %zu runs; wrote %s/results.csv and %s/results.md\n", rows.size(), s.out.c_str(),
               s.out.c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "loss_study: error: %s\n", e.what());
  return 1;
}

// `flowprior compare A.csv B.csv --params P.toml [--json R.json]`: the sequential-vs-joint comparison for any two
// sample files (A = model, B = reference whose split halves give the noise floors).
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/validators.hpp"
#include "flowprior/core/output_file.hpp"
#include "flowprior/core/error.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/io/params_toml.hpp"
#include "flowprior/workflow/comparison.hpp"

namespace flowprior::cli {
namespace {

struct CompareArgs {
  std::string a, b, params, json;
  std::uint64_t seed = 1;
  int threads = 1, bins = 0, neighbours = 25;
  Index max_per_class = 4000;
};

}  // namespace

void register_compare_command(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand("compare", "Compare two sample files (<D_KL>, C2ST with noise floors, shifts)");
  cmd->add_option("a", args->a, "model samples (CSV; optional weight column)")->required()->check(CLI::ExistingFile);
  cmd->add_option("b", args->b, "reference samples (CSV); its halves give the noise floors")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--params", args->params, "parameter box (TOML)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--json", args->json, "write the result as JSON");
  cmd->add_option("--seed", args->seed, "seed of the split and resampling")->check(seed_value());
  cmd->add_option("--threads", args->threads, "threads (results do not depend on it)")->transform(thread_count());
  cmd->add_option("--bins", args->bins, "histogram bins of <D_KL> (0 = auto: ~10 points per 2-D bin)")
      ->check(int_range(0, 10000));
  cmd->add_option("--neighbours", args->neighbours, "k of the kNN C2ST (odd)")->check(int_range(1, 10001));
  cmd->add_option("--max-per-class", args->max_per_class, "C2ST points per sample")->check(int_range(2, kMaxCount));
  cmd->callback([args]() {
    require_distinct_output("--json", args->json, {{"A", args->a}, {"B", args->b}, {"--params", args->params}});
    const Box box = read_box_toml(args->params);
    const Samples a = read_samples_csv(args->a);
    const Samples b = read_samples_csv(args->b);
    // Columns and box checked here, so that an error names the file it comes from.
    box.check_in_closed_box(a.with_columns(box.names(), args->a).values, args->a);
    box.check_in_closed_box(b.with_columns(box.names(), args->b).values, args->b);
    ComparisonOptions o;
    o.seed = args->seed;
    o.threads = args->threads;
    o.kl_bins = args->bins;
    o.c2st_neighbours = args->neighbours;
    o.max_per_class = args->max_per_class;
    const Comparison c = compare_samples(a, b, box, o);
    std::printf("verdict: %s\n", c.verdict.c_str());
    for (const auto& r : c.reasons) std::printf("  %s\n", r.c_str());
    std::printf("<D_KL> %.4g (noise floor %.4g)   C2ST %.4f +- %.4f (noise floor %.4f +- %.4f)\n", c.d_kl,
                c.d_kl_noise, c.c2st, c.c2st_se, c.c2st_noise, c.c2st_noise_se);
    for (const auto& s : c.shifts)
      std::printf("  %-16s mean %+.3g -> shift %+.2f sigma   sd %.3g -> shift %+.2f sigma\n", s.name.c_str(),
                  s.mean_model - s.mean_reference, s.mean_shift_sigma, s.sd_model, s.width_shift_sigma);
    if (!args->json.empty()) write_file_atomically(args->json, comparison_to_json(c).dump(2) + "\n");
  });
}

}  // namespace flowprior::cli

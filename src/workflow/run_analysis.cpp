#include "flowprior/workflow/run_analysis.hpp"
#include "flowprior/workflow/stage_parameters.hpp"
#include "flowprior/workflow/imported_posterior.hpp"

#include <cstdlib>
#include <filesystem>

#include "flowprior/core/error.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/workflow/likelihood_builder.hpp"
#include "flowprior/workflow/report.hpp"
#include "flowprior/workflow/run_context.hpp"
#include "flowprior/workflow/second_wave.hpp"
#include "workflow/file_helpers.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;

void check_stage_names(const AnalysisConfig& config) {
  for (const auto& s : config.stages)
    if (s.name == "joint" || s.name == "b_alone" || s.name == "mixture_check" || s.name.rfind("reverse", 0) == 0 ||
        s.name.rfind("wave1_", 0) == 0)
      throw Error(ErrorContext{.file = config.source, .line = s.line, .parameter = "name"},
                  "stage name \"" + s.name + "\" is reserved for the workflow's own runs (joint, b_alone, "
                  "mixture_check, reverse*, wave1_*)");
}

void run_plots(const RunOptions& options, const std::string& folder) {
  if (!options.plots || options.plot_script.empty() || !fs::exists(options.plot_script)) return;
  if (!fs::exists("/usr/bin/python3")) return;
  const std::string probe = "/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1";
  if (std::system(probe.c_str()) != 0) {
    options.evaluation.messages.warn("plots skipped: /usr/bin/python3 has no matplotlib");
    return;
  }
  const std::string cmd = "/usr/bin/python3 '" + options.plot_script + "' '" + folder + "' >/dev/null";
  if (std::system(cmd.c_str()) != 0) options.evaluation.messages.warn("plotting failed (" + cmd + "); the results are unaffected");
}

}  // namespace

std::map<std::string, EmulatorRecord> prepare_models(AnalysisConfig& config, const PrepareContext& context) {
  std::map<std::string, EmulatorRecord> records;
  for (const auto& [name, family] : config.models) {
    std::vector<DatasetConfig*> users;
    for (auto& d : config.datasets)
      if (d.model_name == name) users.push_back(&d);
    if (users.empty()) continue;
    for (auto& [key, record] : family->prepare(users, config.box, context)) records[key] = record;
  }
  return records;
}

// The outline of the method (Roch & Shen, arXiv:2509.14911, Sec. 2): stages in order with flow hand-overs, the
// joint run on all data, the sequential-vs-joint verdict, then every check.
AnalysisResult run_analysis(const AnalysisConfig& original_config, const RunOptions& options) {
  check_stage_names(original_config);
  // Every error that needs no run is found before the first (expensive) step.
  for (const auto& d : original_config.datasets) validate_dataset(d, original_config.box);
  for (const auto& s : original_config.stages)  // an earlier posterior's file: columns, parameters, bounds
    if (!s.posterior_file.empty())
      import_posterior(s.name, s.posterior_file, s.discard, s.sampler.thin,
                       sub_box(original_config.box, s.parameters), original_config.seed);
  AnalysisConfig config = original_config;
  RunContext probe(config, options);
  fs::create_directories(probe.folder());
  // Models build what they need in the run folder first (the built-in model's emulators).
  const PrepareContext prepare{probe.folder(), probe.threads(), probe.seed(StreamPurpose::model_emulators), false,
                               options.evaluation.messages};
  std::map<std::string, EmulatorRecord> emulators = prepare_models(config, prepare);
  // A second wave of design points where a pilot run's posteriors lie (workflow/second_wave.hpp), when asked for.
  refine_emulators(config, options, prepare, emulators);
  RunContext ctx(config, options);
  AnalysisResult& result = ctx.result;
  result.config = config.source;
  result.parameters = config.box.names();
  result.units = config.units;
  for (const auto& [system, e] : emulators)
    if (!e.trustworthy)
      result.warnings.push_back("the " + system + " emulator failed its held-out validation (" + e.validation + ")");

  ctx.forward = ctx.run_sequence(config.stages, StreamPurpose::stage, StreamPurpose::stage_flow);
  result.stages = ctx.forward.results;

  std::string no_joint = config.joint ? "" : "[joint] enabled = false";
  for (const auto& s : config.stages)
    if (no_joint.empty() && s.datasets.empty())
      no_joint = "the posterior of stage '" + s.name + "' comes from a file without its datasets";
  if (no_joint.empty()) {  // all datasets, uniform prior
    const std::vector<std::string> all = ctx.all_datasets();
    ctx.joint = ctx.run("joint", ctx.own_prior(joint_parameters(config)), all, config.joint_sampler,
                        ctx.seed(StreamPurpose::joint));
    result.joint = JointResult{all, ctx.joint->log_z, ctx.joint->log_z_err, ctx.joint->effective_size};
    const RunOutput& last = ctx.forward.runs.back();
    result.comparison.comparison = ctx.compare_to_joint(last.particles, last.effective_size);
    result.comparison.model = last.name;
    result.comparison.reference = "joint";
  } else {
    result.comparison.not_run = {no_joint};
  }

  measure_emulator_errors(ctx, emulators);  // at the final posteriors
  result.emulators = emulators;
  for (const auto& check : config.check_list)
    if (auto r = check->run(ctx); r && !check->key().empty()) result.checks[check->key()] = std::move(r);

  write_file_atomically(workflow_detail::path_in(ctx.folder(), "summary.json"), result.to_json().dump(2) + "\n");
  run_plots(options, ctx.folder());
  write_run_report(ctx.folder(), config.source, options.evaluation.messages);
  return result;
}

}  // namespace flowprior

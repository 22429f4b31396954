#pragma once
// Emulators refined where the posterior lives (issue 18), as Bayesian analyses in heavy-ion physics do (e.g.
// Bernhard et al., arXiv:1605.03954; JETSCAPE, arXiv:2011.01430): a first, space-filling design over the prior box
// builds the emulators; a pilot run of every configured stage uses them; design points drawn from the pilot's
// posteriors (the second wave) are added and the emulators retrained on both waves; then every stage, the joint
// run and the checks run with the refined emulators. The pilot's posteriors are never used as results: they only
// choose where the model is run. The final posteriors are therefore sampled once, with one emulator, and keep
// their meaning (prior x likelihood with emulator covariance); the first wave keeps the emulator valid over the
// whole box, which the early, tempered SMC iterations and the checks' own runs (gamma+Pb alone, reverse order)
// visit. Why every stage's posterior, in equal shares: stage k's sampler evaluates the likelihood of its datasets
// over stage k-1's posterior (the flow prior, tempered) down to stage k's, so both regions need the accuracy.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "flowprior/core/samples.hpp"
#include "flowprior/workflow/analysis_config.hpp"
#include "flowprior/workflow/model.hpp"
#include "flowprior/workflow/run_analysis.hpp"

namespace flowprior {

class RunContext;

// n distinct rows (in `names` order) of the weighted particles of `runs`: equal shares per run (the first runs
// take the remainder), each share drawn without replacement with probability proportional to weight
// (Efraimidis & Spirakis, Inf. Process. Lett. 97 (2006) 181: the largest keys u^(1/w)). Runs that lack a column of
// `names` are skipped; Error when none is left or the runs hold fewer than n distinct weighted rows.
MatrixXd draw_posterior_points(const std::vector<const Samples*>& runs, Index n, const std::vector<std::string>& names,
                               std::uint64_t seed);

// The pilot run (stages named "wave1_NAME") and the refinement of every family that asks for a second wave;
// `records` gets the refined emulators' records. Nothing when no family asks.
void refine_emulators(AnalysisConfig& config, const RunOptions& options, const PrepareContext& context,
                      std::map<std::string, EmulatorRecord>& records);

// The emulator-to-data error ratio (emulator/error_ratio.hpp) of every emulator in `records` over its datasets, at
// up to `points` draws of the joint run's posterior and up to `points` of the forward stage that holds each dataset.
void measure_emulator_errors(RunContext& ctx, std::map<std::string, EmulatorRecord>& records, Index points = 200);

}  // namespace flowprior

#pragma once
// Emulators of the built-in physics model, built by the run itself: for each system (gamma+p, gamma+Pb) used by a
// dataset with model = "hotspot", a maximin Latin hypercube over the parameter box, the model run at every point in
// parallel, a PCA + GP emulator of ln(observables), and its validation on an independent held-out design.
// Files in the run folder (written before the emulator, which is written last and atomically):
//   emulator_SYSTEM_design.csv / _outputs.csv (training), _validation_design.csv / _validation_outputs.csv,
//   emulator_SYSTEM_validation.json, emulator_SYSTEM.settings.json, emulator_SYSTEM.json.
// A finished emulator is loaded, never rebuilt; a folder holding one built with other settings is an Error.
// The datasets' emulator_file is set, so every later likelihood of the run uses the emulator.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "flowprior/workflow/analysis_config.hpp"

namespace flowprior {

// Returns {"SYSTEM": {"file", "validation", "trustworthy", "problems", "design_points", ...}} for summary.json.
nlohmann::json prepare_model_emulators(AnalysisConfig& config, const std::string& folder, int threads,
                                       std::uint64_t seed);

}  // namespace flowprior

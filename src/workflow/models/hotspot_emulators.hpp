#pragma once
// Emulators of the built-in HotSpot-UPC model, built by the run itself: for a system (gamma+p, gamma+Pb) used by
// a dataset, a maximin Latin hypercube over the parameter box, the model run at every point in parallel, a PCA +
// GP emulator of ln(observables), and its validation on an independent held-out design.
// Files in the run folder (written before the emulator, which is written last and atomically):
//   emulator_SYSTEM_design.csv / _outputs.csv (training), _validation_design.csv / _validation_outputs.csv,
//   emulator_SYSTEM_validation.json, emulator_SYSTEM.settings.json, emulator_SYSTEM.json.
// A finished emulator is loaded, never rebuilt; a folder holding one built with other settings is an Error.
// Private to src/workflow/models/hotspot_*.cpp.
#include <string>

#include "flowprior/core/box.hpp"
#include "flowprior/models/hotspot_ish.hpp"
#include "flowprior/workflow/model.hpp"

namespace flowprior {

struct HotspotEmulatorSettings {
  Index design_points = 350;
  Index validation_points = 150;
  int components = 0;               // 0: by variance_fraction
  double variance_fraction = 0.999;
  // Second wave ([model] second_wave_points, workflow/second_wave.hpp): points drawn from a pilot run's posteriors.
  // 0: one space-filling wave, emulator_SYSTEM.json. > 0: the first wave is emulator_SYSTEM_wave1.json (the pilot's)
  // and emulator_SYSTEM.json is trained on both waves.
  Index second_wave_points = 0;
  // [model] exact_k (needs k_free): K multiplies every cross section (src/models/hotspot_ish.cpp), so the emulator
  // learns ln y - ln K over the other parameters and the likelihood adds ln K exactly
  // (GaussianLikelihood::set_log_factor). Measured on HotSpot scenario U (README "Emulators that do not widen the
  // answer"): the emulator's sd was 87% a common shift of ln y, the normalisation that K sets.
  bool exact_k = false;
};

// Builds (or loads) the emulator of `system`; `file_out` is its path (empty when load_only finds none).
// `second_wave` null: the first wave alone, named emulator_SYSTEM_wave1 when settings.second_wave_points > 0 (the
// pilot's emulator), else emulator_SYSTEM. Non-null: emulator_SYSTEM on the first wave plus these points; its
// settings record their digest, so a folder whose emulator came from another second wave is an Error.
EmulatorRecord prepare_hotspot_emulator(HotspotSystem system, const HotspotOptions& options,
                                       const HotspotEmulatorSettings& settings, const Box& box,
                                       const PrepareContext& context, std::string& file_out,
                                       const MatrixXd* second_wave = nullptr);

}  // namespace flowprior

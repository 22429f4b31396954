#pragma once
// One row per training run and the two renderings of the table: CSV (every number, full precision) and Markdown
// (the same numbers rounded, each metric beside its noise floor). Wall time is the last column of both, so a
// reproducibility check can drop it: it is the only entry that depends on the machine's load.
#include <string>
#include <vector>

namespace loss_study {

struct StudyRow {
  std::string dataset, arch, loss, weights;  // weights: "yes" / "no" (input has weights), "-" (input has none)
  int dim = 0;
  long n_train = 0;
  int epochs = 0, best_epoch = 0;
  std::string stop;
  double nll = 0, nll_se = 0, nll_floor = 0;              // held-out NLL on the reference, its error and floor
  bool has_exact_kl = false;
  double exact_kl = 0, exact_kl_se = 0;                   // mean(log p - log q) on the reference
  double dkl = 0, dkl_floor = 0;                          // the paper's histogram <D_KL>
  double c2st = 0, c2st_floor = 0;
  double z_max = 0, z_max_floor = 0, z_rms = 0, z_rms_floor = 0;
  double wall_seconds = 0;                                // training only
};

std::string table_csv(const std::vector<StudyRow>& rows);
std::string table_markdown(const std::vector<StudyRow>& rows);

}  // namespace loss_study

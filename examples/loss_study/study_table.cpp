#include "study_table.hpp"

#include <cstdio>
#include <sstream>

namespace loss_study {
namespace {

std::string format(const char* fmt, double a) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, a);
  return buf;
}

std::string format(const char* fmt, double a, double b) {
  char buf[96];
  std::snprintf(buf, sizeof buf, fmt, a, b);
  return buf;
}

}  // namespace

std::string table_csv(const std::vector<StudyRow>& rows) {
  std::ostringstream out;
  out << "dataset,dim,n_train,arch,loss,weights,epochs,best_epoch,stop,nll_heldout,nll_se,nll_floor,"
         "exact_kl,exact_kl_se,dkl,dkl_floor,c2st,c2st_floor,z_max,z_max_floor,z_rms,z_rms_floor,wall_s\n";
  for (const StudyRow& r : rows) {
    out << r.dataset << ',' << r.dim << ',' << r.n_train << ',' << r.arch << ',' << r.loss << ',' << r.weights << ','
        << r.epochs << ',' << r.best_epoch << ',' << r.stop << ',' << format("%.17g", r.nll) << ','
        << format("%.17g", r.nll_se) << ',' << format("%.17g", r.nll_floor) << ',';
    if (r.has_exact_kl)
      out << format("%.17g", r.exact_kl) << ',' << format("%.17g", r.exact_kl_se) << ',';
    else
      out << "NA,NA,";
    out << format("%.17g", r.dkl) << ',' << format("%.17g", r.dkl_floor) << ',' << format("%.17g", r.c2st) << ','
        << format("%.17g", r.c2st_floor) << ',' << format("%.17g", r.z_max) << ',' << format("%.17g", r.z_max_floor)
        << ',' << format("%.17g", r.z_rms) << ',' << format("%.17g", r.z_rms_floor) << ','
        << format("%.2f", r.wall_seconds) << '\n';
  }
  return out.str();
}

std::string table_markdown(const std::vector<StudyRow>& rows) {
  std::ostringstream out;
  out << "| dataset | arch | loss | weights | epochs (best) | held-out NLL ± se (floor) | exact KL(p‖q) ± se "
         "| ⟨D_KL⟩ / floor | C2ST / floor | max\\|z\\| / floor | z rms / floor | wall s |\n"
         "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const StudyRow& r : rows) {
    out << "| " << r.dataset << " | " << r.arch << " | " << r.loss << " | " << r.weights << " | " << r.epochs
        << (r.stop == "max_epochs" ? " max" : "") << " (" << r.best_epoch << ") | " << format("%.4f", r.nll)
        << format(" ± %.4f", r.nll_se) << format(" (%.4f)", r.nll_floor) << " | "
        << (r.has_exact_kl ? format("%.4f ± %.4f", r.exact_kl, r.exact_kl_se) : std::string("n/a")) << " | "
        << format("%.4f / %.4f", r.dkl, r.dkl_floor) << " | " << format("%.3f / %.3f", r.c2st, r.c2st_floor)
        << " | " << format("%.2f / %.2f", r.z_max, r.z_max_floor) << " | "
        << format("%.2f / %.2f", r.z_rms, r.z_rms_floor) << " | " << format("%.1f", r.wall_seconds) << " |\n";
  }
  return out.str();
}

}  // namespace loss_study

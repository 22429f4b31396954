#pragma once
// Cross-section units of the J/psi data. Natural units: a cross section in GeV^-2, dsigma/dt in GeV^-4.
// (hbar c)^2 = 0.3893794 mb GeV^2 (PDG), i.e. 1 GeV^-2 = 0.3894 mb.
#include <string>

namespace flowprior {

inline constexpr double kGeVm2InMb = 0.3893794;
inline constexpr double kFmInGeVm1 = 5.067731;  // 1 fm = 1/(0.1973270 GeV)

enum class CrossSectionUnit { nb, ub, mb };

// Factor converting a cross section in GeV^-2 (or dsigma/dt in GeV^-4) to `unit` (or unit/GeV^2).
constexpr double natural_to(CrossSectionUnit unit) {
  switch (unit) {
    case CrossSectionUnit::nb: return kGeVm2InMb * 1e6;
    case CrossSectionUnit::ub: return kGeVm2InMb * 1e3;
    case CrossSectionUnit::mb: return kGeVm2InMb;
  }
  return 0.0;
}

std::string to_string(CrossSectionUnit unit);  // "nb", "ub", "mb"

}  // namespace flowprior

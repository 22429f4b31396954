#pragma once
// Quantile q in [0, 1] of values sorted ascending, by linear interpolation between the order statistics at
// (n - 1) q (Hyndman & Fan 1996, The American Statistician 50:361, type 7; numpy's default); 0 for no values.
#include <algorithm>
#include <cmath>
#include <vector>

namespace flowprior {

inline double quantile_of_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0.0;
  const double h = (static_cast<double>(sorted.size()) - 1.0) * std::clamp(q, 0.0, 1.0);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

}  // namespace flowprior

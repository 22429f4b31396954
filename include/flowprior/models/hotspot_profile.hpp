#pragma once
// Fourier transform of one saturating Gaussian hot spot, N(b) = 1 - exp(-a exp(-b^2/(2B))):
//   h(Delta; a, B) = int d^2b exp(-i b.Delta) N(b) = 2 pi B F(B Delta^2, a),
//   F(y, a) = sum_{n>=1} (-1)^{n+1} a^n exp(-y/(2n)) / (n n!)                      (series; cancels badly for a >~ 30)
//           = int_0^inf du J0(sqrt(2uy)) (1 - exp(-a e^{-u}))
//           = int_0^inf du rho_a(u) sqrt(2u/y) J1(sqrt(2uy)),  rho_a(u) = a e^{-u} exp(-a e^{-u})   (integral form)
// The last line (integration by parts) has a Gumbel-shaped weight instead of a step, so plain Gauss-Legendre converges.
// IshProfileTable tabulates F once on a grid in (sqrt(y), ln a); lookups are bicubic (4x4 Lagrange). It stores
// F (1 + a)/a, which is smooth in ln a at both ends (F ~ a for small a, ~ ln a for large a), so interpolation keeps
// its relative accuracy in the dilute limit.
#include <vector>

#include "flowprior/core/types.hpp"

namespace flowprior {

double ish_f_series(double y, double a);    // a in (0, 40]; Error beyond (cancellation)
double ish_f_integral(double y, double a);  // any a > 0, y >= 0 (slow: ~10^3 Bessel calls)
double ish_f_direct(double y, double a);    // series for a <= 12, integral above

struct IshProfileTableOptions {
  double sqrt_y_max = 52.0;  // covers B <= 3 e^{1.5*3.32} GeV^-2 at |t| = 5.71 GeV^2 (6 Hermite nodes, sigma_B <= 1.5)
  double sqrt_y_step = 0.05;
  double ln_a_min = -7.0;    // below: the series needs <= 4 terms and is evaluated directly
  double ln_a_max = 20.0;    // above (or sqrt(y) above the grid): direct evaluation
  double ln_a_step = 0.1;
  double series_max_a = 12.0;  // grid rows with a <= this use the series, the others the integral form
};

class IshProfileTable {
 public:
  explicit IshProfileTable(IshProfileTableOptions options = {});
  double operator()(double y, double a) const;  // F(y, a); y >= 0, a > 0
  // The same from sqrt(y) and ln a, which the models compute once per node (saves a log and a sqrt per lookup).
  double at(double sqrt_y, double ln_a) const;
  const IshProfileTableOptions& options() const { return options_; }
  Index size() const { return static_cast<Index>(values_.size()); }

 private:
  IshProfileTableOptions options_;
  int n_s_ = 0;
  int n_l_ = 0;
  // F (1 + a)/a; index = sqrt(y) index * n_l_ + ln a index: the models sweep ln a (over r) at fixed y, so
  // consecutive lookups stay in nearby cache lines.
  std::vector<double> values_;
};

}  // namespace flowprior

#include "flowprior/models/hotspot_profile.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>


#include "flowprior/core/error.hpp"
#include "flowprior/models/quadrature.hpp"

namespace flowprior {

namespace {

constexpr int kSeriesTerms = 120;

void check_arguments(double y, double a, const char* what) {
  if (!(y >= 0.0) || !std::isfinite(y) || !(a > 0.0) || !std::isfinite(a))
    throw Error(std::string(what) + ": need y >= 0 and a > 0 finite, got y = " + std::to_string(y) +
                ", a = " + std::to_string(a));
}

// sqrt(2u/y) J1(sqrt(2uy)) written as u * 2 J1(x)/x, which stays finite as y -> 0.
double hankel_kernel(double u, double y) {
  const double x = std::sqrt(2.0 * u * y);
  if (x < 1e-6) return u * (1.0 - x * x / 8.0);
  return u * 2.0 * ::j1(x) / x;  // glibc j1: 5x faster than Boost here
}

double gumbel_weight(double u, double ln_a) { return std::exp(ln_a - u - std::exp(ln_a - u)); }

// Gauss-Legendre panels in w = sqrt(u): the Bessel phase sqrt(2y) w is linear in w, so fixed panels resolve it.
QuadratureRule w_rule(double ln_a_upper, double sqrt_y_upper) {
  const double w_max = std::sqrt(std::max(ln_a_upper, 0.0) + 40.0);
  const double period = 2.0 * std::numbers::pi / std::max(std::sqrt(2.0) * sqrt_y_upper, 1.0);
  const double panel = std::min(0.1, period / 1.5);
  return composite_gauss_legendre(static_cast<int>(std::ceil(w_max / panel)), 6, 0.0, w_max);
}

}  // namespace

double ish_f_series(double y, double a) {
  check_arguments(y, a, "ish_f_series");
  if (a > 40.0) throw Error("ish_f_series: a = " + std::to_string(a) + " > 40 loses all digits to cancellation");
  double power = 1.0;  // a^n / n!
  double sum = 0.0;
  for (int n = 1; n < 400; ++n) {
    power *= a / n;
    const double term = power / n * std::exp(-y / (2.0 * n));
    sum += (n % 2 == 1) ? term : -term;
    if (n > a && power / n < 1e-18 * std::max(std::abs(sum), 1e-300)) break;
    if (n > a && power < 1e-300) break;
  }
  return sum;
}

double ish_f_integral(double y, double a) {
  check_arguments(y, a, "ish_f_integral");
  const double ln_a = std::log(a);
  const QuadratureRule rule = w_rule(ln_a, std::sqrt(y));
  double sum = 0.0;
  for (Index q = 0; q < rule.nodes.size(); ++q) {
    const double w = rule.nodes(q);
    const double u = w * w;
    sum += rule.weights(q) * 2.0 * w * gumbel_weight(u, ln_a) * hankel_kernel(u, y);
  }
  return sum;
}

double ish_f_direct(double y, double a) { return a <= 12.0 ? ish_f_series(y, a) : ish_f_integral(y, a); }

IshProfileTable::IshProfileTable(IshProfileTableOptions options) : options_(options) {
  const auto& o = options_;
  if (!(o.sqrt_y_step > 0 && o.ln_a_step > 0 && o.sqrt_y_max > 4 * o.sqrt_y_step &&
        o.ln_a_max > o.ln_a_min + 4 * o.ln_a_step))
    throw Error("IshProfileTable: grid needs positive steps and at least 4 points per axis");
  n_s_ = static_cast<int>(std::ceil(o.sqrt_y_max / o.sqrt_y_step)) + 1;
  n_l_ = static_cast<int>(std::ceil((o.ln_a_max - o.ln_a_min) / o.ln_a_step)) + 1;
  values_.assign(static_cast<std::size_t>(n_s_) * n_l_, 0.0);

  VectorXd y(n_s_);
  for (int j = 0; j < n_s_; ++j) y(j) = std::pow(j * o.sqrt_y_step, 2);
  std::vector<int> series_rows;
  std::vector<int> integral_rows;
  for (int i = 0; i < n_l_; ++i)
    (std::exp(o.ln_a_min + i * o.ln_a_step) <= o.series_max_a ? series_rows : integral_rows).push_back(i);

  // Both forms are (coefficients per row) x (kernel per column): one matrix product each.
  if (!series_rows.empty()) {
    MatrixXd damping(kSeriesTerms, n_s_);
    for (int n = 1; n <= kSeriesTerms; ++n)
      for (int j = 0; j < n_s_; ++j) damping(n - 1, j) = std::exp(-y(j) / (2.0 * n));
    MatrixXd coefficients(static_cast<Index>(series_rows.size()), kSeriesTerms);
    for (std::size_t r = 0; r < series_rows.size(); ++r) {
      const double a = std::exp(o.ln_a_min + series_rows[r] * o.ln_a_step);
      double power = 1.0;
      for (int n = 1; n <= kSeriesTerms; ++n) {
        power *= a / n;
        coefficients(static_cast<Index>(r), n - 1) = (n % 2 == 1 ? 1.0 : -1.0) * power / n;
      }
    }
    const MatrixXd f = coefficients * damping;
    for (std::size_t r = 0; r < series_rows.size(); ++r) {
      const double a = std::exp(o.ln_a_min + series_rows[r] * o.ln_a_step);
      for (int j = 0; j < n_s_; ++j)
        values_[static_cast<std::size_t>(j) * n_l_ + series_rows[r]] = f(static_cast<Index>(r), j) * (1.0 + a) / a;
    }
  }
  if (!integral_rows.empty()) {
    const QuadratureRule rule = w_rule(o.ln_a_max, (n_s_ - 1) * o.sqrt_y_step);
    const Index nq = rule.nodes.size();
    MatrixXd kernel(nq, n_s_);
    for (Index q = 0; q < nq; ++q) {
      const double u = rule.nodes(q) * rule.nodes(q);
      for (int j = 0; j < n_s_; ++j) kernel(q, j) = hankel_kernel(u, y(j));
    }
    MatrixXd weights(static_cast<Index>(integral_rows.size()), nq);
    for (std::size_t r = 0; r < integral_rows.size(); ++r) {
      const double ln_a = o.ln_a_min + integral_rows[r] * o.ln_a_step;
      for (Index q = 0; q < nq; ++q) {
        const double w = rule.nodes(q);
        weights(static_cast<Index>(r), q) = rule.weights(q) * 2.0 * w * gumbel_weight(w * w, ln_a);
      }
    }
    const MatrixXd f = weights * kernel;
    for (std::size_t r = 0; r < integral_rows.size(); ++r) {
      const double a = std::exp(o.ln_a_min + integral_rows[r] * o.ln_a_step);
      for (int j = 0; j < n_s_; ++j)
        values_[static_cast<std::size_t>(j) * n_l_ + integral_rows[r]] = f(static_cast<Index>(r), j) * (1.0 + a) / a;
    }
  }
}

namespace {

// 4-point Lagrange weights on a uniform grid; the stencil is shifted to stay inside [0, n).
int lagrange_stencil(double t, int n, double w[4]) {
  int i0 = static_cast<int>(std::floor(t)) - 1;
  i0 = std::clamp(i0, 0, n - 4);
  const double p = t - i0;
  w[0] = -(p - 1.0) * (p - 2.0) * (p - 3.0) / 6.0;
  w[1] = p * (p - 2.0) * (p - 3.0) / 2.0;
  w[2] = -p * (p - 1.0) * (p - 3.0) / 2.0;
  w[3] = p * (p - 1.0) * (p - 2.0) / 6.0;
  return i0;
}

}  // namespace

double IshProfileTable::operator()(double y, double a) const {
  if (!(y >= 0.0) || !(a > 0.0) || !std::isfinite(a) || !std::isfinite(y)) check_arguments(y, a, "IshProfileTable");
  return at(std::sqrt(y), std::log(a));
}

double IshProfileTable::at(double s, double ln_a) const {
  const auto& o = options_;
  if (!(s >= 0.0) || !std::isfinite(s) || std::isnan(ln_a) || ln_a == HUGE_VAL)
    throw Error("IshProfileTable: need sqrt(y) >= 0 finite and ln a < inf, got " + std::to_string(s) + ", " +
                std::to_string(ln_a));
  const double y = s * s;
  const double a = std::exp(ln_a);
  if (a == 0.0) return 0.0;
  if (ln_a < o.ln_a_min) {
    // a < e^-7: four terms reach 1e-33 relative.
    return a * std::exp(-y / 2.0) - a * a * std::exp(-y / 4.0) / 4.0 + a * a * a * std::exp(-y / 6.0) / 18.0 -
           a * a * a * a * std::exp(-y / 8.0) / 96.0;
  }
  if (ln_a > o.ln_a_max || s > (n_s_ - 1) * o.sqrt_y_step) return ish_f_direct(y, a);
  double ws[4];
  double wl[4];
  const int s0 = lagrange_stencil(s / o.sqrt_y_step, n_s_, ws);
  const int l0 = lagrange_stencil((ln_a - o.ln_a_min) / o.ln_a_step, n_l_, wl);
  double sum = 0.0;
  for (int i = 0; i < 4; ++i) {
    const double* row = values_.data() + static_cast<std::size_t>(s0 + i) * n_l_ + l0;
    sum += ws[i] * (wl[0] * row[0] + wl[1] * row[1] + wl[2] * row[2] + wl[3] * row[3]);
  }
  return sum * a / (1.0 + a);
}

}  // namespace flowprior

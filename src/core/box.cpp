#include "flowprior/core/box.hpp"

#include <boost/math/special_functions/erf.hpp>
#include <cmath>
#include <limits>
#include <set>

#include "flowprior/core/error.hpp"
#include "flowprior/core/format.hpp"

namespace flowprior {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// log(1 + exp(v)) without overflow.
inline double softplus(double v) { return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); }

// Phi^{-1}(p) for p in (0, 1/2]: -sqrt(2) erfc^{-1}(2p) keeps precision in the tail.
inline double probit_lower(double p) { return -M_SQRT2 * boost::math::erfc_inv(2.0 * p); }

inline double log_normal_pdf(double u) { return -0.5 * u * u - 0.5 * kLog2Pi; }

}  // namespace

std::string to_string(BoxMap map) { return map == BoxMap::logit ? "logit" : "probit"; }

BoxMap box_map_from_string(const std::string& name) {
  if (name == "logit") return BoxMap::logit;
  if (name == "probit") return BoxMap::probit;
  throw Error("unknown box map '" + name + "' (expected 'logit' or 'probit')");
}

Box::Box(std::vector<std::string> names, VectorXd lower, VectorXd upper, BoxMap map)
    : names_(std::move(names)), lower_(std::move(lower)), upper_(std::move(upper)), map_(map) {
  if (static_cast<Index>(names_.size()) != lower_.size() || lower_.size() != upper_.size())
    throw Error("parameter box: " + std::to_string(names_.size()) + " names but " + std::to_string(lower_.size()) +
                " lower and " + std::to_string(upper_.size()) + " upper bounds");
  if (names_.empty()) throw Error("parameter box: no parameters");
  std::set<std::string> seen;
  for (int j = 0; j < dim(); ++j) {
    ErrorContext where{.parameter = names_[j]};
    if (names_[j].empty()) throw Error(where, "empty parameter name");
    if (!seen.insert(names_[j]).second) throw Error(where, "parameter named twice");
    if (!std::isfinite(lower_[j]) || !std::isfinite(upper_[j]))
      throw Error(where, "bounds must be finite, got [" + format_g(lower_[j]) + ", " +
                             format_g(upper_[j]) + "]");
    if (!(lower_[j] < upper_[j]))
      throw Error(where, "lower bound " + format_g(lower_[j]) + " is not below upper bound " +
                             format_g(upper_[j]));
  }
}

int Box::index_of(const std::string& name) const {
  for (int j = 0; j < dim(); ++j)
    if (names_[j] == name) return j;
  throw Error(ErrorContext{.parameter = name}, "not a parameter of the box");
}

double Box::log_volume() const { return (upper_ - lower_).array().log().sum(); }

bool Box::contains(const Eigen::Ref<const RowVectorXd>& x) const {
  for (int j = 0; j < dim(); ++j)
    if (!(x[j] > lower_[j] && x[j] < upper_[j])) return false;
  return true;
}

void Box::to_unbounded(const MatrixXd& x, MatrixXd& u, VectorXd& log_det) const {
  if (x.cols() != dim())
    throw Error("Box::to_unbounded: batch has " + std::to_string(x.cols()) + " columns, box has " +
                std::to_string(dim()) + " parameters");
  const Index n = x.rows();
  u.resize(n, dim());
  log_det.setZero(n);
  for (int j = 0; j < dim(); ++j) {
    const double lo = lower_[j], hi = upper_[j], log_w = std::log(hi - lo);
    for (Index i = 0; i < n; ++i) {
      const double v = x(i, j);
      if (!(v > lo && v < hi)) {  // also catches NaN
        u(i, j) = 0.0;
        log_det[i] = -kInf;
        continue;
      }
      const double a = v - lo, b = hi - v;  // distances to the bounds, exact near either bound
      if (map_ == BoxMap::logit) {
        u(i, j) = std::log(a) - std::log(b);
        log_det[i] += log_w - std::log(a) - std::log(b);
      } else {
        const double w = hi - lo;
        const double uu = a <= b ? probit_lower(a / w) : -probit_lower(b / w);
        u(i, j) = uu;
        log_det[i] += -log_w - log_normal_pdf(uu);
      }
    }
  }
}

void Box::to_box(const MatrixXd& u, MatrixXd& x, VectorXd& log_det) const {
  if (u.cols() != dim())
    throw Error("Box::to_box: batch has " + std::to_string(u.cols()) + " columns, box has " +
                std::to_string(dim()) + " parameters");
  const Index n = u.rows();
  x.resize(n, dim());
  log_det.setZero(n);
  for (int j = 0; j < dim(); ++j) {
    const double lo = lower_[j], hi = upper_[j], w = hi - lo, log_w = std::log(w);
    const double inside_lo = std::nextafter(lo, hi), inside_hi = std::nextafter(hi, lo);
    for (Index i = 0; i < n; ++i) {
      const double v = u(i, j);
      double xv;
      if (map_ == BoxMap::logit) {
        // sigmoid from the nearer side keeps precision for large |v|
        xv = v <= 0 ? lo + w / (1.0 + std::exp(-v)) : hi - w / (1.0 + std::exp(v));
        log_det[i] += log_w - softplus(-v) - softplus(v);
      } else {
        xv = v <= 0 ? lo + w * 0.5 * std::erfc(-v / M_SQRT2) : hi - w * 0.5 * std::erfc(v / M_SQRT2);
        log_det[i] += log_w + log_normal_pdf(v);
      }
      x(i, j) = std::min(std::max(xv, inside_lo), inside_hi);
    }
  }
}

void Box::check_in_closed_box(const MatrixXd& x, const std::string& source) const {
  if (x.cols() != dim())
    throw Error(ErrorContext{.file = source}, "expected " + std::to_string(dim()) + " parameters, got " +
                                                  std::to_string(x.cols()) + " columns");
  for (Index i = 0; i < x.rows(); ++i)
    for (int j = 0; j < dim(); ++j) {
      const double v = x(i, j);
      ErrorContext where{.file = source, .parameter = names_[j], .row = static_cast<long>(i)};
      if (!std::isfinite(v)) throw Error(where, "value is " + format_g(v));
      if (v < lower_[j] || v > upper_[j])
        throw Error(where, "value " + format_exact(v) + " is outside the box [" + format_g(lower_[j]) +
                               ", " + format_g(upper_[j]) + "]");
    }
}

std::size_t Box::nudge_into_interior(MatrixXd& x, double relative_margin) const {
  std::size_t moved = 0;
  for (int j = 0; j < dim(); ++j) {
    const double margin = relative_margin * (upper_[j] - lower_[j]);
    for (Index i = 0; i < x.rows(); ++i) {
      if (x(i, j) <= lower_[j]) {
        x(i, j) = lower_[j] + margin;
        ++moved;
      } else if (x(i, j) >= upper_[j]) {
        x(i, j) = upper_[j] - margin;
        ++moved;
      }
    }
  }
  return moved;
}

}  // namespace flowprior

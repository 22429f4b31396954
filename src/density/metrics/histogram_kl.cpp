#include "flowprior/density/metrics/histogram_kl.hpp"

#include <cmath>

#include "flowprior/core/error.hpp"

namespace flowprior {
namespace {

// numpy's bin rule on [low, high]: floor((x - low) / width), the value `high` itself in the last bin.
int bin_of(double x, double low, double high, int bins) {
  if (!(x >= low && x <= high)) return -1;
  if (x == high) return bins - 1;
  const int b = static_cast<int>((x - low) / (high - low) * bins);
  return std::min(b, bins - 1);
}

void check_weights(const VectorXd& weights, Index n, const char* what) {
  if (weights.size() != 0 && weights.size() != n)
    throw Error(ErrorContext{.parameter = what}, "histogram_kl: " + std::to_string(weights.size()) +
                                                     " weights for " + std::to_string(n) + " samples");
}

}  // namespace

double entropy_kl(const VectorXd& p, const VectorXd& q) {
  if (p.size() != q.size())
    throw Error("entropy_kl: p has " + std::to_string(p.size()) + " entries, q " + std::to_string(q.size()));
  if ((p.array() < 0).any() || (q.array() < 0).any()) throw Error("entropy_kl: negative entry");
  const double ps = p.sum();
  const double qs = q.sum();
  if (!(ps > 0) || !(qs > 0)) throw Error("entropy_kl: all entries are zero");
  double kl = 0;
  for (Index i = 0; i < p.size(); ++i) {
    const double pi = p[i] / ps;
    if (pi == 0) continue;
    const double qi = q[i] / qs;
    if (qi == 0) return INFINITY;
    kl += pi * std::log(pi / qi);
  }
  return kl;
}

VectorXd density_histogram_1d(const VectorXd& x, const VectorXd& weights, double low, double high, int bins) {
  if (bins < 1 || !(low < high)) throw Error("density_histogram_1d: need bins >= 1 and low < high");
  VectorXd h = VectorXd::Zero(bins);
  double total = 0;
  for (Index i = 0; i < x.size(); ++i) {
    const int b = bin_of(x[i], low, high, bins);
    if (b < 0) continue;
    const double w = weights.size() ? weights[i] : 1.0;
    h[b] += w;
    total += w;
  }
  if (total > 0) h /= total * (high - low) / bins;
  return h;
}

VectorXd density_histogram_2d(const VectorXd& x, const VectorXd& y, const VectorXd& weights, double x_low,
                              double x_high, double y_low, double y_high, int bins) {
  if (bins < 1 || !(x_low < x_high) || !(y_low < y_high))
    throw Error("density_histogram_2d: need bins >= 1 and low < high");
  VectorXd h = VectorXd::Zero(static_cast<Index>(bins) * bins);
  double total = 0;
  for (Index i = 0; i < x.size(); ++i) {
    const int bx = bin_of(x[i], x_low, x_high, bins);
    const int by = bin_of(y[i], y_low, y_high, bins);
    if (bx < 0 || by < 0) continue;
    const double w = weights.size() ? weights[i] : 1.0;
    h[static_cast<Index>(bx) * bins + by] += w;
    total += w;
  }
  if (total > 0) h /= total * (x_high - x_low) / bins * (y_high - y_low) / bins;
  return h;
}

HistogramKL histogram_kl(const MatrixXd& p, const VectorXd& p_weights, const MatrixXd& q, const VectorXd& q_weights,
                         const Box& box, const HistogramKLOptions& options) {
  const int d = box.dim();
  if (p.cols() != d || q.cols() != d)
    throw Error("histogram_kl: samples have " + std::to_string(p.cols()) + " and " + std::to_string(q.cols()) +
                " columns, box has " + std::to_string(d));
  if (p.rows() == 0 || q.rows() == 0) throw Error("histogram_kl: empty sample");
  check_weights(p_weights, p.rows(), "reference weights");
  check_weights(q_weights, q.rows(), "model weights");
  const VectorXd& lo = box.lower();
  const VectorXd& hi = box.upper();
  const int bins = options.bins;
  HistogramKL out;
  for (int j = 0; j < d; ++j) {
    VectorXd hp = density_histogram_1d(p.col(j), p_weights, lo[j], hi[j], bins).array() + options.floor;
    VectorXd hq = density_histogram_1d(q.col(j), q_weights, lo[j], hi[j], bins).array() + options.floor;
    out.kl_1d.push_back(entropy_kl(hp, hq));
  }
  for (int i = 1; i < d; ++i)
    for (int j = 0; j < i; ++j) {
      VectorXd hp = density_histogram_2d(p.col(i), p.col(j), p_weights, lo[i], hi[i], lo[j], hi[j], bins).array() +
                    options.floor;
      VectorXd hq = density_histogram_2d(q.col(i), q.col(j), q_weights, lo[i], hi[i], lo[j], hi[j], bins).array() +
                    options.floor;
      out.pairs.emplace_back(i, j);
      out.kl_2d.push_back(entropy_kl(hp, hq));
    }
  for (double v : out.kl_1d) out.mean_1d += v / static_cast<double>(out.kl_1d.size());
  for (double v : out.kl_2d) out.mean_2d += v / static_cast<double>(out.kl_2d.size());
  out.mean = out.kl_2d.empty() ? out.mean_1d : 0.5 * (out.mean_1d + out.mean_2d);
  return out;
}

}  // namespace flowprior

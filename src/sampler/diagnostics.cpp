#include "flowprior/sampler/diagnostics.hpp"

#include <cmath>
#include <complex>
#include <sstream>

#include "flowprior/core/error.hpp"

namespace flowprior {
namespace {

using Complex = std::complex<double>;

// In-place iterative radix-2 FFT (size a power of two); inverse without the 1/n factor.
void fft(std::vector<Complex>& a, bool inverse) {
  const std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const double angle = 2 * M_PI / static_cast<double>(len) * (inverse ? 1 : -1);
    const Complex wlen(std::cos(angle), std::sin(angle));
    for (std::size_t i = 0; i < n; i += len) {
      Complex w(1);
      for (std::size_t k = 0; k < len / 2; ++k) {
        const Complex u = a[i + k], v = a[i + k + len / 2] * w;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
        w *= wlen;
      }
    }
  }
}

}  // namespace

VectorXd autocorr_function(const VectorXd& x) {
  const Index n = x.size();
  if (n == 0) return VectorXd();
  std::size_t size = 1;
  while (size < static_cast<std::size_t>(n)) size <<= 1;
  size *= 2;  // zero padding to 2 * next power of two: no wrap-around
  std::vector<Complex> a(size, Complex(0));
  const double mean = x.mean();
  for (Index i = 0; i < n; ++i) a[i] = x(i) - mean;
  fft(a, false);
  for (auto& v : a) v = Complex(std::norm(v), 0);
  fft(a, true);
  VectorXd acf(n);
  const double zero = a[0].real();
  for (Index t = 0; t < n; ++t) acf(t) = zero > 0 ? a[t].real() / zero : (t == 0 ? 1.0 : 0.0);
  return acf;
}

double integrated_autocorr_time(const MatrixXd& series, double c) {
  const Index n = series.rows();
  if (n < 2) throw Error("autocorrelation time: need at least 2 steps, got " + std::to_string(n));
  VectorXd acf = VectorXd::Zero(n);
  for (Index w = 0; w < series.cols(); ++w) acf += autocorr_function(series.col(w));
  acf /= static_cast<double>(series.cols());
  // tau(M) = 2 sum_{t=0..M} rho(t) - 1; window: smallest M with M >= c tau(M), else the last lag.
  double cumulative = 0;
  for (Index m = 0; m < n; ++m) {
    cumulative += acf(m);
    const double tau = 2 * cumulative - 1;
    if (static_cast<double>(m) >= c * tau) return tau;
  }
  return 2 * cumulative - 1;
}

AutocorrResult integrated_autocorr_time(const Chain& chain, Index discard, const AutocorrOptions& options) {
  const Index n = chain.steps - discard;
  if (discard < 0 || n < 2)
    throw Error(ErrorContext{.parameter = "discard"}, "autocorrelation time: " + std::to_string(chain.steps) +
                                                          " steps stored, " + std::to_string(discard) +
                                                          " discarded: need at least 2 left");
  AutocorrResult result;
  result.tau.resize(chain.dim);
  std::ostringstream bad;
  for (int j = 0; j < chain.dim; ++j) {
    const MatrixXd series = chain.parameter(j).bottomRows(n);
    result.tau(j) = integrated_autocorr_time(series, options.c);
    if (static_cast<double>(n) < options.tol * result.tau(j)) {
      result.too_short = true;
      bad << (bad.tellp() > 0 ? ", " : "") << chain.names[j] << " (tau = " << result.tau(j) << ")";
    }
  }
  if (result.too_short) {
    std::ostringstream msg;
    msg << "the chain is shorter than " << options.tol << " times the integrated autocorrelation time for "
        << bad.str() << " with " << n << " steps; the tau estimates are unreliable, run longer";
    result.warning = msg.str();
  }
  return result;
}

double split_r_hat(const MatrixXd& series, int groups) {
  const Index n = series.rows() / 2;  // steps per half
  const Index w = series.cols();
  groups = static_cast<int>(std::min<Index>(groups, w));
  if (n < 2 || groups < 1) return NAN;
  std::vector<std::pair<double, double>> seq;  // (mean, variance) of each sequence
  Index draws = 0;
  for (int g = 0; g < groups; ++g) {
    const Index w0 = g * w / groups, w1 = (g + 1) * w / groups;
    for (int half = 0; half < 2; ++half) {
      const auto block = series.block(half * n + (series.rows() - 2 * n), w0, n, w1 - w0);
      const double m = block.mean();
      const double v = (block.array() - m).square().sum() / static_cast<double>(block.size() - 1);
      seq.emplace_back(m, v);
      draws = block.size();
    }
  }
  const double k = static_cast<double>(seq.size()), len = static_cast<double>(draws);
  double grand = 0, within = 0;
  for (const auto& [m, v] : seq) {
    grand += m / k;
    within += v / k;
  }
  double between = 0;
  for (const auto& [m, v] : seq) between += (m - grand) * (m - grand) * len / (k - 1);
  if (!(within > 0)) return NAN;
  const double var_plus = (len - 1) / len * within + between / len;
  return std::sqrt(var_plus / within);
}

ChainDiagnostics diagnose(const Chain& chain, Index discard, const AutocorrOptions& options) {
  ChainDiagnostics d;
  d.discard = discard;
  d.acceptance_fraction = chain.acceptance_fraction();
  const AutocorrResult ac = integrated_autocorr_time(chain, discard, options);
  d.autocorr_time = ac.tau;
  if (ac.too_short) d.warnings.push_back(ac.warning);
  const Samples kept = chain.flat(discard);
  const double draws = static_cast<double>(kept.size());
  d.ess = (draws / ac.tau.array().max(1.0)).matrix();  // tau < 1 (antithetic) would claim more than the draws
  d.mean = kept.values.colwise().mean().transpose();
  const MatrixXd centred = kept.values.rowwise() - d.mean.transpose();
  d.covariance = centred.transpose() * centred / (draws - 1);
  d.mean_error = (d.covariance.diagonal().array() / d.ess.array()).sqrt().matrix();
  d.r_hat.resize(chain.dim);
  for (int j = 0; j < chain.dim; ++j) d.r_hat(j) = split_r_hat(chain.parameter(j).bottomRows(chain.steps - discard));
  return d;
}

}  // namespace flowprior

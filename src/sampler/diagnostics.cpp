#include "flowprior/sampler/diagnostics.hpp"

#include <cmath>
#include <complex>
#include <optional>
#include <sstream>
#include <unsupported/Eigen/FFT>
#include <vector>

#include "flowprior/core/error.hpp"

namespace flowprior {
namespace {

using Complex = std::complex<double>;

// Smallest length >= n whose only prime factors are 2, 3 and 5 (Eigen's kissfft has butterflies for those) and
// that is a multiple of 4 (Eigen's fast real-input path).
Index fft_length(Index n) {
  for (Index m = std::max<Index>(4, (n + 3) / 4 * 4);; m += 4) {
    Index r = m;
    for (const Index p : {2, 3, 5})
      while (r % p == 0) r /= p;
    if (r == 1) return m;
  }
}

// Power spectrum |F(k)|^2 of the centred series x, zero-padded to `length` >= 2 n - 1 (so the circular
// correlation has no wrap-around at any lag), accumulated into `power` with the weight 1 / sum (x - mean)^2;
// a constant series adds its normalised autocorrelation (1 at lag 0, 0 elsewhere), i.e. 1 at every frequency.
// Returns nothing; `buffer` and `spectrum` are the caller's scratch of sizes length and length / 2 + 1.
void add_normalised_power(Eigen::FFT<double>& fft, const Eigen::Ref<const VectorXd>& x, Index length,
                          std::vector<double>& buffer, std::vector<Complex>& spectrum, VectorXd& power) {
  const Index n = x.size();
  const double mean = x.mean();
  double sum_sq = 0;
  for (Index i = 0; i < n; ++i) {
    buffer[static_cast<std::size_t>(i)] = x(i) - mean;
    sum_sq += buffer[static_cast<std::size_t>(i)] * buffer[static_cast<std::size_t>(i)];
  }
  if (!(sum_sq > 0)) {
    power.array() += 1.0;
    return;
  }
  std::fill(buffer.begin() + n, buffer.end(), 0.0);
  fft.fwd(spectrum.data(), buffer.data(), length);
  // acf(t) = IFFT(|F|^2)(t) / sum_sq, with IFFT including 1 / length; lag 0 of IFFT(|F|^2) is sum_sq (Parseval).
  const double weight = 1.0 / sum_sq;
  for (Index k = 0; k < power.size(); ++k) power(k) += std::norm(spectrum[static_cast<std::size_t>(k)]) * weight;
}

// The mean over columns of the columns' normalised autocorrelation functions at lags 0..lags-1: one forward real
// FFT per column, the spectra summed, one inverse FFT (the inverse is linear, so the mean of the ACFs is the inverse
// of the mean of the normalised power spectra: emcee's average of the walkers' ACFs, with one inverse instead of one
// per walker). Zero padding to >= rows + lags - 1 keeps the circular correlation free of wrap-around at those lags.
VectorXd mean_autocorr(const MatrixXd& series, Index lags) {
  const Index n = series.rows();
  const Index length = fft_length(n + lags - 1);
  Eigen::FFT<double> fft;
  fft.SetFlag(Eigen::FFT<double>::HalfSpectrum);
  std::vector<double> buffer(static_cast<std::size_t>(length));
  std::vector<Complex> spectrum(static_cast<std::size_t>(length / 2 + 1));
  VectorXd power = VectorXd::Zero(length / 2 + 1);
  for (Index w = 0; w < series.cols(); ++w) add_normalised_power(fft, series.col(w), length, buffer, spectrum, power);
  for (Index k = 0; k < power.size(); ++k)
    spectrum[static_cast<std::size_t>(k)] = Complex(power(k) / static_cast<double>(series.cols()), 0.0);
  fft.inv(buffer.data(), spectrum.data(), length);
  return Eigen::Map<const VectorXd>(buffer.data(), lags);
}

// Sokal's window on tau(M) = 2 sum_{t=0..M} rho(t) - 1: the smallest M with M >= c tau(M); nullopt if no lag of
// acf satisfies it.
std::optional<double> windowed_tau(const VectorXd& acf, double c) {
  double cumulative = 0;
  for (Index m = 0; m < acf.size(); ++m) {
    cumulative += acf(m);
    const double tau = 2 * cumulative - 1;
    if (static_cast<double>(m) >= c * tau) return tau;
  }
  return std::nullopt;
}

// Steps [discard, steps) of parameter j as a steps x walkers matrix, read straight from the step-major positions
// (Chain::parameter copies every step first). The source is read in order and each walker's column written
// sequentially; Eigen's transposed-map assignment instead ran down one walker at a time with a stride of a whole
// step, re-reading the column once per walker (a quarter of the diagnostics' time, issue 21).
MatrixXd kept_series(const Chain& chain, int j, Index discard) {
  const Index n = chain.steps - discard, walkers = chain.walkers;
  const double* source = chain.positions.col(j).data() + discard * walkers;
  MatrixXd out(n, walkers);
  for (Index s = 0; s < n; ++s)
    for (Index w = 0; w < walkers; ++w) out(s, w) = source[s * walkers + w];
  return out;
}

}  // namespace

VectorXd autocorr_function(const VectorXd& x) {
  if (x.size() == 0) return VectorXd();
  MatrixXd one = x;
  return mean_autocorr(one, x.size());
}

double integrated_autocorr_time(const MatrixXd& series, double c) {
  const Index n = series.rows();
  if (n < 2) throw Error("autocorrelation time: need at least 2 steps, got " + std::to_string(n));
  // First the lags below n / 8 only (FFT length ~1.125 n instead of ~2 n): a chain long enough to trust
  // (n >= 50 tau, the warning's rule) has its window near c tau = 5 tau <= n / 10, inside them. The lags computed
  // are exact (no wrap-around), so the result is the same as from all lags; otherwise all lags, and with no window
  // anywhere the last lag's tau, as emcee.
  const Index short_lags = n / 8;
  if (short_lags >= 16)
    if (const auto tau = windowed_tau(mean_autocorr(series, short_lags), c)) return *tau;
  const VectorXd acf = mean_autocorr(series, n);
  if (const auto tau = windowed_tau(acf, c)) return *tau;
  return 2 * acf.sum() - 1;
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
    result.tau(j) = integrated_autocorr_time(kept_series(chain, j, discard), options.c);
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
  // The kept draws are rows [discard * walkers, steps * walkers) of the positions (Chain::flat without its copy);
  // the covariance accumulates centred blocks of rows, so no centred copy of the whole chain is made.
  const auto kept = chain.positions.middleRows(discard * chain.walkers, (chain.steps - discard) * chain.walkers);
  const double draws = static_cast<double>(kept.rows());
  d.ess = (draws / ac.tau.array().max(1.0)).matrix();  // tau < 1 (antithetic) would claim more than the draws
  d.mean = kept.colwise().mean().transpose();
  d.covariance = MatrixXd::Zero(chain.dim, chain.dim);
  constexpr Index kBlock = 4096;
  for (Index r = 0; r < kept.rows(); r += kBlock) {
    const MatrixXd centred = kept.middleRows(r, std::min(kBlock, kept.rows() - r)).rowwise() - d.mean.transpose();
    d.covariance.noalias() += centred.transpose() * centred;
  }
  d.covariance /= draws - 1;
  d.mean_error = (d.covariance.diagonal().array() / d.ess.array()).sqrt().matrix();
  d.r_hat.resize(chain.dim);
  for (int j = 0; j < chain.dim; ++j) d.r_hat(j) = split_r_hat(kept_series(chain, j, discard));
  return d;
}

}  // namespace flowprior

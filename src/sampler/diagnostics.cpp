#include "flowprior/sampler/diagnostics.hpp"

#include <cmath>
#include <complex>
#include <optional>
#include <sstream>
#include <unsupported/Eigen/FFT>
#include <vector>

#include "flowprior/core/error.hpp"
#include "flowprior/core/thread_pool.hpp"

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
// `buffer` (length values, zero beyond n: the FFT only reads it) and `spectrum` (length / 2 + 1) are the caller's
// scratch. Centring, sum of squares and |F|^2 are vectorised passes (the sequential sum of squares alone was a
// seventh of the diagnostics, issue 21); the sums' order differs from a sequential loop in the last bits only.
void add_normalised_power(Eigen::FFT<double>& fft, const Eigen::Ref<const VectorXd>& x, Index length,
                          std::vector<double>& buffer, std::vector<Complex>& spectrum, VectorXd& power) {
  const Index n = x.size();
  Eigen::Map<VectorXd> centred(buffer.data(), n);
  centred = x.array() - x.mean();
  const double sum_sq = centred.squaredNorm();
  if (!(sum_sq > 0)) {
    power.array() += 1.0;
    return;
  }
  fft.fwd(spectrum.data(), buffer.data(), length);
  // acf(t) = IFFT(|F|^2)(t) / sum_sq, with IFFT including 1 / length; lag 0 of IFFT(|F|^2) is sum_sq (Parseval).
  // |F|^2 = re^2 + im^2 (as emcee's f * conj(f)); complex<double> is two doubles (re, im) by the standard.
  const double weight = 1.0 / sum_sq;
  const double* f = reinterpret_cast<const double*>(spectrum.data());
  double* p = power.data();
  for (Index k = 0; k < power.size(); ++k) p[k] += (f[2 * k] * f[2 * k] + f[2 * k + 1] * f[2 * k + 1]) * weight;
}

// Scratch of the autocorrelation of one parameter, kept across the parameters a thread handles: the FFT plans
// (twiddles), the buffers and the kept series (9.6 MB for 37,500 steps x 32 walkers: a fresh allocation per
// parameter is fresh pages to fault in).
struct AutocorrScratch {
  AutocorrScratch() { fft.SetFlag(Eigen::FFT<double>::HalfSpectrum); }
  Eigen::FFT<double> fft;
  std::vector<double> buffer;
  std::vector<Complex> spectrum;
  MatrixXd series;
};

// The mean over columns of the columns' normalised autocorrelation functions at lags 0..lags-1: one forward real
// FFT per column, the spectra summed, one inverse FFT (the inverse is linear, so the mean of the ACFs is the inverse
// of the mean of the normalised power spectra: emcee's average of the walkers' ACFs, with one inverse instead of one
// per walker). Zero padding to >= rows + lags - 1 keeps the circular correlation free of wrap-around at those lags.
VectorXd mean_autocorr(const MatrixXd& series, Index lags, AutocorrScratch& scratch) {
  const Index n = series.rows();
  const Index length = fft_length(n + lags - 1);
  std::vector<double>& buffer = scratch.buffer;
  std::vector<Complex>& spectrum = scratch.spectrum;
  buffer.assign(static_cast<std::size_t>(length), 0.0);
  spectrum.resize(static_cast<std::size_t>(length / 2 + 1));
  VectorXd power = VectorXd::Zero(length / 2 + 1);
  for (Index w = 0; w < series.cols(); ++w)
    add_normalised_power(scratch.fft, series.col(w), length, buffer, spectrum, power);
  for (Index k = 0; k < power.size(); ++k)
    spectrum[static_cast<std::size_t>(k)] = Complex(power(k) / static_cast<double>(series.cols()), 0.0);
  scratch.fft.inv(buffer.data(), spectrum.data(), length);
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
// (Chain::parameter copies every step first), in blocks of kBlock steps: a block of the source (kBlock x walkers
// values) stays in L1 while each walker's column gets kBlock consecutive values. Writing one value to each of the
// 32 columns per step, or reading down one walker with a stride of a whole step, was a tenth to a quarter of the
// diagnostics' time (issue 21).
void kept_series(const Chain& chain, int j, Index discard, MatrixXd& out) {
  const Index n = chain.steps - discard, walkers = chain.walkers;
  const double* source = chain.positions.col(j).data() + discard * walkers;
  out.resize(n, walkers);
  constexpr Index kBlock = 16;
  for (Index s0 = 0; s0 < n; s0 += kBlock) {
    const Index s1 = std::min(n, s0 + kBlock);
    for (Index w = 0; w < walkers; ++w) {
      double* column = out.col(w).data();
      for (Index s = s0; s < s1; ++s) column[s] = source[s * walkers + w];
    }
  }
}

// Per parameter from one copy of its kept series: tau and, when asked, split R-hat. The parameters are
// independent, so they run on `threads` threads (each result depends only on its parameter: the same values
// whatever the thread count).
struct ParameterResult {
  double tau = NAN;
  double r_hat = NAN;
};

double windowed_integrated_time(const MatrixXd& series, double c, AutocorrScratch& scratch);

std::vector<ParameterResult> per_parameter(const Chain& chain, Index discard, const AutocorrOptions& options,
                                           bool with_r_hat) {
  std::vector<ParameterResult> out(static_cast<std::size_t>(chain.dim));
  const auto dim = static_cast<std::size_t>(chain.dim);
  const auto threads = static_cast<std::size_t>(std::max(1, ThreadPool::resolve(options.threads)));
  // Fixed contiguous blocks of parameters, one scratch per block.
  const auto blocks = fixed_chunks(dim, (dim + threads - 1) / threads);
  ThreadPool pool(static_cast<int>(std::min(threads, std::max<std::size_t>(1, blocks.size()))));
  pool.parallel_for(blocks.size(), [&](std::size_t b) {
    AutocorrScratch scratch;
    for (std::size_t j = blocks[b].begin; j < blocks[b].end; ++j) {
      kept_series(chain, static_cast<int>(j), discard, scratch.series);
      out[j].tau = windowed_integrated_time(scratch.series, options.c, scratch);
      if (with_r_hat) out[j].r_hat = split_r_hat(scratch.series);
    }
  });
  return out;
}

AutocorrResult autocorr_result(const Chain& chain, Index discard, const AutocorrOptions& options,
                               const std::vector<ParameterResult>& parameters) {
  const Index n = chain.steps - discard;
  AutocorrResult result;
  result.tau.resize(chain.dim);
  std::ostringstream bad;
  for (int j = 0; j < chain.dim; ++j) {
    result.tau(j) = parameters[static_cast<std::size_t>(j)].tau;
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

void check_discard(const Chain& chain, Index discard) {
  const Index n = chain.steps - discard;
  if (discard < 0 || n < 2)
    throw Error(ErrorContext{.parameter = "discard"}, "autocorrelation time: " + std::to_string(chain.steps) +
                                                          " steps stored, " + std::to_string(discard) +
                                                          " discarded: need at least 2 left");
}

// tau of one parameter's series (see integrated_autocorr_time below).
double windowed_integrated_time(const MatrixXd& series, double c, AutocorrScratch& scratch) {
  const Index n = series.rows();
  if (n < 2) throw Error("autocorrelation time: need at least 2 steps, got " + std::to_string(n));
  // First the lags below n / 8 only (FFT length ~1.125 n instead of ~2 n): a chain long enough to trust
  // (n >= 50 tau, the warning's rule) has its window near c tau = 5 tau <= n / 10, inside them. The lags computed
  // are exact (no wrap-around), so the result is the same as from all lags; otherwise all lags, and with no window
  // anywhere the last lag's tau, as emcee.
  const Index short_lags = n / 8;
  if (short_lags >= 16)
    if (const auto tau = windowed_tau(mean_autocorr(series, short_lags, scratch), c)) return *tau;
  const VectorXd acf = mean_autocorr(series, n, scratch);
  if (const auto tau = windowed_tau(acf, c)) return *tau;
  return 2 * acf.sum() - 1;
}

}  // namespace

VectorXd autocorr_function(const VectorXd& x) {
  if (x.size() == 0) return VectorXd();
  MatrixXd one = x;
  AutocorrScratch scratch;
  return mean_autocorr(one, x.size(), scratch);
}

double integrated_autocorr_time(const MatrixXd& series, double c) {
  AutocorrScratch scratch;
  return windowed_integrated_time(series, c, scratch);
}

AutocorrResult integrated_autocorr_time(const Chain& chain, Index discard, const AutocorrOptions& options) {
  check_discard(chain, discard);
  return autocorr_result(chain, discard, options, per_parameter(chain, discard, options, false));
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
  check_discard(chain, discard);
  // tau and R-hat of a parameter from one copy of its series.
  const std::vector<ParameterResult> parameters = per_parameter(chain, discard, options, true);
  const AutocorrResult ac = autocorr_result(chain, discard, options, parameters);
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
  for (int j = 0; j < chain.dim; ++j) d.r_hat(j) = parameters[static_cast<std::size_t>(j)].r_hat;
  return d;
}

}  // namespace flowprior

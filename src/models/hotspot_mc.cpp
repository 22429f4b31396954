#include "flowprior/models/hotspot_mc.hpp"
#include "flowprior/core/stream_purpose.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/core/thread_pool.hpp"

namespace flowprior {

namespace {

constexpr double kMcPi = std::numbers::pi;
using Complex = std::complex<double>;

struct ConfigurationResult {
  std::vector<Complex> amplitude;  // direction-averaged A(Delta) per |t|
  std::vector<double> amplitude2;  // direction-averaged |A(Delta)|^2 per |t|
};

ConfigurationResult one_configuration(const HotspotParameters& p, int n_q, double s, const RadialRule& radial,
                                      const VectorXd& t, const HotspotMcOptions& o, std::uint64_t config) {
  Rng rng(o.seed, stream_id({purpose_id(StreamPurpose::hotspot_mc), config}));
  std::vector<double> bx(static_cast<std::size_t>(n_q)), by(bx.size()), g(bx.size()), b(bx.size());
  double mx = 0.0, my = 0.0;
  for (int i = 0; i < n_q; ++i) {
    bx[static_cast<std::size_t>(i)] = std::sqrt(p.B_G) * rng.normal();
    by[static_cast<std::size_t>(i)] = std::sqrt(p.B_G) * rng.normal();
    g[static_cast<std::size_t>(i)] = std::exp(p.sigma * rng.normal() - 0.5 * p.sigma * p.sigma);
    b[static_cast<std::size_t>(i)] = p.B_q * std::exp(p.sigma_B * rng.normal());
    mx += bx[static_cast<std::size_t>(i)] / n_q;
    my += by[static_cast<std::size_t>(i)] / n_q;
  }
  double half = 0.0;
  for (int i = 0; i < n_q; ++i) {
    auto k = static_cast<std::size_t>(i);
    bx[k] -= mx;  // recentred: centre of the hot spots at 0
    by[k] -= my;
    half = std::max(half, std::max(std::abs(bx[k]), std::abs(by[k])) + 5.0 * std::sqrt(b[k]));
  }
  const int n = o.grid;
  const double h = 2.0 * half / n;
  std::vector<double> x(static_cast<std::size_t>(n));
  for (int a = 0; a < n; ++a) x[static_cast<std::size_t>(a)] = -half + (a + 0.5) * h;

  // Proton thickness T_p on the grid (separable Gaussians).
  MatrixXd thickness = MatrixXd::Zero(n, n);
  VectorXd ex(n), ey(n);
  for (int i = 0; i < n_q; ++i) {
    auto k = static_cast<std::size_t>(i);
    for (int a = 0; a < n; ++a) {
      ex(a) = std::exp(-std::pow(x[static_cast<std::size_t>(a)] - bx[k], 2) / (2.0 * b[k]));
      ey(a) = std::exp(-std::pow(x[static_cast<std::size_t>(a)] - by[k], 2) / (2.0 * b[k]));
    }
    thickness.noalias() += (g[k] / (2.0 * kMcPi * b[k] * n_q)) * ex * ey.transpose();
  }
  // r-integrated profile P(b) = int dr W(r) [1 - exp(-tau(r, b))].
  MatrixXd profile = MatrixXd::Zero(n, n);
  for (Index k = 0; k < radial.r.size(); ++k) {
    const double r = radial.r(k);
    const double c = s * r * r / 4.0 * std::log(std::numbers::e + 1.0 / (r * p.m));
    profile.array() += radial.weight(k) * (1.0 - (-c * thickness.array()).exp());
  }

  ConfigurationResult out;
  out.amplitude.assign(static_cast<std::size_t>(t.size()), Complex(0.0, 0.0));
  out.amplitude2.assign(static_cast<std::size_t>(t.size()), 0.0);
  std::vector<Complex> phase_x(static_cast<std::size_t>(n)), phase_y(static_cast<std::size_t>(n));
  for (Index it = 0; it < t.size(); ++it) {
    const double delta = std::sqrt(t(it));
    for (int d = 0; d < o.directions; ++d) {
      const double phi = kMcPi * d / o.directions;
      const double dx = delta * std::cos(phi);
      const double dy = delta * std::sin(phi);
      for (int a = 0; a < n; ++a) {
        phase_x[static_cast<std::size_t>(a)] = std::polar(1.0, -x[static_cast<std::size_t>(a)] * dx);
        phase_y[static_cast<std::size_t>(a)] = std::polar(1.0, -x[static_cast<std::size_t>(a)] * dy);
      }
      Complex amp(0.0, 0.0);
      for (int a = 0; a < n; ++a) {
        Complex row(0.0, 0.0);
        for (int c = 0; c < n; ++c) row += profile(a, c) * phase_y[static_cast<std::size_t>(c)];
        amp += phase_x[static_cast<std::size_t>(a)] * row;
      }
      amp *= h * h;
      out.amplitude[static_cast<std::size_t>(it)] += amp / static_cast<double>(o.directions);
      out.amplitude2[static_cast<std::size_t>(it)] += std::norm(amp) / o.directions;
    }
  }
  return out;
}

// coherent and incoherent from the configurations in [0, n) except block [skip_lo, skip_hi).
void estimate(const std::vector<ConfigurationResult>& results, Index it, std::size_t skip_lo, std::size_t skip_hi,
              double k, double& coherent, double& incoherent) {
  Complex mean(0.0, 0.0);
  double mean2 = 0.0;
  std::size_t count = 0;
  for (std::size_t c = 0; c < results.size(); ++c) {
    if (c >= skip_lo && c < skip_hi) continue;
    mean += results[c].amplitude[static_cast<std::size_t>(it)];
    mean2 += results[c].amplitude2[static_cast<std::size_t>(it)];
    ++count;
  }
  mean /= static_cast<double>(count);
  mean2 /= static_cast<double>(count);
  coherent = k * std::norm(mean) / (16.0 * kMcPi);
  incoherent = k * (mean2 - std::norm(mean)) / (16.0 * kMcPi);
}

}  // namespace

HotspotMcSummary hotspot_proton_mc(const HotspotParameters& p, double w, const VectorXd& t, const HotspotMcOptions& o) {
  const int n_q = static_cast<int>(std::lround(p.N_q));
  if (std::abs(p.N_q - n_q) > 1e-12 || n_q < 1)
    throw Error(ErrorContext{.parameter = "N_q"}, "hotspot_proton_mc: N_q must be a positive integer");
  if (!(p.B_G > 0 && p.B_q > 0 && p.m > 0 && p.s0 > 0 && p.K > 0))
    throw Error("hotspot_proton_mc: B_G, B_q, m, s0 and K must be > 0");
  if (o.configurations < 2 || o.grid < 8 || o.directions < 1 || o.jackknife_blocks < 2 ||
      o.jackknife_blocks > o.configurations)
    throw Error("hotspot_proton_mc: need configurations >= 2, grid >= 8, directions >= 1, 2 <= blocks <= configurations");
  const RadialRule radial = make_radial_rule(o.wave_function, o.radial_panels, o.radial_nodes);
  const double x = o.jpsi_mass2 / (w * w);
  const double s = p.s0 * std::pow(o.x0 / x, p.lambda);

  std::vector<ConfigurationResult> results(static_cast<std::size_t>(o.configurations));
  ThreadPool pool(o.threads);
  pool.parallel_for(results.size(), [&](std::size_t c) {
    results[c] = one_configuration(p, n_q, s, radial, t, o, static_cast<std::uint64_t>(c));
  });

  HotspotMcSummary out;
  out.t = t;
  out.coherent.resize(t.size());
  out.incoherent.resize(t.size());
  out.coherent_error.resize(t.size());
  out.incoherent_error.resize(t.size());
  const auto blocks = fixed_chunks(results.size(), (results.size() + o.jackknife_blocks - 1) / o.jackknife_blocks);
  const double nb = static_cast<double>(blocks.size());
  for (Index it = 0; it < t.size(); ++it) {
    estimate(results, it, 0, 0, p.K, out.coherent(it), out.incoherent(it));
    std::vector<double> coh(blocks.size()), inc(blocks.size());
    double coh_mean = 0.0, inc_mean = 0.0;
    for (std::size_t k = 0; k < blocks.size(); ++k) {
      estimate(results, it, blocks[k].begin, blocks[k].end, p.K, coh[k], inc[k]);
      coh_mean += coh[k] / nb;
      inc_mean += inc[k] / nb;
    }
    double coh_var = 0.0, inc_var = 0.0;
    for (std::size_t k = 0; k < blocks.size(); ++k) {
      coh_var += (coh[k] - coh_mean) * (coh[k] - coh_mean);
      inc_var += (inc[k] - inc_mean) * (inc[k] - inc_mean);
    }
    out.coherent_error(it) = std::sqrt((nb - 1.0) / nb * coh_var);
    out.incoherent_error(it) = std::sqrt((nb - 1.0) / nb * inc_var);
  }
  return out;
}

}  // namespace flowprior

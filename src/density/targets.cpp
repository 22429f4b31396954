#include "flowprior/density/targets.hpp"

#include <cmath>
#include <functional>
#include <map>

#include "flowprior/core/error.hpp"
#include "flowprior/density/posterior.hpp"
#include "flowprior/density/uniform_box.hpp"

namespace flowprior {
namespace {

constexpr double kPi = 3.14159265358979323846;

Box cube(int dim, double lo, double hi) {
  return Box(default_names(dim), VectorXd::Constant(dim, lo), VectorXd::Constant(dim, hi));
}

double log_add(double a, double b) {
  if (a == -INFINITY) return b;
  if (b == -INFINITY) return a;
  const double m = std::max(a, b);
  return m + std::log1p(std::exp(-std::abs(a - b)));
}

// Simpson weights on n (odd) equally spaced nodes over an interval of length `length`.
double simpson_weight(int i, int n, double h) {
  if (i == 0 || i == n - 1) return h / 3.0;
  return (i % 2 == 1 ? 4.0 : 2.0) * h / 3.0;
}

class CorrelatedGaussian : public LogDensity {
 public:
  explicit CorrelatedGaussian(const MatrixXd& cov) : dim_(static_cast<int>(cov.rows())) {
    Eigen::LLT<MatrixXd> llt(cov);
    const MatrixXd l = llt.matrixL();
    inv_l_t_rows_ = l.triangularView<Eigen::Lower>().solve(MatrixXd::Identity(dim_, dim_)).transpose();
    log_norm_ = -0.5 * dim_ * kLog2Pi - l.diagonal().array().log().sum();
  }
  int dim() const override { return dim_; }
  // log N(x; 0, S) = log_norm - |x L^-T|^2 / 2. The sampler's batches are small (16 x 10 for 32 walkers): Eigen's
  // blocked GEMM spent more on packing and a heap temporary than on the 1600 multiply-adds (~12 % of a proposal,
  // issue 21). Here one SIMD packet of rows at a time (4 with AVX), up to 8 columns of z in registers, each z_ij the
  // multiply-add chain over k = 0..d-1 and |z_i|^2 summed over j = 0..d-1, whatever the batch (the GEMM's order
  // depended on the batch's shape): a point's value no longer depends on the batch it comes in. The last bits
  // differ from the GEMM's.
  void log_prob(const MatrixXd& x, VectorXd& out) const override {
    using namespace Eigen::internal;
    using Packet = packet_traits<double>::type;
    constexpr Index kLanes = packet_traits<double>::size;
    const Index n = x.rows();
    out.resize(n);
    if (n == 0) return;
    // Fewer rows than a packet: zero-padded to one packet (all lanes computed, the padding's dropped).
    MatrixXd padded;
    if (n < kLanes) {
      padded = MatrixXd::Zero(kLanes, dim_);
      padded.topRows(n) = x;
    }
    const MatrixXd& rows = n < kLanes ? padded : x;
    auto column = [&](Index k, Index r) { return ploadu<Packet>(rows.col(k).data() + r); };
    // Columns j0 .. j0 + kWidth - 1 of z for the rows of one packet, their squares added to sq.
    auto columns = [&]<int kWidth>(Index r, Index j0, Packet& sq) {
      Packet z[kWidth];
      for (int c = 0; c < kWidth; ++c) z[c] = pset1<Packet>(0.0);
      for (Index k = 0; k < dim_; ++k) {
        const Packet xk = column(k, r);
        const double* u = inv_l_t_rows_.row(k).data() + j0;
        for (int c = 0; c < kWidth; ++c) z[c] = pmadd(xk, pset1<Packet>(u[c]), z[c]);
      }
      for (int c = 0; c < kWidth; ++c) sq = pmadd(z[c], z[c], sq);
    };
    // The last packet may overlap the one before it (n not a multiple of kLanes): those rows are computed twice,
    // alike.
    for (Index r0 = 0; r0 < n; r0 += kLanes) {
      const Index r = std::min(r0, rows.rows() - kLanes);
      Packet sq = pset1<Packet>(0.0);
      Index j = 0;
      for (; j + 8 <= dim_; j += 8) columns.template operator()<8>(r, j, sq);
      if (j + 4 <= dim_) columns.template operator()<4>(r, j, sq), j += 4;
      if (j + 2 <= dim_) columns.template operator()<2>(r, j, sq), j += 2;
      if (j < dim_) columns.template operator()<1>(r, j, sq);
      alignas(64) double value[kLanes];
      pstore(value, psub(pset1<Packet>(log_norm_), pmul(pset1<Packet>(0.5), sq)));
      for (Index t = 0; t < std::min(kLanes, n); ++t) out[r + t] = value[t];
    }
  }

 private:
  int dim_;
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> inv_l_t_rows_;  // L^-T, row k contiguous
  double log_norm_;
};

class Rosenbrock : public LogDensity {
 public:
  int dim() const override { return 2; }
  void log_prob(const MatrixXd& x, VectorXd& out) const override {
    out.resize(x.rows());
    for (Index i = 0; i < x.rows(); ++i) {
      const double a = 1.0 - x(i, 0), b = x(i, 1) - x(i, 0) * x(i, 0);
      out(i) = -(a * a + 100.0 * b * b) / 20.0;
    }
  }
};

class TwoGaussianMixture : public LogDensity {
 public:
  explicit TwoGaussianMixture(int dim) : dim_(dim) {}
  int dim() const override { return dim_; }
  void log_prob(const MatrixXd& x, VectorXd& out) const override {
    constexpr double sd = 0.5;
    const double log_norm = -0.5 * dim_ * kLog2Pi - dim_ * std::log(sd) + std::log(0.5);
    out.resize(x.rows());
    for (Index i = 0; i < x.rows(); ++i) {
      const double q_minus = (x.row(i).array() + 2.0).square().sum() / (sd * sd);
      const double q_plus = (x.row(i).array() - 2.0).square().sum() / (sd * sd);
      out(i) = log_norm + log_add(-0.5 * q_minus, -0.5 * q_plus);
    }
  }

 private:
  int dim_;
};

constexpr double kShellRadius = 2.0, kShellWidth = 0.1, kShellCentre = 3.5;

class GaussianShells : public LogDensity {
 public:
  explicit GaussianShells(int dim) : dim_(dim) {}
  int dim() const override { return dim_; }
  void log_prob(const MatrixXd& x, VectorXd& out) const override {
    const double log_norm = -0.5 * std::log(2.0 * kPi * kShellWidth * kShellWidth);
    out.resize(x.rows());
    for (Index i = 0; i < x.rows(); ++i) {
      const double rest = x.row(i).tail(dim_ - 1).squaredNorm();
      double terms[2];
      for (int s = 0; s < 2; ++s) {
        const double dx = x(i, 0) - (s == 0 ? -kShellCentre : kShellCentre);
        const double rho = std::sqrt(dx * dx + rest);
        const double dev = (rho - kShellRadius) / kShellWidth;
        terms[s] = log_norm - 0.5 * dev * dev;
      }
      out(i) = log_add(terms[0], terms[1]);
    }
  }

 private:
  int dim_;
};

class Eggbox : public LogDensity {
 public:
  int dim() const override { return 2; }
  void log_prob(const MatrixXd& x, VectorXd& out) const override {
    out.resize(x.rows());
    for (Index i = 0; i < x.rows(); ++i) out(i) = std::pow(2.0 + std::cos(x(i, 0) / 2) * std::cos(x(i, 1) / 2), 5);
  }
};

class StandardNormal : public LogDensity {
 public:
  explicit StandardNormal(int dim) : dim_(dim) {}
  int dim() const override { return dim_; }
  void log_prob(const MatrixXd& x, VectorXd& out) const override {
    out = (-0.5 * x.rowwise().squaredNorm()).array() - 0.5 * dim_ * kLog2Pi;
  }

 private:
  int dim_;
};

MatrixXd ar1_covariance(int dim, double rho) {
  MatrixXd cov(dim, dim);
  for (int i = 0; i < dim; ++i)
    for (int j = 0; j < dim; ++j) cov(i, j) = std::pow(rho, std::abs(i - j));
  return cov;
}

// The shells' evidence and second moment by Simpson quadrature over the radius of one shell. The prior box cuts a
// shell only beyond 6 - 5.5 = 0.5 = 5 widths outside the outer radius on the first axis, so the truncated mass is
// below 3e-7 of the shell and ignored (every other axis reaches only +-2.6 of +-6).
void shell_answers(Target& t) {
  const int d = t.dim;
  const int n = 8001;
  const double lo = std::max(0.0, kShellRadius - 15 * kShellWidth), hi = kShellRadius + 15 * kShellWidth;
  const double h = (hi - lo) / (n - 1);
  double mass = 0, second = 0;
  for (int i = 0; i < n; ++i) {
    const double rho = lo + i * h;
    const double dev = (rho - kShellRadius) / kShellWidth;
    // rho^(d-1) relative to r^(d-1) keeps the sum in range for large d.
    const double w = simpson_weight(i, n, h) * std::exp(-0.5 * dev * dev + (d - 1) * std::log(rho / kShellRadius)) /
                     std::sqrt(2 * kPi * kShellWidth * kShellWidth);
    mass += w;
    second += w * rho * rho;
  }
  const double log_sphere_area = std::log(2.0) + 0.5 * d * std::log(kPi) - std::lgamma(0.5 * d);
  const double log_one_shell = log_sphere_area + (d - 1) * std::log(kShellRadius) + std::log(mass);
  t.log_z = std::log(2.0) + log_one_shell - t.prior_box.log_volume();
  const double mean_rho2 = second / mass;
  t.mean = VectorXd::Zero(d);
  t.covariance = MatrixXd::Identity(d, d) * (mean_rho2 / d);
  t.covariance(0, 0) += kShellCentre * kShellCentre;
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }
double normal_pdf(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2 * kPi); }

// Rosenbrock: x2 | x1 is a normal N(x1^2, 0.1) truncated to [-10, 10], so its mass and moments are closed-form and
// only x1 needs quadrature (Simpson, 40001 nodes over the box).
void rosenbrock_answers(Target& t) {
  const int n = 40001;
  const double lo = -10, hi = 10, h = (hi - lo) / (n - 1), s = std::sqrt(0.1);
  double m0 = 0, m1 = 0, m11 = 0, m2 = 0, m12 = 0, m22 = 0;
  for (int i = 0; i < n; ++i) {
    const double x1 = lo + i * h, mu = x1 * x1;
    const double a = (-10 - mu) / s, b = (10 - mu) / s;
    const double z = normal_cdf(b) - normal_cdf(a);
    if (!(z > 1e-250)) continue;
    const double ratio = (normal_pdf(a) - normal_pdf(b)) / z;
    const double e2 = mu + s * ratio;
    const double v2 = s * s * (1 + (a * normal_pdf(a) - b * normal_pdf(b)) / z - ratio * ratio);
    const double w =
        simpson_weight(i, n, h) * std::exp(-(1 - x1) * (1 - x1) / 20.0) * std::sqrt(2 * kPi) * s * z;
    m0 += w;
    m1 += w * x1;
    m11 += w * x1 * x1;
    m2 += w * e2;
    m12 += w * x1 * e2;
    m22 += w * (v2 + e2 * e2);
  }
  t.log_z = std::log(m0) - t.prior_box.log_volume();
  t.mean = VectorXd(2);
  t.mean << m1 / m0, m2 / m0;
  t.covariance = MatrixXd(2, 2);
  t.covariance(0, 0) = m11 / m0 - t.mean(0) * t.mean(0);
  t.covariance(1, 1) = m22 / m0 - t.mean(1) * t.mean(1);
  t.covariance(0, 1) = t.covariance(1, 0) = m12 / m0 - t.mean(0) * t.mean(1);
}

// Eggbox: trapezoid rule on a 2001 x 2001 grid. Every peak on the box edge is symmetric about it, so all odd
// derivatives vanish at the ends and the rule converges spectrally (peaks are ~0.1 wide, the grid step 0.016).
void eggbox_answers(Target& t) {
  const int n = 2001;
  const double len = 10 * kPi, h = len / (n - 1);
  VectorXd c(n), x(n), w(n);
  for (int i = 0; i < n; ++i) {
    x(i) = i * h;
    c(i) = std::cos(x(i) / 2);
    w(i) = (i == 0 || i == n - 1) ? 0.5 * h : h;
  }
  const double peak = 243.0;  // max of (2 + cos cos)^5: sums are taken relative to exp(243)
  double m0 = 0, m1 = 0, m2 = 0, m11 = 0, m12 = 0, m22 = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      const double f = w(i) * w(j) * std::exp(std::pow(2 + c(i) * c(j), 5) - peak);
      m0 += f;
      m1 += f * x(i);
      m2 += f * x(j);
      m11 += f * x(i) * x(i);
      m12 += f * x(i) * x(j);
      m22 += f * x(j) * x(j);
    }
  t.log_z = peak + std::log(m0) - t.prior_box.log_volume();
  t.mean = VectorXd(2);
  t.mean << m1 / m0, m2 / m0;
  t.covariance = MatrixXd(2, 2);
  t.covariance(0, 0) = m11 / m0 - t.mean(0) * t.mean(0);
  t.covariance(1, 1) = m22 / m0 - t.mean(1) * t.mean(1);
  t.covariance(0, 1) = t.covariance(1, 0) = m12 / m0 - t.mean(0) * t.mean(1);
}

void require_dim(const std::string& name, int dim, int wanted) {
  if (dim != wanted)
    throw Error(ErrorContext{.parameter = "dim"}, "target '" + name + "' is defined for dim = " +
                                                      std::to_string(wanted) + " only, not " + std::to_string(dim));
}

}  // namespace

std::vector<std::string> target_names() {
  return {"gaussian", "rosenbrock", "mixture", "gaussian-shells", "eggbox", "half-gaussian"};
}

Target make_target(const std::string& name, int dim) {
  if (dim < 1) throw Error(ErrorContext{.parameter = "dim"}, "target '" + name + "': dim must be at least 1, not " +
                                                               std::to_string(dim));
  Target t;
  t.name = name;
  t.dim = dim;
  if (name == "gaussian") {
    t.covariance = ar1_covariance(dim, 0.9);
    t.likelihood = std::make_shared<CorrelatedGaussian>(t.covariance);
    t.prior_box = cube(dim, -10, 10);
    // The box edge is >= 10 standard deviations out in every coordinate: the mass outside is < 1e-22.
    t.log_z = -dim * std::log(20.0);
    t.mean = VectorXd::Zero(dim);
    t.description = "normalized N(0, S), S_ij = 0.9^|i-j|; box [-10, 10]^d";
  } else if (name == "rosenbrock") {
    require_dim(name, dim, 2);
    t.likelihood = std::make_shared<Rosenbrock>();
    t.prior_box = cube(2, -10, 10);
    rosenbrock_answers(t);
    t.description = "log L = -[(1 - x1)^2 + 100 (x2 - x1^2)^2] / 20; box [-10, 10]^2";
  } else if (name == "mixture") {
    t.likelihood = std::make_shared<TwoGaussianMixture>(dim);
    t.prior_box = cube(dim, -10, 10);
    // Nearest mode is 8 / 0.5 = 16 standard deviations from the box edge: the mass outside is negligible.
    t.log_z = -dim * std::log(20.0);
    t.mean = VectorXd::Zero(dim);
    t.covariance = MatrixXd::Identity(dim, dim) * 0.25 + MatrixXd::Constant(dim, dim, 4.0);
    t.description = "normalized 0.5 N(-2, 0.25 I) + 0.5 N(+2, 0.25 I); box [-10, 10]^d";
  } else if (name == "gaussian-shells") {
    t.likelihood = std::make_shared<GaussianShells>(dim);
    t.prior_box = cube(dim, -6, 6);
    shell_answers(t);
    t.description = "two shells, radius 2, width 0.1, centres -+3.5 on x1; box [-6, 6]^d";
  } else if (name == "eggbox") {
    require_dim(name, dim, 2);
    t.likelihood = std::make_shared<Eggbox>();
    t.prior_box = cube(2, 0, 10 * kPi);
    eggbox_answers(t);
    t.description = "log L = (2 + cos(x1/2) cos(x2/2))^5; box [0, 10 pi]^2";
  } else if (name == "half-gaussian") {
    t.likelihood = std::make_shared<StandardNormal>(dim);
    t.prior_box = cube(dim, 0, 10);
    // Half of each coordinate's N(0, 1) mass lies in [0, 10] (the tail beyond 10 is < 1e-23).
    t.log_z = -dim * std::log(20.0);
    t.mean = VectorXd::Constant(dim, std::sqrt(2 / kPi));
    t.covariance = MatrixXd::Identity(dim, dim) * (1 - 2 / kPi);
    t.description = "standard normal log-density on the box [0, 10]^d (mass piled against the lower bound)";
  } else {
    std::string known;
    for (const auto& n : target_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error(ErrorContext{.parameter = "target"}, "unknown target '" + name + "' (known: " + known + ")");
  }
  return t;
}

std::shared_ptr<const LogDensity> target_posterior(const Target& target) {
  return std::make_shared<Posterior>(std::make_shared<UniformBox>(target.prior_box), target.likelihood);
}

}  // namespace flowprior

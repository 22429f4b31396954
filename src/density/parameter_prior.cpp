#include "flowprior/density/parameter_prior.hpp"

#include <cmath>

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/normal.hpp>

#include "flowprior/core/error.hpp"
#include "flowprior/core/format.hpp"

namespace flowprior {
namespace {

// Standard normal CDF and quantile, accurate in both tails (erfc, not 1 - erf).
double phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }
double phi_inverse(double u) { return boost::math::quantile(boost::math::normal_distribution<double>(), u); }

// log of the normal's mass on [low, high]: log(Phi(zh) - Phi(zl)), computed in the tail where both are small.
double log_normal_mass(double mean, double sd, double low, double high) {
  double zl = (low - mean) / sd, zh = (high - mean) / sd;
  if (zl > 0) {  // both in the upper tail: use the mirror image, where Phi is small and exact
    const double t = zl;
    zl = -zh;
    zh = -t;
  }
  return std::log(phi(zh) - phi(zl));
}

}  // namespace

std::string to_string(PriorShape shape) {
  switch (shape) {
    case PriorShape::uniform: return "uniform";
    case PriorShape::normal: return "normal";
    case PriorShape::loguniform: return "loguniform";
    case PriorShape::beta: return "beta";
  }
  return "?";
}

std::optional<PriorShape> prior_shape_from_string(const std::string& name) {
  if (name == "uniform") return PriorShape::uniform;
  if (name == "normal" || name == "truncnormal") return PriorShape::normal;
  if (name == "loguniform") return PriorShape::loguniform;
  if (name == "beta") return PriorShape::beta;
  return std::nullopt;
}

std::string ParameterPrior::problem(double low, double high) const {
  const std::string what = to_string(shape) + " prior: ";
  switch (shape) {
    case PriorShape::uniform: break;
    case PriorShape::normal:
      if (!(std::isfinite(a) && std::isfinite(b) && b > 0))
        return what + "needs a finite mean and sd > 0, got mean " + format_g(a) + ", sd " + format_g(b);
      if (!std::isfinite(log_normal_mass(a, b, low, high)))
        return what + "the bounds [" + format_g(low) + ", " + format_g(high) + "] hold no mass of the normal";
      break;
    case PriorShape::loguniform:
      if (!(low > 0)) return what + "needs a lower bound above 0, got " + format_g(low);
      break;
    case PriorShape::beta:
      if (!(std::isfinite(a) && std::isfinite(b) && a > 0 && b > 0))
        return what + "needs alpha > 0 and beta > 0, got " + format_g(a) + " and " + format_g(b);
      break;
  }
  return {};
}

double ParameterPrior::log_pdf(double x, double low, double high) const {
  if (!(x >= low && x <= high)) return -INFINITY;
  switch (shape) {
    case PriorShape::uniform: return -std::log(high - low);
    case PriorShape::normal: {
      const double z = (x - a) / b;
      return -0.5 * z * z - 0.5 * std::log(2 * M_PI) - std::log(b) - log_normal_mass(a, b, low, high);
    }
    case PriorShape::loguniform: return -std::log(x) - std::log(std::log(high / low));
    case PriorShape::beta: {
      const double w = high - low, t = (x - low) / w;
      // The density of low + w * Beta(a, b). A bound where it has a pole (alpha or beta < 1) has measure zero:
      // it counts as outside, so no density is ever +inf.
      if ((t <= 0 && a < 1) || (t >= 1 && b < 1)) return -INFINITY;
      const double log_beta = std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
      const double lt = t > 0 ? std::log(t) : -INFINITY, l1t = t < 1 ? std::log1p(-t) : -INFINITY;
      const double ta = a == 1 ? 0.0 : (a - 1) * lt, tb = b == 1 ? 0.0 : (b - 1) * l1t;
      return ta + tb - log_beta - std::log(w);
    }
  }
  return -INFINITY;
}

double ParameterPrior::quantile(double u, double low, double high) const {
  switch (shape) {
    case PriorShape::uniform: return low + u * (high - low);
    case PriorShape::normal: {
      // Inverse CDF of the truncated normal: Phi(z) = Phi(zl) + u (Phi(zh) - Phi(zl)), in the lower-tail frame.
      double zl = (low - a) / b, zh = (high - a) / b;
      const bool mirror = zl > 0;
      if (mirror) {
        const double t = zl;
        zl = -zh;
        zh = -t;
        u = 1 - u;
      }
      const double pl = phi(zl), ph = phi(zh);
      double z = phi_inverse(std::min(std::max(pl + u * (ph - pl), 1e-300), 1.0 - 1e-16));
      if (mirror) z = -z;
      return std::min(std::max(a + b * z, low), high);
    }
    case PriorShape::loguniform: return low * std::exp(u * std::log(high / low));
    case PriorShape::beta:
      return low + (high - low) * boost::math::quantile(boost::math::beta_distribution<double>(a, b), u);
  }
  return low;
}

nlohmann::json ParameterPrior::to_json() const {
  nlohmann::json j = {{"prior", to_string(shape)}};
  if (shape == PriorShape::normal) {
    j["mean"] = a;
    j["sd"] = b;
  } else if (shape == PriorShape::beta) {
    j["alpha"] = a;
    j["beta"] = b;
  }
  return j;
}

IndependentPrior::IndependentPrior(Box box, std::vector<ParameterPrior> priors)
    : box_(std::move(box)), priors_(std::move(priors)) {
  if (static_cast<int>(priors_.size()) != box_.dim())
    throw Error("IndependentPrior: " + std::to_string(priors_.size()) + " priors for " +
                std::to_string(box_.dim()) + " parameters");
  for (int j = 0; j < box_.dim(); ++j)
    if (const std::string p = priors_[static_cast<std::size_t>(j)].problem(box_.lower()[j], box_.upper()[j]);
        !p.empty())
      throw Error(ErrorContext{.parameter = box_.names()[static_cast<std::size_t>(j)]}, p);
}

bool IndependentPrior::all_uniform() const {
  for (const auto& p : priors_)
    if (!p.is_uniform()) return false;
  return true;
}

void IndependentPrior::log_prob(const MatrixXd& x, VectorXd& out) const {
  out.setZero(x.rows());
  for (Index i = 0; i < x.rows(); ++i)
    for (int j = 0; j < box_.dim() && std::isfinite(out[i]); ++j)
      out[i] += priors_[static_cast<std::size_t>(j)].log_pdf(x(i, j), box_.lower()[j], box_.upper()[j]);
}

MatrixXd IndependentPrior::sample(Index n, Rng& rng) const {
  MatrixXd x(n, box_.dim());
  for (Index i = 0; i < n; ++i)
    for (int j = 0; j < box_.dim(); ++j)
      x(i, j) = priors_[static_cast<std::size_t>(j)].quantile(rng.uniform_open(), box_.lower()[j], box_.upper()[j]);
  return x;
}

}  // namespace flowprior

#include "flowprior/workflow/tension.hpp"
#include "flowprior/workflow/json_fields.hpp"

#include <cmath>

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>

#include "flowprior/core/error.hpp"

namespace flowprior {

PosteriorInformation posterior_information(const EvidenceRun& run) {
  const Index n = run.log_likelihood.size();
  if (n < 2) throw Error("tension: a run needs at least 2 posterior samples");
  VectorXd w = run.weights.size() ? run.weights : VectorXd::Ones(n);
  if (w.size() != n) throw Error("tension: weights and log-likelihoods differ in length");
  // Zero-weight particles may have log L = -inf; they must not turn the sums into NaN.
  double sw = 0, m = 0;
  for (Index i = 0; i < n; ++i)
    if (w[i] > 0) {
      if (!std::isfinite(run.log_likelihood[i])) throw Error("tension: non-finite log-likelihood with weight > 0");
      sw += w[i];
      m += w[i] * run.log_likelihood[i];
    }
  m /= sw;
  double v = 0;
  for (Index i = 0; i < n; ++i)
    if (w[i] > 0) v += w[i] * (run.log_likelihood[i] - m) * (run.log_likelihood[i] - m);
  v /= sw;
  return PosteriorInformation{.mean_log_l = m, .kl = m - run.log_z, .bmd = 2 * v};
}

Tension dataset_tension(const EvidenceRun& a, const EvidenceRun& b, const EvidenceRun& ab) {
  Tension t;
  t.a = posterior_information(a);
  t.b = posterior_information(b);
  t.ab = posterior_information(ab);
  t.log_r = ab.log_z - a.log_z - b.log_z;
  t.log_r_err = std::sqrt(ab.log_z_err * ab.log_z_err + a.log_z_err * a.log_z_err + b.log_z_err * b.log_z_err);
  t.log_i = t.a.kl + t.b.kl - t.ab.kl;
  t.log_s = t.log_r - t.log_i;
  t.bmd = t.a.bmd + t.b.bmd - t.ab.bmd;
  // d_S is a difference of noisy estimates; below ~0.5 degrees of freedom the chi^2 is meaningless.
  if (!(t.bmd > 0.5)) t.bmd = 0.5;
  const double x = t.bmd - 2 * t.log_s;
  boost::math::chi_squared chi2(t.bmd);
  t.suspiciousness_p = x <= 0 ? 1.0 : boost::math::cdf(boost::math::complement(chi2, x));
  boost::math::normal normal;
  t.sigma = t.suspiciousness_p <= 0 ? INFINITY
                                    : boost::math::quantile(boost::math::complement(normal, t.suspiciousness_p / 2));
  t.tension = t.suspiciousness_p < 0.01;
  return t;
}

nlohmann::json tension_to_json(const Tension& t) {
  auto info = [](const PosteriorInformation& p) {
    return nlohmann::json{{"mean_log_l", p.mean_log_l}, {"kl", p.kl}, {"bmd", p.bmd}};
  };
  return nlohmann::json{{"log_r", t.log_r},
                        {"log_r_err", t.log_r_err},
                        {"log_i", t.log_i},
                        {"log_s", t.log_s},
                        {"bmd", t.bmd},
                        {"suspiciousness_p", t.suspiciousness_p},
                        {"sigma", t.sigma},
                        {"tension", t.tension},
                        {"a", info(t.a)},
                        {"b", info(t.b)},
                        {"ab", info(t.ab)}};
}

Tension tension_from_json(const nlohmann::json& j) {
  using namespace json_fields;
  auto info = [](const nlohmann::json& p) {
    return PosteriorInformation{number(p, "mean_log_l"), number(p, "kl"), number(p, "bmd")};
  };
  Tension t;
  t.log_r = number(j, "log_r");
  t.log_r_err = number(j, "log_r_err");
  t.log_i = number(j, "log_i");
  t.log_s = number(j, "log_s");
  t.bmd = number(j, "bmd");
  t.suspiciousness_p = number(j, "suspiciousness_p");
  t.sigma = number(j, "sigma");
  t.tension = flag(j, "tension");
  t.a = info(j.value("a", nlohmann::json::object()));
  t.b = info(j.value("b", nlohmann::json::object()));
  t.ab = info(j.value("ab", nlohmann::json::object()));
  return t;
}

}  // namespace flowprior

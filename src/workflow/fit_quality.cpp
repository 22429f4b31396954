#include "flowprior/workflow/fit_quality.hpp"

#include <cmath>

#include <Eigen/Cholesky>

#include "flowprior/core/error.hpp"
#include "flowprior/workflow/likelihood_builder.hpp"

namespace flowprior {
namespace {

double chi2_of(const GaussianLikelihood& like, const MatrixXd& x, bool with_emulator_covariance) {
  MatrixXd mean, component_variance;
  like.predict(x, mean, component_variance);
  const VectorXd r = like.observed() - mean.row(0).transpose();
  if (!r.allFinite()) return INFINITY;
  const MatrixXd c = with_emulator_covariance ? like.total_covariance(component_variance.row(0))
                                              : like.experimental_covariance();
  const Eigen::LLT<MatrixXd> llt(c);
  if (llt.info() != Eigen::Success) throw Error("dataset '" + like.dataset() + "': covariance not positive definite");
  return r.dot(llt.solve(r));
}

}  // namespace

Index best_particle(const VectorXd& log_likelihood, const VectorXd& log_prior) {
  Index best = -1;
  double top = -INFINITY;
  for (Index i = 0; i < log_likelihood.size(); ++i) {
    const double v = log_likelihood[i] + log_prior[i];
    if (std::isfinite(v) && v > top) {
      top = v;
      best = i;
    }
  }
  if (best < 0) throw Error("fit quality: no particle with a finite posterior density");
  return best;
}

nlohmann::json fit_quality(const AnalysisConfig& config, const std::vector<std::string>& datasets,
                           const Eigen::Ref<const RowVectorXd>& point) {
  const MatrixXd x = point;
  nlohmann::json out;
  for (int j = 0; j < config.box.dim(); ++j) out["point"][config.box.names()[static_cast<std::size_t>(j)]] = point[j];
  Index n_total = 0;
  double chi2_total = 0, chi2_model_total = 0;
  bool all_model = true;
  for (const auto& name : datasets) {
    const DatasetConfig& d = config.dataset(name);
    const auto like = build_dataset_likelihood(d, config.box);
    const Index n = like->observed().size();
    const double chi2 = chi2_of(*like, x, true);
    nlohmann::json e = {{"n", n}, {"chi2", chi2}, {"chi2_per_point", chi2 / static_cast<double>(n)}};
    if (d.model == ModelKind::hotspot && !d.emulator_file.empty()) {
      DatasetConfig direct = d;
      direct.emulator_file.clear();
      const double chi2_model = chi2_of(*build_dataset_likelihood(direct, config.box), x, false);
      e["chi2_model"] = chi2_model;
      e["chi2_model_per_point"] = chi2_model / static_cast<double>(n);
      chi2_model_total += chi2_model;
    } else {
      chi2_model_total += chi2;
      all_model = all_model && d.model != ModelKind::emulator;
    }
    n_total += n;
    chi2_total += chi2;
    out["datasets"][name] = e;
  }
  out["total"] = {{"n", n_total}, {"chi2", chi2_total}};
  if (all_model) out["total"]["chi2_model"] = chi2_model_total;
  return out;
}

}  // namespace flowprior

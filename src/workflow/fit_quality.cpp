#include "flowprior/workflow/fit_quality.hpp"
#include "flowprior/workflow/stage_parameters.hpp"

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

FitQuality fit_quality(const AnalysisConfig& config, const std::vector<std::string>& datasets,
                       const std::vector<std::string>& names, const Eigen::Ref<const RowVectorXd>& point) {
  FitQuality out;
  for (std::size_t j = 0; j < names.size(); ++j) out.point.emplace_back(names[j], point[static_cast<Index>(j)]);
  double chi2_model_total = 0;
  bool all_model = true;
  for (const auto& name : datasets) {
    const DatasetConfig& d = config.dataset(name);
    MatrixXd x;
    try {
      x = dataset_points(config, name, names, MatrixXd(point));
    } catch (const Error&) {
      continue;  // fitted in an earlier stage on a parameter this run no longer has: not part of this fit
    }
    const auto like = build_dataset_likelihood(d, config.box);
    DatasetFit e;
    e.n = like->observed().size();
    e.chi2 = chi2_of(*like, x, true);
    if (d.model->emulated() && d.model->has_direct()) {
      GaussianDataset data = load_dataset(d);
      data.observables = d.model->observables(d, data);
      if (!d.pseudo_point.empty()) replace_by_pseudo_data(d, config.box, data);
      e.chi2_model = chi2_of(*d.model->likelihood(std::move(data), config.box, /*direct=*/true), x, false);
      chi2_model_total += *e.chi2_model;
    } else {
      chi2_model_total += e.chi2;
      all_model = all_model && d.model->has_direct();
    }
    out.n += e.n;
    out.chi2 += e.chi2;
    out.datasets[name] = e;
  }
  if (all_model) out.chi2_model = chi2_model_total;
  return out;
}

nlohmann::json FitQuality::to_json() const {
  nlohmann::json out;
  for (const auto& [name, v] : point) out["point"][name] = v;
  for (const auto& [name, e] : datasets) {
    nlohmann::json d = {{"n", e.n}, {"chi2", e.chi2}, {"chi2_per_point", e.chi2 / static_cast<double>(e.n)}};
    if (e.chi2_model) {
      d["chi2_model"] = *e.chi2_model;
      d["chi2_model_per_point"] = *e.chi2_model / static_cast<double>(e.n);
    }
    out["datasets"][name] = d;
  }
  out["total"] = {{"n", n}, {"chi2", chi2}};
  if (chi2_model) out["total"]["chi2_model"] = *chi2_model;
  return out;
}

FitQuality FitQuality::from_json(const nlohmann::json& j) {
  FitQuality f;
  if (const auto it = j.find("point"); it != j.end() && it->is_object())
    for (const auto& [name, v] : it->items()) f.point.emplace_back(name, v.is_number() ? v.get<double>() : NAN);
  if (const auto it = j.find("datasets"); it != j.end() && it->is_object())
    for (const auto& [name, d] : it->items()) {
      DatasetFit e;
      e.n = d.value("n", Index{0});
      e.chi2 = d.contains("chi2") && d["chi2"].is_number() ? d["chi2"].get<double>() : NAN;
      if (d.contains("chi2_model") && d["chi2_model"].is_number()) e.chi2_model = d["chi2_model"].get<double>();
      f.datasets[name] = e;
    }
  if (const auto it = j.find("total"); it != j.end() && it->is_object()) {
    f.n = it->value("n", Index{0});
    f.chi2 = it->contains("chi2") && (*it)["chi2"].is_number() ? (*it)["chi2"].get<double>() : NAN;
    if (it->contains("chi2_model") && (*it)["chi2_model"].is_number()) f.chi2_model = (*it)["chi2_model"].get<double>();
  }
  return f;
}

}  // namespace flowprior

#include "flowprior/workflow/comparison.hpp"

#include <cmath>
#include <cstdio>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"
#include "flowprior/density/metrics/quality_report.hpp"

namespace flowprior {
namespace {

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// An equal-weight matrix of the model sample: resampled by weight (systematic) to its Kish size.
MatrixXd equal_weight_rows(const Samples& s, std::uint64_t seed) {
  if (!s.has_weights()) return s.values;
  const Index count = std::max<Index>(2, static_cast<Index>(std::llround(s.effective_size())));
  const std::vector<Index> idx = systematic_resample(s.weights, count, seed);
  MatrixXd out(static_cast<Index>(idx.size()), s.dim());
  for (std::size_t i = 0; i < idx.size(); ++i) out.row(static_cast<Index>(i)) = s.values.row(idx[i]);
  return out;
}

}  // namespace

void weighted_moments(const MatrixXd& x, const VectorXd& weights, VectorXd& mean, VectorXd& sd) {
  VectorXd w = weights.size() ? weights : VectorXd::Ones(x.rows());
  w /= w.sum();
  mean = x.transpose() * w;
  sd.resize(x.cols());
  for (Index j = 0; j < x.cols(); ++j)
    sd[j] = std::sqrt(std::max(0.0, (w.array() * (x.col(j).array() - mean[j]).square()).sum()));
}

Comparison compare_samples(const Samples& model_in, const Samples& reference_in, const Box& box,
                           const ComparisonOptions& options) {
  const Samples model = model_in.with_columns(box.names(), "model sample");
  const Samples reference = reference_in.with_columns(box.names(), "reference sample");
  model.validate("model sample");
  reference.validate("reference sample");
  if (model.size() < 8 || reference.size() < 8) throw Error("compare: each sample needs at least 8 rows");

  QualityOptions q;
  q.seed = options.seed;
  q.threads = options.threads;
  q.histogram.bins = options.kl_bins;
  q.c2st.neighbours = options.c2st_neighbours;
  q.c2st.max_per_class = options.max_per_class;
  q.moments.bootstrap = 2;  // moment z-scores are not used here; the shifts below are cheaper and weighted
  const QualityReport report = assess_quality(reference, equal_weight_rows(model, stream_id({options.seed, 7})),
                                              box, q);
  Comparison c;
  c.d_kl = report.kl.mean;
  c.d_kl_noise = report.kl_floor.mean;
  c.c2st = report.c2st.accuracy;
  c.c2st_se = report.c2st.standard_error;
  c.c2st_noise = report.c2st_floor.accuracy;
  c.c2st_noise_se = report.c2st_floor.standard_error;
  c.n_used = report.n_used;

  const double c2st_limit =
      c.c2st_noise + options.c2st_sigmas * std::sqrt(c.c2st_se * c.c2st_se + c.c2st_noise_se * c.c2st_noise_se);
  if (c.c2st > c2st_limit)
    c.reasons.push_back("C2ST " + fmt(c.c2st) + " > noise floor " + fmt(c.c2st_noise) + " + " +
                        fmt(options.c2st_sigmas) + " SE = " + fmt(c2st_limit));
  if (c.d_kl > options.kl_factor * c.d_kl_noise)
    c.reasons.push_back("<D_KL> " + fmt(c.d_kl) + " > " + fmt(options.kl_factor) + " x noise floor " +
                        fmt(c.d_kl_noise));

  VectorXd mm, sm, mr, sr;
  weighted_moments(model.values, model.weights, mm, sm);
  weighted_moments(reference.values, reference.weights, mr, sr);
  const double ess_m = options.model_effective_size > 0 ? options.model_effective_size : model.effective_size();
  const double ess_r =
      options.reference_effective_size > 0 ? options.reference_effective_size : reference.effective_size();
  for (int j = 0; j < box.dim(); ++j) {
    ParameterShift s;
    s.name = box.names()[static_cast<std::size_t>(j)];
    s.mean_model = mm[j];
    s.mean_reference = mr[j];
    s.sd_model = sm[j];
    s.sd_reference = sr[j];
    const double mean_err = std::sqrt(sm[j] * sm[j] / ess_m + sr[j] * sr[j] / ess_r);
    const double width_err = std::sqrt(sm[j] * sm[j] / (2 * ess_m) + sr[j] * sr[j] / (2 * ess_r));
    s.mean_shift_sigma = mean_err > 0 ? (mm[j] - mr[j]) / mean_err : 0.0;
    s.width_shift_sigma = width_err > 0 ? (sm[j] - sr[j]) / width_err : 0.0;
    if (std::abs(s.mean_shift_sigma) > options.shift_sigmas)
      c.reasons.push_back("mean of " + s.name + " shifted by " + fmt(s.mean_shift_sigma) + " MC sigma");
    if (std::abs(s.width_shift_sigma) > options.shift_sigmas)
      c.reasons.push_back("width of " + s.name + " shifted by " + fmt(s.width_shift_sigma) + " MC sigma");
    c.shifts.push_back(s);
  }
  c.verdict = c.reasons.empty() ? "consistent" : "inconsistent";
  if (c.reasons.empty())
    c.reasons.push_back("C2ST within " + fmt(options.c2st_sigmas) + " SE of its noise floor, <D_KL> below " +
                        fmt(options.kl_factor) + " x its floor, all shifts below " + fmt(options.shift_sigmas) +
                        " MC sigma");
  return c;
}

nlohmann::json comparison_to_json(const Comparison& c) {
  nlohmann::json j;
  j["verdict"] = c.verdict;
  j["reasons"] = c.reasons;
  j["d_kl"] = c.d_kl;
  j["d_kl_noise"] = c.d_kl_noise;
  j["c2st"] = c.c2st;
  j["c2st_se"] = c.c2st_se;
  j["c2st_noise"] = c.c2st_noise;
  j["c2st_noise_se"] = c.c2st_noise_se;
  j["n_used"] = c.n_used;
  nlohmann::json shifts = nlohmann::json::object();
  for (const auto& s : c.shifts)
    shifts[s.name] = {{"mean_model", s.mean_model},         {"mean_reference", s.mean_reference},
                      {"sd_model", s.sd_model},             {"sd_reference", s.sd_reference},
                      {"mean_shift_sigma", s.mean_shift_sigma}, {"width_shift_sigma", s.width_shift_sigma}};
  j["shifts"] = shifts;
  return j;
}

}  // namespace flowprior

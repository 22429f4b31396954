#include "flowprior/workflow/comparison.hpp"
#include "flowprior/workflow/json_fields.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

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

// The paper's 75 bins assume ~1e5 points; with fewer, every 2-D bin count is noise and <D_KL> measures sample
// size, not shape. Auto: about 10 points per 2-D bin of the points each metric sees, within [5, 75].
int auto_kl_bins(const Samples& model, const Samples& reference) {
  const double points = std::min(reference.effective_size() / 2, model.effective_size());
  return static_cast<int>(std::clamp(std::floor(std::sqrt(points / 10.0)), 5.0, 75.0));
}

// <D_KL> and its floor on histograms over the range the samples occupy, not over the prior box: a posterior much
// narrower than the box would otherwise sit in one bin and every <D_KL> would be 0. Reference resampled by weight
// to its Kish size and split at random into halves A and B; the model (resampled likewise) is cut to |A| rows:
// d_kl = KL(A, model), d_kl_noise = KL(A, B).
std::pair<double, double> histogram_kl_on_sample_range(const Samples& model, const Samples& reference,
                                                       const Box& box, int bins, std::uint64_t seed) {
  MatrixXd ref = equal_weight_rows(reference, stream_id({seed, 11}));
  Rng rng(seed, stream_id({seed, 12}));
  for (Index i = ref.rows() - 1; i > 0; --i) {  // Fisher-Yates with our own generator (reproducible)
    const Index j = static_cast<Index>(rng.index(static_cast<std::uint64_t>(i + 1)));
    if (j != i) ref.row(i).swap(ref.row(j));
  }
  const Index half = ref.rows() / 2;
  const MatrixXd half_a = ref.topRows(half), half_b = ref.middleRows(half, half);
  MatrixXd mod = equal_weight_rows(model, stream_id({seed, 13}));
  const Index n = std::min(half, mod.rows());
  const MatrixXd a = half_a.topRows(n), b = half_b.topRows(n), m = mod.topRows(n);
  VectorXd lo = a.colwise().minCoeff().transpose().cwiseMin(b.colwise().minCoeff().transpose())
                    .cwiseMin(m.colwise().minCoeff().transpose());
  VectorXd hi = a.colwise().maxCoeff().transpose().cwiseMax(b.colwise().maxCoeff().transpose())
                    .cwiseMax(m.colwise().maxCoeff().transpose());
  for (Index j = 0; j < lo.size(); ++j)
    if (!(hi[j] > lo[j])) {  // a constant column: any positive width gives the same (zero) KL
      lo[j] -= 0.5;
      hi[j] += 0.5;
    }
  const Box range(box.names(), lo, hi);
  HistogramKLOptions h;
  h.bins = bins;
  return {histogram_kl(a, VectorXd(), m, VectorXd(), range, h).mean,
          histogram_kl(a, VectorXd(), b, VectorXd(), range, h).mean};
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
  q.histogram.bins = options.kl_bins > 0 ? options.kl_bins : auto_kl_bins(model, reference);
  q.c2st.neighbours = options.c2st_neighbours;
  q.c2st.max_per_class = options.max_per_class;
  q.moments.bootstrap = 2;  // moment z-scores are not used here; the shifts below are cheaper and weighted
  const QualityReport report = assess_quality(reference, equal_weight_rows(model, stream_id({options.seed, 7})),
                                              box, q);
  Comparison c;
  const auto [d_kl, d_kl_noise] = histogram_kl_on_sample_range(model, reference, box, q.histogram.bins, options.seed);
  c.d_kl = d_kl;
  c.d_kl_noise = d_kl_noise;
  c.c2st = report.c2st.accuracy;
  c.c2st_se = report.c2st.standard_error;
  c.c2st_noise = report.c2st_floor.accuracy;
  c.c2st_noise_se = report.c2st_floor.standard_error;
  c.n_used = report.n_used;

  const double c2st_limit =
      c.c2st_noise + options.c2st_sigmas * std::sqrt(c.c2st_se * c.c2st_se + c.c2st_noise_se * c.c2st_noise_se);
  if (c.c2st > c2st_limit) {
    const std::string what = "C2ST " + fmt(c.c2st) + " > noise floor " + fmt(c.c2st_noise) + " + " +
                             fmt(options.c2st_sigmas) + " SE = " + fmt(c2st_limit);
    if (c.c2st > c.c2st_noise + options.c2st_tolerance) c.reasons.push_back(what);
    else c.notes.push_back(what + ", but within the margin " + fmt(options.c2st_tolerance) + " of the floor");
  }
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
    const double mean_in_sd = sr[j] > 0 ? (mm[j] - mr[j]) / sr[j] : 0.0;
    const double width_ratio = sr[j] > 0 ? sm[j] / sr[j] : 1.0;
    if (std::abs(s.mean_shift_sigma) > options.shift_sigmas) {
      const std::string what = "mean of " + s.name + " shifted by " + fmt(s.mean_shift_sigma) + " MC sigma (" +
                               fmt(mean_in_sd) + " posterior sd)";
      if (std::abs(mean_in_sd) > options.mean_tolerance) c.reasons.push_back(what);
      else c.notes.push_back(what + ", within the margin " + fmt(options.mean_tolerance) + " sd");
    }
    if (std::abs(s.width_shift_sigma) > options.shift_sigmas) {
      const std::string what = "width of " + s.name + " shifted by " + fmt(s.width_shift_sigma) + " MC sigma (ratio " +
                               fmt(width_ratio) + ")";
      if (std::abs(width_ratio - 1) > options.width_tolerance) c.reasons.push_back(what);
      else c.notes.push_back(what + ", within the margin " + fmt(options.width_tolerance));
    }
    c.shifts.push_back(s);
  }
  c.verdict = c.reasons.empty() ? "consistent" : "inconsistent";
  if (c.reasons.empty())
    c.reasons.push_back("C2ST within " + fmt(options.c2st_sigmas) + " SE (or " + fmt(options.c2st_tolerance) +
                        ") of its noise floor, <D_KL> below " + fmt(options.kl_factor) +
                        " x its floor, every mean shift below " + fmt(options.shift_sigmas) + " MC sigma or " +
                        fmt(options.mean_tolerance) + " posterior sd, every width within " +
                        fmt(options.shift_sigmas) + " MC sigma or " + fmt(options.width_tolerance * 100) + "%");
  return c;
}

nlohmann::json comparison_to_json(const Comparison& c) {
  nlohmann::json j;
  j["verdict"] = c.verdict;
  j["reasons"] = c.reasons;
  j["notes"] = c.notes;
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

Comparison comparison_from_json(const nlohmann::json& j) {
  using namespace json_fields;
  Comparison c;
  c.verdict = text(j, "verdict");
  c.reasons = texts(j, "reasons");
  c.notes = texts(j, "notes");
  c.d_kl = number(j, "d_kl");
  c.d_kl_noise = number(j, "d_kl_noise");
  c.c2st = number(j, "c2st");
  c.c2st_se = number(j, "c2st_se");
  c.c2st_noise = number(j, "c2st_noise");
  c.c2st_noise_se = number(j, "c2st_noise_se");
  c.n_used = static_cast<Index>(j.value("n_used", 0L));
  if (const auto it = j.find("shifts"); it != j.end() && it->is_object())
    for (const auto& [name, s] : it->items())
      c.shifts.push_back({name, number(s, "mean_model"), number(s, "mean_reference"), number(s, "sd_model"),
                          number(s, "sd_reference"), number(s, "mean_shift_sigma"), number(s, "width_shift_sigma")});
  return c;
}

}  // namespace flowprior

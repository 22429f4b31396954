#include "flowprior/density/metrics/quality_report.hpp"
#include "flowprior/core/stream_purpose.hpp"

#include <cmath>
#include <numeric>

#include "flowprior/core/error.hpp"
#include "flowprior/core/rng.hpp"

namespace flowprior {
namespace {

struct Nll {
  double mean = 0;
  double standard_error = 0;
};

// Weighted mean of -log q and its standard error sd / sqrt(Kish size). Error if q is -inf or NaN at a reference
// point: an infinite NLL hides every other difference, so the culprit row is named instead.
Nll negative_log_likelihood(const LogDensity& density, const MatrixXd& x, const VectorXd& weights,
                            const std::vector<std::string>& names) {
  VectorXd lp;
  density.log_prob(x, lp);
  const VectorXd w = weights.size() ? VectorXd(weights / weights.sum())
                                    : VectorXd::Constant(x.rows(), 1.0 / static_cast<double>(x.rows()));
  for (Index i = 0; i < x.rows(); ++i)
    if (!std::isfinite(lp[i]) && w[i] > 0)
      throw Error(ErrorContext{.parameter = names.empty() ? "" : names[0], .row = static_cast<long>(i)},
                  "model log-density is " + std::to_string(lp[i]) + " at a reference point (held-out NLL)");
  Nll out;
  out.mean = -w.dot(lp);
  const double var = w.dot(((-lp).array() - out.mean).square().matrix());
  const double ess = 1.0 / w.squaredNorm();
  out.standard_error = std::sqrt(var / ess);
  return out;
}

MatrixXd take_rows(const MatrixXd& x, const std::vector<Index>& idx, std::size_t begin, Index count) {
  MatrixXd out(count, x.cols());
  for (Index r = 0; r < count; ++r) out.row(r) = x.row(idx[begin + static_cast<std::size_t>(r)]);
  return out;
}

nlohmann::json kl_json(const HistogramKL& kl) {
  nlohmann::json pairs = nlohmann::json::array();
  for (const auto& p : kl.pairs) pairs.push_back({p.first, p.second});
  return {{"mean", kl.mean}, {"mean_1d", kl.mean_1d}, {"mean_2d", kl.mean_2d}, {"kl_1d", kl.kl_1d},
          {"pairs", pairs}, {"kl_2d", kl.kl_2d}};
}

nlohmann::json moments_json(const MomentZScores& m) {
  nlohmann::json out = {{"max_abs_z", m.max_abs}, {"rms_z", m.rms}};
  const char* kinds[] = {"mean", "variance", "skewness", "excess_kurtosis"};
  for (int k = 0; k < 4; ++k) {
    std::vector<double> col(m.z.col(k).data(), m.z.col(k).data() + m.z.rows());
    out[std::string("z_") + kinds[k]] = col;
  }
  out["z_covariance"] = std::vector<double>(m.covariance_z.data(), m.covariance_z.data() + m.covariance_z.size());
  return out;
}

nlohmann::json c2st_json(const C2STResult& c) {
  return {{"accuracy", c.accuracy}, {"standard_error", c.standard_error}, {"fold_accuracy", c.fold_accuracy},
          {"n_reference", c.n_reference}, {"n_model", c.n_model}};
}

std::string fixed(double v, int width, int precision) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%*.*f", width, precision, v);
  return buf;
}

std::string padded(const std::string& s, std::size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

}  // namespace

std::vector<Index> systematic_resample(const VectorXd& weights, Index count, std::uint64_t seed) {
  if (count < 1) throw Error("systematic_resample: count must be positive");
  const double total = weights.sum();
  if (!(total > 0)) throw Error(ErrorContext{.parameter = "weight"}, "systematic_resample: all weights are zero");
  Rng rng(seed, stream_id({purpose_id(StreamPurpose::resample)}));
  const double step = total / static_cast<double>(count);
  double next = rng.uniform() * step;
  double cumulative = 0;
  std::vector<Index> out;
  out.reserve(static_cast<std::size_t>(count));
  for (Index i = 0; i < weights.size() && static_cast<Index>(out.size()) < count; ++i) {
    cumulative += weights[i];
    while (next < cumulative && static_cast<Index>(out.size()) < count) {
      out.push_back(i);
      next += step;
    }
  }
  while (static_cast<Index>(out.size()) < count) out.push_back(weights.size() - 1);  // rounding at the very end
  return out;
}

QualityReport assess_quality(const Samples& reference_in, const MatrixXd& model, const Box& box,
                             const QualityOptions& options, const LogDensity* model_density) {
  reference_in.validate("reference samples");
  Samples reference = reference_in.with_columns(box.names(), "reference samples");
  if (model.cols() != box.dim())
    throw Error("assess_quality: model sample has " + std::to_string(model.cols()) + " columns, box has " +
                std::to_string(box.dim()));
  box.check_in_closed_box(reference.values, "reference samples");
  QualityReport report;
  report.names = box.names();
  report.n_reference = reference.size();
  report.reference_weighted = reference.has_weights();
  report.reference_effective_size = reference.effective_size();
  report.nudged_to_interior = box.nudge_into_interior(reference.values);

  // Equal-weight points, shuffled, then split in two halves.
  std::vector<Index> pool;
  if (reference.has_weights()) {
    const auto m = std::max<Index>(4, static_cast<Index>(std::llround(report.reference_effective_size)));
    pool = systematic_resample(reference.weights, m, options.seed);
  } else {
    pool.resize(static_cast<std::size_t>(reference.size()));
    std::iota(pool.begin(), pool.end(), Index{0});
  }
  Rng rng(options.seed, stream_id({purpose_id(StreamPurpose::halves)}));
  for (std::size_t i = pool.size() - 1; i > 0; --i) std::swap(pool[i], pool[rng.index(i + 1)]);
  const auto half = static_cast<Index>(pool.size() / 2);
  report.n_used = std::min(half, model.rows());
  if (report.n_used < 10)
    throw Error("assess_quality: need at least 10 points per side (reference halves " + std::to_string(half) +
                ", model " + std::to_string(model.rows()) + ")");
  const MatrixXd half_a = take_rows(reference.values, pool, 0, report.n_used);
  const MatrixXd half_b = take_rows(reference.values, pool, static_cast<std::size_t>(half), report.n_used);
  const MatrixXd q = model.topRows(report.n_used);

  if (model_density) {
    report.has_nll = true;
    const Nll all = negative_log_likelihood(*model_density, reference.values, reference.weights, report.names);
    report.nll = all.mean;
    report.nll_standard_error = all.standard_error;
    report.nll_half_a = negative_log_likelihood(*model_density, half_a, VectorXd(), report.names).mean;
    report.nll_half_b = negative_log_likelihood(*model_density, half_b, VectorXd(), report.names).mean;
    report.nll_noise_floor = std::abs(report.nll_half_a - report.nll_half_b);
  }

  report.kl = histogram_kl(half_a, VectorXd(), q, VectorXd(), box, options.histogram);
  report.kl_floor = histogram_kl(half_a, VectorXd(), half_b, VectorXd(), box, options.histogram);

  MomentOptions mo = options.moments;
  mo.seed = options.seed;
  mo.threads = options.threads;
  report.moments = moment_z_scores(half_a, q, mo);
  report.moments_floor = moment_z_scores(half_a, half_b, mo);

  C2STOptions co = options.c2st;
  co.seed = options.seed;
  co.threads = options.threads;
  report.c2st = c2st(half_a, q, co);
  report.c2st_floor = c2st(half_a, half_b, co);
  return report;
}

nlohmann::json quality_report_to_json(const QualityReport& r) {
  nlohmann::json j;
  j["format"] = "flowprior.quality";
  j["version"] = 1;
  j["names"] = r.names;
  j["n_reference"] = r.n_reference;
  j["reference_weighted"] = r.reference_weighted;
  j["reference_effective_size"] = r.reference_effective_size;
  j["nudged_to_interior"] = r.nudged_to_interior;
  j["n_used_per_side"] = r.n_used;
  j["noise_floor_definition"] = "same metric between two independent halves of the reference (equal sizes)";
  if (r.has_nll)
    j["reference_nll"] = {{"value", r.nll},         {"standard_error", r.nll_standard_error},
                        {"half_a", r.nll_half_a}, {"half_b", r.nll_half_b},
                        {"noise_floor", r.nll_noise_floor}};
  j["histogram_kl"] = {{"model", kl_json(r.kl)}, {"noise_floor", kl_json(r.kl_floor)},
                       {"ratio", r.kl_floor.mean > 0 ? r.kl.mean / r.kl_floor.mean : INFINITY}};
  j["moments"] = {{"model", moments_json(r.moments)}, {"noise_floor", moments_json(r.moments_floor)}};
  j["c2st"] = {{"classifier", "kNN majority vote, 5-fold CV"},
               {"model", c2st_json(r.c2st)},
               {"noise_floor", c2st_json(r.c2st_floor)}};
  return j;
}

std::string quality_report_table(const QualityReport& r) {
  std::string s;
  s += "Flow quality against " + std::to_string(r.n_reference) + " reference samples" +
       (r.reference_weighted ? " (weighted, ESS " + fixed(r.reference_effective_size, 0, 1) + ")" : "") + "; " +
       std::to_string(r.n_used) + " points per side\n";
  s += "noise floor = the same metric between two independent halves of the reference\n\n";
  s += padded("metric", 34) + "      model  noise floor  model/floor\n";
  auto line = [&](const std::string& name, double model, double floor, int precision) {
    s += padded(name, 34) + fixed(model, 11, precision) + fixed(floor, 13, precision) +
         (floor > 0 ? fixed(model / floor, 13, 2) : std::string("            -")) + "\n";
  };
  line("<D_KL> histogram", r.kl.mean, r.kl_floor.mean, 5);
  line("  mean 1-D KL", r.kl.mean_1d, r.kl_floor.mean_1d, 5);
  if (!r.kl.kl_2d.empty()) line("  mean 2-D KL", r.kl.mean_2d, r.kl_floor.mean_2d, 5);
  line("C2ST accuracy (0.5 = same)", r.c2st.accuracy, r.c2st_floor.accuracy, 4);
  line("moment |z| max", r.moments.max_abs, r.moments_floor.max_abs, 2);
  line("moment z rms (~1 = same)", r.moments.rms, r.moments_floor.rms, 2);
  if (r.has_nll) {
    s += padded("NLL on reference", 34) + fixed(r.nll, 11, 4) + " +- " + fixed(r.nll_standard_error, 0, 4) +
         "   (halves " + fixed(r.nll_half_a, 0, 4) + " / " + fixed(r.nll_half_b, 0, 4) + ", floor |a-b| " +
         fixed(r.nll_noise_floor, 0, 4) + ")\n";
  }
  s += "\nper parameter: 1-D KL (model / floor) and z-scores of mean, variance, skewness, excess kurtosis\n";
  s += padded("parameter", 16) + "    KL model    KL floor   z_mean    z_var   z_skew   z_kurt\n";
  for (std::size_t j = 0; j < r.names.size(); ++j) {
    const auto jj = static_cast<Index>(j);
    s += padded(r.names[j], 16) + fixed(r.kl.kl_1d[j], 12, 5) + fixed(r.kl_floor.kl_1d[j], 12, 5);
    for (int k = 0; k < 4; ++k) s += fixed(r.moments.z(jj, k), 9, 2);
    s += "\n";
  }
  if (!r.moments.pairs.empty()) {
    s += "\npairs: 2-D KL (model / floor) and covariance z-score\n";
    for (std::size_t k = 0; k < r.moments.pairs.size(); ++k) {
      const auto& p = r.moments.pairs[k];
      s += padded(r.names[static_cast<std::size_t>(p.first)] + " x " + r.names[static_cast<std::size_t>(p.second)], 28) +
           fixed(r.kl.kl_2d[k], 12, 5) + fixed(r.kl_floor.kl_2d[k], 12, 5) +
           fixed(r.moments.covariance_z[static_cast<Index>(k)], 9, 2) + "\n";
    }
  }
  return s;
}

}  // namespace flowprior

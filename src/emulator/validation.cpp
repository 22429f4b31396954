#include "flowprior/emulator/validation.hpp"

#include <cmath>
#include <iomanip>
#include <sstream>

#include "flowprior/core/error.hpp"

namespace flowprior {

namespace {
constexpr double kZ95 = 1.959963984540054;

std::string fmt(double v) {
  std::ostringstream s;
  s << std::setprecision(3) << v;
  return s.str();
}

nlohmann::json stats_json(const ResidualStats& s) {
  return {{"name", s.name},         {"count", s.count},           {"mean", s.mean}, {"sd", s.sd},
          {"coverage68", s.coverage68}, {"coverage95", s.coverage95}, {"rmse", s.rmse}};
}
}  // namespace

ResidualStats residual_stats(const std::string& name, const VectorXd& standardised, const VectorXd& raw) {
  ResidualStats s;
  s.name = name;
  s.count = standardised.size();
  if (s.count == 0) return s;
  const double n = static_cast<double>(s.count);
  s.mean = standardised.mean();
  s.sd = s.count > 1 ? std::sqrt((standardised.array() - s.mean).square().sum() / (n - 1.0)) : 0.0;
  s.coverage68 = static_cast<double>((standardised.array().abs() <= 1.0).count()) / n;
  s.coverage95 = static_cast<double>((standardised.array().abs() <= kZ95).count()) / n;
  s.rmse = std::sqrt(raw.squaredNorm() / n);
  return s;
}

ValidationReport validate_emulator(const Emulator& emulator, const MatrixXd& design, const MatrixXd& outputs,
                                   const ValidationOptions& options) {
  if (design.rows() != outputs.rows()) {
    throw Error(ErrorContext{.parameter = "outputs"},
                "the held-out design has " + std::to_string(design.rows()) + " rows but the outputs have " +
                    std::to_string(outputs.rows()));
  }
  if (outputs.cols() != emulator.outputs()) {
    throw Error(ErrorContext{.parameter = "outputs"}, "held-out outputs have " + std::to_string(outputs.cols()) +
                                                          " columns, the emulator " +
                                                          std::to_string(emulator.outputs()));
  }
  if (design.rows() < 2) throw Error(ErrorContext{.parameter = "design"}, "need at least 2 held-out points");
  for (Index i = 0; i < outputs.rows(); ++i) {
    for (Index j = 0; j < outputs.cols(); ++j) {
      if (!std::isfinite(outputs(i, j))) {
        throw Error(ErrorContext{.parameter = emulator.output_names()[static_cast<std::size_t>(j)],
                                 .row = static_cast<long>(i)},
                    "held-out output is not finite");
      }
    }
  }
  MatrixXd mean, sd;
  emulator.predict_marginal(design, mean, sd);
  const MatrixXd raw = outputs - mean;
  // A zero sd only happens for outputs constant over the training design; a residual there is infinitely
  // surprising, which the report must show rather than hide.
  const MatrixXd standardised = raw.cwiseQuotient(sd);
  ValidationReport report;
  const Index n = raw.rows(), m = raw.cols();
  report.pooled = residual_stats("all outputs", standardised.reshaped(), raw.reshaped());
  for (Index j = 0; j < m; ++j) {
    report.outputs.push_back(
        residual_stats(emulator.output_names()[static_cast<std::size_t>(j)], standardised.col(j), raw.col(j)));
  }
  for (int k = 0; k < emulator.components(); ++k) {
    VectorXd loo_mean, loo_var;
    emulator.component(k).leave_one_out(loo_mean, loo_var);
    const VectorXd r = emulator.component(k).targets() - loo_mean;
    report.leave_one_out.push_back(
        residual_stats("component " + std::to_string(k), r.cwiseQuotient(loo_var.cwiseSqrt()), r));
  }

  auto problem = [&](const std::string& p) {
    report.trustworthy = false;
    report.problems.push_back(p);
  };
  const ResidualStats& p = report.pooled;
  if (!std::isfinite(p.mean) || !std::isfinite(p.sd)) problem("standardised residuals are not finite (zero sd)");
  if (std::abs(p.mean) > options.max_abs_mean) problem("held-out residuals are biased: mean " + fmt(p.mean));
  if (p.sd < options.min_sd) problem("emulator uncertainty is too large: residual sd " + fmt(p.sd));
  if (p.sd > options.max_sd) problem("emulator is overconfident: residual sd " + fmt(p.sd));
  if (p.coverage95 < options.min_coverage95) problem("95% intervals cover only " + fmt(100 * p.coverage95) + "%");
  if (p.coverage95 > options.max_coverage95) problem("95% intervals cover " + fmt(100 * p.coverage95) + "%, too wide");
  if (n * m < 20) problem("too few held-out values (" + std::to_string(n * m) + ") to judge coverage");
  return report;
}

nlohmann::json ValidationReport::to_json() const {
  nlohmann::json j;
  j["trustworthy"] = trustworthy;
  j["problems"] = problems;
  j["pooled"] = stats_json(pooled);
  j["outputs"] = nlohmann::json::array();
  for (const auto& s : outputs) j["outputs"].push_back(stats_json(s));
  j["leave_one_out"] = nlohmann::json::array();
  for (const auto& s : leave_one_out) j["leave_one_out"].push_back(stats_json(s));
  return j;
}

std::string ValidationReport::to_text() const {
  std::ostringstream o;
  auto line = [&](const ResidualStats& s) {
    o << "  " << std::left << std::setw(16) << s.name << " mean " << std::setw(8) << fmt(s.mean) << " sd "
      << std::setw(8) << fmt(s.sd) << " cover68 " << std::setw(6) << fmt(s.coverage68) << " cover95 "
      << std::setw(6) << fmt(s.coverage95) << " rmse " << fmt(s.rmse) << "\n";
  };
  o << "held-out standardised residuals (" << pooled.count << " values):\n";
  line(pooled);
  o << "per output:\n";
  for (const auto& s : outputs) line(s);
  o << "leave-one-out per component (training design):\n";
  for (const auto& s : leave_one_out) line(s);
  o << "verdict: " << (trustworthy ? "trustworthy" : "NOT trustworthy") << "\n";
  for (const auto& p : problems) o << "  - " << p << "\n";
  return o.str();
}

}  // namespace flowprior

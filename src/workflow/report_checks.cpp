// The trust assessment at the top of the run report (rule in workflow/report.hpp).
#include <cmath>
#include <string>

#include "flowprior/workflow/report.hpp"
#include "flowprior/workflow/report_html.hpp"

namespace flowprior {
namespace {

using nlohmann::json;
using report::find;
using report::number;
using report::text;

bool is_number(const json* v) { return v && v->is_number() && std::isfinite(v->get<double>()); }

std::string skipped_reason(const json* section) {
  const json* s = section ? find(*section, {"skipped"}) : nullptr;
  return s && s->is_string() ? s->get<std::string>() : "";
}

TrustCheck comparison_check(const json& summary) {
  TrustCheck c{"Sequential result vs joint analysis", CheckStatus::unknown, ""};
  const json* verdict = find(summary, {"comparison", "verdict"});
  const json* reasons = find(summary, {"comparison", "reasons"});
  const std::string model = text(find(summary, {"comparison", "model"}));
  c.detail = "posterior of the last stage (" + model + ") against the joint run on all datasets: " + text(reasons);
  if (!verdict || !verdict->is_string()) {
    c.detail = "no comparison verdict in summary.json";
  } else if (*verdict == "consistent") {
    c.status = CheckStatus::pass;
  } else if (*verdict == "inconsistent") {
    c.status = CheckStatus::fail;
  } else {
    c.status = CheckStatus::skipped;
    c.detail = "not run: " + text(reasons);
  }
  return c;
}

TrustCheck flow_prior_check(const json& summary) {
  TrustCheck c{"Flow-prior error (importance reweighting)", CheckStatus::unknown, ""};
  const json* ess = find(summary, {"flow_prior_check", "ess_fraction"});
  const std::string skip = skipped_reason(find(summary, {"flow_prior_check"}));
  if (is_number(ess)) {
    const double f = ess->get<double>();
    c.status = f >= 0.5 ? CheckStatus::pass : CheckStatus::fail;
    c.detail = "stage " + text(find(summary, {"flow_prior_check", "stage"})) + ": effective sample size fraction " +
               number(f, 3) + " after reweighting its particles by L_earlier x prior / flow (rule: below 0.5 the " +
               "flow prior distorted the result)";
  } else if (!skip.empty()) {
    c.status = CheckStatus::skipped;
    c.detail = skip;
  } else {
    c.detail = "no flow_prior_check.ess_fraction in summary.json";
  }
  return c;
}

TrustCheck lost_modes_check(const json& summary) {
  TrustCheck c{"Lost modes (defensive-mixture re-run)", CheckStatus::unknown, ""};
  const json* detected = find(summary, {"lost_modes", "detected"});
  const std::string skip = skipped_reason(find(summary, {"lost_modes"}));
  if (detected && detected->is_boolean()) {
    c.status = detected->get<bool>() ? CheckStatus::fail : CheckStatus::pass;
    c.detail = "mass " + number(find(summary, {"lost_modes", "mass_where_flow_excludes"}), 3) +
               " of the reweighted mixture posterior lies where the flow prior is negligible (rule: " +
               text(find(summary, {"lost_modes", "rule"})) + ")";
  } else if (!skip.empty()) {
    c.status = CheckStatus::skipped;
    c.detail = skip;
  } else {
    c.detail = "no lost_modes.detected in summary.json";
  }
  return c;
}

TrustCheck tension_check(const json& summary) {
  TrustCheck c{"Tension between the datasets", CheckStatus::unknown, ""};
  const json* p = find(summary, {"tension", "suspiciousness_p"});
  const std::string skip = skipped_reason(find(summary, {"tension"}));
  if (is_number(p)) {
    c.status = p->get<double>() >= 0.01 ? CheckStatus::pass : CheckStatus::fail;
    c.detail = "datasets " + text(find(summary, {"tension", "datasets_a"})) + " vs " +
               text(find(summary, {"tension", "datasets_b"})) + ": suspiciousness p = " + number(p, 3) +
               ", log R = " + number(find(summary, {"tension", "log_r"}), 3) +
               " (rule: p < 0.01 means the datasets disagree, and no combination of them, sequential or joint, "
               "describes both)";
  } else if (!skip.empty()) {
    c.status = CheckStatus::skipped;
    c.detail = skip;
  } else {
    c.detail = "no tension.suspiciousness_p in summary.json";
  }
  return c;
}

TrustCheck convergence_check(const json& summary) {
  TrustCheck c{"Samplers converged", CheckStatus::unknown, "no per-stage convergence flags in summary.json"};
  std::string failed, checked;
  auto visit = [&](const std::string& name, const json& record) {
    const json* conv = find(record, {"converged"});
    if (!conv || !conv->is_boolean()) return;
    checked += (checked.empty() ? "" : ", ") + name;
    if (!conv->get<bool>())
      failed += (failed.empty() ? "" : "; ") + name + " (" + text(find(record, {"stop_reason"})) + ")";
  };
  if (const json* stages = find(summary, {"stages"}); stages && stages->is_object())
    for (const auto& [name, record] : stages->items()) visit(name, record);
  if (const json* joint = find(summary, {"joint"}); joint && joint->is_object()) visit("joint", *joint);
  if (!failed.empty()) {
    c.status = CheckStatus::fail;
    c.detail = "not converged: " + failed;
  } else if (!checked.empty()) {
    c.status = CheckStatus::pass;
    c.detail = "converged: " + checked;
  }
  return c;
}

TrustCheck emulator_check(const json& summary) {
  TrustCheck c{"Emulators validated", CheckStatus::skipped, "no emulators built by the run"};
  const json* emulators = find(summary, {"emulators"});
  if (!emulators || !emulators->is_object() || emulators->empty()) return c;
  std::string bad, good;
  for (const auto& [system, e] : emulators->items()) {
    const json* ok = find(e, {"trustworthy"});
    if (ok && ok->is_boolean() && !ok->get<bool>()) bad += (bad.empty() ? "" : ", ") + system;
    else good += (good.empty() ? "" : ", ") + system;
  }
  c.status = bad.empty() ? CheckStatus::pass : CheckStatus::fail;
  c.detail = bad.empty() ? "held-out validation passed: " + good
                         : "failed held-out validation: " + bad + " (emulator_SYSTEM_validation.json)";
  return c;
}

TrustCheck predictive_check(const json& summary, const json* predictive) {
  TrustCheck c{"Model reproduces every dataset (posterior predictive)", CheckStatus::unknown, ""};
  // The sequential result is the last configured stage: the comparison's model, else the last stage of
  // predictive.json's run_order (JSON objects do not keep the configuration's order).
  std::string last;
  if (const json* model = find(summary, {"comparison", "model"}); model && model->is_string()) last = *model;
  const json* order = predictive ? find(*predictive, {"run_order"}) : nullptr;
  if (last.empty() && order && order->is_array())
    for (const auto& name : *order)
      if (name.is_string() && name != "joint") last = name.get<std::string>();
  const json* datasets = predictive ? find(*predictive, {"datasets"}) : nullptr;
  if (!datasets || !datasets->is_object() || last.empty()) {
    c.detail = "no posterior predictive results (predictive.json)";
    return c;
  }
  std::string all;
  CheckStatus status = CheckStatus::pass;
  for (const auto& [name, record] : datasets->items()) {
    const json* p = find(record, {"stages", last.c_str(), "p_value"});
    if (!is_number(p)) {
      status = status == CheckStatus::fail ? status : CheckStatus::unknown;
      all += (all.empty() ? "" : "; ") + name + ": no result";
      continue;
    }
    const double pv = p->get<double>();
    const std::string line = name + ": p = " + number(pv, 3) + ", chi2 = " +
                             number(find(record, {"stages", last.c_str(), "chi2_at_median"}), 3) + " for " +
                             text(find(record, {"stages", last.c_str(), "observables"})) + " points";
    all += (all.empty() ? "" : "; ") + line;
    if (pv < 0.01) {
      status = CheckStatus::fail;
    } else if (pv < 0.05 && status == CheckStatus::pass) {
      status = CheckStatus::warn;
    }
  }
  c.status = status;
  c.detail = "at the posterior of the sequential result (" + last + "): " + all +
             " (rule: p < 0.01 fails, p < 0.05 warns)";
  return c;
}

TrustCheck reverse_order_check(const json& summary) {
  TrustCheck c{"Same answer when the data arrive in reverse order", CheckStatus::skipped,
               "not run ([checks] reverse_order = false)"};
  const json* verdict = find(summary, {"reverse_order", "comparison", "verdict"});
  if (!verdict || !verdict->is_string()) return c;
  c.status = *verdict == "consistent" ? CheckStatus::pass : CheckStatus::warn;
  c.detail = "reverse-order sequential result vs joint: " + verdict->get<std::string>() + " (" +
             text(find(summary, {"reverse_order", "comparison", "reasons"})) + ")";
  return c;
}

// Every flow stage's hand-over coverage, forward and reverse (workflow/hand_over.hpp).
TrustCheck hand_over_check(const json& summary) {
  TrustCheck c{"Flow hand-over coverage (training samples where the next posterior lives)", CheckStatus::skipped,
               "no flow-prior stage"};
  std::string detail;
  bool any = false, all_within = true;
  auto add = [&](const json* stages) {
    if (!stages || !stages->is_object()) return;
    for (const auto& [name, record] : stages->items()) {
      const json* h = find(record, {"hand_over"});
      if (!h) continue;
      any = true;
      const json* n = find(*h, {"effective_samples_inside"});
      const json* f = find(*h, {"fraction_inside"});
      const json* r = find(*h, {"resolution_sd"});
      const json* ok = find(*h, {"within_margin"});
      if (!is_number(n) || !is_number(f) || !ok || !ok->is_boolean()) {
        all_within = false;
        const json* error = find(*h, {"error"});
        detail += (detail.empty() ? "" : "; ") + name + ": " + (error ? text(error) : "no data");
        continue;
      }
      all_within = all_within && ok->get<bool>();
      detail += (detail.empty() ? "" : "; ") + name + ": " + std::to_string(std::lround(n->get<double>())) +
                " effective samples of " + text(find(*h, {"earlier_stage"})) + " (" +
                number(100.0 * f->get<double>(), 2) + "% of its mass), resolution " +
                (is_number(r) ? number(r->get<double>(), 2) : std::string("inf")) + " posterior sd";
    }
  };
  add(find(summary, {"stages"}));
  add(find(summary, {"reverse_order", "stages"}));
  if (!any) return c;
  c.status = all_within ? CheckStatus::pass : CheckStatus::warn;
  c.detail = detail + " (rule: 1/sqrt(samples inside the later 95% region) within the mean margin, else warning)";
  return c;
}

TrustCheck warnings_check(const json& summary) {
  const json* w = find(summary, {"warnings"});
  if (!w || !w->is_array() || w->empty()) return {"Run warnings", CheckStatus::pass, "none"};
  return {"Run warnings", CheckStatus::warn, text(w)};
}

}  // namespace

std::string to_string(CheckStatus status) {
  switch (status) {
    case CheckStatus::pass: return "pass";
    case CheckStatus::warn: return "warning";
    case CheckStatus::fail: return "FAIL";
    case CheckStatus::skipped: return "skipped";
    case CheckStatus::unknown: return "no data";
  }
  return "?";
}

TrustAssessment assess_run(const json* summary, const json* predictive) {
  TrustAssessment a;
  if (!summary) {
    a.answer = "cannot tell";
    a.headline = "summary.json, the file with the run's verdict and checks, is missing or corrupt: the run did not "
                 "finish or the folder was damaged.";
    a.checks.push_back({"Run summary", CheckStatus::unknown, "summary.json missing or corrupt"});
    return a;
  }
  a.checks = {comparison_check(*summary), flow_prior_check(*summary),  lost_modes_check(*summary),
              tension_check(*summary),    convergence_check(*summary), emulator_check(*summary),
              predictive_check(*summary, predictive), reverse_order_check(*summary), hand_over_check(*summary),
              warnings_check(*summary)};
  std::string failed, unknown, warned;
  auto add = [](std::string& list, const std::string& name) { list += (list.empty() ? "" : "; ") + name; };
  for (const auto& c : a.checks) {
    if (c.status == CheckStatus::fail) add(failed, c.name);
    else if (c.status == CheckStatus::unknown) add(unknown, c.name);
    else if (c.status == CheckStatus::warn) add(warned, c.name);
  }
  if (!failed.empty()) {
    a.answer = "no";
    a.headline = "The sequential result should not be trusted: " + failed + ".";
  } else if (!unknown.empty()) {
    a.answer = "cannot tell";
    a.headline = "Some checks have no data (" + unknown + "); the others pass.";
  } else if (!warned.empty()) {
    a.answer = "yes, with caveats";
    a.headline = "The sequential result agrees with the joint analysis and passes the checks, with warnings: " +
                 warned + ".";
  } else {
    a.answer = "yes";
    a.headline = "The sequential result agrees with the joint analysis of all datasets, and every check passes.";
  }
  return a;
}

}  // namespace flowprior

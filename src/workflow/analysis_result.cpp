#include "flowprior/workflow/analysis_result.hpp"

#include <cmath>
#include <cstdio>

#include "flowprior/workflow/check.hpp"
#include "flowprior/workflow/json_fields.hpp"

namespace flowprior {

using nlohmann::json;

json FlowTraining::training_json() const {
  json t = {{"flow_epochs", epochs}, {"flow_stop_reason", stop_reason},
            {"flow_best_validation_loss", best_validation_loss},
            {"flow_train_loss", train_loss}, {"flow_validation_loss", validation_loss}};
  if (!ensemble.empty()) {
    json list = json::array();
    for (const auto& m : ensemble)
      list.push_back({{"epochs", m.epochs}, {"stop_reason", m.stop_reason},
                      {"best_validation_loss", m.best_validation_loss}});
    t["flow_ensemble"] = list;
  }
  return t;
}

FlowTraining FlowTraining::from_json(const json& j) {
  FlowTraining f;
  f.file = json_fields::text(j, "flow_file");
  f.loaded = json_fields::flag(j, "flow_loaded");
  f.epochs = j.value("flow_epochs", 0);
  f.stop_reason = json_fields::text(j, "flow_stop_reason");
  f.best_validation_loss = json_fields::number(j, "flow_best_validation_loss");
  f.train_loss = json_fields::numbers(j, "flow_train_loss");
  f.validation_loss = json_fields::numbers(j, "flow_validation_loss");
  if (const auto it = j.find("flow_ensemble"); it != j.end() && it->is_array())
    for (const auto& m : *it)
      f.ensemble.push_back({m.value("epochs", 0), json_fields::text(m, "stop_reason"), json_fields::number(m, "best_validation_loss")});
  return f;
}

json to_json(const StageResult& s) {
  json r;
  if (s.flow) {
    r = s.flow->training_json();
    r["flow_file"] = s.flow->file;
    if (s.flow->loaded) r["flow_loaded"] = true;
  }
  if (s.hand_over) {
    const HandOverRecord& h = *s.hand_over;
    if (!h.error.empty()) {
      r["hand_over"] = {{"error", h.error}};
    } else {
      json j = flowprior::to_json(h.coverage);
      j["earlier_stage"] = h.earlier_stage;
      j["margin_sd"] = h.margin_sd;
      j["within_margin"] = h.within_margin;
      r["hand_over"] = j;
    }
  }
  r["log_z"] = json_fields::nullable(s.log_z);
  r["log_z_err"] = json_fields::nullable(s.log_z_err);
  r["samples"] = s.name + ".csv";
  r["posterior"] = s.name + "_posterior.csv";
  r["diagnostics"] = s.name + "_diagnostics.json";
  r["prior"] = s.prior;
  r["sampler"] = s.sampler;
  r["datasets"] = s.datasets;
  r["effective_size"] = s.effective_size;
  r["converged"] = s.converged;
  r["stop_reason"] = s.stop_reason;
  return r;
}

StageResult stage_result_from_json(const std::string& name, const json& j) {
  StageResult s;
  s.name = name;
  s.datasets = json_fields::texts(j, "datasets");
  s.prior = json_fields::text(j, "prior");
  s.sampler = json_fields::text(j, "sampler");
  s.log_z = json_fields::number(j, "log_z");
  s.log_z_err = json_fields::number(j, "log_z_err");
  s.effective_size = json_fields::number(j, "effective_size");
  s.converged = json_fields::flag(j, "converged", true);
  s.stop_reason = json_fields::text(j, "stop_reason");
  if (j.contains("flow_file")) s.flow = FlowTraining::from_json(j);
  if (const auto it = j.find("hand_over"); it != j.end() && it->is_object()) {
    HandOverRecord h;
    h.error = json_fields::text(*it, "error");
    if (h.error.empty()) {
      h.coverage = hand_over_coverage_from_json(*it);
      h.earlier_stage = json_fields::text(*it, "earlier_stage");
      h.margin_sd = json_fields::number(*it, "margin_sd");
      h.within_margin = json_fields::flag(*it, "within_margin");
    }
    s.hand_over = h;
  }
  return s;
}

json to_json(const EmulatorRecord& e) {
  json j = {{"file", e.file}, {"validation", e.validation}, {"design_points", e.design_points},
            {"validation_points", e.validation_points}, {"trustworthy", e.trustworthy}, {"problems", e.problems}};
  if (e.loaded) j["loaded"] = true;
  if (e.components >= 0) j["components"] = e.components;
  if (e.second_wave_points > 0) j["second_wave_points"] = e.second_wave_points;
  if (!e.datasets.empty()) j["datasets"] = e.datasets;
  if (e.error_ratio_count > 0) {
    j["error_ratio"] = {{"median", e.error_ratio_median}, {"p95", e.error_ratio_p95}, {"max", e.error_ratio_max},
                        {"count", e.error_ratio_count}, {"points", e.error_ratio_points},
                        {"fraction_points_above_third", e.error_ratio_fraction_above},
                        {"what", "emulator sd / data error at posterior points (joint run and the datasets' stages) "
                                 "x data points; fraction_points_above_third: points where some data point exceeds "
                                 "1/3; worst: the data point with the largest p95"}};
    if (!e.error_ratio_worst.empty())
      j["error_ratio"]["worst"] = {{"data_point", e.error_ratio_worst}, {"median", e.error_ratio_worst_median},
                                   {"p95", e.error_ratio_worst_p95}};
    if (!e.error_ratio_file.empty()) j["error_ratio"]["file"] = e.error_ratio_file;
  }
  return j;
}

EmulatorRecord emulator_record_from_json(const json& j) {
  EmulatorRecord e;
  e.file = json_fields::text(j, "file");
  e.validation = json_fields::text(j, "validation");
  e.trustworthy = json_fields::flag(j, "trustworthy", true);
  e.problems = json_fields::texts(j, "problems");
  e.design_points = j.value("design_points", 0L);
  e.validation_points = j.value("validation_points", 0L);
  e.components = j.value("components", -1);
  e.loaded = json_fields::flag(j, "loaded");
  e.second_wave_points = j.value("second_wave_points", 0L);
  e.datasets = json_fields::texts(j, "datasets");
  if (const auto it = j.find("error_ratio"); it != j.end() && it->is_object()) {
    e.error_ratio_count = it->value("count", 0L);
    e.error_ratio_median = json_fields::number(*it, "median");
    e.error_ratio_max = json_fields::number(*it, "max");
    e.error_ratio_p95 = it->contains("p95") ? json_fields::number(*it, "p95") : e.error_ratio_max;  // older files
    e.error_ratio_points = it->value("points", 0L);
    e.error_ratio_fraction_above = it->contains("fraction_points_above_third")
                                       ? json_fields::number(*it, "fraction_points_above_third")
                                       : 0.0;
    e.error_ratio_file = json_fields::text(*it, "file");
    if (const auto w = it->find("worst"); w != it->end() && w->is_object()) {
      e.error_ratio_worst = json_fields::text(*w, "data_point");
      e.error_ratio_worst_median = json_fields::number(*w, "median");
      e.error_ratio_worst_p95 = json_fields::number(*w, "p95");
    }
  }
  return e;
}

json ComparisonRecord::to_json() const {
  if (!comparison) return {{"verdict", "not run"}, {"reasons", not_run}};
  json j = comparison_to_json(*comparison);
  j["model"] = model;
  j["reference"] = reference;
  return j;
}

ComparisonRecord ComparisonRecord::from_json(const json& j) {
  ComparisonRecord r;
  if (json_fields::text(j, "verdict") == "not run" || !j.contains("verdict")) {
    r.not_run = json_fields::texts(j, "reasons");
    return r;
  }
  r.comparison = comparison_from_json(j);
  r.model = json_fields::text(j, "model");
  r.reference = json_fields::text(j, "reference");
  return r;
}

const StageResult* AnalysisResult::stage(const std::string& name) const {
  for (const auto& s : stages)
    if (s.name == name) return &s;
  return nullptr;
}

json AnalysisResult::to_json() const {
  json j;
  j["version"] = version;
  j["config"] = config;
  j["parameters"] = parameters;
  j["units"] = units;
  j["emulators"] = json::object();
  for (const auto& [system, e] : emulators) j["emulators"][system] = flowprior::to_json(e);
  j["stages"] = json::object();
  json order = json::array();
  for (const auto& s : stages) {
    j["stages"][s.name] = flowprior::to_json(s);
    order.push_back(s.name);
  }
  j["stage_order"] = order;
  if (joint)
    j["joint"] = {{"log_z", json_fields::nullable(joint->log_z)}, {"log_z_err", json_fields::nullable(joint->log_z_err)},
                  {"samples", "joint.csv"},          {"posterior", "joint_posterior.csv"},
                  {"datasets", joint->datasets},     {"effective_size", joint->effective_size}};
  j["comparison"] = comparison.to_json();
  for (const auto& [key, result] : checks)
    if (result) j[key] = result->to_json();
  j["warnings"] = warnings;
  return j;
}

AnalysisResult AnalysisResult::from_json(const json& j, const CheckRegistry& registry) {
  AnalysisResult r;
  r.version = j.value("version", 1);
  r.config = json_fields::text(j, "config");
  r.parameters = json_fields::texts(j, "parameters");
  if (const auto it = j.find("units"); it != j.end() && it->is_object())
    for (const auto& [k, v] : it->items())
      if (v.is_string()) r.units[k] = v.get<std::string>();
  if (const auto it = j.find("emulators"); it != j.end() && it->is_object())
    for (const auto& [k, v] : it->items()) r.emulators[k] = emulator_record_from_json(v);
  // Stages in the configuration's order (version 1 files: the object's order).
  std::vector<std::string> order = json_fields::texts(j, "stage_order");
  if (const auto it = j.find("stages"); it != j.end() && it->is_object()) {
    if (order.empty())
      for (const auto& [name, s] : it->items()) order.push_back(name);
    for (const auto& name : order)
      if (it->contains(name)) r.stages.push_back(stage_result_from_json(name, (*it)[name]));
  }
  if (const auto it = j.find("joint"); it != j.end() && it->is_object())
    r.joint = JointResult{json_fields::texts(*it, "datasets"), json_fields::number(*it, "log_z"), json_fields::number(*it, "log_z_err"),
                          json_fields::number(*it, "effective_size")};
  if (const auto it = j.find("comparison"); it != j.end() && it->is_object())
    r.comparison = ComparisonRecord::from_json(*it);
  for (const auto& check : registry.make_all()) {
    const std::string key = check->key();
    if (key.empty()) continue;
    if (const auto it = j.find(key); it != j.end()) r.checks[key] = check->from_json(*it);
  }
  r.warnings = json_fields::texts(j, "warnings");
  return r;
}

std::string AnalysisResult::brief() const {
  std::string out;
  auto line = [&out](const std::string& s) { out += s + "\n"; };
  if (comparison.comparison) line("sequential vs joint: " + comparison.comparison->verdict);
  else line("sequential vs joint: not run");
  for (const auto& check : builtin_checks().make_all())
    if (const auto row = check->assess(*this); row && !check->key().empty() && row->status != CheckStatus::skipped)
      line(row->name + ": " + to_string(row->status));
  if (comparison.comparison)
    for (const auto& reason : comparison.comparison->reasons) line("  reason: " + reason);
  for (const auto& w : warnings) line("WARNING: " + w);
  return out;
}

}  // namespace flowprior

#include "flowprior/workflow/report.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "flowprior/core/error.hpp"
#include "flowprior/core/log.hpp"
#include "flowprior/io/csv.hpp"
#include "flowprior/workflow/report_html.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using report::escape;
using report::find;
using report::number;
using report::RunFolder;
using report::text;

constexpr const char* kStyle = R"(
body { font-family: sans-serif; max-width: 1150px; margin: 1em auto; padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #ccc; margin-top: 1.8em; }
.sub { color: #555; margin-top: 0; }
.verdict { border: 3px solid; border-radius: 6px; padding: 0.6em 1em; margin: 1em 0; }
.verdict .answer { font-size: 1.7em; font-weight: bold; }
.v-yes { border-color: #2e7d32; background: #e8f5e9; } .v-caveats { border-color: #f9a825; background: #fffde7; }
.v-no { border-color: #c62828; background: #ffebee; } .v-unknown { border-color: #757575; background: #f5f5f5; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.55em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.num { text-align: right; font-family: monospace; }
.s-pass { background: #c8e6c9; font-weight: bold; } .s-warning { background: #fff59d; font-weight: bold; }
.s-FAIL { background: #ef9a9a; font-weight: bold; } .s-skipped, .s-no-data { background: #e0e0e0; }
.missing { color: #b71c1c; background: #fff3f3; border-left: 4px solid #c62828; padding: 0.3em 0.6em; }
figure { margin: 0.8em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { color: #444; font-size: 0.9em; } pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; }
.note { color: #444; font-size: 0.92em; }
)";

std::string cell(const std::string& html, bool numeric = false) {
  return numeric ? "<td class=\"num\">" + html + "</td>" : "<td>" + html + "</td>";
}

std::string table(const std::vector<std::string>& header, const std::vector<std::string>& rows) {
  std::string out = "<table><tr>";
  for (const auto& h : header) out += "<th>" + escape(h) + "</th>";
  out += "</tr>\n";
  for (const auto& r : rows) out += "<tr>" + r + "</tr>\n";
  return out + "</table>\n";
}

std::string missing_note(const std::string& note) { return "<p class=\"missing\">missing: " + escape(note) + "</p>\n"; }

std::string capitalised(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string class_of(CheckStatus s) {
  std::string c = to_string(s);
  std::replace(c.begin(), c.end(), ' ', '-');
  return "s-" + c;
}

class ReportBuilder {
 public:
  explicit ReportBuilder(const std::string& folder) : run_(folder) {}

  std::string build();
  const RunFolder& run() const { return run_; }
  const std::string& answer() const { return answer_; }

 private:
  std::string figure(const std::string& file, const std::string& caption, const std::string& why = "");
  std::vector<std::string> run_order() const;
  std::string verdict_section();
  std::string predictive_section();
  std::string corner_section();
  std::string comparison_section();
  std::string evidence_section();
  std::string tension_section();
  std::string flow_section();
  std::string diagnostics_section();
  std::string extras_section();
  std::string configuration_section();
  std::string other_figures_section();
  // A section that throws on unexpected content is replaced by a note, never aborts the page.
  template <class F>
  std::string guarded(const std::string& title, F&& make);

  RunFolder run_;
  std::optional<json> summary_, predictive_;
  std::map<std::string, json> diagnostics_;
  std::set<std::string> shown_figures_;
  std::string answer_;
};

template <class F>
std::string ReportBuilder::guarded(const std::string& title, F&& make) {
  try {
    return make();
  } catch (const std::exception& e) {
    run_.note_missing("section '" + title + "'", std::string("could not be shown: ") + e.what());
    return "<h2>" + escape(title) + "</h2>" + missing_note(run_.note_for("section '" + title + "'"));
  }
}

std::string ReportBuilder::figure(const std::string& file, const std::string& caption, const std::string& why) {
  shown_figures_.insert(file);
  const auto uri = run_.png(file, why);
  if (!uri) return missing_note(run_.note_for(file));
  return "<figure><img alt=\"" + escape(file) + "\" src=\"" + *uri + "\"><figcaption>" + escape(file) + ": " +
         escape(caption) + "</figcaption></figure>\n";
}

// Stages in configuration order, then the workflow's own runs.
std::vector<std::string> ReportBuilder::run_order() const {
  std::vector<std::string> order;
  auto add = [&](const std::string& n) {
    if (std::find(order.begin(), order.end(), n) == order.end()) order.push_back(n);
  };
  if (predictive_)
    if (const json* o = find(*predictive_, {"run_order"}); o && o->is_array())
      for (const auto& n : *o)
        if (n.is_string()) add(n);
  if (summary_)
    if (const json* s = find(*summary_, {"stages"}); s && s->is_object())
      for (const auto& [n, r] : s->items()) add(n);
  if (summary_ && find(*summary_, {"joint"})) add("joint");
  for (const auto& [n, d] : diagnostics_) add(n);
  return order;
}

std::string ReportBuilder::verdict_section() {
  const TrustAssessment a = assess_run(summary_ ? &*summary_ : nullptr, predictive_ ? &*predictive_ : nullptr);
  answer_ = a.answer;
  const std::string cls = a.answer == "yes"                 ? "v-yes"
                          : a.answer == "yes, with caveats" ? "v-caveats"
                          : a.answer == "no"                ? "v-no"
                                                            : "v-unknown";
  std::string out = "<h2 id=\"verdict\">Can the sequential result be trusted?</h2>\n";
  out += "<div class=\"verdict " + cls + "\"><div class=\"answer\">" + escape(capitalised(a.answer)) +
         "</div><p>" + escape(a.headline) + "</p></div>\n";
  out += "<p class=\"note\">The sequential analysis fits the datasets stage by stage: each stage's posterior is "
         "learned by a normalizing flow, which becomes the prior of the next stage. Its result can be trusted when "
         "(1) it agrees with a joint fit of all datasets at once, (2) the flow hand-over neither distorted the "
         "posterior nor lost a mode, (3) the datasets are not in tension with each other, (4) the samplers "
         "converged, and (5) the fitted model reproduces every dataset. Each check below states its number and "
         "rule. Answer: \"no\" if any check fails; \"cannot tell\" if a check has no data; \"yes, with caveats\" "
         "if a check warns; \"yes\" otherwise.</p>\n";
  std::vector<std::string> rows;
  for (const auto& c : a.checks)
    rows.push_back(cell(escape(c.name)) + "<td class=\"" + class_of(c.status) + "\">" + escape(to_string(c.status)) +
                   "</td>" + cell(escape(c.detail)));
  out += table({"check", "result", "numbers and rule"}, rows);
  return out;
}

std::string ReportBuilder::predictive_section() {
  std::string out = "<h2 id=\"predictive\">Posterior predictive: model against data</h2>\n";
  if (!predictive_) return out + missing_note(run_.note_for("predictive.json"));
  if (const json* d = find(*predictive_, {"definitions"}); d && d->is_object()) {
    out += "<ul class=\"note\">";
    for (const auto& [k, v] : d->items()) out += "<li><b>" + escape(k) + "</b>: " + escape(text(&v)) + "</li>";
    out += "</ul>\n";
  }
  const json* datasets = find(*predictive_, {"datasets"});
  if (!datasets || !datasets->is_object()) return out + missing_note("predictive.json (no datasets)");
  const std::vector<std::string> order = run_order();
  for (const auto& [name, rec] : datasets->items()) {
    out += "<h3>dataset " + escape(name) + "</h3>\n";
    if (const json* e = find(rec, {"error"})) out += missing_note("predictive of " + name + " (" + text(e) + ")");
    if (const json* x = find(rec, {"x_note"})) out += "<p class=\"note\">" + escape(text(x)) + "</p>";
    out += figure("predictive_" + name + ".png",
                  "data (points, total experimental error bars) and the model's 68% (dark) / 95% (light) bands at the "
                  "posterior of each run",
                  "drawn by scripts/plot_run.py from predictive_" + name + ".csv");
    std::vector<std::string> rows;
    const json* stages = find(rec, {"stages"});
    for (const auto& run : order) {
      const json* s = stages ? find(*stages, {run.c_str()}) : nullptr;
      if (!s) continue;
      const json* fitted = find(*s, {"fitted"});
      const std::string used = fitted && fitted->is_boolean() ? (fitted->get<bool>() ? "yes" : "no: a prediction")
                                                              : "n/a";
      if (const json* e = find(*s, {"error"})) {
        rows.push_back(cell(escape(run)) + cell(used) + "<td colspan=\"4\" class=\"missing\">" + escape(text(e)) +
                       "</td>");
        continue;
      }
      const json* p = find(*s, {"p_value"});
      const bool low = p && p->is_number() && p->get<double>() < 0.01;
      rows.push_back(cell(escape(run)) + cell(escape(used)) +
                     cell(number(find(*s, {"chi2_at_median"}), 4) + " / " + escape(text(find(*s, {"observables"}))),
                          true) +
                     "<td class=\"num" + std::string(low ? " s-FAIL" : "") + "\">" + number(p, 3) + "</td>" +
                     cell(escape(text(find(*s, {"draws"}))), true) +
                     cell(escape(text(find(*s, {"non_finite_draws"}))), true));
    }
    out += table({"posterior of", "dataset in this posterior", "chi2 at median / points", "predictive p-value",
                  "draws", "dropped draws"},
                 rows);
  }
  return out;
}

std::string ReportBuilder::corner_section() {
  std::string out = "<h2 id=\"corner\">Posteriors</h2>\n";
  out += figure("corner.png", "the first stage, the sequential result and the joint run: 1-D marginals and 68/95% "
                              "contours",
                "drawn by scripts/plot_run.py");
  for (const auto& f : run_.files_ending(".png"))
    if (f.rfind("corner", 0) == 0 && f != "corner.png") out += figure(f, "corner plot");
  return out;
}

std::string ReportBuilder::comparison_section() {
  std::string out = "<h2 id=\"comparison\">Sequential against joint: the verdict and its reasons</h2>\n";
  if (!summary_) return out + missing_note(run_.note_for("summary.json"));
  const json* c = find(*summary_, {"comparison"});
  if (!c) return out + missing_note("summary.json (no comparison)");
  out += "<p><b>verdict: " + escape(text(find(*c, {"verdict"}))) + "</b> (" + escape(text(find(*c, {"model"}))) +
         " vs " + escape(text(find(*c, {"reference"}))) + ")</p>\n<ul>";
  if (const json* r = find(*c, {"reasons"}); r && r->is_array())
    for (const auto& reason : *r) out += "<li>" + escape(text(&reason)) + "</li>";
  out += "</ul>\n";
  std::vector<std::string> rows = {
      cell("C2ST accuracy (0.5 = indistinguishable)") + cell(number(find(*c, {"c2st"})) + " &plusmn; " +
                                                             number(find(*c, {"c2st_se"}), 2), true) +
          cell(number(find(*c, {"c2st_noise"})) + " &plusmn; " + number(find(*c, {"c2st_noise_se"}), 2), true),
      cell("&lt;D_KL&gt;") + cell(number(find(*c, {"d_kl"})), true) + cell(number(find(*c, {"d_kl_noise"})), true)};
  out += table({"metric", "sequential vs joint", "noise floor (joint half vs half)"}, rows);
  if (const json* shifts = find(*c, {"shifts"}); shifts && shifts->is_object()) {
    std::vector<std::string> srows;
    for (const auto& [p, s] : shifts->items())
      srows.push_back(cell(escape(p)) + cell(number(find(s, {"mean_model"})), true) +
                      cell(number(find(s, {"mean_reference"})), true) +
                      cell(number(find(s, {"mean_shift_sigma"}), 3), true) + cell(number(find(s, {"sd_model"})), true) +
                      cell(number(find(s, {"sd_reference"})), true) +
                      cell(number(find(s, {"width_shift_sigma"}), 3), true));
    out += table({"parameter", "mean (sequential)", "mean (joint)", "mean shift / MC sigma", "sd (sequential)",
                  "sd (joint)", "width shift / MC sigma"},
                 srows);
  }
  return out;
}

std::string ReportBuilder::evidence_section() {
  std::string out = "<h2 id=\"evidence\">Evidences</h2>\n";
  std::vector<std::string> rows;
  double chain = 0, chain_var = 0;
  bool chain_ok = summary_.has_value();
  int stages_in_chain = 0;
  const json* stages = summary_ ? find(*summary_, {"stages"}) : nullptr;
  for (const auto& run : run_order()) {
    const json* rec = stages ? find(*stages, {run.c_str()}) : nullptr;
    if (!rec && summary_ && run == "joint") rec = find(*summary_, {"joint"});
    const json* d = diagnostics_.count(run) ? &diagnostics_.at(run) : nullptr;
    const json* log_z = rec ? find(*rec, {"log_z"}) : (d ? find(*d, {"log_z"}) : nullptr);
    const json* err = rec ? find(*rec, {"log_z_err"}) : (d ? find(*d, {"log_z_err"}) : nullptr);
    const json* prior = rec ? find(*rec, {"prior"}) : (d ? find(*d, {"prior"}) : nullptr);
    std::string datasets = rec ? text(find(*rec, {"datasets"})) : "";
    if (run == "b_alone" && summary_)
      datasets = text(find(*summary_, {"tension", "datasets_b"})) + " (tension check)";
    if (run == "mixture_check" && summary_)
      datasets = "as " + text(find(*summary_, {"lost_modes", "stage"})) + ", defensive-mixture prior (lost-mode check)";
    rows.push_back(cell(escape(run)) + cell(escape(datasets)) +
                   cell(escape(run == "joint" || run == "b_alone" ? "uniform" : text(prior))) +
                   cell(number(log_z) + " &plusmn; " + number(err, 2), true));
    if (rec && stages && find(*stages, {run.c_str()})) {
      // The chain holds when every later stage's prior is the flow of the stage before (not uniform, not mixture).
      if (stages_in_chain > 0 && !(prior && *prior == "flow")) chain_ok = false;
      ++stages_in_chain;
      if (log_z && log_z->is_number() && err && err->is_number()) {
        chain += log_z->get<double>();
        chain_var += std::pow(err->get<double>(), 2);
      } else {
        chain_ok = false;
      }
    }
  }
  out += table({"run", "datasets", "prior", "log Z"}, rows);
  const json* joint_z = summary_ ? find(*summary_, {"joint", "log_z"}) : nullptr;
  const json* joint_err = summary_ ? find(*summary_, {"joint", "log_z_err"}) : nullptr;
  if (chain_ok && stages_in_chain > 1 && joint_z && joint_z->is_number() && joint_err && joint_err->is_number()) {
    const double diff = chain - joint_z->get<double>();
    const double sd = std::sqrt(chain_var + std::pow(joint_err->get<double>(), 2));
    out += "<p>Evidence chain: with each stage's prior the normalized posterior of the stage before, the stages' "
           "evidences multiply to the joint evidence, sum of stage log Z = " + number(chain) +
           " against joint log Z = " + number(joint_z) + ": difference " + number(diff, 3) + " &plusmn; " +
           number(sd, 2) + " (" + number(sd > 0 ? diff / sd : NAN, 2) +
           " sigma). The difference is zero up to the sampling errors when each flow prior equals the earlier "
           "posterior; a difference of several sigma says a flow prior is not the earlier posterior.</p>\n";
  }
  return out;
}

std::string ReportBuilder::tension_section() {
  std::string out = "<h2 id=\"tension\">Tension between datasets</h2>\n";
  if (!summary_) return out + missing_note(run_.note_for("summary.json"));
  const json* t = find(*summary_, {"tension"});
  if (!t || !t->is_object()) return out + missing_note("summary.json (no tension)");
  if (const json* s = find(*t, {"skipped"})) return out + "<p>not computed: " + escape(text(s)) + "</p>\n";
  out += "<p class=\"note\">Handley &amp; Lemos (2019): log R = log Z_AB - log Z_A - log Z_B depends on the prior "
         "width; the suspiciousness S removes that dependence, and p is the probability of a suspiciousness at least "
         "this large for datasets that agree (p &lt; 0.01: tension).</p>\n";
  std::vector<std::string> rows;
  for (const auto& [k, v] : t->items())
    if (!v.is_object()) rows.push_back(cell(escape(k)) + cell(escape(text(&v))));
  return out + table({"quantity", "value"}, rows);
}

std::string ReportBuilder::flow_section() {
  std::string out = "<h2 id=\"flow\">Flow-prior checks</h2>\n";
  if (!summary_) return out + missing_note(run_.note_for("summary.json"));
  for (const char* key : {"flow_prior_check", "lost_modes"}) {
    const json* s = find(*summary_, {key});
    out += "<h3>" + escape(key) + "</h3>\n";
    if (!s || !s->is_object()) {
      out += missing_note(std::string("summary.json (no ") + key + ")");
      continue;
    }
    std::vector<std::string> rows;
    for (const auto& [k, v] : s->items())
      if (!v.is_object()) rows.push_back(cell(escape(k)) + cell(escape(text(&v))));
    out += table({"quantity", "value"}, rows);
  }
  std::vector<std::string> rows;
  bool any_flow = false, any_curve = false;
  if (const json* stages = find(*summary_, {"stages"}); stages && stages->is_object())
    for (const auto& run : run_order()) {
      const json* r = find(*stages, {run.c_str()});
      if (!r || !find(*r, {"flow_file"})) continue;
      any_flow = true;
      any_curve = any_curve || find(*r, {"flow_train_loss"});
      rows.push_back(cell(escape(run)) + cell(escape(text(find(*r, {"flow_file"})))) +
                     cell(escape(text(find(*r, {"flow_epochs"}))), true) +
                     cell(escape(find(*r, {"flow_loaded"}) ? "trained by an earlier invocation of this run, loaded"
                                                            : text(find(*r, {"flow_stop_reason"})))) +
                     cell(number(find(*r, {"flow_best_validation_loss"})), true));
    }
  if (any_flow) {
    out += "<h3>flow hand-over training</h3>\n";
    out += table({"stage", "flow file", "epochs", "stop", "best validation loss"}, rows);
    // Training curves exist only for flows trained by this invocation (a resumed run loads its flows).
    if (any_curve)
      out += figure("flow_training.png", "training and validation loss of each flow hand-over",
                    "drawn by scripts/plot_run.py");
    else
      out += "<p class=\"note\">no training curves: every flow was trained by an earlier invocation of this run "
             "and loaded.</p>\n";
  }
  return out;
}

std::string ReportBuilder::diagnostics_section() {
  std::string out = "<h2 id=\"diagnostics\">Per-run sampler diagnostics</h2>\n";
  static const std::vector<std::string> fixed = {"sampler", "prior", "converged", "stop_reason", "iterations",
                                                 "likelihood_calls", "effective_size", "wall_seconds"};
  std::vector<std::string> rows;
  for (const auto& run : run_order()) {
    if (!diagnostics_.count(run)) {
      const std::string note = run_.note_for(run + "_diagnostics.json");
      rows.push_back(cell(escape(run)) + "<td colspan=\"9\" class=\"missing\">missing: " + escape(note) + "</td>");
      continue;
    }
    const json& d = diagnostics_.at(run);
    std::string row = cell(escape(run));
    for (const auto& k : fixed) {
      const json* v = find(d, {k.c_str()});
      const std::string shown = v && v->is_array() ? std::to_string(v->size()) : text(v);
      row += cell(escape(shown), v && (v->is_number() || v->is_array()));
    }
    std::string other;
    for (const auto& [k, v] : d.items())
      if (std::find(fixed.begin(), fixed.end(), k) == fixed.end() && (v.is_number() || v.is_string() || v.is_boolean()))
        other += (other.empty() ? "" : ", ") + k + " = " + text(&v);
    rows.push_back(row + cell(escape(other)));
  }
  out += table({"run", "sampler", "prior", "converged", "stop", "iterations", "likelihood calls", "effective size",
                "wall s", "other"},
               rows);
  if (run_.exists("smc_progress.png") || !run_.files_ending("_diagnostics.json").empty())
    out += figure("smc_progress.png", "evidence estimate and effective sample size per SMC iteration",
                  "drawn by scripts/plot_run.py for SMC runs");
  return out;
}

std::string ReportBuilder::extras_section() {
  if (!summary_) return "";
  std::string out;
  if (const json* e = find(*summary_, {"emulators"}); e && e->is_object() && !e->empty()) {
    out += "<h2 id=\"emulators\">Emulators</h2>\n";
    std::vector<std::string> rows;
    for (const auto& [system, rec] : e->items()) {
      std::string kv;
      if (rec.is_object())
        for (const auto& [k, v] : rec.items())
          if (!v.is_object() && !(v.is_array() && v.size() > 12)) kv += (kv.empty() ? "" : "; ") + k + " = " + text(&v);
      rows.push_back(cell(escape(system)) + cell(escape(kv)));
    }
    out += table({"system", "validation"}, rows);
  }
  if (const json* fit = find(*summary_, {"fit_quality"}); fit && fit->is_object() && !fit->empty()) {
    out += "<h2 id=\"fit\">Fit quality at each run's best particle</h2>\n";
    std::vector<std::string> rows;
    for (const auto& run : run_order()) {
      const json* datasets = find(*fit, {run.c_str(), "datasets"});
      if (!datasets || !datasets->is_object()) continue;
      for (const auto& [name, d] : datasets->items())
        rows.push_back(cell(escape(run)) + cell(escape(name)) + cell(number(find(d, {"chi2"})), true) +
                       cell(escape(text(find(d, {"n"}))), true) + cell(number(find(d, {"chi2_per_point"}), 3), true) +
                       cell(number(find(d, {"chi2_model"})), true));
    }
    out += table({"run", "dataset", "chi2", "points", "chi2 / point", "chi2 with the model itself (emulated datasets)"},
                 rows);
  }
  if (const json* r = find(*summary_, {"reverse_order"}); r && r->is_object()) {
    out += "<h2 id=\"reverse\">Reverse order</h2>\n<p>verdict against the joint run: <b>" +
           escape(text(find(*r, {"comparison", "verdict"}))) + "</b> &mdash; " +
           escape(text(find(*r, {"comparison", "reasons"}))) + "</p>\n";
  }
  if (const json* w = find(*summary_, {"warnings"}); w && w->is_array() && !w->empty()) {
    out += "<h2 id=\"warnings\">Warnings</h2>\n<ul>";
    for (const auto& item : *w) out += "<li>" + escape(text(&item)) + "</li>";
    out += "</ul>\n";
  }
  return out;
}

std::string ReportBuilder::configuration_section() {
  std::string out = "<h2 id=\"configuration\">Configuration</h2>\n";
  const std::string source = summary_ ? text(find(*summary_, {"config"})) : "n/a";
  out += "<p>configuration file of the run: <code>" + escape(source) + "</code></p>\n";
  if (summary_)
    if (const json* p = find(*summary_, {"parameters"}); p && p->is_array()) {
      const json* units = find(*summary_, {"units"});
      std::string list;
      for (const auto& name : *p) {
        const json* u = units && name.is_string() ? find(*units, {name.get<std::string>().c_str()}) : nullptr;
        list += (list.empty() ? "" : ", ") + text(&name) + (u && u->is_string() ? " [" + text(u) + "]" : "");
      }
      out += "<p>parameters: " + escape(list) + "</p>\n";
    }
  if (const auto toml = run_.read_text("config.toml", "the copy of the configuration written by flowprior run"))
    out += "<pre>" + escape(*toml) + "</pre>\n";
  else
    out += missing_note(run_.note_for("config.toml"));
  return out;
}

std::string ReportBuilder::other_figures_section() {
  std::string out;
  for (const auto& f : run_.files_ending(".png"))
    if (!shown_figures_.count(f)) out += figure(f, "");
  return out.empty() ? "" : "<h2 id=\"other\">Other figures in the run folder</h2>\n" + out;
}

std::string ReportBuilder::build() {
  summary_ = run_.json("summary.json", "written last by flowprior run: the run did not finish or it was damaged");
  predictive_ = run_.json("predictive.json", "posterior predictive checks, written by flowprior run");
  if (predictive_) {
    const json* f = find(*predictive_, {"format"});
    if (!f || *f != "flowprior-predictive") {
      run_.note_missing("predictive.json", "corrupt: no format \"flowprior-predictive\"");
      predictive_.reset();
    }
  }
  // Diagnostics of every run the summary names, and of any other run in the folder.
  std::set<std::string> runs;
  if (summary_) {
    if (const json* s = find(*summary_, {"stages"}); s && s->is_object())
      for (const auto& [n, r] : s->items()) runs.insert(n);
    if (find(*summary_, {"joint"})) runs.insert("joint");
  }
  if (predictive_)
    if (const json* o = find(*predictive_, {"run_order"}); o && o->is_array())
      for (const auto& n : *o)
        if (n.is_string() && run_.exists(n.get<std::string>() + ".done")) runs.insert(n.get<std::string>());
  for (const auto& f : run_.files_ending(".done")) runs.insert(f.substr(0, f.size() - 5));  // finished runs
  for (const auto& f : run_.files_ending("_diagnostics.json")) runs.insert(f.substr(0, f.size() - 17));
  for (const auto& n : runs)
    if (auto d = run_.json(n + "_diagnostics.json", "sampler diagnostics of run " + n)) diagnostics_[n] = *d;

  std::string body;
  body += guarded("verdict", [&] { return verdict_section(); });
  std::string rest;
  rest += guarded("posterior predictive", [&] { return predictive_section(); });
  rest += guarded("posteriors", [&] { return corner_section(); });
  rest += guarded("comparison", [&] { return comparison_section(); });
  rest += guarded("evidences", [&] { return evidence_section(); });
  rest += guarded("tension", [&] { return tension_section(); });
  rest += guarded("flow-prior checks", [&] { return flow_section(); });
  rest += guarded("diagnostics", [&] { return diagnostics_section(); });
  rest += guarded("emulators and warnings", [&] { return extras_section(); });
  rest += guarded("configuration", [&] { return configuration_section(); });
  rest += guarded("other figures", [&] { return other_figures_section(); });

  // The missing-files box goes under the verdict, after every section has had its say.
  std::string missing;
  if (!run_.missing().empty()) {
    missing = "<div class=\"missing\"><b>Missing or unreadable files (" + std::to_string(run_.missing().size()) +
              "):</b><ul>";
    for (const auto& m : run_.missing()) missing += "<li>missing: " + escape(m) + "</li>";
    missing += "</ul></div>\n";
  }
  const std::string folder = fs::absolute(run_.folder()).lexically_normal().string();
  std::string nav = "<p class=\"note\">";
  for (const auto& [id, title] : std::vector<std::pair<std::string, std::string>>{
           {"verdict", "verdict"}, {"predictive", "predictive"}, {"corner", "posteriors"},
           {"comparison", "comparison"}, {"evidence", "evidences"}, {"tension", "tension"},
           {"flow", "flow-prior checks"}, {"diagnostics", "diagnostics"}, {"configuration", "configuration"}})
    nav += "<a href=\"#" + id + "\">" + title + "</a> &middot; ";
  nav += "</p>\n";
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>flowprior run report: " +
         escape(fs::path(folder).filename().string()) + "</title>\n<style>" + kStyle +
         "</style></head>\n<body>\n<h1>flowprior run report</h1>\n<p class=\"sub\">run folder <code>" +
         escape(folder) + "</code></p>\n" + nav + body + missing + rest + "</body></html>\n";
}

}  // namespace

ReportResult write_report(const std::string& folder, const std::string& out_file) {
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw Error(ErrorContext{.file = folder}, "not a run folder (no such directory)");
  ReportBuilder builder(folder);
  const std::string html = builder.build();
  ReportResult result;
  result.path = out_file.empty() ? (fs::path(folder) / "report.html").string() : out_file;
  write_file_atomically(result.path, html);
  result.answer = builder.answer();
  result.missing = builder.run().missing();
  return result;
}

void write_run_report(const std::string& folder, const std::string& config_source, const Messages& messages) {
  try {
    if (!config_source.empty()) {
      std::ifstream in(config_source);
      std::stringstream ss;
      if (in) ss << in.rdbuf();
      if (in) write_file_atomically((fs::path(folder) / "config.toml").string(), ss.str());
    }
    const ReportResult r = write_report(folder);
    messages.status("report: " + r.path + " (trust: " + r.answer + ")");
  } catch (const std::exception& e) {
    messages.warn(std::string("report not written: ") + e.what() + "; the results are unaffected");
  }
}

}  // namespace flowprior

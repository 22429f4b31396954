// The run report (workflow/report.hpp): the trust rule at its top, and a page for any folder content.
#include <filesystem>
#include <fstream>
#include <functional>

#include <gtest/gtest.h>

#include "flowprior/core/error.hpp"
#include "flowprior/workflow/report.hpp"
#include "flowprior/workflow/report_html.hpp"

namespace flowprior {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json good_summary() {
  return json::parse(R"({
    "parameters": ["a", "b"],
    "stages": {"s1": {"converged": true, "log_z": -3.0, "log_z_err": 0.1, "prior": "uniform", "datasets": ["A"]},
               "s2": {"converged": true, "log_z": -2.0, "log_z_err": 0.1, "prior": "flow", "datasets": ["B"]}},
    "joint": {"converged": true, "log_z": -5.05, "log_z_err": 0.1, "datasets": ["A", "B"]},
    "comparison": {"verdict": "consistent", "reasons": ["all below"], "model": "s2", "reference": "joint"},
    "flow_prior_check": {"ess_fraction": 0.93, "stage": "s2"},
    "lost_modes": {"detected": false, "mass_where_flow_excludes": 0.001},
    "tension": {"suspiciousness_p": 0.4, "log_r": 1.0, "datasets_a": ["A"], "datasets_b": ["B"]},
    "emulators": {}
  })");
}

json good_predictive(double p_b = 0.5) {
  json j = {{"format", "flowprior-predictive"}, {"version", 1}, {"run_order", {"s1", "s2", "joint"}}};
  j["datasets"]["A"]["stages"]["s2"] = {{"p_value", 0.6}, {"chi2_at_median", 2.0}, {"observables", 3}};
  j["datasets"]["B"]["stages"]["s2"] = {{"p_value", p_b}, {"chi2_at_median", 3.0}, {"observables", 3}};
  return j;
}

TEST(TrustAssessment, EveryCheckPassingIsYes) {
  const json s = good_summary(), p = good_predictive();
  const TrustAssessment a = assess_run(&s, &p);
  EXPECT_EQ(a.answer, "yes");
  for (const auto& c : a.checks)
    EXPECT_TRUE(c.status == CheckStatus::pass || c.status == CheckStatus::skipped) << c.name << ": " << c.detail;
}

TEST(TrustAssessment, EachFailingCheckMakesItNoAndIsNamed) {
  const json p = good_predictive();
  const std::vector<std::pair<std::string, std::function<void(json&)>>> breaks = {
      {"Sequential result vs joint analysis", [](json& s) { s["comparison"]["verdict"] = "inconsistent"; }},
      {"Flow-prior error", [](json& s) { s["flow_prior_check"]["ess_fraction"] = 0.3; }},
      {"Lost modes", [](json& s) { s["lost_modes"]["detected"] = true; }},
      {"Tension between the datasets", [](json& s) { s["tension"]["suspiciousness_p"] = 0.001; }},
      {"Samplers converged", [](json& s) { s["stages"]["s1"]["converged"] = false; }},
      {"Emulators validated", [](json& s) { s["emulators"]["gamma_p"] = {{"trustworthy", false}}; }}};
  for (const auto& [name, edit] : breaks) {
    json s = good_summary();
    edit(s);
    const TrustAssessment a = assess_run(&s, &p);
    EXPECT_EQ(a.answer, "no") << name;
    EXPECT_NE(a.headline.find(name), std::string::npos) << a.headline;
  }
}

TEST(TrustAssessment, EmulatorErrorAboveAThirdOfTheDataErrorsWarnsWithTheRatio) {
  const json p = good_predictive();
  auto row = [](const TrustAssessment& a) {
    for (const auto& c : a.checks)
      if (c.name == "Emulators validated") return c;
    return TrustCheck{};
  };
  // Every data point below 1/3 on 95% of the posterior points: passes, and the row gives the figures.
  json s = good_summary();
  s["emulators"]["gamma_p"] = {
      {"trustworthy", true},
      {"second_wave_points", 400},
      {"error_ratio",
       {{"median", 0.12}, {"p95", 0.29}, {"max", 0.85}, {"count", 6800}, {"points", 400},
        {"fraction_points_above_third", 0.04},
        {"worst", {{"data_point", "h1_coherent t=0.08"}, {"median", 0.2}, {"p95", 0.32}}}}}};
  const TrustAssessment ok = assess_run(&s, &p);
  EXPECT_EQ(row(ok).status, CheckStatus::pass) << row(ok).detail;
  EXPECT_NE(row(ok).detail.find("gamma_p median 0.12, 95th percentile 0.29, max 0.85 over 400 points x 17 data "
                                "points; largest at h1_coherent t=0.08 (median 0.2, 95th percentile 0.32); 4% of "
                                "the points have a data point above 1/3 (second wave 400 points)"),
            std::string::npos)
      << row(ok).detail;
  // One data point above 1/3 on more than 5% of the points warns, although the pooled figures are below it.
  s["emulators"]["gamma_p"]["error_ratio"]["worst"]["p95"] = 0.45;
  const TrustAssessment one = assess_run(&s, &p);
  EXPECT_EQ(row(one).status, CheckStatus::warn);
  EXPECT_EQ(one.answer, "yes, with caveats");
  EXPECT_NE(row(one).detail.find("above 1/3 for gamma_p (95th percentile of h1_coherent t=0.08)"), std::string::npos)
      << row(one).detail;
  // A summary written before the per-data-point figures: the pooled median decides.
  json old = good_summary();
  old["emulators"]["gamma_p"] = {{"trustworthy", true},
                                 {"error_ratio", {{"median", 0.12}, {"max", 0.96}, {"count", 6800}}}};
  EXPECT_EQ(row(assess_run(&old, &p)).status, CheckStatus::pass);
  EXPECT_NE(row(assess_run(&old, &p)).detail.find("gamma_p median 0.12, max 0.96"), std::string::npos);
  old["emulators"]["gamma_p"]["error_ratio"]["median"] = 0.46;
  const TrustAssessment a = assess_run(&old, &p);
  EXPECT_EQ(row(a).status, CheckStatus::warn);
  EXPECT_NE(row(a).detail.find("above 1/3 for gamma_p (median)"), std::string::npos) << row(a).detail;
}

TEST(TrustAssessment, PredictivePValueFailsBelowOnePercentWarnsBelowFive) {
  const json s = good_summary();
  const json bad = good_predictive(0.003), poor = good_predictive(0.03);
  EXPECT_EQ(assess_run(&s, &bad).answer, "no");
  EXPECT_EQ(assess_run(&s, &poor).answer, "yes, with caveats");
}

TEST(TrustAssessment, HandOverCoverageBeyondTheMarginWarnsAndNamesTheStage) {
  const json p = good_predictive();
  json s = good_summary();
  s["stages"]["s2"]["hand_over"] = {{"effective_samples_inside", 2000.0}, {"fraction_inside", 0.5},
                                    {"resolution_sd", 0.022}, {"within_margin", true}, {"earlier_stage", "s1"}};
  s["reverse_order"]["stages"]["reverse2"]["hand_over"] = {
      {"effective_samples_inside", 34.0}, {"fraction_inside", 0.0085}, {"resolution_sd", 0.17},
      {"within_margin", true}, {"earlier_stage", "reverse1"}};
  auto row = [](const TrustAssessment& a) {
    for (const auto& c : a.checks)
      if (c.name.rfind("Flow hand-over coverage", 0) == 0) return c;
    return TrustCheck{};
  };
  const TrustAssessment ok = assess_run(&s, &p);
  EXPECT_EQ(ok.answer, "yes");
  EXPECT_EQ(row(ok).status, CheckStatus::pass);
  EXPECT_NE(row(ok).detail.find("s2: 2000 effective samples of s1"), std::string::npos) << row(ok).detail;
  s["reverse_order"]["stages"]["reverse2"]["hand_over"]["within_margin"] = false;
  const TrustAssessment a = assess_run(&s, &p);
  EXPECT_EQ(a.answer, "yes, with caveats");
  EXPECT_EQ(row(a).status, CheckStatus::warn);
  EXPECT_NE(row(a).detail.find("reverse2: 34 effective samples of reverse1"), std::string::npos) << row(a).detail;
  // Without any flow stage the row is skipped, and it does not block a "yes".
  const json plain = good_summary();
  EXPECT_EQ(row(assess_run(&plain, &p)).status, CheckStatus::skipped);
}

TEST(TrustAssessment, MissingDataIsCannotTellAndSkippedChecksDoNotBlock) {
  const json s = good_summary();
  EXPECT_EQ(assess_run(nullptr, nullptr).answer, "cannot tell");
  EXPECT_EQ(assess_run(&s, nullptr).answer, "cannot tell");  // no predictive results
  json skipped = good_summary();
  skipped["tension"] = {{"log_r", nullptr}, {"suspiciousness_p", nullptr}, {"skipped", "[checks] tension = false"}};
  const json p = good_predictive();
  EXPECT_EQ(assess_run(&skipped, &p).answer, "yes");
}

TEST(ReportHtml, Base64AndEscaping) {
  EXPECT_EQ(report::base64("Man"), "TWFu");
  EXPECT_EQ(report::base64("Ma"), "TWE=");
  EXPECT_EQ(report::base64("M"), "TQ==");
  EXPECT_EQ(report::base64(""), "");
  EXPECT_EQ(report::escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
}

TEST(Report, DamagedFolderGivesAPageNamingEveryProblem) {
  const fs::path dir = fs::temp_directory_path() / "flowprior_test_report_damaged";
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream(dir / "summary.json") << R"({"stages": 5, "comparison": "x", "tension": [1, 2], "parameters": 3})";
    std::ofstream(dir / "predictive.json") << R"({"format": "flowprior-predictive", "datasets": {"A": 7}})";
    std::ofstream(dir / "s1_diagnostics.json") << "{\"converged\": tr";
    std::ofstream(dir / "s1.done") << "{}";
    std::ofstream(dir / "corner.png") << "not a png";
    std::ofstream(dir / "config.toml") << "seed = 1 # <script>\n";
  }
  ReportResult r;
  ASSERT_NO_THROW(r = write_report(dir.string()));
  std::ifstream in(r.path);
  const std::string html((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(html.find("missing: s1_diagnostics.json (corrupt"), std::string::npos);
  EXPECT_NE(html.find("missing: corner.png (corrupt: not a PNG image"), std::string::npos);
  EXPECT_NE(html.find("seed = 1 # &lt;script&gt;"), std::string::npos);  // text is escaped, never markup
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(r.answer, "yes");
  for (const auto& m : r.missing) EXPECT_EQ(m.find("could not be shown"), std::string::npos) << m;
  EXPECT_THROW(write_report((dir / "nope").string()), Error);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace flowprior

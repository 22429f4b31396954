#pragma once
// The one shape of a workflow check. A check runs after the stages and the joint run, computes its result from the
// run context (it may start runs of its own through RunContext::run), and assesses the finished result into the
// report's pass/warn/fail row; its rule sits beside the code that computes it. Adding a check is one file in
// src/workflow/checks/ and one line in builtin_checks() (or CheckRegistry::add in the caller's own code, as
// tests/workflow/test_engine.cpp does). Checks run, and their rows appear, in registration order.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flowprior/workflow/analysis_result.hpp"
#include "flowprior/workflow/config_table.hpp"
#include "flowprior/workflow/report.hpp"

namespace flowprior {

class RunContext;

class Check {
 public:
  virtual ~Check() = default;
  // Its section of summary.json ("tension"); empty for checks that only assess the core result.
  virtual std::string key() const = 0;
  // Reads its own keys of [checks] (before any run; errors name file, line and key). Default: none.
  virtual void read_config(ConfigTable& checks) { (void)checks; }
  // Computes the result (default: nothing to compute, the row assesses the core result).
  virtual std::shared_ptr<const CheckResult> run(RunContext& context) const {
    (void)context;
    return nullptr;
  }
  // Its section of summary.json read back.
  virtual std::shared_ptr<const CheckResult> from_json(const nlohmann::json& section) const {
    (void)section;
    return nullptr;
  }
  // The report's row (nullopt: the check has no row).
  virtual std::optional<TrustCheck> assess(const AnalysisResult& result) const = 0;
};

class CheckRegistry {
 public:
  using Factory = std::function<std::shared_ptr<Check>()>;
  void add(Factory make) { factories_.push_back(std::move(make)); }
  // A fresh instance of every check, in registration order.
  std::vector<std::shared_ptr<Check>> make_all() const;

 private:
  std::vector<Factory> factories_;
};

// The built-in checks (src/workflow/checks/), one line each in src/workflow/check_registry.cpp.
CheckRegistry builtin_checks();

}  // namespace flowprior

#pragma once
// The typed result of `flowprior run`, in the spirit of Ceres' Solver::Summary: what every stage gave, the joint
// run, the sequential-vs-joint comparison, each check's own result, and the warnings. summary.json is
// to_json() of it (version 2: version 1's keys, plus "version" and "stage_order"); the report, the command line and
// Python read it back with from_json. Check results are typed by their checks (workflow/check.hpp).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flowprior/workflow/comparison.hpp"
#include "flowprior/workflow/hand_over.hpp"
#include "flowprior/workflow/model.hpp"

namespace flowprior {

class CheckRegistry;

// How a hand-over flow was trained (or that it was loaded from the run folder): flow_STAGE.json.training.json.
struct FlowTraining {
  struct Member {
    int epochs = 0;
    std::string stop_reason;
    double best_validation_loss = 0;
  };
  std::string file;
  bool loaded = false;
  int epochs = 0;
  std::string stop_reason;
  double best_validation_loss = 0;
  std::vector<double> train_loss, validation_loss;  // member 1's curves
  std::vector<Member> ensemble;                     // every member's stop, for an ensemble of flows
  nlohmann::json training_json() const;             // the .training.json record
  static FlowTraining from_json(const nlohmann::json& j);
};

// Hand-over coverage of a flow stage (workflow/hand_over.hpp), or why it could not be computed.
struct HandOverRecord {
  std::string earlier_stage;
  HandOverCoverage coverage;
  double margin_sd = 0;
  bool within_margin = false;
  std::string error;  // non-empty: not computed
};

struct StageResult {
  std::string name;
  std::vector<std::string> datasets;
  std::string prior;    // uniform | flow | mixture
  std::string sampler;  // smc | ensemble
  double log_z = 0, log_z_err = 0;  // NaN without an evidence
  double effective_size = 0;
  bool converged = true;
  std::string stop_reason;
  std::optional<FlowTraining> flow;        // flow and mixture stages
  std::optional<HandOverRecord> hand_over;  // flow and mixture stages
};

struct JointResult {
  std::vector<std::string> datasets;
  double log_z = 0, log_z_err = 0;
  double effective_size = 0;
};

// A comparison of a sequential result with the joint run, or why there is none.
struct ComparisonRecord {
  std::optional<Comparison> comparison;
  std::string model, reference;           // run names
  std::vector<std::string> not_run;       // reasons when there is no comparison
  nlohmann::json to_json() const;
  static ComparisonRecord from_json(const nlohmann::json& j);
};

// One check's result (each check defines its own; workflow/check.hpp).
class CheckResult {
 public:
  virtual ~CheckResult() = default;
  virtual nlohmann::json to_json() const = 0;
};

struct AnalysisResult {
  int version = 2;
  std::string config;
  std::vector<std::string> parameters;
  std::map<std::string, std::string> units;
  std::map<std::string, EmulatorRecord> emulators;  // by system
  std::vector<StageResult> stages;                  // in the configuration's order
  std::optional<JointResult> joint;
  ComparisonRecord comparison;
  std::map<std::string, std::shared_ptr<const CheckResult>> checks;  // by the check's key in summary.json
  std::vector<std::string> warnings;

  const StageResult* stage(const std::string& name) const;
  // The check's result if it ran and has that type.
  template <class T>
  const T* check(const std::string& key) const {
    const auto it = checks.find(key);
    return it == checks.end() ? nullptr : dynamic_cast<const T*>(it->second.get());
  }

  nlohmann::json to_json() const;
  // Every check of `checks` reads its own section back (absent sections stay absent).
  static AnalysisResult from_json(const nlohmann::json& j, const CheckRegistry& checks);
  // A few lines for the terminal: verdicts and the numbers a user checks first.
  std::string brief() const;
};

nlohmann::json to_json(const StageResult& s);
StageResult stage_result_from_json(const std::string& name, const nlohmann::json& j);
nlohmann::json to_json(const EmulatorRecord& e);
EmulatorRecord emulator_record_from_json(const nlohmann::json& j);

}  // namespace flowprior

#include "flowprior/workflow/stage_parameters.hpp"

#include <algorithm>

#include "flowprior/core/error.hpp"
#include "flowprior/core/format.hpp"

namespace flowprior {
namespace {

bool lists_name(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

void read_stage_parameters(ConfigTable& table, const Box& box, StageConfig& stage) {
  if (const toml::table* fixed = table.sub_table("fixed")) {
    for (auto&& [key, node] : *fixed) {
      const std::string name(key);
      const ErrorContext where{.file = table.source(), .line = line_of(node),
                               .parameter = table.prefix() + "fixed." + name};
      if (!lists_name(box.names(), name)) throw Error(where, "not a parameter of [parameters]");
      const auto v = node.value<double>();
      if (!v) throw Error(where, "must be a number");
      const int j = box.index_of(name);
      if (!(*v >= box.lower()[j] && *v <= box.upper()[j]))
        throw Error(where, format_g(*v) + " is outside the parameter's bounds [" + format_g(box.lower()[j]) + ", " +
                               format_g(box.upper()[j]) + "]");
      stage.fixed[name] = *v;
    }
  }
  std::vector<std::string> free;
  if (table.has("parameters")) {
    free = table.get_strings("parameters");
    if (free.empty()) throw Error(table.where("parameters"), "a stage needs at least one free parameter");
    for (const auto& name : free) {
      if (!lists_name(box.names(), name))
        throw Error(table.where("parameters"), "\"" + name + "\" is not a parameter of [parameters]");
      if (std::count(free.begin(), free.end(), name) > 1)
        throw Error(table.where("parameters"), "\"" + name + "\" is listed twice");
      if (stage.fixed.count(name))
        throw Error(table.where("parameters"), "\"" + name + "\" is both free and fixed");
    }
  }
  stage.parameters.clear();
  for (const auto& name : box.names())  // box order
    if (table.has("parameters") ? lists_name(free, name) : !stage.fixed.count(name)) stage.parameters.push_back(name);
  if (stage.parameters.empty()) throw Error(table.where("fixed"), "a stage needs at least one free parameter");
}

void check_stage_parameters(const AnalysisConfig& c) {
  for (std::size_t k = 0; k < c.stages.size(); ++k) {
    const StageConfig& s = c.stages[k];
    const std::string key = "stages[" + std::to_string(k) + "]";
    const ErrorContext where{.file = c.source, .line = s.line, .parameter = key + ".parameters"};
    for (const auto& name : s.datasets) {
      const DatasetConfig& d = c.dataset(name);
      const std::vector<std::string> used = d.model->parameters_used(c.box).value_or(c.box.names());
      for (const auto& p : used)
        if (!lists_name(s.parameters, p) && !s.fixed.count(p))
          throw Error(where, "dataset \"" + name + "\" (model " + d.model->kind() + ") depends on \"" + p +
                                 "\": stage \"" + s.name + "\" must free it (parameters = [...]) or fix it (fixed = {" +
                                 p + " = ...})");
    }
    if (k == 0 || s.prior == PriorKind::uniform) continue;
    const std::vector<std::string> shared = shared_parameters(s.parameters, c.stages[k - 1].parameters);
    if (shared.empty())
      throw Error(where, "stage \"" + s.name + "\" frees none of the parameters of stage \"" + c.stages[k - 1].name +
                             "\": its flow prior would stand for nothing; use prior = \"uniform\"");
    // The KL and Jeffreys losses need the log density of what the flow learns; a flow on some of the earlier
    // stage's parameters learns a marginal, whose density the particles do not carry. The reverse order hands
    // over the other way: there stage k's new parameters are the ones dropped.
    const bool drops = shared != c.stages[k - 1].parameters;
    const bool reverse_drops = c.checks.reverse_order && shared != s.parameters;
    if ((drops || reverse_drops) && c.flow.loss != Loss::nll)
      throw Error(ErrorContext{.file = c.source, .parameter = "flow.loss"},
                  "loss " + to_string(c.flow.loss) + " needs the earlier posterior's log density, but " +
                      (drops ? "stage \"" + s.name + "\" drops parameters of stage \"" + c.stages[k - 1].name + "\""
                             : "the reverse order drops the parameters that stage \"" + s.name + "\" adds") +
                      " (the flow learns a marginal): use loss = \"nll\"");
  }
  // A parameter's free stages are consecutive: one that a stage drops is integrated out there, and a later stage
  // would start it afresh from its own prior, silently losing what the earlier data said about it.
  for (const auto& p : c.box.names()) {
    long first = -1, gap = -1;
    for (std::size_t k = 0; k < c.stages.size(); ++k) {
      const bool free = lists_name(c.stages[k].parameters, p);
      if (free && first < 0) first = static_cast<long>(k);
      else if (!free && first >= 0 && gap < 0) gap = static_cast<long>(k);
      else if (free && gap >= 0) {
        const StageConfig& s = c.stages[k];
        throw Error(ErrorContext{.file = c.source, .line = s.line,
                                 .parameter = "stages[" + std::to_string(k) + "].parameters"},
                    "\"" + p + "\" is free in stage \"" + c.stages[static_cast<std::size_t>(first)].name +
                        "\", not in stage \"" + c.stages[static_cast<std::size_t>(gap)].name + "\" and free again in \"" +
                        s.name + "\": what the earlier data say about it would be lost. Keep it free in \"" +
                        c.stages[static_cast<std::size_t>(gap)].name + "\" (its datasets need not use it)");
      }
    }
  }
}

Box sub_box(const Box& box, const std::vector<std::string>& names) {
  if (names == box.names()) return box;
  VectorXd lo(static_cast<Index>(names.size())), hi(static_cast<Index>(names.size()));
  for (std::size_t k = 0; k < names.size(); ++k) {
    const int j = box.index_of(names[k]);
    lo[static_cast<Index>(k)] = box.lower()[j];
    hi[static_cast<Index>(k)] = box.upper()[j];
  }
  return Box(names, lo, hi, box.map());
}

std::vector<ParameterPrior> priors_of(const AnalysisConfig& config, const std::vector<std::string>& names) {
  std::vector<ParameterPrior> out;
  for (const auto& n : names) {
    const auto j = static_cast<std::size_t>(config.box.index_of(n));
    out.push_back(j < config.priors.size() ? config.priors[j] : ParameterPrior{});
  }
  return out;
}

std::vector<std::string> shared_parameters(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const auto& n : a)
    if (lists_name(b, n)) out.push_back(n);
  return out;
}

std::vector<std::string> new_parameters(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const auto& n : a)
    if (!lists_name(b, n)) out.push_back(n);
  return out;
}

VectorXd held_values(const AnalysisConfig& config, const std::string& dataset) {
  VectorXd held = 0.5 * (config.box.lower() + config.box.upper());
  if (const StageConfig* stage = config.stage_of(dataset))
    for (const auto& [p, value] : stage->fixed) held[config.box.index_of(p)] = value;
  return held;
}

MatrixXd dataset_points(const AnalysisConfig& config, const std::string& dataset, const std::vector<std::string>& names,
                        const MatrixXd& values) {
  const Box& box = config.box;
  const StageConfig* stage = config.stage_of(dataset);
  if (names == box.names() && (!stage || stage->fixed.empty())) return values;
  const DatasetConfig& d = config.dataset(dataset);
  const std::vector<std::string> used = d.model->parameters_used(box).value_or(box.names());
  MatrixXd full = held_values(config, dataset).transpose().replicate(values.rows(), 1);
  for (int j = 0; j < box.dim(); ++j) {
    const std::string& p = box.names()[static_cast<std::size_t>(j)];
    if (stage && stage->fixed.count(p)) continue;  // held at its fixed value
    const auto it = std::find(names.begin(), names.end(), p);
    if (it != names.end()) full.col(j) = values.col(static_cast<Index>(it - names.begin()));
    else if (lists_name(used, p))
      throw Error(ErrorContext{.parameter = p}, "dataset \"" + dataset + "\" needs this parameter, which the run "
                                                "does not have (its stage dropped it)");
  }
  return full;
}

std::vector<std::string> parameters_of_datasets(const AnalysisConfig& config,
                                                const std::vector<std::string>& datasets) {
  std::vector<std::string> out;
  for (const auto& n : config.box.names())
    for (const auto& d : datasets)
      if (const StageConfig* s = config.stage_of(d); s && lists_name(s->parameters, n)) {
        out.push_back(n);
        break;
      }
  return out;
}

std::vector<std::string> joint_parameters(const AnalysisConfig& config) {
  std::vector<std::string> out;
  for (const auto& n : config.box.names())
    for (const auto& s : config.stages)
      if (lists_name(s.parameters, n)) {
        out.push_back(n);
        break;
      }
  return out;
}

}  // namespace flowprior
